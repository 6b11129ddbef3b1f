"""Every job store honours the same protocol, and ``update`` is atomic under contention.

The Firestore store runs against the real Firestore emulator (``emulator`` marker).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from performia.jobs import (
    JobNotFoundError,
    JobRecord,
    JobStatus,
    JobStore,
    MemoryJobStore,
    SQLiteJobStore,
    StageRun,
    StageState,
)
from performia.jobs.firestore import JOB_TTL, PENDING_TTL, FirestoreJobStore
from performia.pipeline import scheduler
from performia.pipeline.graph import Graph, StageSpec


@pytest.fixture(params=["memory", "sqlite", pytest.param("firestore", marks=pytest.mark.emulator)])
def store(request, tmp_path) -> JobStore:
    if request.param == "memory":
        return MemoryJobStore()
    if request.param == "firestore":
        return request.getfixturevalue("firestore_store")  # a fresh collection per test
    return SQLiteJobStore(tmp_path / "jobs.sqlite")


def test_create_is_idempotent_and_get_round_trips(store):
    rec = JobRecord(job_id="j1", input={"key": "uploads/j1/a.mp3"}, stages={"ingest": StageRun()})
    assert store.create(rec) == rec
    again = store.create(rec.model_copy(update={"owner": "someone-else"}))
    assert again.owner is None  # the first record wins
    assert store.get("j1").input == {"key": "uploads/j1/a.mp3"}
    assert isinstance(store, JobStore)


def test_missing_job_is_a_clear_error(store):
    with pytest.raises(JobNotFoundError, match="no job 'nope'"):
        store.get("nope")
    with pytest.raises(JobNotFoundError):
        store.update("nope", lambda r: r)


def test_update_changes_and_stamps(store):
    store.create(JobRecord(job_id="j2"))
    out = store.update("j2", lambda r: r.model_copy(update={"status": JobStatus.PROCESSING}))
    assert out.status is JobStatus.PROCESSING
    assert store.get("j2").status is JobStatus.PROCESSING
    assert out.updated_at >= out.created_at


def test_concurrent_updates_lose_nothing(store):
    """Four threads each add 1 to a counter 25 times: an atomic store ends at exactly 100."""
    store.create(JobRecord(job_id="j3", params={"n": 0}))

    def bump(r: JobRecord) -> JobRecord:
        return r.model_copy(update={"params": {"n": r.params["n"] + 1}})

    def worker():
        for _ in range(25):
            store.update("j3", bump)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert store.get("j3").params["n"] == 100


def test_delete(store):
    store.create(JobRecord(job_id="j4"))
    store.delete("j4")
    store.delete("j4")  # idempotent
    with pytest.raises(JobNotFoundError):
        store.get("j4")


def test_record_document_is_camel_case():
    doc = JobRecord(job_id="j", failed_stage="ingest").to_doc()
    assert {"jobId", "failedStage", "createdAt", "updatedAt", "songId"} <= set(doc)
    assert JobRecord.from_doc(doc).failed_stage == "ingest"


def test_sqlite_store_persists_across_instances(tmp_path):
    path = tmp_path / "jobs.sqlite"
    SQLiteJobStore(path).create(JobRecord(job_id="keep"))
    reopened = SQLiteJobStore(path)
    assert reopened.get("keep").job_id == "keep"
    assert [r.job_id for r in reopened.list()] == ["keep"]


def _join_graph() -> Graph:
    """a fans out to b and c; z joins them."""
    return Graph(
        (
            StageSpec("a", impl="x:y"),
            StageSpec("b", needs=("a",), impl="x:y"),
            StageSpec("c", needs=("a",), impl="x:y"),
            StageSpec("z", needs=("b", "c"), impl="x:y"),
        )
    )


def _finish(graph: Graph, record: JobRecord, name: str) -> tuple[JobRecord, list[str]]:
    running = scheduler.mark_running(record, name)
    return scheduler.claim_ready(
        graph, scheduler.mark_done(graph, running, name, seconds=0.1, reused=False)
    )


def _second_instance(store: JobStore) -> JobStore:
    """Another handle on the same records, as a second process or Cloud Run instance has."""
    if isinstance(store, SQLiteJobStore):
        return SQLiteJobStore(store.path)
    if isinstance(store, MemoryJobStore):
        return store
    from google.cloud import firestore

    client = firestore.Client(project=store.client.project)
    return FirestoreJobStore(client, collection=store.collection)


def test_simultaneous_finishes_claim_the_join_once(store):
    """b and c finish at the same instant on two instances: z is claimed exactly once per round.

    The claim is read from the mutation's last run, the one that committed (a Firestore
    transaction re-runs the mutation after a conflict). On Firestore each round's conflict costs
    the emulator's two-second lock timeout, hence fewer rounds.
    """
    g = _join_graph()
    instances = {"b": store, "c": _second_instance(store)}
    rounds = 3 if isinstance(store, FirestoreJobStore) else 10
    store.create(scheduler.new_job(g, "join", input={}, params={}))
    store.update("join", lambda r: scheduler.claim_ready(g, r)[0])
    store.update("join", lambda r: _finish(g, r, "a")[0])

    def reset(r: JobRecord) -> JobRecord:
        stages = dict(r.stages)
        stages["b"] = stages["b"].model_copy(update={"state": StageState.RUNNING})
        stages["c"] = stages["c"].model_copy(update={"state": StageState.RUNNING})
        stages["z"] = StageRun()
        return r.model_copy(update={"stages": stages, "status": JobStatus.PROCESSING})

    for _ in range(rounds):
        store.update("join", reset)
        barrier = threading.Barrier(2)
        claims: dict[str, list[str]] = {}

        def finish(name: str, barrier=barrier, claims=claims) -> None:
            barrier.wait(timeout=10)
            last: list[str] = []

            def mutate(r: JobRecord) -> JobRecord:
                new, claimed = _finish(g, r, name)
                last[:] = claimed
                return new

            instances[name].update("join", mutate)
            claims[name] = list(last)

        threads = [threading.Thread(target=finish, args=(n,)) for n in ("b", "c")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(claims.values()) == [[], ["z"]], claims
        final = store.get("join")
        assert final.stages["z"].state is StageState.QUEUED
        assert {final.stages["b"].state, final.stages["c"].state} == {StageState.DONE}


def test_failed_mutation_changes_nothing(store):
    store.create(JobRecord(job_id="j5", params={"n": 1}))

    def broken(r: JobRecord) -> JobRecord:
        raise RuntimeError("stage crashed mid-update")

    with pytest.raises(RuntimeError, match="mid-update"):
        store.update("j5", broken)
    assert store.get("j5").params == {"n": 1}


@pytest.mark.emulator
def test_firestore_document_is_the_record_document(firestore_store):
    """The stored document is exactly ``to_doc()``: what the frontend listens to."""
    rec = JobRecord(
        job_id="shape",
        input={"key": "uploads/shape/a.mp3", "sha256": "ab"},
        stages={"ingest": StageRun(progress=0.5, message="decoding")},
        owner="user-1",
    )
    firestore_store.create(rec)
    raw = firestore_store.client.collection(firestore_store.collection).document("shape").get()
    doc = raw.to_dict()
    # plus when Firestore's TTL policy deletes it: a pending job (never uploaded) after a day
    expire = doc.pop("expireAt")
    assert doc == rec.to_doc()
    left = expire - datetime.now(UTC)
    assert PENDING_TTL - timedelta(minutes=5) < left <= PENDING_TTL
    assert firestore_store.get("shape") == rec
    # once it moves on, the record is kept for JOB_TTL after its last change
    firestore_store.update("shape", lambda r: r.model_copy(update={"status": JobStatus.PROCESSING}))
    expire = (
        firestore_store.client.collection(firestore_store.collection)
        .document("shape")
        .get()
        .to_dict()["expireAt"]
    )
    assert JOB_TTL - timedelta(minutes=5) < expire - datetime.now(UTC) <= JOB_TTL


@pytest.mark.emulator
def test_firestore_rejects_ids_that_are_not_document_ids(firestore_store):
    with pytest.raises(ValueError, match="cannot name a Firestore document"):
        firestore_store.get("a/b")
