"""Melody on synthesised voices with known notes, scored with mir_eval; and the melody stage.

Accuracy bounds were measured on these very signals (see the comment by each) and set with a
margin, so a regression shows and noise does not.
"""

from __future__ import annotations

import io
import json
from functools import cache

import mir_eval
import numpy as np
import pytest
from scipy import signal

from performia.analysis.engines import PROFILES, engine
from performia.analysis.melody import (
    FMAX_HZ,
    FMIN_HZ,
    PitchTrack,
    baseline_melody,
    melody_engines,
    segment_notes,
    track_pitch,
)
from performia.analysis.results import Melody
from performia.jobs import StageState
from performia.jobs.base import StageRun
from performia.pipeline.graph import GRAPH
from performia.stages import melody as melody_stage
from performia.stages.context import StageContext, artifact_key
from performia.storage import LocalFolderStore
from performia.testing import (
    ChordTruth,
    NoteTruth,
    render_chords,
    render_melody,
    render_song,
    write_audio,
)

SR = 22050

# ------------------------------------------------------------------------------------ helpers


def random_melody(seed: int, low: int, high: int, beats: int) -> list[tuple[int | None, float]]:
    """A random walk in [low, high] (MIDI) of notes 0.5-3 beats long, with a few short rests."""
    rng = np.random.default_rng(seed)
    melody: list[tuple[int | None, float]] = []
    pitch, total = (low + high) // 2, 0.0
    while total < beats:
        if rng.random() < 0.12:
            melody.append((None, float(rng.choice([0.5, 1.0]))))
        else:
            pitch = int(np.clip(pitch + rng.integers(-5, 6), low, high))
            melody.append((pitch, float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))))
        total += melody[-1][1]
    return melody


#: name → (seed, lowest, highest MIDI, bpm): a male range (G2-G4), a female range (A3-C6) and a
#: mid range sung fast.
VOICES = {
    "male G2-G4": (1, 43, 67, 100.0),
    "female A3-C6": (2, 57, 84, 120.0),
    "mid fast": (3, 52, 76, 140.0),
}


@cache
def song(name: str):
    seed, low, high, bpm = VOICES[name]
    return render_song(bpm=bpm, bars=8, melody=random_melody(seed, low, high, 32), sr=SR, seed=seed)


def reference_contour(notes, duration: float, hop: float = 0.01):
    times = np.arange(0.0, duration, hop)
    freqs = np.zeros_like(times)
    for note in notes:
        freqs[(times >= note.start) & (times < note.end)] = mir_eval.util.midi_to_hz(
            note.pitch_midi
        )
    return times, freqs


def melody_scores(track: PitchTrack, truth_notes, duration: float) -> dict[str, float]:
    ref_t, ref_f = reference_contour(truth_notes, duration)
    return mir_eval.melody.evaluate(ref_t, ref_f, track.times, track.f0_hz)


def note_scores(notes, truth_notes) -> tuple[float, float]:
    """(onset F within 50 ms, note F with onset ±50 ms and pitch ±50 cents, offsets ignored)."""
    ref_iv = np.array([[n.start, n.end] for n in truth_notes])
    ref_hz = mir_eval.util.midi_to_hz(np.array([n.pitch_midi for n in truth_notes]))
    est_iv = np.array([[n.start, n.end] for n in notes]).reshape(-1, 2)
    est_hz = mir_eval.util.midi_to_hz(np.array([n.pitch for n in notes]))
    onset_f = mir_eval.transcription.onset_precision_recall_f1(ref_iv, est_iv, onset_tolerance=0.05)
    note_f = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=0.05, pitch_tolerance=50, offset_ratio=None
    )
    return onset_f[2], note_f[2]


def vibrato_voice(notes, *, cents: float, rate: float = 5.5, duration: float) -> np.ndarray:
    """Notes ``(midi, start, end)`` with a wide vibrato (±``cents``) and ±3 dB tremolo."""
    out = np.zeros(int(duration * SR))
    for midi, start, end in notes:
        t = np.arange(int((end - start) * SR)) / SR
        freq = 440.0 * 2 ** ((midi - 69) / 12) * 2 ** (cents * np.sin(2 * np.pi * rate * t) / 1200)
        phase = 2 * np.pi * np.cumsum(freq) / SR
        tone = sum(np.sin(k * phase) / k for k in range(1, 9))
        tremolo = 10 ** (3.0 * np.sin(2 * np.pi * rate * t + 1.0) / 20)
        envelope = np.minimum(1.0, np.minimum(t / 0.03, (t[-1] - t) / 0.05))
        out[int(start * SR) : int(start * SR) + len(t)] += tone * tremolo * envelope
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


def formant_voice(y: np.ndarray) -> np.ndarray:
    """``y`` through three vowel formants (/a/: 700, 1220, 2600 Hz) with a weak direct path.

    Like a sung vowel, a low note's upper harmonics then outweigh its fundamental.
    """
    out = 0.15 * y.astype(np.float64)
    for centre, bandwidth, gain in ((700, 130, 1.0), (1220, 70, 0.5), (2600, 160, 0.3)):
        b, a = signal.iirpeak(centre, centre / bandwidth, fs=SR)
        out += gain * signal.lfilter(b, a, y)
    return (out * np.abs(y).max() / np.abs(out).max()).astype(np.float32)


# ------------------------------------------------------------------------------ pitch contour


@pytest.mark.parametrize("voice", list(VOICES))
def test_clean_stem_contour_and_notes(voice):
    _, truth, stems = song(voice)
    track = track_pitch(y=stems["melody"], sr=SR, source="vocals")
    scores = melody_scores(track, truth.melody, truth.duration)
    # Measured 0.972-0.981 overall accuracy on these three voices with SwiftF0 and the voicing
    # (Melodia: 0.943-0.949; misses sit in the attack and release of each note).
    assert scores["Overall Accuracy"] >= 0.90, scores
    assert scores["Voicing False Alarm"] <= 0.05, scores
    onset_f, note_f = note_scores(segment_notes(track), truth.melody)
    # Measured onset F and note F 1.00 on all three.
    assert onset_f >= 0.8
    assert note_f >= 0.8


@pytest.mark.parametrize("voice", list(VOICES))
def test_full_mix_contour_and_notes(voice):
    mix, truth, _ = song(voice)
    track = track_pitch(y=mix, sr=SR, source="mix")
    scores = melody_scores(track, truth.melody, truth.duration)
    # Measured 0.936-0.977 (Melodia: 0.95 on the female and mid voices, 0.80 on the male one,
    # whose lowest notes, G#2 and B2, sit in the register of the pads' bass). The stress cases
    # of ``performia bench melody`` hold the hard mixes.
    assert scores["Overall Accuracy"] >= 0.70, scores
    onset_f, note_f = note_scores(segment_notes(track), truth.melody)
    # Measured note F 0.94-1.00.
    assert onset_f >= 0.8
    assert note_f >= 0.8


@pytest.mark.slow  # the first librosa call may compile its numba kernels
def test_beats_the_baseline_when_the_fundamental_is_weak():
    """A formant-shaped low voice: the strongest partial is not the fundamental."""
    _, truth, stems = song("male G2-G4")
    y = formant_voice(stems["melody"])
    ours = melody_scores(track_pitch(y=y, sr=SR, source="vocals"), truth.melody, truth.duration)
    base = melody_scores(baseline_melody(y=y, sr=SR), truth.melody, truth.duration)
    # Measured: ours 0.98, the piptrack baseline 0.18 (it follows the loudest harmonic).
    assert ours["Overall Accuracy"] >= 0.90
    assert base["Overall Accuracy"] <= 0.6
    assert ours["Raw Pitch Accuracy"] > base["Raw Pitch Accuracy"] + 0.3


def test_confidence_does_not_depend_on_level():
    _, _, stems = song("female A3-C6")
    y = stems["melody"][: 6 * SR]
    loud, quiet = track_pitch(y=y, sr=SR), track_pitch(y=0.03 * y, sr=SR)
    assert np.array_equal(loud.voiced, quiet.voiced)
    # The pitch CNN hears both at one peak level, but 0.03 * y is rounded in float32 first: its
    # pitch moves by a fraction of a cent, which moves the harmonic share by up to 0.01 on a few
    # frames (it moved by under 0.001 with Melodia).
    np.testing.assert_allclose(loud.confidence, quiet.confidence, atol=0.02)
    assert np.median(loud.confidence[loud.voiced]) > 0.8  # a clean harmonic voice


def test_other_sample_rates_keep_frame_duration_and_pitch():
    y = render_melody([NoteTruth(57, 0.2, 1.7)], sr=44100, duration=2.0)
    at_44k = track_pitch(y=y, sr=44100)
    at_22k = track_pitch(y=y[::2].copy(), sr=SR)
    assert abs(np.diff(at_44k.times)[0] - np.diff(at_22k.times)[0]) < 1e-3
    assert np.median(at_44k.midi[at_44k.voiced]) == pytest.approx(57, abs=0.2)


def test_silence_and_tiny_inputs_are_unvoiced():
    for y in (np.zeros(3 * SR, np.float32), np.zeros(100, np.float32)):
        track = track_pitch(y=y, sr=SR)
        assert not track.voiced.any()
        assert segment_notes(track) == ()
    assert baseline_melody(y=np.zeros(SR, np.float32), sr=SR).voiced.sum() == 0


def test_drums_alone_give_no_notes():
    _, _, stems = song("mid fast")
    track = track_pitch(y=stems["drums"], sr=SR)
    assert segment_notes(track) == ()
    assert track.voiced.mean() < 0.02


def test_bad_input_is_refused():
    y = np.zeros(SR, np.float32)
    with pytest.raises(ValueError, match="mono"):
        track_pitch(y=np.zeros((2, SR), np.float32), sr=SR)
    with pytest.raises(ValueError, match="source"):
        track_pitch(y=y, sr=SR, source="drums")
    with pytest.raises(ValueError, match="NaN"):
        track_pitch(y=np.full(SR, np.nan, np.float32), sr=SR)
    with pytest.raises(ValueError, match="float"):
        track_pitch(y=np.zeros(SR, np.int16), sr=SR)


def test_profiles_are_checked_and_both_run_commercial_engines():
    y = render_melody([NoteTruth(64, 0.1, 0.9)], sr=SR, duration=1.0)
    with pytest.raises(ValueError, match="profile"):
        track_pitch(y=y, sr=SR, profile="research")
    default = track_pitch(y=y, sr=SR, profile="default")
    commercial = track_pitch(y=y, sr=SR, profile="commercial")
    np.testing.assert_array_equal(default.f0_hz, commercial.f0_hz)
    for profile in PROFILES:
        keys = melody_engines(profile)
        assert all(engine(key).commercial for key in keys), keys
        assert not any(key.startswith("essentia") for key in keys)


def test_a_mix_beside_the_mix_changes_nothing():
    """``bench speed`` passes every analysis the same inputs, a mix included."""
    y = render_melody([NoteTruth(64, 0.1, 0.9)], sr=SR, duration=1.0)
    alone = track_pitch(y=y, sr=SR, source="mix")
    given = track_pitch(y=y, sr=SR, source="mix", mix=np.zeros(SR, np.float32))
    np.testing.assert_array_equal(alone.f0_hz, given.f0_hz)


def test_the_mix_beside_the_stem_keeps_a_solo_the_stem_lost():
    """A sung phrase, then a solo that separation moved out of the vocals stem."""
    sung = render_melody([NoteTruth(62, 0.2, 1.4)], sr=SR, duration=3.0)
    solo = render_melody([NoteTruth(69, 1.7, 2.8)], sr=SR, duration=3.0)
    pad = 0.3 * render_chords([ChordTruth("F", 0.0, 3.0)], sr=SR, duration=3.0)
    mix = (sung + solo + pad).astype(np.float32)
    stem = (sung + 0.02 * pad).astype(np.float32)
    both = track_pitch(y=stem, sr=SR, source="vocals", mix=mix)
    alone = track_pitch(y=stem, sr=SR, source="vocals")
    in_solo = (both.times > 1.8) & (both.times < 2.7)
    in_song = (both.times > 0.3) & (both.times < 1.3)
    assert np.median(both.midi[in_solo & both.voiced]) == pytest.approx(69, abs=0.3)
    assert both.voiced[in_solo].mean() > 0.9 and alone.voiced[in_solo].mean() < 0.1
    assert np.median(both.midi[in_song & both.voiced]) == pytest.approx(62, abs=0.3)


def test_pitch_track_array_round_trip():
    track = track_pitch(y=render_melody([NoteTruth(64, 0.1, 0.9)], sr=SR, duration=1.0), sr=SR)
    array = track.to_array()
    assert array.dtype == np.float32 and array.shape == (3, len(track.times))
    back = PitchTrack.from_array(array)
    np.testing.assert_allclose(back.f0_hz, track.f0_hz, rtol=1e-6)
    assert back.level_db is None
    assert 40 < FMIN_HZ < 100 < 1000 < FMAX_HZ < 1400  # the singing range, defined once


# ----------------------------------------------------------------------------- segmentation


def test_repeated_notes_separated_by_short_rests():
    melody = [(62, 0.75), (None, 0.25)] * 6 + [(62, 1.75), (None, 0.25)]
    _, truth, stems = render_song(bpm=120, bars=2, melody=melody, sr=SR)
    notes = segment_notes(track_pitch(y=stems["melody"], sr=SR, source="vocals"))
    assert len(notes) == len(truth.melody) == 7
    for est, ref in zip(notes, truth.melody, strict=True):
        assert abs(est.start - ref.start) < 0.05
        assert abs(est.end - ref.end) < 0.08
        assert est.pitch == pytest.approx(62, abs=0.25)
        assert 0.5 < est.confidence <= 1.0


def test_repeated_notes_sung_legato_split_where_the_level_dips():
    melody = [(60, 1), (60, 1), (60, 2), (64, 1), (64, 1)]
    _, truth, stems = render_song(bpm=100, bars=2, melody=melody, sr=SR)
    track = track_pitch(y=stems["melody"], sr=SR, source="vocals")
    notes = segment_notes(track)
    assert [round(n.pitch) for n in notes] == [60, 60, 60, 64, 64]
    assert note_scores(notes, truth.melody)[1] == 1.0
    # Read back from f0.npy the track has no level; the voicing already marks the dip between
    # the repeats unvoiced (it drops frames 12 dB below their stretch), so they still split.
    # With Melodia's voicing they merged into one note per pitch ([60, 64]).
    without_level = segment_notes(PitchTrack.from_array(track.to_array()))
    assert [round(n.pitch) for n in without_level] == [60, 60, 60, 64, 64]


@pytest.mark.parametrize(("notes", "cents"), [((57, 60, 64), 100), ((43, 45, 48), 60)])
def test_vibrato_stays_inside_one_note(notes, cents):
    spans = [(notes[0], 0.3, 1.8), (notes[1], 1.8, 3.3), (notes[2], 3.6, 5.6)]
    y = vibrato_voice(spans, cents=cents, duration=6.0)
    found = segment_notes(track_pitch(y=y, sr=SR, source="vocals"))
    assert [round(n.pitch) for n in found] == list(notes)
    for est, (_, start, end) in zip(found, spans, strict=True):
        assert abs(est.start - start) < 0.05 and abs(est.end - end) < 0.1


def test_short_fragments_are_dropped():
    times = np.arange(100) * 0.0116
    f0 = np.zeros(100)
    f0[10:14] = 220.0  # 46 ms: a blip, not a note
    f0[30:80] = 330.0
    track = PitchTrack(times, f0, (f0 > 0).astype(float))
    notes = segment_notes(track, min_duration=0.08)
    assert len(notes) == 1 and round(notes[0].pitch) == 64


# -------------------------------------------------------------------------------- the stage


def _context(
    tmp_path, y: np.ndarray, *, vocals: np.ndarray | None = None, params: dict | None = None
) -> StageContext:
    store = LocalFolderStore(tmp_path)
    fingerprints = {"ingest": "fp-ingest", "separate": "fp-separate", "melody": "fp-melody"}
    buf = io.BytesIO()
    np.save(buf, y)
    store.put(artifact_key("job", "ingest", "fp-ingest", "audio.npy"), buf.getvalue())
    metadata = {"duration": len(y) / SR, "sampleRate": SR}
    store.put(
        artifact_key("job", "ingest", "fp-ingest", "metadata.json"), json.dumps(metadata).encode()
    )
    upstream = {"ingest": StageRun(state=StageState.DONE)}
    if vocals is not None:
        path = write_audio(tmp_path / "vocals.flac", vocals, SR)
        store.put(artifact_key("job", "separate", "fp-separate", "vocals.flac"), path.read_bytes())
        stems = json.dumps({"vocals": "vocals.flac"}).encode()
        store.put(artifact_key("job", "separate", "fp-separate", "stems.json"), stems)
        upstream["separate"] = StageRun(state=StageState.DONE)
    else:
        upstream["separate"] = StageRun(state=StageState.SKIPPED)
    reports: list[tuple[float, str | None]] = []
    return StageContext(
        spec=GRAPH["melody"],
        job_id="job",
        store=store,
        input={"key": "uploads/job/song.wav", "filename": "song.wav"},
        params=params or {},
        fingerprints=fingerprints,
        upstream=upstream,
        report=lambda f, m: reports.append((f, m)),
    )


def _outputs(ctx: StageContext) -> tuple[Melody, np.ndarray]:
    melody = Melody.from_dict(json.loads(ctx.store.get(ctx.key("melody.json"))))
    f0 = np.load(io.BytesIO(ctx.store.get(ctx.key("f0.npy"))), allow_pickle=False)
    return melody, f0


def test_stage_tracks_the_mix_without_separation(tmp_path):
    mix, truth, _ = song("female A3-C6")
    ctx = _context(tmp_path, mix)
    outcome = melody_stage.run(ctx)
    melody, f0 = _outputs(ctx)
    assert melody.source == "mix" and outcome.note.startswith("tracked on the mix; default")
    assert f0.ndim == 2 and f0.shape[0] == 3 and f0.dtype == np.float32
    assert abs(f0[0, -1] - truth.duration) < 0.05
    assert note_scores(melody.notes, truth.melody)[1] >= 0.75
    assert "SwiftF0" in outcome.engine and outcome.engine_version.startswith("swift-f0 0.3")
    assert "code MIT, weights MIT" in outcome.note
    assert 0 < outcome.confidence <= 1
    assert sorted(ctx.written) == ["f0.npy", "melody.json"]


def test_stage_prefers_the_vocals_stem(tmp_path):
    mix, truth, stems = song("male G2-G4")
    ctx = _context(tmp_path, mix, vocals=stems["melody"])
    outcome = melody_stage.run(ctx)
    melody, f0 = _outputs(ctx)
    assert melody.source == "vocals"
    assert outcome.note.startswith("tracked on the vocals stem with the mix")
    assert f0.shape[0] == 3
    assert note_scores(melody.notes, truth.melody)[1] >= 0.8


def test_stage_names_the_commercial_profile_and_refuses_an_unknown_one(tmp_path):
    mix, _, stems = song("female A3-C6")
    ctx = _context(tmp_path, mix, vocals=stems["melody"], params={"profile": "commercial"})
    outcome = melody_stage.run(ctx)
    assert "commercial profile" in outcome.note and "essentia" not in outcome.note.lower()
    bad = _context(tmp_path / "bad", mix, params={"profile": "research"})
    with pytest.raises(ValueError, match="profile"):
        melody_stage.run(bad)


def test_stage_on_drums_only_writes_no_notes(tmp_path):
    _, _, stems = song("mid fast")
    ctx = _context(tmp_path, stems["drums"])
    outcome = melody_stage.run(ctx)
    melody, f0 = _outputs(ctx)
    assert melody.notes == () and f0.shape[0] == 3
    assert outcome.confidence is None or outcome.confidence < 0.2


# ------------------------------------------------------------------- which voice, which octave


def _series_on(y: np.ndarray, f0_hz: float) -> tuple[np.ndarray, np.ndarray, object]:
    """A track held at ``f0_hz`` over ``y`` and the partial powers measured along it."""
    from performia.analysis.melody import _SeriesPowers, _share

    times = np.arange(0.2, len(y) / SR - 0.2, 0.01)
    f0 = np.full(times.size, f0_hz)
    series = _SeriesPowers(f0)
    _share(y, SR, times, f0, measure=series)
    return times, f0, series


@pytest.mark.parametrize(("lower_gain", "moves"), [(0.4, True), (1.0, False)])
def test_the_louder_of_two_voices_in_thirds_is_the_lead(lower_gain, moves):
    """A track on the lower voice of a pair in thirds moves up only where the upper is louder."""
    from performia.analysis.melody import _prefer_upper_voice

    lower = render_melody([NoteTruth(57, 0.0, 2.0)], sr=SR, duration=2.0)  # A3
    upper = render_melody([NoteTruth(61, 0.0, 2.0)], sr=SR, duration=2.0)  # C#4, a major third
    _, f0, series = _series_on(lower_gain * lower + (0.7 if moves else 0.4) * upper, 220.0)
    moved_f0, moved = _prefer_upper_voice(f0, [(0, f0.size)], series.tracked, series.upper)
    assert moved.all() == moves and moved.any() == moves
    expected = 440.0 * 2 ** ((61 - 69) / 12) if moves else 220.0
    assert abs(1200 * np.log2(np.median(moved_f0) / expected)) < 30


def test_a_lone_voice_never_moves_to_a_third_above():
    from performia.analysis.melody import _prefer_upper_voice

    voice = render_melody([NoteTruth(57, 0.0, 2.0)], sr=SR, duration=2.0)
    _, f0, series = _series_on(voice, 220.0)
    _, moved = _prefer_upper_voice(f0, [(0, f0.size)], series.tracked, series.upper)
    assert not moved.any()


def test_a_sound_an_octave_off_the_register_folds_back():
    """Confident A3 around a stretch heard an octave up (A4) or at the subharmonic (A2)."""
    from performia.analysis.melody import _fold_octaves

    times = np.arange(0.0, 4.0, 0.01)
    f0 = np.full(times.size, 220.0)
    confidence = np.full(times.size, 0.9)
    middle = slice(150, 250)
    sounds = [(0, 150), (150, 250), (250, times.size)]
    keep = np.zeros(times.size, dtype=bool)
    no_odd, even = np.full(times.size, 1e-6), np.ones(times.size)
    up = f0.copy()
    up[middle] = 440.0
    folded = _fold_octaves(up, confidence, times, sounds, even, even, keep)
    np.testing.assert_allclose(folded, 220.0)
    down = f0.copy()
    down[middle] = 110.0
    # a subharmonic: its odd harmonics (those of the true note's half) are missing
    np.testing.assert_allclose(
        _fold_octaves(down, confidence, times, sounds, no_odd, even, keep), 220.0
    )
    # a real low note has its odd harmonics, and a moved sound (``keep``) never folds
    assert _fold_octaves(down, confidence, times, sounds, even, even, keep)[200] == 110.0
    keep[middle] = True
    assert _fold_octaves(up, confidence, times, sounds, even, even, keep)[200] == 440.0
