"""Accuracy of every analysis against the benchmark suite's truth, next to its baseline.

Each suite song (:mod:`performia.testing.suite`) is rendered, every available analysis and its
baseline run on it, and the results scored with mir_eval:

=================  ============================================================================
metric             how
=================  ============================================================================
beat_f             ``mir_eval.beat.f_measure`` (±70 ms), beats before 5 s ignored (the MIREX rule)
downbeat_f         the same on downbeats
tempo_acc          1 when the tempo is within 4 % of the truth's (in 6/8, the eighth-note rate)
meter_acc          1 when the time signature's numerator matches
key                ``mir_eval.key.weighted_score`` against the key the song spends longest in
                   (the home key unless a modulation outlasts it)
key_segments       the same, time-weighted over the truth's key segments against the estimated
                   key segments (the global key where none are given)
chord_majmin       weighted chord symbol recall (``mir_eval.chord``: intervals merged, weighted by
                   duration) with the ``majmin`` comparator; no-chord (N) before the first beat
                   and after the last bar is part of the truth; sus, dim and aug are not scored
chord_sevenths     the same with the ``sevenths`` comparator
tuning_err_cents   |estimated − true tuning| in cents (lower is better)
melody_oa_stem     ``mir_eval.melody`` overall accuracy on the clean melody stem
                   (``source="vocals"``), the truth notes sampled on the estimate's time grid
melody_oa_mix      the same on the full mix; ``melody_rpa_*`` raw pitch accuracy likewise
boundary_f_0.5     ``mir_eval.segment.detection`` F at ±0.5 s over the boundaries between
                   sections (the start and end of the music are not scored)
boundary_f_3       the same at ±3 s
pairwise_f         ``mir_eval.segment.pairwise`` F: do the labels repeat where the truth's do
=================  ============================================================================

Each system's analyses feed each other as in the pipeline (its beats go to its harmony, its beats
and chords to its structure); where a system has no rhythm analysis, its harmony and structure get
the truth's beats and the song's entry says so.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from performia.analysis import chordnames
from performia.bench import SYSTEMS, TASKS, call_with, resolve, scoring
from performia.settings import ANALYSIS_SR
from performia.testing.suite import SuiteSong, benchmark_suite, render_suite_song
from performia.testing.truth import SongTruth

__all__ = [
    "LOWER_IS_BETTER",
    "METRICS",
    "AccuracyReport",
    "SongScores",
    "accuracy_table",
    "chord_scores",
    "evaluate_song",
    "key_scores",
    "melody_scores",
    "rhythm_scores",
    "run_accuracy",
    "section_scores",
    "status_lines",
    "to_harte",
    "truth_f0",
]

#: Metrics per analysis, in table order.
METRICS: dict[str, tuple[str, ...]] = {
    "rhythm": ("beat_f", "downbeat_f", "tempo_acc", "meter_acc"),
    "harmony": ("key", "key_segments", "chord_majmin", "chord_sevenths", "tuning_err_cents"),
    "melody": ("melody_oa_stem", "melody_oa_mix", "melody_rpa_stem", "melody_rpa_mix"),
    "structure": ("boundary_f_0.5", "boundary_f_3", "pairwise_f"),
}
LOWER_IS_BETTER = frozenset({"tuning_err_cents"})
#: Estimated section boundaries this close to the start or end of the music are not scored.
EDGE_GUARD_S = 1.0


# ------------------------------------------------------------------------------------- chords


def to_harte(symbol: str) -> str:
    """:func:`performia.analysis.chordnames.to_harte`; a symbol it does not understand becomes
    ``"X"`` (unknown: scored as wrong) rather than stopping the benchmark."""
    try:
        return chordnames.to_harte(symbol)
    except ValueError:
        return "X"


def chord_scores(truth: SongTruth, chords: Sequence[Any]) -> dict[str, float]:
    """Weighted chord symbol recall, majmin and sevenths, over the whole recording.

    ``chords`` are objects with ``start``, ``end`` and ``symbol`` (display or Harte syntax).
    """
    return scoring.chord_recall(
        ((c.start, c.end, to_harte(c.symbol)) for c in truth.chords),
        ((float(c.start), float(c.end), to_harte(c.symbol)) for c in chords),
        truth.duration,
    )


# ---------------------------------------------------------------------------------------- key


def _longest_key(truth: SongTruth) -> str:
    totals: dict[str, float] = {}
    for segment in truth.key_segments:
        name = scoring.canonical_key(segment.key) or segment.key
        totals[name] = totals.get(name, 0.0) + segment.end - segment.start
    return max(totals, key=totals.__getitem__) if totals else truth.key


def key_scores(
    truth: SongTruth, key: str | None, segments: Sequence[tuple[float, float, str]] = ()
) -> dict[str, float]:
    """Global key score (against the longest truth key) and time-weighted key-segment score."""
    scores = {"key": scoring.key_weighted(_longest_key(truth), key)}
    if truth.key_segments:
        total = weighted = 0.0
        for ref in truth.key_segments:
            covered = 0.0
            for a, b, estimate in segments:
                overlap = min(ref.end, float(b)) - max(ref.start, float(a))
                if overlap > 0:
                    weighted += overlap * scoring.key_weighted(ref.key, estimate)
                    covered += overlap
            weighted += max(0.0, ref.end - ref.start - covered) * scoring.key_weighted(ref.key, key)
            total += ref.end - ref.start
        scores["key_segments"] = weighted / total if total > 0 else 0.0
    return scores


# ------------------------------------------------------------------------------------- rhythm


def rhythm_scores(truth: SongTruth, rhythm: Any) -> dict[str, float]:
    """Beat and downbeat F-measure, tempo and meter hits, for an object shaped like ``Rhythm``."""
    scores = {
        "beat_f": scoring.beat_f(truth.beats, rhythm.beats),
        "downbeat_f": scoring.beat_f(truth.downbeats, rhythm.downbeats),
    }
    tempo = getattr(rhythm, "tempo", None)
    scores["tempo_acc"] = scoring.tempo_hit(truth.tempo_bpm, tempo)
    signature = getattr(rhythm, "time_signature", None)
    scores["meter_acc"] = float(int(signature[0]) == truth.meter) if signature else 0.0
    return scores


# ------------------------------------------------------------------------------------- melody


def truth_f0(truth: SongTruth, times: np.ndarray) -> np.ndarray:
    """The truth's melody in Hz (tuning included) at ``times``; 0 where no note sounds."""
    ref = np.zeros(len(times), dtype=float)
    for note in truth.melody:
        sounding = (times >= note.start) & (times < note.end)
        ref[sounding] = 440.0 * 2.0 ** ((note.pitch_midi + truth.tuning_cents / 100 - 69) / 12)
    return ref


def melody_scores(truth: SongTruth, track: Any) -> dict[str, float]:
    """Overall and raw pitch accuracy of a ``PitchTrack``-like object (``times``, ``f0_hz`` with
    0 for unvoiced), the truth sampled on the estimate's time grid."""
    times = np.asarray(track.times, dtype=float)
    f0 = np.asarray(track.f0_hz, dtype=float)
    if len(times) < 2 or len(times) != len(f0):
        return {"oa": 0.0, "rpa": 0.0}
    order = np.argsort(times, kind="stable")
    times, f0 = times[order], f0[order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = scoring.mir_eval().melody.evaluate(times, truth_f0(truth, times), times, f0)
    return {"oa": float(result["Overall Accuracy"]), "rpa": float(result["Raw Pitch Accuracy"])}


# ----------------------------------------------------------------------------------- sections


def section_scores(truth: SongTruth, sections: Sequence[Any]) -> dict[str, float]:
    """Boundary F at ±0.5 s and ±3 s and pairwise label F, for ``SectionSpan``-like objects.

    Only boundaries between sections count: both sides are laid over the music (first beat to
    end of the last bar) and estimated boundaries within :data:`EDGE_GUARD_S` of its edges, such
    as a section starting at 0 s rather than on the first beat, are dropped.
    """
    if not truth.sections:
        return {}
    if not sections:
        return {"boundary_f_0.5": 0.0, "boundary_f_3": 0.0, "pairwise_f": 0.0}
    mir_eval = scoring.mir_eval()
    ref_iv = np.array([[s.start, s.end] for s in truth.sections], dtype=float)
    ref_labels = [s.label for s in truth.sections]
    lo, hi = float(ref_iv[0, 0]), float(ref_iv[-1, 1])
    spans = sorted(
        (float(s.start), float(s.end), str(getattr(s, "label", "") or getattr(s, "kind", "")))
        for s in sections
    )
    inner = sorted(
        {t for a, b, _ in spans for t in (a, b) if lo + EDGE_GUARD_S < t < hi - EDGE_GUARD_S}
    )
    edges = [lo, *inner, hi]
    est_iv = np.array(list(pairwise(edges)), dtype=float)

    def label_at(t: float) -> str:
        return next((label for a, b, label in spans if a <= t < b), "none")

    est_labels = [label_at((a + b) / 2) for a, b in est_iv]
    ref_iv, est_iv = ref_iv - lo, est_iv - lo  # mir_eval's structures start at 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = {
            f"boundary_f_{w:g}": float(
                mir_eval.segment.detection(ref_iv, est_iv, window=w, trim=True)[2]
            )
            for w in (0.5, 3.0)
        }
        scores["pairwise_f"] = float(
            mir_eval.segment.pairwise(ref_iv, ref_labels, est_iv, est_labels)[2]
        )
    return scores


# ------------------------------------------------------------------------------------ harness


@dataclass
class SongScores:
    """One song's scores per system, what ran and how long it took."""

    song: SuiteSong
    duration: float
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    status: dict[str, dict[str, str]] = field(default_factory=dict)
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        s = self.song
        return {
            "name": s.name,
            "description": s.description,
            "features": list(s.features),
            "tempo": s.tempo,
            "meter": s.meter,
            "key": s.key,
            "keys": list(s.keys),
            "tuning_cents": s.tuning_cents,
            "timbre": s.timbre,
            "duration": round(self.duration, 3),
            **{
                system: {
                    "scores": self.scores.get(system, {}),
                    "status": self.status.get(system, {}),
                    "seconds": self.seconds.get(system, {}),
                }
                for system in SYSTEMS
            },
        }


def _run(entry: SongScores, system: str, task: str, label: str, **kwargs: Any) -> tuple[Any, bool]:
    """Run one analysis, recording its status and time; ``(result, ran)``."""
    function, name = resolve(task, system)
    status = entry.status.setdefault(system, {})
    if function is None:
        status[label] = name
        return None, False
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call_with(function, **kwargs)
    except Exception as exc:  # an analysis failing is a result to report, not a crash
        status[label] = f"error: {type(exc).__name__}: {exc}"
        return None, False
    entry.seconds.setdefault(system, {})[label] = round(time.perf_counter() - started, 3)
    status[label] = "ok"
    return result, True


def evaluate_song(
    song: SuiteSong, *, tasks: Sequence[str] = TASKS, sr: int = ANALYSIS_SR
) -> SongScores:
    """Render ``song``, run each system's analyses for ``tasks`` (and their inputs), score them."""
    mix, truth, stems = render_suite_song(song, sr)
    entry = SongScores(song, truth.duration)
    for system in SYSTEMS:
        scores = entry.scores.setdefault(system, {})
        status = entry.status.setdefault(system, {})
        rhythm = harmony = None
        if {"rhythm", "harmony", "structure"} & set(tasks):
            rhythm, ran = _run(entry, system, "rhythm", "rhythm", y=mix, sr=sr)
            if ran and "rhythm" in tasks:
                scores.update(rhythm_scores(truth, rhythm))
        beats = rhythm.beats if rhythm is not None else truth.beats
        downbeats = rhythm.downbeats if rhythm is not None else truth.downbeats
        if rhythm is None and {"harmony", "structure"} & set(tasks):
            status["inputs"] = "truth beats (no rhythm analysis)"
        if {"harmony", "structure"} & set(tasks):
            harmony, ran = _run(
                entry, system, "harmony", "harmony", y=mix, sr=sr, beats=beats, downbeats=downbeats
            )
            if ran and "harmony" in tasks:
                scores.update(key_scores(truth, harmony.key, harmony.key_segments))
                scores.update(chord_scores(truth, harmony.chords))
                if harmony.tuning_cents is not None:
                    scores["tuning_err_cents"] = abs(harmony.tuning_cents - truth.tuning_cents)
        if "melody" in tasks:
            for source, y in (("stem", stems["melody"]), ("mix", mix)):
                track, ran = _run(
                    entry,
                    system,
                    "melody",
                    f"melody_{source}",
                    y=y,
                    sr=sr,
                    source="vocals" if source == "stem" else "mix",
                )
                if ran:
                    result = melody_scores(truth, track)
                    scores[f"melody_oa_{source}"] = result["oa"]
                    scores[f"melody_rpa_{source}"] = result["rpa"]
        if "structure" in tasks:
            sections, ran = _run(
                entry,
                system,
                "structure",
                "structure",
                y=mix,
                sr=sr,
                beats=beats,
                downbeats=downbeats,
                chords=harmony.chords if harmony is not None else (),
            )
            if ran:
                scores.update(section_scores(truth, sections))
    return entry


@dataclass
class AccuracyReport:
    """Per-song scores, and the mean of each metric per system over the songs that have it."""

    songs: list[SongScores]
    tasks: tuple[str, ...]
    sr: int
    quick: bool
    songs_named: bool = False

    @property
    def selection(self) -> str:
        """ "the quick suite", "the full suite" or "selected songs"."""
        if self.songs_named:
            return "selected songs"
        return f"the {'quick' if self.quick else 'full'} suite"

    def means(self, system: str) -> dict[str, float]:
        values: dict[str, list[float]] = {}
        for entry in self.songs:
            for metric, value in entry.scores.get(system, {}).items():
                values.setdefault(metric, []).append(value)
        return {metric: float(np.mean(v)) for metric, v in values.items()}

    def counts(self, system: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.songs:
            for metric in entry.scores.get(system, {}):
                counts[metric] = counts.get(metric, 0) + 1
        return counts

    def ratios(self) -> dict[str, float | None]:
        """Performia's mean over the baseline's, per metric both have (None if it is 0)."""
        ours, theirs = self.means("performia"), self.means("baseline")
        return {m: (ours[m] / theirs[m] if theirs[m] > 0 else None) for m in ours if m in theirs}

    def availability(self, system: str) -> dict[str, str]:
        """Per run label, the first status that was not "ok", else "ok"."""
        summary: dict[str, str] = {}
        for entry in self.songs:
            for label, status in entry.status.get(system, {}).items():
                if label == "inputs":
                    continue
                if summary.get(label, "ok") == "ok":
                    summary[label] = status
        return summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": "selected" if self.songs_named else ("quick" if self.quick else "full"),
            "sr": self.sr,
            "tasks": list(self.tasks),
            "metrics": {task: list(METRICS[task]) for task in self.tasks},
            "lower_is_better": sorted(LOWER_IS_BETTER),
            "means": {system: self.means(system) for system in SYSTEMS},
            "counts": {system: self.counts(system) for system in SYSTEMS},
            "ratio": self.ratios(),
            "availability": {system: self.availability(system) for system in SYSTEMS},
            "songs": [entry.to_dict() for entry in self.songs],
        }


def run_accuracy(
    *,
    quick: bool = False,
    tasks: Sequence[str] = TASKS,
    sr: int = ANALYSIS_SR,
    songs: Sequence[str] | None = None,
    on_song: Callable[[SongScores], None] | None = None,
) -> AccuracyReport:
    """Score every analysis in ``tasks`` on the (quick) suite, or on the songs named in ``songs``.

    ``on_song`` is called after each song (progress). Never raises for a missing or failing
    analysis: its status says "not available: …" or "error: …".
    """
    suite = benchmark_suite(quick=quick)
    if songs:
        known = {s.name for s in benchmark_suite()}
        unknown = set(songs) - known
        if unknown:
            raise ValueError(f"unknown suite songs {sorted(unknown)}")
        suite = [s for s in benchmark_suite() if s.name in set(songs)]
    results = []
    for song in suite:
        entry = evaluate_song(song, tasks=tasks, sr=sr)
        results.append(entry)
        if on_song is not None:
            on_song(entry)
    return AccuracyReport(results, tuple(tasks), sr, quick, songs_named=bool(songs))


def _fmt(value: float | None, metric: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1f}" if metric in LOWER_IS_BETTER else f"{value:.3f}"


def accuracy_table(report: AccuracyReport) -> Any:
    """A rich Table: per metric, the mean for Performia and the baseline, their ratio, songs."""
    from rich.table import Table

    table = Table(title=f"Accuracy on {report.selection} ({len(report.songs)} songs)")
    for column in ("analysis", "metric", "Performia", "baseline", "ratio", "songs"):
        table.add_column(column, justify="left" if column in ("analysis", "metric") else "right")
    ours, theirs = report.means("performia"), report.means("baseline")
    counts = report.counts("performia")
    base_counts = report.counts("baseline")
    ratios = report.ratios()
    availability = {system: report.availability(system) for system in SYSTEMS}
    for task in report.tasks:
        missing = {
            system: next(
                (s for label, s in availability[system].items() if label.startswith(task)), None
            )
            for system in SYSTEMS
        }
        for metric in METRICS[task]:
            cells = []
            for system, means in (("performia", ours), ("baseline", theirs)):
                if metric in means:
                    cells.append(_fmt(means[metric], metric))
                else:
                    status = missing[system] or "not run"
                    cells.append(
                        "not available"
                        if status.startswith("not available")
                        else ("error" if status.startswith("error") else "–")
                    )
            name = f"{metric} (lower is better)" if metric in LOWER_IS_BETTER else metric
            n = max(counts.get(metric, 0), base_counts.get(metric, 0))
            table.add_row(task, name, *cells, _fmt(ratios.get(metric)), str(n))
    return table


def status_lines(report: AccuracyReport) -> list[str]:
    """One line per analysis that did not run everywhere: "not available: …" or "error: …"."""
    lines = []
    for system in SYSTEMS:
        for label, status in report.availability(system).items():
            if status != "ok":
                lines.append(f"{system} {label}: {status}")
    return lines
