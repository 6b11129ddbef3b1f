"""Fit the confidence maps of :mod:`performia.analysis.calibration` on real recordings.

``performia bench calibrate --set DIR`` runs Performia's analyses on the development set with the
maps switched off (:func:`performia.analysis.calibration.uncalibrated`), pairs every raw score
with whether the thing it rates was right, fits a two-parameter logistic map per quantity and
profile by weighted log loss, and prints the maps and their reliability tables: per confidence
bin, how often the rated things were right. The printed maps are what
:data:`performia.analysis.calibration.PLATT` holds.

What "right" means per quantity:

* beat: within ±70 ms of an annotated beat (beats outside the annotated span are skipped);
* bar: the song's downbeat F-measure (a soft label);
* chord: the share of the chord's span whose annotated chord matches it under mir_eval's
  ``majmin`` comparator (a soft label weighted by the span's length);
* key: the key is exactly the annotated one;
* section: the section starts within 3 s of an annotated boundary (the first section is
  skipped: its confidence is about its end, the next section's start).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from performia.analysis.calibration import PLATT, Platt, uncalibrated
from performia.analysis.engines import PROFILES, check_profile
from performia.bench import scoring
from performia.bench.devset import Clip, Reference, load_clips, read_reference
from performia.settings import ANALYSIS_SR

__all__ = [
    "QUANTITIES",
    "CalibrationReport",
    "fit_platt",
    "reliability",
    "run_calibration",
]

#: The calibrated quantities, in report order.
QUANTITIES = ("beat", "bar", "chord", "key", "section")
#: Reliability-table bins of calibrated confidence.
BINS = (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0)
BEAT_WINDOW_S = 0.07
SECTION_WINDOW_S = 3.0


class ReliabilityRow(TypedDict):
    """One bin of a reliability table."""

    #: The bin's calibrated confidences, e.g. ``"0.8–0.9"``.
    bin: str
    #: Its share of the observations' weight.
    share: float
    #: Observations in it.
    n: int
    #: Their weighted mean confidence, and how often they were right.
    confidence: float
    right: float


@dataclass
class Observations:
    """Raw scores, labels in [0, 1] and weights for one (quantity, profile)."""

    raw: list[float] = field(default_factory=list)
    label: list[float] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)

    def add(self, raw: float, label: float, weight: float = 1.0) -> None:
        if raw is None or not np.isfinite(raw) or weight <= 0:
            return
        self.raw.append(float(raw))
        self.label.append(float(np.clip(label, 0.0, 1.0)))
        self.weight.append(float(weight))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array(self.raw), np.array(self.label), np.array(self.weight)


def fit_platt(raw: np.ndarray, label: np.ndarray, weight: np.ndarray) -> Platt:
    """The logistic map minimising the weighted log loss of ``label`` given ``raw``."""
    from scipy.optimize import minimize

    if len(raw) < 2:
        raise ValueError("need at least two observations to fit a map")
    w = weight / weight.sum()

    def loss(params: np.ndarray) -> float:
        z = params[0] * raw + params[1]
        # log(1 + e^z) - y z, written stably
        return float(np.sum(w * (np.logaddexp(0.0, z) - label * z)))

    result = minimize(loss, x0=np.array([1.0, 0.0]), method="Nelder-Mead")
    a, b = result.x
    return Platt(round(float(a), 3), round(float(b), 3))


def reliability(
    confidence: np.ndarray, label: np.ndarray, weight: np.ndarray
) -> list[ReliabilityRow]:
    """Per confidence bin: share of the weight, mean confidence and how often it was right."""
    rows: list[ReliabilityRow] = []
    total = float(weight.sum()) or 1.0
    for lo, hi in itertools.pairwise(BINS):
        inside = (confidence >= lo) & ((confidence < hi) | (hi == 1.0))
        if not inside.any():
            continue
        w = weight[inside]
        rows.append(
            {
                "bin": f"{lo:.1f}–{hi:.1f}",
                "share": round(float(w.sum()) / total, 3),
                "n": int(inside.sum()),
                "confidence": round(float(np.average(confidence[inside], weights=w)), 3),
                "right": round(float(np.average(label[inside], weights=w)), 3),
            }
        )
    return rows


def _beats(obs: Observations, reference: Reference, rhythm: Any) -> None:
    if reference.beats is None or not len(reference.beats) or not rhythm.beat_confidence:
        return
    ref = np.sort(reference.beats)
    for t, raw in zip(rhythm.beats, rhythm.beat_confidence, strict=True):
        if t < ref[0] - 0.5 or t > ref[-1] + 0.5:
            continue
        obs.add(raw, float(np.min(np.abs(ref - t)) <= BEAT_WINDOW_S))


def _bars(obs: Observations, reference: Reference, rhythm: Any) -> None:
    if reference.downbeats is None or not len(reference.downbeats):
        return
    obs.add(rhythm.bar_confidence, scoring.beat_f(reference.downbeats, rhythm.downbeats))


def _chords(obs: Observations, reference: Reference, harmony: Any) -> None:
    from performia.bench.accuracy import to_harte

    if not reference.chords:
        return
    majmin = scoring.mir_eval().chord.majmin
    for chord in harmony.chords:
        if chord.confidence is None or chord.end <= chord.start:
            continue
        estimate = to_harte(chord.symbol)
        scored = right = 0.0
        for a, b, label in reference.chords:
            overlap = min(b, chord.end) - max(a, chord.start)
            if overlap <= 0:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                verdict = float(majmin([label], [estimate])[0])
            if verdict >= 0:  # below 0: a reference chord majmin does not score
                scored += overlap
                right += overlap * verdict
        if scored > 0:
            obs.add(chord.confidence, right / scored, scored)


def _key(obs: Observations, reference: Reference, harmony: Any) -> None:
    if reference.key and harmony.key_confidence is not None:
        obs.add(
            harmony.key_confidence, float(scoring.key_weighted(reference.key, harmony.key) == 1)
        )


def _sections(obs: Observations, reference: Reference, sections: Any) -> None:
    if not reference.sections:
        return
    bounds = np.array(
        sorted({a for a, _, _ in reference.sections} | {b for _, b, _ in reference.sections})
    )
    for span in sections:
        if span.start < 1.0:
            continue
        obs.add(span.confidence, float(np.min(np.abs(bounds - span.start)) <= SECTION_WINDOW_S))


@dataclass
class CalibrationReport:
    """Fitted maps and reliability tables per (quantity, profile)."""

    observations: dict[tuple[str, str], Observations]

    def fitted(self) -> dict[tuple[str, str], Platt]:
        out = {}
        for key, obs in self.observations.items():
            if len(obs.raw) >= 10:
                out[key] = fit_platt(*obs.arrays())
        return out

    def tables(
        self, maps: dict[tuple[str, str], Platt]
    ) -> dict[tuple[str, str], list[ReliabilityRow]]:
        out = {}
        for key, obs in self.observations.items():
            if key not in maps:
                continue
            raw, label, weight = obs.arrays()
            out[key] = reliability(np.clip(maps[key](raw), 0.0, 1.0), label, weight)
        return out

    def to_dict(self) -> dict[str, Any]:
        fitted = self.fitted()
        return {
            f"{q}/{p}": {
                "n": len(obs.raw),
                "fitted": fitted[(q, p)].__dict__ if (q, p) in fitted else None,
                "current": PLATT[(q, p)].__dict__ if (q, p) in PLATT else None,
                "reliability_fitted": self.tables(fitted).get((q, p)),
                "reliability_current": self.tables(dict(PLATT)).get((q, p)),
            }
            for (q, p), obs in self.observations.items()
        }


def run_calibration(
    root: str | Path,
    *,
    profiles: Sequence[str] = PROFILES,
    clips: Sequence[str] | None = None,
    on_clip: Callable[[Clip], None] | None = None,
) -> CalibrationReport:
    """Collect raw scores and labels on the set at ``root`` for every quantity and profile."""
    from performia.bench.realset import _needs, _signal, run_performia

    profiles = tuple(dict.fromkeys(check_profile(p) for p in profiles))
    observations = {(q, p): Observations() for q in QUANTITIES for p in profiles}
    for clip in load_clips(root, ids=clips):
        reference = read_reference(clip)
        y = _signal(clip.audio, ANALYSIS_SR)
        for profile in profiles:
            with uncalibrated(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, _, raw = run_performia(y, ANALYSIS_SR, profile=profile, layers=_needs(clip))
            _beats(observations[("beat", profile)], reference, raw["rhythm"])
            _bars(observations[("bar", profile)], reference, raw["rhythm"])
            if "harmony" in raw:
                _chords(observations[("chord", profile)], reference, raw["harmony"])
                _key(observations[("key", profile)], reference, raw["harmony"])
            if "structure" in raw:
                _sections(observations[("section", profile)], reference, raw["structure"])
        if on_clip is not None:
            on_clip(clip)
    return CalibrationReport(observations)
