"""The embedded runner: the whole graph in one process, independent stages in parallel.

It drives the same scheduler functions as the cloud chain through a job store, so the join logic is
exercised by every local run. Display is the caller's business: the runner emits ``StageEvent``s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

from performia.errors import StageFailedError
from performia.jobs.base import JobRecord, JobStore, StageState
from performia.pipeline import scheduler
from performia.pipeline.execute import StageReport, execute_stage, preload_stage, stage_context
from performia.pipeline.graph import GRAPH, Graph
from performia.settings import stage_workers
from performia.storage.base import ArtifactStore

__all__ = ["StageEvent", "run_job"]


@dataclass(frozen=True)
class StageEvent:
    """A change worth showing: a stage started, progressed, finished, was skipped or failed."""

    stage: str
    state: StageState
    progress: float = 0.0
    message: str | None = None
    seconds: float | None = None
    reused: bool = False


EventHandler = Callable[[StageEvent], None]


def run_job(
    job_id: str,
    *,
    input: Mapping[str, Any],
    params: Mapping[str, Any],
    store: ArtifactStore,
    jobs: JobStore,
    graph: Graph = GRAPH,
    workers: int | None = None,
    on_event: EventHandler | None = None,
) -> JobRecord:
    """Run every built stage of ``graph`` for one job and return the final record.

    A rerun of the same job starts a fresh record, and every stage whose outputs already exist for
    its fingerprint is reused rather than recomputed.

    Raises
    ------
    StageFailedError
        When a stage fails: no further stage starts, running ones are allowed to finish, and the
        job record ends ``FAILED`` with that stage's message.
    """
    emit = on_event or (lambda e: None)
    fresh = scheduler.new_job(graph, job_id, input=input, params=params)
    jobs.create(fresh)
    record = jobs.update(job_id, lambda _: fresh)
    for name, run in record.stages.items():
        if run.state is StageState.SKIPPED:
            emit(StageEvent(name, StageState.SKIPPED, message=run.message))

    for name, run in record.stages.items():
        if run.state is StageState.PENDING:
            preload_stage(graph[name])
    lock = threading.Lock()

    def progress_reporter(name: str) -> Callable[[float, str | None], None]:
        def report(fraction: float, message: str | None = None) -> None:
            with lock:
                jobs.update(
                    job_id, lambda r: scheduler.set_progress(graph, r, name, fraction, message)
                )
            emit(StageEvent(name, StageState.RUNNING, fraction, message))

        return report

    def run_one(name: str, rec: JobRecord) -> StageReport:
        ctx = stage_context(graph, rec, name, store, progress_reporter(name))
        return execute_stage(ctx)

    failure: StageFailedError | None = None
    running: dict[Future[StageReport], str] = {}
    workers = stage_workers() if workers is None else max(1, workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stage") as pool:

        def launch() -> None:
            nonlocal record
            with lock:
                claimed: list[str] = []

                def claim(r: JobRecord) -> JobRecord:
                    new, names = scheduler.claim_ready(graph, r)
                    claimed[:] = names
                    for n in names:
                        new = scheduler.mark_running(new, n)
                    return new

                record = jobs.update(job_id, claim)
            for name in claimed:
                emit(StageEvent(name, StageState.RUNNING, 0.0))
                running[pool.submit(run_one, name, record)] = name

        launch()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                name = running.pop(fut)
                exc = fut.exception()
                if exc is None:
                    rep = fut.result()
                    with lock:
                        record = jobs.update(
                            job_id,
                            partial(
                                scheduler.mark_done,
                                graph,
                                name=name,
                                seconds=rep.seconds,
                                reused=rep.reused,
                            ),
                        )
                    emit(StageEvent(name, StageState.DONE, 1.0, None, rep.seconds, rep.reused))
                else:
                    message = str(exc) or type(exc).__name__
                    with lock:
                        record = jobs.update(
                            job_id, partial(scheduler.mark_failed, name=name, error=message)
                        )
                    emit(StageEvent(name, StageState.FAILED, message=message))
                    if failure is None:
                        failure = StageFailedError(name, exc)
                        failure.__cause__ = exc
            if failure is None:
                launch()
    if failure is not None:
        raise failure
    return jobs.get(job_id)
