"""Rhythm analysis on synthesised songs whose beats and downbeats are known exactly."""

from __future__ import annotations

import io
import json
from functools import cache

import mir_eval
import numpy as np
import pytest

from performia.analysis import rhythm as rhythm_module
from performia.analysis.blstm import BatchedBLSTM
from performia.analysis.metre import (
    decode_bars,
    downbeat_evidence,
    harmonic_change,
)
from performia.analysis.results import Rhythm
from performia.analysis.rhythm import (
    Activations,
    baseline_rhythm,
    rhythm_activations,
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
    # 6/8 counts eighths: 132 eighths a minute are dotted quarters at 44
    (6, 132),
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
def activations(bpm: float, meter: int, chords_per_bar: int = 1) -> Activations:
    return rhythm_activations(y=song(bpm, meter, chords_per_bar)[0], sr=SR)


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
    assert len(rhythm.beat_confidence) == len(rhythm.beats)
    assert all(0.0 <= c <= 1.0 for c in rhythm.beat_confidence)
    assert rhythm.confidence == pytest.approx(np.mean(rhythm.beat_confidence), abs=1e-3)
    assert 0.0 <= rhythm.bar_confidence <= 1.0


@pytest.mark.slow
def test_fast_six_eight_keeps_its_bars_but_counts_every_other_eighth():
    # A known limit: eighths at 180 (dotted quarters at 60) are tracked at 90, every other
    # eighth, so the bars come out as 3/4 at 90. The bars still fall on the right beats.
    _, truth = song(180, 6)
    rhythm = tracked(180, 6)
    assert f_measure(truth.downbeats, rhythm.downbeats) >= 0.90
    assert rhythm.time_signature == (3, 4)
    assert rhythm.tempo == pytest.approx(90, rel=0.02)


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
    # Chords on beats 1 and 3 and a kick on both: the bar phase must still land on beat 1.
    _, truth = song(100, 4, chords_per_bar=2)
    rhythm = tracked(100, 4, chords_per_bar=2)
    assert f_measure(truth.downbeats, rhythm.downbeats) >= 0.90


@pytest.mark.slow
def test_a_rubato_voice_still_gets_a_grid_but_a_less_confident_one():
    # No steady pulse: the chart still gets the decoder's best grid (an empty grid helps
    # nobody), and its beats say they are guesses.
    rubato = track_rhythm(y=rubato_melody(), sr=SR)
    steady = tracked(100, 4)
    assert len(rubato.beats) >= 4 and rubato.tempo is not None
    assert len(rubato.beat_confidence) == len(rubato.beats)
    assert rubato.confidence < steady.confidence - 0.2


@pytest.mark.slow
def test_commercial_profile_tracks_beats_and_bars_with_beatnet():
    mix, truth = song(100, 4)
    act = rhythm_activations(y=mix, sr=SR, profile="commercial")
    assert act.fps == 50 and act.downbeat.shape == (len(act.beat), 2)
    rhythm = track_rhythm(y=mix, sr=SR, profile="commercial", activations=act)
    assert f_measure(truth.beats, rhythm.beats) >= 0.95
    assert f_measure(truth.downbeats, rhythm.downbeats) >= 0.90
    assert rhythm.time_signature == (4, 4)


def test_silence_and_short_signals_give_an_empty_rhythm_without_the_network():
    for y in (np.zeros(5 * SR, np.float32), np.ones(SR // 2, np.float32)):
        rhythm = track_rhythm(y=y, sr=SR)
        assert rhythm.beats == () and rhythm.tempo is None and rhythm.time_signature is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": np.zeros((2, SR), np.float32), "sr": SR}, "mono"),
        ({"y": np.zeros(SR, np.int16), "sr": SR}, "float"),
        ({"y": np.full(SR, np.nan, np.float32), "sr": SR}, "NaN"),
        ({"y": np.zeros(SR, np.float32), "sr": 0}, "sample rate"),
        ({"y": np.zeros(SR, np.float32), "sr": SR, "meters": (1,)}, "meters"),
        ({"y": np.zeros(SR, np.float32), "sr": SR, "min_bpm": 120, "max_bpm": 60}, "min_bpm"),
        ({"y": np.zeros(SR, np.float32), "sr": SR, "profile": "cheap"}, "profile"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        track_rhythm(**kwargs)


# ---------------------------------------------------------------- the networks, batched


@pytest.mark.slow
def test_features_and_batched_networks_match_madmom():
    from madmom.features.beats import RNNBeatProcessor
    from madmom.features.downbeats import RNNDownBeatProcessor
    from madmom.ml.nn import NeuralNetwork
    from madmom.models import BEATS_BLSTM, DOWNBEATS_BLSTM
    from scipy.signal import resample_poly

    from performia.analysis.backends import import_madmom
    from performia.analysis.rhythm import madmom_features

    mix, _ = song(128, 4)
    signal = import_madmom().audio.signal.Signal(
        resample_poly(mix[: 6 * SR], 2, 1).astype(np.float32), sample_rate=44100, num_channels=1
    )
    theirs = [
        RNNBeatProcessor().processors[0](signal),
        RNNDownBeatProcessor().processors[0](signal),
    ]
    # one STFT per frame size for both networks, in blocks: the same numbers as madmom's
    for block in (3000, 97):
        ours = madmom_features(signal, block=block)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)
    nets = [NeuralNetwork.load(BEATS_BLSTM[0]), NeuralNetwork.load(DOWNBEATS_BLSTM[0])]
    outputs = BatchedBLSTM(nets)(theirs)
    for net, x, out in zip(nets, theirs, outputs, strict=True):
        np.testing.assert_allclose(out.squeeze(), net.process(x), atol=1e-4)


def test_batched_networks_refuse_what_they_do_not_implement():
    with pytest.raises(ValueError, match="no networks"):
        BatchedBLSTM([])


# ------------------------------------------------------------------ the bar decoder, alone


def test_downbeat_evidence_is_the_log_odds_of_a_downbeat_among_beats():
    beat = np.zeros(300)
    down = np.zeros(300)
    beat[[50, 150]] = 0.6  # two plain beats
    down[[100, 200]] = 0.6  # two downbeats
    down[[50, 150]] = 0.02
    evidence = downbeat_evidence(
        beat_activation=beat, downbeat_activation=down, beats=np.array([0.5, 1.0, 1.5, 2.0]),
        fps=100,
    )  # fmt: skip
    assert evidence[1] > 2 and evidence[3] > 2
    assert evidence[0] < -2 and evidence[2] < -2


def test_harmonic_change_peaks_where_the_chord_changes():
    times = np.arange(0, 16, 0.05)
    chroma = np.zeros((12, len(times)))
    for bar in range(4):  # C major, then A minor, C, A minor: a bar (4 s) each
        notes = [0, 4, 7] if bar % 2 == 0 else [9, 0, 4]
        inside = np.flatnonzero((times >= 4 * bar) & (times < 4 * bar + 4))
        chroma[np.ix_(notes, inside)] = 1.0
    chroma[4] += 0.01  # never silent
    beats = np.arange(0, 16, 1.0)
    z = harmonic_change(chroma=chroma, frame_times=times, beats=beats, span=2)
    assert set(np.argsort(z)[-3:]) == {4, 8, 12}
    assert np.all(z[:2] == 0) and np.all(z[-2:] == 0)  # undefined at the edges


def test_decode_bars_follows_the_evidence_and_keeps_one_phase():
    n = 40
    truth = np.arange(n) % 4 == 1  # downbeats on every 4th beat from beat 1
    evidence = np.where(truth, 2.0, -1.0)
    evidence[[5, 21]] = 2.5  # two misleading beats do not move the bar
    decoded = decode_bars(evidence={3: evidence, 4: evidence}, meters=(3, 4))
    assert decoded.meter == 4
    assert np.array_equal(decoded.positions == 1, truth)
    assert 0.5 < decoded.confidence <= 1.0
    three = decode_bars(evidence={3: np.where(np.arange(n) % 3 == 0, 2.0, -1.0)}, meters=(3,))
    assert three.meter == 3 and three.positions[0] == 1


def test_decode_bars_refuses_meters_without_evidence():
    with pytest.raises(ValueError, match="no evidence"):
        decode_bars(evidence={4: np.zeros(8)}, meters=(3, 4))
    with pytest.raises(ValueError, match="at least 2"):
        decode_bars(evidence={1: np.zeros(8)}, meters=(1,))


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


def _stage_context(tmp_path, y: np.ndarray, reports: list, params=None) -> StageContext:
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
        params=params or {},
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
    assert outcome.engine.startswith("madmom") and outcome.engine_version
    assert outcome.profile == "default"
    assert outcome.engines == ("madmom-beats", "madmom-downbeats", "madmom-dbn", "performia")
    assert "CC-BY-NC-SA-4.0" in outcome.note
    assert outcome.confidence == written.confidence
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.slow
def test_stage_runs_the_commercial_profile_on_permissive_engines_only(tmp_path):
    from performia.analysis.engines import ENGINES

    mix, _ = song(128, 4)
    ctx = _stage_context(tmp_path, mix, [], params={"profile": "commercial"})
    outcome = rhythm_stage.run(ctx)
    assert outcome.profile == "commercial"
    assert all(ENGINES[key].commercial for key in outcome.engines)
    assert "beatnet" in outcome.engines and "madmom-beats" not in outcome.engines


@pytest.mark.slow
def test_long_recordings_are_decoded_in_windows_with_the_same_result(monkeypatch):
    # Windows of 8 s on a 28 s song: the stitched beats match one decoding pass.
    mix, truth = song(70, 4)
    monkeypatch.setattr(rhythm_module, "DECODE_WINDOW_S", 8.0)
    monkeypatch.setattr(rhythm_module, "DECODE_OVERLAP_S", 3.0)
    windowed = track_rhythm(y=mix, sr=SR, activations=activations(70, 4))
    whole = tracked(70, 4)
    assert f_measure(whole.beats, windowed.beats) == 1.0
    assert f_measure(whole.downbeats, windowed.downbeats) == 1.0
    assert windowed.time_signature == whole.time_signature
    assert f_measure(truth.downbeats, windowed.downbeats) >= 0.90
