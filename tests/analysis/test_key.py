"""Key: tonic and mode evidence on hand-made posteriors, madmom's CNN port, synthesised songs."""

from __future__ import annotations

import numpy as np
import pytest

from performia.analysis.chord_engine import FRAME_S, ChordPosteriors
from performia.analysis.chordnames import Key, parse_key
from performia.analysis.key import (
    CNN_FPS,
    EDGE_SUPPORT,
    KeyEstimate,
    KeyEvidence,
    chord_key_scores,
    cnn_key_probabilities,
    estimate_key,
    key_evidence,
    key_index,
    key_spectrogram,
    relative_index,
    root_shares,
    silent_edges,
    third_balance,
    tonic_scores,
    tonic_support,
)
from performia.analysis.results import Chord
from performia.testing import render_song

SR = 22050
SIZES = (73, 13, 4, 4, 3, 3)
INTERVALS = {"maj": (0, 4, 7), "min": (0, 3, 7)}


def triad_posteriors(chords: list[tuple[int, str, int]]) -> ChordPosteriors:
    """Posteriors sure of each (root, "maj"/"min", frames) triad in turn."""
    rows = []
    for root, kind, frames in chords:
        row = np.full(73, 0.02 / 72)
        row[1 + root + (12 if kind == "min" else 0)] = 0.98
        rows += [row] * frames
    triad = np.array(rows).reshape(-1, 73)
    n = len(triad)
    others = [np.full((n, size), 1.0 / size) for size in SIZES[1:]]
    return ChordPosteriors(np.arange(n) * FRAME_S, triad, *others)


def chord_tones(chords: list[tuple[int, str, int]]) -> np.ndarray:
    """(frames, 12) treble chroma sounding each triad's notes, as ``KeyEvidence.treble``."""
    rows = []
    for root, kind, frames in chords:
        row = np.zeros(12)
        row[[(root + i) % 12 for i in INTERVALS[kind]]] = 1.0
        rows += [row] * frames
    return np.array(rows).reshape(-1, 12)


def evidence(
    chords: list[tuple[int, str, int]],
    opening: int | None = None,
    closing: int | None = None,
) -> KeyEvidence:
    """Commercial-profile evidence of a progression; ``opening``/``closing`` mark a whole song
    whose first/last chord has that root."""
    post = triad_posteriors(chords)
    end = float(post.times[-1])
    return KeyEvidence(
        times=post.times,
        triad=post.triad,
        treble=chord_tones(chords),
        spectrogram=None,
        opening=None if opening is None else (0.0, opening),
        closing=None if closing is None else (end, closing),
    )


def test_key_indices_order_majors_then_minors_and_pair_relatives():
    assert key_index(parse_key("C major")) == 0
    assert key_index(parse_key("B major")) == 11
    assert key_index(parse_key("A minor")) == 21
    assert relative_index(key_index(parse_key("C major"))) == key_index(parse_key("A minor"))
    assert relative_index(key_index(parse_key("F# minor"))) == key_index(parse_key("A major"))
    assert all(relative_index(relative_index(i)) == i for i in range(24))
    estimate = KeyEstimate(Key(9, "minor"), 0.5, np.zeros(24))
    assert estimate.name == "A minor"


@pytest.mark.parametrize(
    ("chords", "expected"),
    [
        ([(0, "maj", 40), (5, "maj", 20), (7, "maj", 20), (9, "min", 10)], "C major"),
        ([(10, "maj", 40), (3, "maj", 20), (5, "maj", 30), (7, "min", 10)], "Bb major"),
        ([(9, "min", 40), (2, "min", 20), (4, "maj", 30)], "A minor"),
    ],
)
def test_chord_evidence_finds_the_key_of_a_progression(chords, expected):
    scores = chord_key_scores(triad_posteriors(chords).triad)
    assert scores.shape == (24,)
    assert int(np.argmax(scores)) == key_index(parse_key(expected))
    assert int(np.argmax(tonic_scores(scores))) == parse_key(expected).tonic
    estimate = estimate_key(evidence(chords), profile="commercial")
    assert estimate.name == expected
    assert 0.0 < estimate.confidence < 1.0
    assert estimate.probabilities.sum() == pytest.approx(1.0)


def test_tonic_scores_ignore_the_mode():
    scores = np.arange(24.0)
    np.testing.assert_allclose(tonic_scores(scores), np.arange(12.0) + 6.0)


def test_silence_has_no_chord_evidence():
    silent = triad_posteriors([])
    assert np.all(chord_key_scores(silent.triad) == 0)
    assert np.all(root_shares(silent.triad) == 0)


def test_root_shares_count_every_triad_type_and_leave_out_no_chord():
    triad = np.zeros((4, 73))
    triad[0, 1 + 9] = 1.0  # A major
    triad[1, 1 + 12 + 9] = 1.0  # A minor
    triad[2, 1 + 0] = 1.0  # C major
    triad[3, 0] = 1.0  # no chord
    shares = root_shares(triad)
    assert shares[9] == pytest.approx(2 / 3)
    assert shares[0] == pytest.approx(1 / 3)
    assert shares.sum() == pytest.approx(1.0)


def test_third_balance_hears_the_minor_third():
    treble = chord_tones([(9, "min", 10)])  # A C E
    balance = third_balance(treble)
    assert balance[9] > 0  # C (minor third of A) sounds, C# does not
    assert balance[0] < 0  # over C: E (major third) sounds, Eb does not
    assert balance[2] == pytest.approx(0.0)  # over D: neither F nor F# sounds


def test_tonic_support_adds_the_edge_chords():
    shares = np.full(12, 1 / 12)
    support = tonic_support(shares, opening=9, closing=None)
    assert support[9] == pytest.approx(1 / 12 + EDGE_SUPPORT)
    assert support[0] == pytest.approx(1 / 12)
    both = tonic_support(shares, opening=0, closing=0)
    assert both[0] == pytest.approx(1 / 12 + 2 * EDGE_SUPPORT)


def test_silent_edges_tell_a_whole_song_from_an_excerpt():
    t = np.arange(SR * 4) / SR
    tone = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    song = tone.copy()
    song[: SR // 2] = 0.0  # half a second of silence before the music
    assert silent_edges(song, SR) == (True, False)
    assert silent_edges(tone, SR) == (False, False)
    assert silent_edges(tone[::-1] * np.linspace(1, 0, len(tone)) ** 3, SR) == (False, True)
    assert silent_edges(np.zeros(SR, np.float32), SR) == (False, False)
    assert silent_edges(tone[:100], SR) == (False, False)


def test_a_minor_loop_is_a_minor_when_the_song_opens_on_it():
    # Am F C G: the notes of C major; only the opening chord says A minor
    loop = [(9, "min", 20), (5, "maj", 20), (0, "maj", 20), (7, "maj", 20)] * 2
    whole_song = estimate_key(evidence(loop, opening=9, closing=7), profile="commercial")
    assert whole_song.name == "A minor"
    assert int(np.argmax(whole_song.probabilities)) == key_index(parse_key("A minor"))
    excerpt = estimate_key(evidence(loop[1:] + loop[:1]), profile="commercial")
    assert excerpt.key.relative_major == parse_key("C major")


def test_the_edge_chords_tip_a_tonic_between_fifths():
    # G C D, as much of each: G major, or D mixolydian; a whole song that starts and ends on D
    # is in D
    chords = [(7, "maj", 20), (0, "maj", 20), (2, "maj", 20)]
    assert estimate_key(evidence(chords), profile="commercial").name == "G major"
    whole_song = evidence(chords, opening=2, closing=2)
    assert estimate_key(whole_song, profile="commercial").name == "D major"


def test_span_keeps_the_frames_and_edge_chords_inside_it():
    chords = [(0, "maj", 200), (9, "min", 200)]
    whole = evidence(chords, opening=0, closing=9)
    whole = KeyEvidence(
        whole.times, whole.triad, whole.treble, np.zeros((60, 105)), whole.opening, whole.closing
    )
    half = float(whole.times[200])
    first = whole.span(0.0, half)
    assert len(first.times) == 200 and first.opening == whole.opening and first.closing is None
    assert len(first.spectrogram) == int(np.ceil(half * CNN_FPS))
    second = whole.span(half, float(whole.times[-1]) + 1.0)
    assert second.opening is None and second.closing == whole.closing
    assert estimate_key(first, profile="commercial").name == "C major"
    assert estimate_key(second, profile="commercial").name == "A minor"


def test_profiles_check_their_inputs():
    post = triad_posteriors([(0, "maj", 10)])
    with pytest.raises(ValueError):
        key_evidence(posteriors=post, profile="default")
    with pytest.raises(ValueError):
        key_evidence(posteriors=post, profile="commercial")
    with pytest.raises(ValueError):
        key_evidence(posteriors=post, treble=np.zeros((12, 10)), profile="free-for-all")
    with pytest.raises(ValueError):
        estimate_key(evidence([(0, "maj", 10)]), profile="default")


def test_key_evidence_finds_the_edge_chords_of_a_whole_song():
    post = triad_posteriors([(0, "maj", 10)])
    y = np.zeros(SR * 2, np.float32)
    y[SR // 2 : SR + SR // 2] = 0.5  # silence, sound, silence
    chords = [
        Chord(0.0, 0.5, "N"),
        Chord(0.5, 1.0, "Am7"),
        Chord(1.0, 1.5, "G/B"),
        Chord(1.5, 2.0, "N"),
    ]
    ev = key_evidence(posteriors=post, treble=np.zeros((12, 10)), chords=chords, y=y, sr=SR,
                      profile="commercial")  # fmt: skip
    assert ev.opening == (0.5, 9) and ev.closing == (1.0, 7)
    assert ev.spectrogram is None
    no_signal = key_evidence(posteriors=post, treble=np.zeros((12, 10)), chords=chords,
                             profile="commercial")  # fmt: skip
    assert no_signal.opening is None and no_signal.closing is None


def test_cnn_pads_a_span_too_short_for_its_pooling():
    assert cnn_key_probabilities(np.zeros((3, 105))).sum() == pytest.approx(1.0)


@pytest.mark.slow
def test_madmom_key_cnn_port_matches_madmom():
    from scipy.signal import resample_poly

    from performia.analysis.backends import import_madmom

    madmom = import_madmom()
    from madmom.features.key import CNNKeyRecognitionProcessor

    mix, _, _ = render_song(bpm=100, bars=4, progression=("Dm", "Bb", "C", "A7"), sr=SR)
    y44 = resample_poly(mix, 2, 1).astype(np.float32)
    signal = madmom.audio.signal.Signal(y44, sample_rate=44100, num_channels=1)
    theirs = np.asarray(CNNKeyRecognitionProcessor()(signal))[0]
    # 22050 → 44100 by soxr, not resample_poly
    ours = cnn_key_probabilities(key_spectrogram(y=mix, sr=SR))
    order = [(9 + i) % 12 for i in range(12)] + [12 + (9 + i) % 12 for i in range(12)]
    np.testing.assert_allclose(ours[order], theirs, atol=0.02)
    assert int(np.argmax(ours)) == int(order[int(np.argmax(theirs))])


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["default", "commercial"])
@pytest.mark.parametrize(
    ("progression", "key", "cents"),
    [
        (("F", "Bb", "Gm7", "C7"), "F major", 0.0),
        (("Dm", "Bb", "C", "A7"), "D minor", 0.0),
        (("D", "G", "A7", "D"), "D major", -35.0),
    ],
)
def test_key_of_synthesised_songs(progression, key, cents, profile):
    from performia.analysis.chord_decoding import decode_chords
    from performia.analysis.chord_engine import chord_posteriors, cqt_magnitudes, tuning_cents
    from performia.analysis.harmony import chroma_from_cqt

    mix, truth, _ = render_song(
        bpm=100, bars=8, progression=progression, key=key, sr=SR, tuning_cents=cents
    )
    tuning = tuning_cents(y=mix, sr=SR)
    cqt = cqt_magnitudes(y=mix, sr=SR, tuning=tuning)
    post = chord_posteriors(y=mix, sr=SR, tuning=tuning, cqt=cqt)
    # the song starts in silence on its tonic chord: without that, F Bb Gm7 C7 (as long each)
    # is as much G minor (dorian) as F major to the commercial profile's chord evidence
    chords = decode_chords(post, duration=len(mix) / SR, beats=truth.beats)
    ev = key_evidence(posteriors=post, treble=chroma_from_cqt(cqt).treble, chords=chords, y=mix,
                      sr=SR, tuning=tuning, profile=profile)  # fmt: skip
    estimate = estimate_key(ev, profile)
    assert estimate.name == key
    # the commercial map is flatter: its evidence is right less often (see calibration.PLATT)
    assert estimate.confidence > (0.5 if profile == "default" else 0.3)
