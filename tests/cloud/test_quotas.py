"""Rate limits: fixed windows per caller, counted in memory or, across instances, Firestore."""

from __future__ import annotations

import pytest

from performia.cloud.quotas import (
    LIMITS,
    MemoryQuotaStore,
    QuotaExceededError,
    take,
)


def test_a_window_allows_its_count_then_says_how_long_to_wait():
    store = MemoryQuotaStore()
    assert [store.take("k", 3, 60, now=100.0 + i) for i in range(3)] == [None, None, None]
    assert store.take("k", 3, 60, now=110.0) == pytest.approx(50.0)  # window 100-160
    assert store.take("other", 3, 60, now=110.0) is None  # callers are counted apart
    assert store.take("k", 3, 60, now=160.0) is None  # a new window


def test_take_names_the_limit_and_the_wait():
    store = MemoryQuotaStore()
    limit = LIMITS["realign"]
    for _ in range(limit.count):
        take(store, "realign", "alice", now=1000.0)
    with pytest.raises(QuotaExceededError, match="limit of 60 re-alignments an hour") as refused:
        take(store, "realign", "alice", now=1000.5)
    assert refused.value.retry_after_s == 3600  # 3599.5 s, rounded up
    take(store, "realign", "bob", now=1000.5)
