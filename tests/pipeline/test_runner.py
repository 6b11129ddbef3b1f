"""The embedded runner on toy graphs: parallelism, resumption, parameter changes, failures."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from performia.errors import BadInputError, StageFailedError
from performia.jobs import JobStatus, MemoryJobStore, StageState
from performia.pipeline.graph import Graph, StageSpec
from performia.pipeline.runner import StageEvent, run_job
from performia.stages.context import StageContext, StageOutcome, artifact_key
from performia.storage import LocalFolderStore

INPUT = {"key": "uploads/j/in.txt", "filename": "in.txt", "sha256": "abc"}


def make_graph(calls: Counter, *, barrier: threading.Barrier | None = None, fail: str = ""):
    """source → (left, right in parallel) → join, plus a declared-but-unbuilt stage."""

    def stage(name: str, *, reads=(), use_barrier=False):
        def run(ctx: StageContext) -> StageOutcome:
            calls[name] += 1
            if use_barrier and barrier is not None:
                barrier.wait(timeout=10)  # both parallel stages must be inside at once
            if name == fail:
                raise BadInputError(f"{name} found the input unusable")
            parts = [ctx.read(r, "out.txt").decode() for r in reads if ctx.has(r)]
            value = f"{name}({','.join(parts)})[{ctx.params.get('p', '')}]"
            ctx.write("out.txt", value.encode())
            return StageOutcome(engine=f"toy-{name}")

        return run

    return Graph(
        (
            StageSpec("source", writes=("out.txt",), impl=stage("source")),
            StageSpec(
                "left",
                needs=("source",),
                writes=("out.txt",),
                params=("p",),
                impl=stage("left", reads=("source",), use_barrier=True),
            ),
            StageSpec(
                "right",
                needs=("source",),
                writes=("out.txt",),
                impl=stage("right", reads=("source",), use_barrier=True),
            ),
            StageSpec("later", needs=("source",), writes=("out.txt",)),
            StageSpec(
                "join",
                needs=("source",),
                uses=("left", "right", "later"),
                writes=("out.txt",),
                impl=stage("join", reads=("left", "right", "later")),
            ),
        )
    )


def run(graph, store, jobs, params=None, events=None):
    return run_job(
        "j",
        input=INPUT,
        params=params or {},
        store=store,
        jobs=jobs,
        graph=graph,
        workers=2,
        on_event=events.append if events is not None else None,
    )


def join_output(store, record):
    key = artifact_key("j", "join", record.stages["join"].fingerprint, "out.txt")
    return store.get(key).decode()


def test_independent_stages_run_in_parallel_and_join_waits(tmp_path):
    calls: Counter = Counter()
    graph = make_graph(calls, barrier=threading.Barrier(2))
    store, jobs = LocalFolderStore(tmp_path), MemoryJobStore()
    events: list[StageEvent] = []
    record = run(graph, store, jobs, {"p": 1}, events)
    assert record.status is JobStatus.DONE
    assert record.progress == 1.0
    assert record.stages["later"].state is StageState.SKIPPED
    assert "not built" in record.stages["later"].message
    assert join_output(store, record) == "join(left(source()[])[1],right(source()[])[])[]"
    assert calls == Counter(source=1, left=1, right=1, join=1)
    # the join started only after both parallel stages were done
    order = [(e.stage, e.state) for e in events]
    join_start = order.index(("join", StageState.RUNNING))
    assert order.index(("left", StageState.DONE)) < join_start
    assert order.index(("right", StageState.DONE)) < join_start


def test_rerun_reuses_finished_stages(tmp_path):
    calls: Counter = Counter()
    graph = make_graph(calls, barrier=threading.Barrier(2))
    store, jobs = LocalFolderStore(tmp_path), MemoryJobStore()
    first = run(graph, store, jobs, {"p": 1})
    events: list[StageEvent] = []
    second = run(graph, store, jobs, {"p": 1}, events)
    assert calls == Counter(source=1, left=1, right=1, join=1)  # nothing ran twice
    assert all(second.stages[n].reused for n in ("source", "left", "right", "join"))
    assert {e.stage for e in events if e.state is StageState.DONE and e.reused} == {
        "source",
        "left",
        "right",
        "join",
    }
    assert join_output(store, second) == join_output(store, first)


def test_changed_parameter_reruns_only_what_it_affects(tmp_path):
    calls: Counter = Counter()
    graph = make_graph(calls)
    store, jobs = LocalFolderStore(tmp_path), MemoryJobStore()
    run(graph, store, jobs, {"p": 1})
    record = run(graph, store, jobs, {"p": 2})
    assert calls == Counter(source=1, left=2, right=1, join=2)
    assert join_output(store, record) == "join(left(source()[])[2],right(source()[])[])[]"


def test_a_failing_stage_fails_the_job_and_nothing_downstream_runs(tmp_path):
    calls: Counter = Counter()
    graph = make_graph(calls, fail="left")
    store, jobs = LocalFolderStore(tmp_path), MemoryJobStore()
    with pytest.raises(StageFailedError) as info:
        run(graph, store, jobs)
    assert info.value.stage == "left"
    assert info.value.exit_code == 2  # the cause's family decides the exit code
    record = jobs.get("j")
    assert record.status is JobStatus.FAILED
    assert record.failed_stage == "left"
    assert record.error == "left found the input unusable"
    assert record.stages["left"].state is StageState.FAILED
    assert record.stages["join"].state is StageState.PENDING
    assert calls["join"] == 0
    assert not [k for k in store.list("jobs/j/join/")]


def test_a_failed_stage_runs_again_on_the_next_attempt(tmp_path):
    calls: Counter = Counter()
    store, jobs = LocalFolderStore(tmp_path), MemoryJobStore()
    with pytest.raises(StageFailedError):
        run(make_graph(calls, fail="left"), store, jobs)
    record = run(make_graph(calls), store, jobs)
    assert record.status is JobStatus.DONE
    assert calls["source"] == 1  # reused
    assert calls["left"] == 2


def test_a_stage_that_skips_a_declared_output_fails(tmp_path):
    def lazy(ctx):
        return StageOutcome()

    graph = Graph((StageSpec("only", writes=("out.txt",), impl=lazy),))
    with pytest.raises(StageFailedError, match="did not write its declared outputs"):
        run_job(
            "j",
            input=INPUT,
            params={},
            store=LocalFolderStore(tmp_path),
            jobs=MemoryJobStore(),
            graph=graph,
        )


def test_undeclared_output_is_refused(tmp_path):
    def sneaky(ctx):
        ctx.write("other.txt", b"x")

    graph = Graph((StageSpec("only", writes=("out.txt",), impl=sneaky),))
    with pytest.raises(StageFailedError, match=r"does not declare output 'other\.txt'"):
        run_job(
            "j",
            input=INPUT,
            params={},
            store=LocalFolderStore(tmp_path),
            jobs=MemoryJobStore(),
            graph=graph,
        )
