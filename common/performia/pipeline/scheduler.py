"""The join and fan-out, as pure functions over a job record.

Both runners call these inside their job store's atomic ``update`` (a lock in memory, a SQLite
transaction locally, a Firestore transaction in the cloud), so a stage is claimed, and therefore
launched, exactly once however many of its inputs finish at the same moment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from performia.jobs.base import JobRecord, JobStatus, StageRun, StageState, parse_time, utc_now
from performia.pipeline.graph import Graph

__all__ = [
    "Delivery",
    "beat",
    "claim_ready",
    "fingerprint",
    "lease_alive",
    "mark_done",
    "mark_failed",
    "mark_running",
    "new_job",
    "overall_progress",
    "release_stage",
    "set_progress",
    "take_stage",
]

NOT_BUILT = "not built in this version of Performia"


def new_job(
    graph: Graph,
    job_id: str,
    *,
    input: Mapping[str, Any],
    params: Mapping[str, Any],
    owner: str | None = None,
) -> JobRecord:
    """A fresh record: built stages pending, unbuilt ones already skipped."""
    stages = {
        s.name: StageRun() if s.built else StageRun(state=StageState.SKIPPED, message=NOT_BUILT)
        for s in graph
    }
    return JobRecord(
        job_id=job_id, stages=stages, input=dict(input), params=dict(params), owner=owner
    )


def fingerprint(graph: Graph, name: str, record: JobRecord) -> str:
    """Identity of a stage's output: its code version, its parameters and its inputs' identities.

    Chained like a Merkle tree, so changing a parameter of ``ingest`` re-runs everything below it
    while changing the lyrics re-runs only transcription and packaging.
    """
    spec = graph[name]
    upstream = {}
    for dep in spec.upstream:
        run = record.stages[dep]
        upstream[dep] = run.fingerprint if run.state is StageState.DONE else run.state.value
    payload = {
        "stage": name,
        "version": spec.version,
        "input": record.input.get("sha256"),
        "params": {p: record.params.get(p) for p in spec.params},
        "upstream": upstream,
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _ready(graph: Graph, record: JobRecord) -> list[str]:
    out = []
    for spec in graph:
        if record.stages[spec.name].state is not StageState.PENDING:
            continue
        if all(record.stages[d].state is StageState.DONE for d in spec.needs) and all(
            record.stages[u].state.settled for u in spec.uses
        ):
            out.append(spec.name)
    return out


def claim_ready(graph: Graph, record: JobRecord) -> tuple[JobRecord, list[str]]:
    """Mark every stage whose inputs are settled as queued; return them for launching.

    Nothing is claimed once the job has failed: a failure ends the run.
    """
    if record.status.finished:
        return record, []
    ready = _ready(graph, record)
    if not ready:
        return record, []
    stages = dict(record.stages)
    for name in ready:
        stages[name] = stages[name].model_copy(
            update={
                "state": StageState.QUEUED,
                "fingerprint": fingerprint(graph, name, record),
                "queued_at": utc_now(),
            }
        )
    return record.model_copy(update={"stages": stages, "status": JobStatus.PROCESSING}), ready


def _with_stage(record: JobRecord, name: str, **changes: Any) -> JobRecord:
    stages = dict(record.stages)
    stages[name] = stages[name].model_copy(update=changes)
    return record.model_copy(update={"stages": stages})


def mark_running(record: JobRecord, name: str) -> JobRecord:
    run = record.stages[name]
    return _with_stage(
        record,
        name,
        state=StageState.RUNNING,
        attempts=run.attempts + 1,
        started_at=utc_now(),
        heartbeat_at=None,
        progress=0.0,
        error=None,
    )


def set_progress(
    graph: Graph, record: JobRecord, name: str, fraction: float, message: str | None
) -> JobRecord:
    record = _with_stage(record, name, progress=min(max(fraction, 0.0), 1.0), message=message)
    return record.model_copy(update={"progress": overall_progress(graph, record)})


def mark_done(
    graph: Graph, record: JobRecord, name: str, *, seconds: float, reused: bool
) -> JobRecord:
    """Record a finished stage; the job is done when every stage is settled."""
    record = _with_stage(
        record,
        name,
        state=StageState.DONE,
        progress=1.0,
        seconds=round(seconds, 3),
        reused=reused,
        finished_at=utc_now(),
        message="reused from an earlier run" if reused else None,
    )
    done = all(r.state.settled for r in record.stages.values())
    return record.model_copy(
        update={
            "progress": overall_progress(graph, record),
            "status": JobStatus.DONE if done else record.status,
        }
    )


def mark_failed(record: JobRecord, name: str, error: str) -> JobRecord:
    """A failed stage fails the job with that stage's message."""
    record = _with_stage(record, name, state=StageState.FAILED, error=error, finished_at=utc_now())
    return record.model_copy(
        update={"status": JobStatus.FAILED, "error": error, "failed_stage": name}
    )


def overall_progress(graph: Graph, record: JobRecord) -> float:
    """Mean progress over the stages that run (skipped stages do not count)."""
    runs = [
        record.stages[s.name]
        for s in graph
        if record.stages[s.name].state is not StageState.SKIPPED
    ]
    if not runs:
        return 1.0
    return round(
        sum(1.0 if r.state is StageState.DONE else r.progress for r in runs) / len(runs), 4
    )


class Delivery(StrEnum):
    """What one delivery of a stage's message does (see :func:`take_stage`)."""

    RUN = "run"  # claimed: this delivery runs the stage
    DONE = "done"  # already done: re-report (publish what it launched) and acknowledge
    BUSY = "busy"  # another delivery runs it and its lease holds: retry later
    STOPPED = "stopped"  # the job has failed or finished, or the stage is skipped: acknowledge
    NOT_READY = "not-ready"  # its inputs are not done; the join publishes it when they are


def take_stage(
    record: JobRecord, name: str, *, lease_s: float, now: datetime | None = None
) -> tuple[JobRecord, Delivery]:
    """Decide, inside the job store's atomic update, whether this delivery runs stage ``name``.

    At-least-once delivery means the same stage message can arrive twice, at once or after a
    crash. A queued stage is taken (marked running, one more attempt); a running stage whose
    last sign of life (start or heartbeat) is older than ``lease_s`` (the delivery that ran it
    died) is taken over; a running stage within its lease is busy, so the duplicate is retried
    later and then finds it done.
    """
    if record.status is JobStatus.FAILED:
        return record, Delivery.STOPPED
    run = record.stages[name]
    if run.state is StageState.DONE:
        return record, Delivery.DONE
    if run.state in (StageState.SKIPPED, StageState.FAILED):
        return record, Delivery.STOPPED
    if run.state is StageState.PENDING:
        return record, Delivery.NOT_READY
    if lease_alive(run, lease_s=lease_s, now=now):
        return record, Delivery.BUSY
    return mark_running(record, name), Delivery.RUN


def lease_alive(run: StageRun, *, lease_s: float, now: datetime | None = None) -> bool:
    """Whether a delivery is running this stage and gave a sign of life within ``lease_s``."""
    if run.state is not StageState.RUNNING or not run.started_at:
        return False
    last = max(parse_time(t) for t in (run.started_at, run.heartbeat_at) if t)
    current = now or parse_time(utc_now())
    return (current - last).total_seconds() < lease_s


def beat(record: JobRecord, name: str, attempt: int) -> JobRecord:
    """The delivery running attempt ``attempt`` of ``name`` is alive. A delivery that was taken
    over (its attempt is no longer the current one) or whose stage settled changes nothing, so
    a slow old delivery can never keep a lease it lost."""
    run = record.stages[name]
    if run.state is not StageState.RUNNING or run.attempts != attempt:
        return record
    return _with_stage(record, name, heartbeat_at=utc_now())


def release_stage(record: JobRecord, name: str, error: str) -> JobRecord:
    """A running stage hit a transient error: queue it again (its next delivery takes it at
    once) and keep the error for the job's page."""
    if record.stages[name].state is not StageState.RUNNING:
        return record
    return _with_stage(
        record, name, state=StageState.QUEUED, message=f"retrying: {error}", queued_at=utc_now()
    )
