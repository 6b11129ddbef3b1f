"""Rate-limit counts in Firestore, on the emulator: exact under concurrent instances."""

from __future__ import annotations

import threading
import uuid

import pytest

from performia.cloud.quotas import FirestoreQuotaStore


@pytest.mark.emulator
def test_firestore_counts_concurrent_requests_exactly(firestore_client):
    """Many instances at once: 40 requests from 8 threads against a limit of 25 let exactly 25
    through (one transaction per request)."""
    store = FirestoreQuotaStore(firestore_client, collection=f"quotas-{uuid.uuid4().hex[:8]}")
    allowed: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(5):
            ok = store.take("upload:alice", 25, 3600, now=1000.0) is None
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 25 and len(allowed) == 40
    assert store.take("upload:alice", 25, 3600, now=4600.0) is None  # the next window


@pytest.mark.emulator
def test_firestore_bookings_hold_exactly_the_limit_and_are_idempotent(firestore_client):
    """Two instances each trying to start four jobs for one user at once: exactly three are
    held; booking a held job again is a no-op; a job that ends frees its slot."""
    store = FirestoreQuotaStore(firestore_client, collection=f"quotas-{uuid.uuid4().hex[:8]}")
    held: list[str] = []
    lock = threading.Lock()
    running: set[str] = set()

    def start(instance: int) -> None:
        for n in range(4):
            job = f"job-{instance}-{n}"
            if (
                store.book("jobs:alice", job, 1, 3, 3600, now=1000.0, keep=running.__contains__)
                is None
            ):
                with lock:
                    held.append(job)
                    running.add(job)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(held) == 3
    assert store.book("jobs:alice", held[0], 1, 3, 3600, now=1001.0) is None  # already held
    assert store.book("jobs:alice", "job-late", 1, 3, 3600, now=1001.0) is not None
    running.discard(held[0])
    assert (
        store.book("jobs:alice", "job-late", 1, 3, 3600, now=1002.0, keep=running.__contains__)
        is None
    )
    doc = firestore_client.collection(store.collection).document("jobs:alice").get().to_dict()
    assert sorted(doc["items"]) == sorted([*held[1:], "job-late"])
    assert doc["expireAt"].timestamp() == pytest.approx(1002.0 + 3600)
