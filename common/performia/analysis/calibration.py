"""Confidence that means something: raw engine scores mapped to probabilities of being right.

A network's activation or a decoder's posterior is a score, not a probability: madmom's beat
activation at a correct beat ranges from 0.1 to 0.9 depending on the genre, and the old chord
confidences sat at 0.05-0.24 even when the chord was right. So each raw score goes through a
logistic map ``p = 1 / (1 + exp(-(a * x + b)))`` (Platt scaling) fitted on the development set
of real recordings by ``performia bench calibrate --set DIR``, which prints the fitted
parameters and the reliability table behind them (README, "Confidence"). Two parameters per
quantity and profile: enough to turn a monotone score into a probability, too few to learn the
development set's quirks.

What each probability means:

* beat: that the beat lies within ±70 ms of an annotated beat (mir_eval's window);
* bar: that the song's downbeats are right (a beat that is a downbeat in the annotation);
* chord: the share of the chord's span whose annotated chord has the same root and triad quality
  (mir_eval's ``majmin``);
* key: that the key is the annotated one (mir_eval's weighted score of 1);
* section: that the section's start lies within 3 s of an annotated boundary;
* word: that a sung word's start lies within 0.3 s of where it is sung (the lyrics benchmark's
  "within"), for given lyrics (:func:`word_confidence`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from performia.analysis.engines import check_profile

__all__ = [
    "FORCED_WORD_CONFIDENCE",
    "PLATT",
    "UNREACHED_WORD_CONFIDENCE",
    "Platt",
    "bar_confidence",
    "beat_confidence",
    "calibrate",
    "chord_confidence",
    "key_confidence",
    "logit",
    "uncalibrated",
    "word_confidence",
]

_state = threading.local()


@dataclass(frozen=True)
class Platt:
    """``p = sigmoid(a * x + b)`` for a raw score ``x``."""

    a: float
    b: float

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        z = self.a * np.asarray(x, dtype=float) + self.b
        return 1.0 / (1.0 + np.exp(-z))


#: (quantity, profile) → map; fitted by ``performia bench calibrate --set ../shared/devset``.
#: The raw scores: beat, the network's beat activation at the beat; bar, the bar decoder's mean
#: posterior; chord, ``logit(p)`` of the chord networks' mean probability of the chosen triad
#: over the segment (both profiles run the same networks); key, ``logit(p)`` of the key
#: estimate's probability for the reported key; section, the evidence at its start.
PLATT: dict[tuple[str, str], Platt] = {
    # beat: 5,791 (default) and 5,946 (commercial) beats of the 73 clips; bar: one observation
    # per clip with downbeats (72), its downbeat F-measure as a soft label
    ("beat", "default"): Platt(4.837, 0.398),
    ("beat", "commercial"): Platt(4.04, -1.781),
    ("bar", "default"): Platt(9.572, -8.332),
    ("bar", "commercial"): Platt(6.705, -6.069),
    # chord: a free fit gave slope 0.995 (0.86-1.09 leaving one song out), so the slope is 1:
    # the networks are under-confident on real songs by a constant shift in log-odds
    ("chord", "default"): Platt(1.0, 0.5),
    ("chord", "commercial"): Platt(1.0, 0.5),
    # key: fitted on the development set's 67 key clips. Leave-one-out log-loss of being exactly
    # right: default 0.475 against 0.582 for a constant; its leave-one-out confidences 0.38 /
    # 0.56 / 0.66 / 0.74 / 0.87 / 0.96 (13 / 9 / 6 / 8 / 5 / 26 clips) were right 0.31 / 0.78 /
    # 0.67 / 0.62 / 0.80 / 0.96 of the time. The commercial estimate cannot tell its right keys
    # from its wrong ones (0.636 against 0.610), so its map stays near the 70 % it is right:
    # 0.67 / 0.74 (32 / 31 clips), right 0.69 / 0.74
    ("key", "default"): Platt(0.547, -0.868),
    ("key", "commercial"): Platt(0.365, 0.539),
    # section: the evidence at its start in 90th percentiles of the song's novelty; its beats
    # and chords differ between profiles, so the maps do (110 and 115 section starts of the 13
    # Beatles songs)
    ("section", "default"): Platt(3.995, -2.666),
    ("section", "commercial"): Platt(6.888, -5.23),
    # word: a given word that recognition heard as itself, from how far recognition's start and
    # forced alignment's start disagree, ``log(min(d, 5) + 0.05)`` (d in seconds): two
    # different readings of the audio that agree are rarely both wrong. Fitted on the 578 heard
    # words of the development set's four real songs (the lyrics engines are the same in both
    # profiles). Leave-one-song-out log-loss 0.559 against 0.581 for a constant; the fitted
    # confidences < 0.5 / 0.5-0.7 / 0.7-0.8 / 0.8-0.9 (71 / 101 / 126 / 280 words) were right
    # 0.32 / 0.67 / 0.75 / 0.85 of the time.
    ("word", "default"): Platt(-0.618, 0.240),
    ("word", "commercial"): Platt(-0.618, 0.240),
}
#: Words only forced alignment placed (recognition did not hear them) have no second reading to
#: compare with, and neither the aligner's probability nor the word's length told right from
#: wrong (probability < 0.2: 66 % right, 0.8-1: 76 %): the share of them that was right on the
#: development set's songs (392 words; 53-79 % per song).
FORCED_WORD_CONFIDENCE = 0.62
#: Words the alignment never reached (the voice ended first; placed at a sung pace after the
#: last aligned word): a floor, not a fit, since the development set left none unreached.
UNREACHED_WORD_CONFIDENCE = 0.1


@contextmanager
def uncalibrated() -> Iterator[None]:
    """Within this block (in this thread), :func:`calibrate` returns the raw scores: what
    ``performia bench calibrate`` fits the maps on."""
    previous = getattr(_state, "raw", False)
    _state.raw = True
    try:
        yield
    finally:
        _state.raw = previous


def calibrate(quantity: str, raw: np.ndarray | float, *, profile: str = "default") -> np.ndarray:
    """Probabilities for raw scores of ``quantity`` under ``profile``'s engines."""
    if getattr(_state, "raw", False):
        return np.asarray(raw, dtype=float)
    key = (quantity, check_profile(profile))
    if key not in PLATT:
        raise KeyError(f"no calibration for {quantity!r} in profile {key[1]!r}")
    return np.clip(PLATT[key](raw), 0.0, 1.0)


def logit(p: np.ndarray | float) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` kept inside [1e-6, 1 - 1e-6]."""
    q = np.clip(np.asarray(p, dtype=float), 1e-6, 1.0 - 1e-6)
    return np.log(q / (1.0 - q))


def chord_confidence(probability: np.ndarray | float, profile: str = "default") -> np.ndarray:
    """Probability that a chord's root and major/minor triad are right, from the chord
    networks' mean probability of that triad over its span."""
    return calibrate("chord", logit(probability), profile=profile)


def key_confidence(probability: float, profile: str = "default") -> float:
    """Probability that a key is exactly right, from the key estimate's probability of it."""
    return float(calibrate("key", logit(probability), profile=profile))


def word_confidence(
    disagreement_s: float | None, *, reached: bool = True, profile: str = "default"
) -> float:
    """Probability that a given word's start is within 0.3 s of where it is sung.

    ``disagreement_s`` is how far recognition's start and forced alignment's start for the word
    lie apart (``None``: recognition did not hear the word); ``reached`` false for a word the
    alignment never reached.
    """
    if not reached:
        return UNREACHED_WORD_CONFIDENCE
    if disagreement_s is None:
        return FORCED_WORD_CONFIDENCE
    raw = float(np.log(min(abs(disagreement_s), 5.0) + 0.05))
    return float(calibrate("word", raw, profile=profile))


def beat_confidence(activation: np.ndarray, *, profile: str = "default") -> np.ndarray:
    """Per-beat probability of being right, from the network's beat activation at the beat."""
    return calibrate("beat", activation, profile=profile)


def bar_confidence(posterior: float, *, profile: str = "default") -> float:
    """Probability that the downbeats are right, from the bar decoder's mean posterior."""
    return float(calibrate("bar", posterior, profile=profile))
