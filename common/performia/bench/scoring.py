"""mir_eval scores on plain arrays, shared by the synthetic suite and the real development set.

Every benchmark scores the same way whatever produced the truth: these functions take beat times,
labelled intervals and key names, never a suite song or a manifest entry.

=================  ============================================================================
metric             how
=================  ============================================================================
beat_f             ``mir_eval.beat.f_measure`` (±70 ms), beats before 5 s ignored (MIREX rule)
downbeat_f         the same on downbeats
tempo_acc          1 when the tempo is within 4 % of the reference
meter_acc          1 when the beats per bar match
key                ``mir_eval.key.weighted_score`` (1 exact, 0.5 fifth, 0.3 relative,
                   0.2 parallel)
chord_majmin       weighted chord symbol recall (``mir_eval.chord``: both sides tiled over the
                   recording with N where nothing is said, intervals merged, weighted by
                   duration) with the ``majmin`` comparator
chord_sevenths     the same with the ``sevenths`` comparator
boundary_f_0.5     ``mir_eval.segment.detection`` F at ±0.5 s, the first and last boundary
                   (start and end of the recording) trimmed
boundary_f_3       the same at ±3 s
pairwise_f         ``mir_eval.segment.pairwise`` F: do the labels repeat where the reference's do
=================  ============================================================================
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterable, Sequence
from types import ModuleType

import numpy as np

__all__ = [
    "MIN_BEAT_TIME",
    "beat_f",
    "canonical_key",
    "chord_recall",
    "key_weighted",
    "mir_eval",
    "segment_scores",
    "tempo_hit",
    "tile",
]

#: Beats before this time are not scored (mir_eval's default, from MIREX).
MIN_BEAT_TIME = 5.0
#: A tempo within this share of the reference is right.
TEMPO_TOLERANCE = 0.04


def mir_eval() -> ModuleType:
    """mir_eval, or a clear message naming the extra that installs it."""
    try:
        return importlib.import_module("mir_eval")
    except ImportError as exc:
        raise RuntimeError(
            "the benchmark scores with mir_eval: pip install 'performia[bench]'"
        ) from exc


def beat_f(
    reference: Sequence[float] | np.ndarray, estimate: Sequence[float] | np.ndarray
) -> float:
    """F-measure of beat (or downbeat) times at ±70 ms, ignoring the first 5 s."""
    beat = mir_eval().beat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = beat.trim_beats(np.sort(np.asarray(reference, dtype=float)), MIN_BEAT_TIME)
        est = beat.trim_beats(np.sort(np.asarray(estimate, dtype=float)), MIN_BEAT_TIME)
        return float(beat.f_measure(ref, est))


def tempo_hit(reference_bpm: float, estimate_bpm: float | None) -> float:
    """1.0 when the estimate is within :data:`TEMPO_TOLERANCE` of the reference, else 0.0."""
    if estimate_bpm is None:
        return 0.0
    return float(abs(float(estimate_bpm) - reference_bpm) <= TEMPO_TOLERANCE * reference_bpm)


_KEY = re.compile(r"^\s*([A-Ga-g])([#b♯♭]?)\s*:?\s*(major|minor|maj|min)\s*$", re.IGNORECASE)
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def canonical_key(key: str | None) -> str | None:
    """Any spelling (``"Gb major"``, ``"f# minor"``, ``"A:min"``) → mir_eval's (``"F# major"``);
    ``None`` for anything that is not a major or minor key."""
    match = _KEY.match(key) if isinstance(key, str) else None
    if match is None:
        return None
    letter, accidental, mode = match.groups()
    pc = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[letter.upper()]
    pc += {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    return f"{_NAMES[pc % 12]} {'major' if mode.lower().startswith('maj') else 'minor'}"


def key_weighted(reference: str, estimate: str | None) -> float:
    """``mir_eval.key.weighted_score``; 0 for a missing or unreadable estimate."""
    ref, est = canonical_key(reference), canonical_key(estimate)
    if ref is None:
        raise ValueError(f"reference key {reference!r} is not a major or minor key")
    if est is None:
        return 0.0
    return float(mir_eval().key.weighted_score(ref, est))


def tile(
    spans: Iterable[tuple[float, float, str]], lo: float, hi: float, fill: str
) -> tuple[np.ndarray, list[str]]:
    """Contiguous intervals from ``lo`` to ``hi``: spans sorted, cropped, overlaps cut at the
    next start, gaps filled with ``fill``."""
    spans = sorted((max(lo, a), min(hi, b), label) for a, b, label in spans if b > lo and a < hi)
    intervals: list[list[float]] = []
    labels: list[str] = []
    cursor = lo
    for index, (a, b, label) in enumerate(spans):
        b = min(b, spans[index + 1][0]) if index + 1 < len(spans) else b
        a = max(a, cursor)
        if a > cursor + 1e-9:
            intervals.append([cursor, a])
            labels.append(fill)
        if b > a + 1e-9:
            intervals.append([a, b])
            labels.append(label)
            cursor = b
    if cursor < hi - 1e-9 or not intervals:
        intervals.append([cursor, hi])
        labels.append(fill)
    return np.array(intervals, dtype=float), labels


def chord_recall(
    reference: Iterable[tuple[float, float, str]],
    estimate: Iterable[tuple[float, float, str]],
    duration: float,
) -> dict[str, float]:
    """Weighted chord symbol recall, ``majmin`` and ``sevenths``, over ``[0, duration]``.

    Both sides are ``(start, end, Harte label)`` spans, tiled with ``N`` where they say nothing.
    """
    module = mir_eval()
    ref_iv, ref_labels = tile(reference, 0.0, duration, "N")
    est_iv, est_labels = tile(estimate, 0.0, duration, "N")
    iv, ref_l, est_l = module.util.merge_labeled_intervals(ref_iv, ref_labels, est_iv, est_labels)
    durations = module.util.intervals_to_durations(iv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "chord_majmin": float(
                module.chord.weighted_accuracy(module.chord.majmin(ref_l, est_l), durations)
            ),
            "chord_sevenths": float(
                module.chord.weighted_accuracy(module.chord.sevenths(ref_l, est_l), durations)
            ),
        }


def segment_scores(
    reference: Sequence[tuple[float, float, str]],
    estimate: Sequence[tuple[float, float, str]],
    *,
    lo: float,
    hi: float,
    fill: str = "silence",
) -> dict[str, float]:
    """Boundary F at ±0.5 s and ±3 s and pairwise label F over ``[lo, hi]``.

    Both sides are tiled over ``[lo, hi]`` (gaps labelled ``fill``); the boundaries at ``lo``
    and ``hi`` themselves are trimmed, so only boundaries between sections count.
    """
    module = mir_eval()
    ref_iv, ref_labels = tile(reference, lo, hi, fill)
    est_iv, est_labels = tile(estimate, lo, hi, fill)
    ref_iv, est_iv = ref_iv - lo, est_iv - lo  # mir_eval's structures start at 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = {
            f"boundary_f_{w:g}": float(
                module.segment.detection(ref_iv, est_iv, window=w, trim=True)[2]
            )
            for w in (0.5, 3.0)
        }
        scores["pairwise_f"] = float(
            module.segment.pairwise(ref_iv, ref_labels, est_iv, est_labels)[2]
        )
    return scores
