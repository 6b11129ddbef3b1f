"""The join: each stage claimed exactly once, however many finish at the same moment."""

from __future__ import annotations

import threading

import pytest

from performia.jobs import JobStatus, MemoryJobStore, SQLiteJobStore, StageState
from performia.pipeline import scheduler
from performia.pipeline.graph import GRAPH, Graph, StageSpec


def _graph() -> Graph:
    return Graph(
        (
            StageSpec("a", impl="x:y"),
            StageSpec("b", needs=("a",), impl="x:y", params=("p",)),
            StageSpec("c", needs=("a",), impl="x:y"),
            StageSpec("d", needs=("a",)),  # not built
            StageSpec("z", needs=("a",), uses=("b", "c", "d"), impl="x:y"),
        )
    )


def _finish(graph, record, name):
    record, claimed = scheduler.claim_ready(
        graph,
        scheduler.mark_done(
            graph, scheduler.mark_running(record, name), name, seconds=0.1, reused=False
        ),
    )
    return record, claimed


def test_new_job_skips_unbuilt_stages():
    rec = scheduler.new_job(_graph(), "j", input={}, params={})
    assert rec.stages["d"].state is StageState.SKIPPED
    assert rec.stages["a"].state is StageState.PENDING
    real = scheduler.new_job(GRAPH, "j", input={}, params={})
    assert {n for n, r in real.stages.items() if r.state is StageState.SKIPPED} == {
        s.name for s in GRAPH if not s.built
    }


def test_claims_follow_the_graph():
    g = _graph()
    rec, claimed = scheduler.claim_ready(g, scheduler.new_job(g, "j", input={}, params={}))
    assert claimed == ["a"]
    assert rec.status is JobStatus.PROCESSING
    rec, claimed = scheduler.claim_ready(g, rec)
    assert claimed == []  # already queued: never claimed twice
    rec, claimed = _finish(g, rec, "a")
    assert claimed == ["b", "c"]
    rec, claimed = _finish(g, rec, "b")
    assert claimed == []  # z still waits for c
    rec, claimed = _finish(g, rec, "c")
    assert claimed == ["z"]
    rec, claimed = _finish(g, rec, "z")
    assert rec.status is JobStatus.DONE
    assert rec.progress == 1.0


def test_failure_stops_all_claims():
    g = _graph()
    rec, _ = scheduler.claim_ready(g, scheduler.new_job(g, "j", input={}, params={}))
    rec = scheduler.mark_failed(scheduler.mark_running(rec, "a"), "a", "bad input")
    assert rec.status is JobStatus.FAILED
    assert rec.error == "bad input"
    assert scheduler.claim_ready(g, rec)[1] == []


def test_fingerprints_chain_through_the_graph():
    g = _graph()

    def fingerprints(params, sha="s1"):
        rec = scheduler.new_job(g, "j", input={"sha256": sha}, params=params)
        rec, _ = scheduler.claim_ready(g, rec)
        for name in ("a", "b", "c", "z"):
            rec, _ = _finish(g, rec, name)
        return {n: r.fingerprint for n, r in rec.stages.items()}

    base = fingerprints({"p": 1})
    assert base == fingerprints({"p": 1})
    changed = fingerprints({"p": 2})
    assert changed["a"] == base["a"] and changed["c"] == base["c"]
    assert changed["b"] != base["b"] and changed["z"] != base["z"]
    other_input = fingerprints({"p": 1}, sha="s2")
    assert all(other_input[n] != base[n] for n in ("a", "b", "c", "z"))


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_simultaneous_finishes_launch_the_join_once(tmp_path, kind):
    """b and c finish at the same instant in two threads; z must be claimed by exactly one."""
    g = _graph()
    jobs = MemoryJobStore() if kind == "memory" else SQLiteJobStore(tmp_path / "j.sqlite")
    rec = scheduler.new_job(g, "j", input={}, params={})
    jobs.create(rec)
    jobs.update("j", lambda r: scheduler.claim_ready(g, r)[0])
    jobs.update("j", lambda r: _finish(g, r, "a")[0])
    for _ in range(20):  # many rounds to give a race the chance to show
        jobs.update(
            "j",
            lambda r: r.model_copy(
                update={
                    "stages": {
                        **r.stages,
                        "b": r.stages["b"].model_copy(update={"state": StageState.RUNNING}),
                        "c": r.stages["c"].model_copy(update={"state": StageState.RUNNING}),
                        "z": r.stages["z"].model_copy(update={"state": StageState.PENDING}),
                    },
                    "status": JobStatus.PROCESSING,
                }
            ),
        )
        claims: list[list[str]] = []
        barrier = threading.Barrier(2)

        def finish(name: str, barrier=barrier, claims=claims) -> None:
            barrier.wait(timeout=10)
            out: list[str] = []

            def mutate(r):
                new, claimed = _finish(g, r, name)
                out[:] = claimed
                return new

            jobs.update("j", mutate)
            claims.append(list(out))

        threads = [threading.Thread(target=finish, args=(n,)) for n in ("b", "c")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert sorted(claims) == [[], ["z"]]
