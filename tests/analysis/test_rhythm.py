"""Rhythm analysis on synthesised songs whose beats and downbeats are known exactly."""

from __future__ import annotations

import io
import json
import math
from functools import cache

import mir_eval
import numpy as np
import pytest

from performia.analysis import rhythm as rhythm_module
from performia.analysis.results import Rhythm
from performia.analysis.rhythm import (
    ACTIVATION_FPS,
    MIN_PULSE_CLARITY,
    baseline_rhythm,
    beat_activations,
    choose_bar_phase,
    choose_metrical_level,
    pulse_clarity,
    track_rhythm,
)
from performia.pipeline.graph import GRAPH
from performia.stages import rhythm as rhythm_stage
from performia.stages.context import StageContext, artifact_key
from performia.storage import LocalFolderStore
from performia.testing import NoteTruth, render_melody, render_song

SR = 22050
BARS = 8
#: The bar-phase check asks for at least seven bars agreeing: a longer song for that test.
LONG_BARS = 12
#: Notes of one and two beats in turn: the melody never lines up with the bar.
MELODY = [(60 + (i % 5) * 2, 1 + (i % 2)) for i in range(64)]
GRID = [(meter, bpm) for meter in (4, 3) for bpm in (70, 100, 128, 160, 180)] + [
    # 6/8 counts eighths: 132 and 180 eighths a minute are dotted quarters at 44 and 60
    (6, 132),
    (6, 180),
]


@cache
def song(bpm: float, meter: int, chords_per_bar: int = 1):
    mix, truth, _ = render_song(
        bpm=bpm,
        meter=meter,
        bars=BARS if chords_per_bar == 1 else LONG_BARS,
        melody=MELODY,
        chords_per_bar=chords_per_bar,
        sr=SR,
        seed=int(bpm),
    )
    return mix, truth


@cache
def activations(bpm: float, meter: int, chords_per_bar: int = 1) -> np.ndarray:
    return beat_activations(y=song(bpm, meter, chords_per_bar)[0], sr=SR)


@cache
def tracked(bpm: float, meter: int, chords_per_bar: int = 1) -> Rhythm:
    mix, _ = song(bpm, meter, chords_per_bar)
    return track_rhythm(y=mix, sr=SR, activations=activations(bpm, meter, chords_per_bar))


def f_measure(truth, estimate) -> float:
    return mir_eval.beat.f_measure(np.asarray(truth), np.asarray(estimate))


def rubato_melody(seed: int = 0) -> np.ndarray:
    """A voice-like line with free note lengths and gaps: no pulse to find."""
    rng = np.random.default_rng(seed)
    notes, t = [], 0.3
    for _ in range(14):
        length = rng.uniform(0.4, 1.8)
        notes.append(NoteTruth(int(rng.integers(57, 70)), t, t + length))
        t += length + rng.uniform(0.0, 0.5)
    y = render_melody(notes, sr=SR, duration=t + 0.5)
    return (0.9 * y / np.abs(y).max()).astype(np.float32)


# ---------------------------------------------------------------------------- track_rhythm


@pytest.mark.slow
@pytest.mark.parametrize(("meter", "bpm"), GRID)
def test_beats_downbeats_tempo_and_meter(meter, bpm):
    _, truth = song(bpm, meter)
    rhythm = tracked(bpm, meter)
    assert f_measure(truth.beats, rhythm.beats) >= 0.97
    assert f_measure(truth.downbeats, rhythm.downbeats) >= 0.90
    assert rhythm.tempo == pytest.approx(bpm, rel=0.02)  # no octave error
    assert rhythm.time_signature == (meter, 8 if meter == 6 else 4)
    assert MIN_PULSE_CLARITY <= rhythm.confidence <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize(("meter", "bpm"), [(4, 70), (3, 128), (4, 180)])
def test_tempo_curve_is_ordered_and_follows_the_tempo(meter, bpm):
    rhythm = tracked(bpm, meter)
    times = np.array([t for t, _ in rhythm.tempo_curve])
    local = np.array([b for _, b in rhythm.tempo_curve])
    assert len(times) >= len(rhythm.beats) - 2
    assert np.all(np.diff(times) > 0)
    assert np.all(np.abs(local / bpm - 1.0) < 0.03)
    assert set(rhythm.downbeats) <= set(rhythm.beats)


@pytest.mark.slow
def test_downbeat_not_on_beat_three_when_chords_change_every_half_bar():
    # Chords on beats 1 and 3 and a kick on both: the network alone puts the downbeat on
    # beat 3 (downbeat F 0); the kick accent on beat 1 moves it back.
    _, truth = song(100, 4, chords_per_bar=2)
    rhythm = tracked(100, 4, chords_per_bar=2)
    assert f_measure(truth.downbeats, rhythm.downbeats) >= 0.90


@pytest.mark.slow
def test_no_steady_beat_gives_an_empty_rhythm():
    rhythm = track_rhythm(y=rubato_melody(), sr=SR)
    assert (rhythm.beats, rhythm.downbeats, rhythm.tempo, rhythm.time_signature) == (
        (),
        (),
        None,
        None,
    )
    assert rhythm.confidence < MIN_PULSE_CLARITY


def test_silence_and_short_signals_give_an_empty_rhythm_without_the_network():
    for y in (np.zeros(5 * SR, np.float32), np.ones(SR // 2, np.float32)):
        rhythm = track_rhythm(y=y, sr=SR)
        assert rhythm.beats == () and rhythm.tempo is None and rhythm.time_signature is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": np.zeros((2, SR), np.float32), "sr": SR}, "mono"),
        ({"y": np.zeros(SR, np.int16), "sr": SR}, "floating"),
        ({"y": np.full(SR, np.nan, np.float32), "sr": SR}, "NaN"),
        ({"y": np.zeros(SR, np.float32), "sr": 0}, "sample rate"),
        ({"y": np.zeros(SR, np.float32), "sr": SR, "meters": (1,)}, "meters"),
        ({"y": np.zeros(SR, np.float32), "sr": SR, "min_bpm": 120, "max_bpm": 60}, "min_bpm"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        track_rhythm(**kwargs)


# ------------------------------------------------------------------ the checks, in isolation


def _frames(times) -> np.ndarray:
    return np.asarray(times) * ACTIVATION_FPS


@pytest.mark.slow
def test_metrical_level_keeps_right_tempi_and_undoes_octave_errors():
    # The network's activation of real songs, against beat grids at the right tempo, at twice
    # it (every other beat is silence) and at half of it (the midpoints are beats).
    for bpm, meter in ((100, 4), (160, 3)):
        strength = activations(bpm, meter).sum(axis=1)
        beats = np.asarray(song(bpm, meter)[1].beats)
        doubled = np.sort(np.r_[beats, 0.5 * (beats[1:] + beats[:-1])])
        level = {
            "right": choose_metrical_level(activation=strength, beat_frames=_frames(beats)),
            "double": choose_metrical_level(activation=strength, beat_frames=_frames(doubled)),
            "half": choose_metrical_level(activation=strength, beat_frames=_frames(beats[::2])),
        }
        assert level == {"right": 1.0, "double": 0.5, "half": 2.0}, bpm
    # Never outside the allowed range: 160 BPM tracked at 80 stays there when max_bpm is 150.
    half = _frames(beats[::2])
    assert choose_metrical_level(activation=strength, beat_frames=half, max_bpm=150) == 1.0


def test_metrical_level_on_pulse_trains():
    frames = np.arange(0, 3000, 60.0)  # 100 BPM
    activation = np.zeros(3100)
    activation[frames.astype(int)] = 0.8
    assert choose_metrical_level(activation=activation, beat_frames=frames) == 1.0
    assert choose_metrical_level(activation=activation, beat_frames=np.arange(0, 3000, 30.0)) == 0.5
    # Every 120 frames (50 BPM): the beats between the beats double it, unless 100 BPM is
    # above max_bpm.
    sparse = np.arange(0, 3000, 120.0)
    assert choose_metrical_level(activation=activation, beat_frames=sparse) == 2.0
    assert choose_metrical_level(activation=activation, beat_frames=sparse, max_bpm=90) == 1.0


def test_bar_phase_moves_only_on_clear_unambiguous_evidence():
    bars, meter = 10, 4
    positions = np.tile(np.arange(1, meter + 1), bars)
    downbeat = np.tile([0.3, 0.01, 0.25, 0.01], bars)  # network: beat 1 or beat 3
    accent = np.tile([40.0, 33.0, 42.0, 33.0], bars)  # beat 3 louder in the bass every bar
    flat_change = np.zeros(len(positions))
    kwargs = {"positions": positions, "downbeat_activation": downbeat}
    assert choose_bar_phase(**kwargs, accent=accent, change=flat_change) == 2
    # The network sure of beat 1: nothing moves.
    sure = np.tile([0.6, 0.01, 0.1, 0.01], bars)
    assert (
        choose_bar_phase(
            positions=positions, downbeat_activation=sure, accent=accent, change=flat_change
        )
        == 0
    )
    # Harmony clearly changing on beat 1 contradicts the accent: nothing moves.
    change = np.tile([0.5, 0.1, 0.1, 0.1], bars)
    assert choose_bar_phase(**kwargs, accent=accent, change=change) == 0
    # An accent on beat 3 in only half the bars is not clear.
    mixed = accent.copy()
    mixed[2::8] = 38.0
    assert choose_bar_phase(**kwargs, accent=mixed, change=flat_change) == 0


def test_pulse_clarity():
    frames = np.arange(0, 3000, 60.0)
    on_grid = np.zeros(3100)
    on_grid[frames.astype(int)] = 1.0
    assert pulse_clarity(activation=on_grid, beat_frames=frames) == pytest.approx(1.0)
    uniform = np.full(3100, 0.1)
    assert pulse_clarity(activation=uniform, beat_frames=frames) == pytest.approx(0.0, abs=1e-6)
    assert pulse_clarity(activation=uniform, beat_frames=frames[:1]) == 0.0


# ------------------------------------------------------------------------------- baseline


@pytest.mark.slow
def test_baseline_is_librosa_with_a_fixed_four_four_bar():
    mix, truth = song(128, 4)
    rhythm = baseline_rhythm(y=mix, sr=SR)
    assert rhythm.time_signature == (4, 4) and rhythm.confidence is None
    assert rhythm.downbeats == rhythm.beats[::4]
    assert f_measure(truth.beats, rhythm.beats) >= 0.9
    assert rhythm.tempo == pytest.approx(128, rel=0.03)


# ---------------------------------------------------------------------------------- stage


def _stage_context(tmp_path, y: np.ndarray, reports: list) -> StageContext:
    store = LocalFolderStore(tmp_path)
    fingerprints = {"ingest": "f-ingest", "rhythm": "f-rhythm"}
    buf = io.BytesIO()
    np.save(buf, y.astype(np.float32), allow_pickle=False)
    store.put(artifact_key("j", "ingest", "f-ingest", "audio.npy"), buf.getvalue())
    meta = {"sampleRate": SR, "duration": len(y) / SR}
    store.put(artifact_key("j", "ingest", "f-ingest", "metadata.json"), json.dumps(meta).encode())
    return StageContext(
        spec=GRAPH["rhythm"],
        job_id="j",
        store=store,
        input={"key": "uploads/j/song.wav", "filename": "song.wav"},
        params={},
        fingerprints=fingerprints,
        report=lambda fraction, message: reports.append((fraction, message)),
    )


@pytest.mark.slow
def test_stage_writes_rhythm_json_that_round_trips(tmp_path):
    mix, truth = song(128, 4)
    reports: list = []
    ctx = _stage_context(tmp_path, mix, reports)
    outcome = rhythm_stage.run(ctx)
    written = Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))
    assert written == tracked(128, 4)
    assert f_measure(truth.beats, written.beats) >= 0.97
    assert ctx.written == ["rhythm.json"]
    assert outcome.engine == "madmom RNNDownBeat+DBN" and outcome.engine_version
    assert outcome.confidence == written.confidence and outcome.note is None
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.slow
def test_stage_notes_a_recording_without_a_beat(tmp_path):
    ctx = _stage_context(tmp_path, rubato_melody(), [])
    outcome = rhythm_stage.run(ctx)
    written = Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))
    assert written.beats == () and written.tempo is None and written.time_signature is None
    assert outcome.note and "no steady beat" in outcome.note
    assert math.isfinite(outcome.confidence)


@pytest.mark.slow
def test_long_recordings_are_decoded_in_windows_with_the_same_result(monkeypatch):
    # Windows of 8 s on a 28 s song: the stitched beats and bars match one decoding pass.
    mix, truth = song(70, 4)
    monkeypatch.setattr(rhythm_module, "DECODE_WINDOW_S", 8.0)
    monkeypatch.setattr(rhythm_module, "DECODE_OVERLAP_S", 3.0)
    windowed = track_rhythm(y=mix, sr=SR, activations=activations(70, 4))
    whole = tracked(70, 4)
    assert f_measure(whole.beats, windowed.beats) == 1.0
    assert f_measure(whole.downbeats, windowed.downbeats) == 1.0
    assert windowed.time_signature == whole.time_signature
    assert f_measure(truth.downbeats, windowed.downbeats) >= 0.90
