"""Global key: chord evidence on hand-made posteriors, madmom's CNN port, synthesised songs."""

from __future__ import annotations

import numpy as np
import pytest

from performia.analysis.chord_engine import FRAME_S, ChordPosteriors
from performia.analysis.chordnames import Key, parse_key
from performia.analysis.key import (
    KeyEstimate,
    chord_key_scores,
    estimate_key,
    key_index,
    madmom_key_probabilities,
)
from performia.testing import render_song

SR = 22050
SIZES = (73, 13, 4, 4, 3, 3)


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


def test_key_index_orders_majors_then_minors():
    assert key_index(parse_key("C major")) == 0
    assert key_index(parse_key("B major")) == 11
    assert key_index(parse_key("A minor")) == 21
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
    scores = chord_key_scores(triad_posteriors(chords))
    assert scores.shape == (24,)
    assert int(np.argmax(scores)) == key_index(parse_key(expected))
    estimate = estimate_key(posteriors=triad_posteriors(chords), profile="commercial")
    assert estimate.name == expected
    assert 0.0 < estimate.confidence < 1.0
    assert estimate.probabilities.sum() == pytest.approx(1.0)


def test_silence_has_no_chord_evidence():
    silent = triad_posteriors([])
    assert np.all(chord_key_scores(silent) == 0)


def test_the_default_profile_needs_the_signal_and_profiles_are_checked():
    post = triad_posteriors([(0, "maj", 10)])
    with pytest.raises(ValueError):
        estimate_key(posteriors=post, profile="default")
    with pytest.raises(ValueError):
        estimate_key(posteriors=post, profile="free-for-all")


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
    ours = madmom_key_probabilities(y=mix, sr=SR)  # 22050 → 44100 by soxr, not resample_poly
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
    from performia.analysis.chord_engine import chord_posteriors, tuning_cents

    mix, _, _ = render_song(
        bpm=100, bars=8, progression=progression, key=key, sr=SR, tuning_cents=cents
    )
    tuning = tuning_cents(y=mix, sr=SR)
    post = chord_posteriors(y=mix, sr=SR, tuning=tuning)
    estimate = estimate_key(posteriors=post, y=mix, sr=SR, tuning=tuning, profile=profile)
    assert estimate.name == key
    # the commercial map is flatter: its evidence is right less often (see calibration.PLATT)
    assert estimate.confidence > (0.5 if profile == "default" else 0.3)
