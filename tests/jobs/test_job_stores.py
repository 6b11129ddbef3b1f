"""Both job stores honour the same protocol, and ``update`` is atomic under contention."""

from __future__ import annotations

import threading

import pytest

from performia.jobs import (
    JobNotFoundError,
    JobRecord,
    JobStatus,
    JobStore,
    MemoryJobStore,
    SQLiteJobStore,
    StageRun,
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path) -> JobStore:
    if request.param == "memory":
        return MemoryJobStore()
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
