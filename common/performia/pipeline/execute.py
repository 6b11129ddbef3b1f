"""Running one stage: the part the embedded runner and the cloud adapter share.

A stage's outputs are keyed by its fingerprint and completed by a done marker written last, so a
rerun (or a redelivered Pub/Sub message) finds the marker and re-reports instead of redoing work.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from performia import __version__
from performia.jobs.base import JobRecord, StageState, utc_now
from performia.pipeline.graph import Graph, StageSpec
from performia.stages.context import StageContext, StageOutcome, done_marker_key
from performia.storage.base import ArtifactStore, NotFoundError

__all__ = ["StageReport", "execute_stage", "load_impl", "preload_stage", "stage_context"]

StageFn = Callable[[StageContext], StageOutcome]


@dataclass(frozen=True)
class StageReport:
    """The done marker's content."""

    stage: str
    version: int
    fingerprint: str
    seconds: float
    reused: bool
    outcome: dict[str, Any]

    def to_marker(self) -> bytes:
        doc = {
            "stage": self.stage,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "seconds": self.seconds,
            "outcome": self.outcome,
            "performiaVersion": __version__,
            "finishedAt": utc_now(),
        }
        return json.dumps(doc, indent=1).encode()


def load_impl(spec: StageSpec) -> StageFn:
    """Import the stage's function on first use, so an image loads only its own stage's code."""
    if spec.impl is None:
        raise LookupError(f"stage {spec.name!r} is not built in this version")
    if callable(spec.impl):
        return spec.impl
    module, _, attr = spec.impl.partition(":")
    function: StageFn = getattr(importlib.import_module(module), attr)
    return function


def preload_stage(spec: StageSpec) -> None:
    """Import a stage and its engines now, in the calling thread.

    Runners call this before stages start in parallel: importing scipy, librosa or madmom from
    two threads at once can hand one of them a half-initialised module. A stage module may
    define ``preload()`` to import its engines (and load models) ahead of time; a cloud function
    calls it at cold start for the same reason.
    """
    fn = load_impl(spec)
    hook = getattr(sys.modules.get(getattr(fn, "__module__", ""), None), "preload", None)
    if callable(hook):
        hook()


def read_report(ctx: StageContext) -> StageReport | None:
    """The stage's earlier report when its outputs for this fingerprint are complete."""
    fp = ctx.fingerprints[ctx.spec.name]
    try:
        doc = json.loads(ctx.store.get(done_marker_key(ctx.job_id, ctx.spec.name, fp)))
    except NotFoundError:
        return None
    return StageReport(ctx.spec.name, doc["version"], fp, doc["seconds"], True, doc["outcome"])


def execute_stage(ctx: StageContext) -> StageReport:
    """Run the stage unless its outputs for this fingerprint already exist.

    Raises whatever the stage raises; nothing is marked done then, so a retry runs it again.
    """
    earlier = read_report(ctx)
    if earlier is not None:
        return earlier
    fn = load_impl(ctx.spec)
    t0 = time.perf_counter()
    outcome = fn(ctx)
    seconds = round(time.perf_counter() - t0, 3)
    missing = [w for w in ctx.spec.writes if w not in ctx.written]
    if missing:
        raise RuntimeError(f"stage {ctx.spec.name!r} did not write its declared outputs {missing}")
    report = StageReport(
        ctx.spec.name,
        ctx.spec.version,
        ctx.fingerprints[ctx.spec.name],
        seconds,
        False,
        outcome.to_dict() if outcome else {},
    )
    ctx.store.put(
        done_marker_key(ctx.job_id, ctx.spec.name, report.fingerprint), report.to_marker()
    )
    return report


def stage_context(
    graph: Graph,
    record: JobRecord,
    name: str,
    store: ArtifactStore,
    report: Callable[[float, str | None], None],
) -> StageContext:
    """What stage ``name`` of ``record``'s job sees: only its declared parameters, and the
    fingerprints of itself and its finished inputs (the keys of everything it reads)."""
    spec = graph[name]
    done = {d for d in spec.upstream if record.stages[d].state is StageState.DONE}
    fps: dict[str, str] = {}
    for stage in (*done, name):
        # the join fingerprints a stage when it launches it, before it can run or finish
        fp = record.stages[stage].fingerprint
        if fp is None:
            raise RuntimeError(f"job {record.job_id}: stage {stage} has no fingerprint")
        fps[stage] = fp
    return StageContext(
        spec=spec,
        job_id=record.job_id,
        store=store,
        input=record.input,
        # only declared parameters are visible: anything else would escape the fingerprint
        params={k: v for k, v in record.params.items() if k in spec.params},
        fingerprints=fps,
        upstream={d: record.stages[d] for d in spec.upstream},
        report=report,
    )
