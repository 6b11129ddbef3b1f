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
