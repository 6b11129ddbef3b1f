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


def test_bookings_hold_amounts_until_they_expire_or_end():
    from performia.cloud.quotas import book

    store = MemoryQuotaStore()
    # minutes a day: each job's minutes, held 24 h
    book(store, "audio_minutes", "alice", "job-1", amount=150.0, now=0.0)
    book(store, "audio_minutes", "alice", "job-1", amount=150.0, now=10.0)  # a redelivery: free
    with pytest.raises(
        QuotaExceededError, match=r"180 minutes of audio analysed a day \(this one needs 40\)"
    ) as refused:
        book(store, "audio_minutes", "alice", "job-2", amount=40.0, now=100.0)
    assert refused.value.retry_after_s == 86300  # when job-1's minutes fall out of the day
    book(store, "audio_minutes", "alice", "job-3", amount=30.0, now=100.0)  # still fits
    book(store, "audio_minutes", "alice", "job-2", amount=40.0, now=86400.0)  # job-1 expired
    # analyses at once: an item counts while keep() says it is running
    running = {"a", "b", "c"}
    for job in sorted(running):
        book(store, "concurrent_jobs", "bob", job, keep=running.__contains__, now=0.0)
    with pytest.raises(QuotaExceededError) as busy:
        book(store, "concurrent_jobs", "bob", "d", keep=running.__contains__, now=1.0)
    assert busy.value.retry_after_s == 60
    running.discard("a")
    book(store, "concurrent_jobs", "bob", "d", keep=running.__contains__, now=2.0)


def test_the_callers_address_is_the_one_the_nearest_trusted_proxy_saw(monkeypatch):
    from types import SimpleNamespace

    from performia.cloud.quotas import caller_address

    def request(forwarded=None, peer="10.0.0.1"):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return SimpleNamespace(headers=headers, remote_addr=peer)

    # client → API Gateway (appends the client) → Cloud Run's front end (appends the gateway)
    assert caller_address(request("203.0.113.7, 172.16.0.2")) == "203.0.113.7"
    # whatever the client put in front is its own claim, and ignored
    assert caller_address(request("1.2.3.4, 5.6.7.8, 203.0.113.7, 172.16.0.2")) == "203.0.113.7"
    assert caller_address(request("203.0.113.7")) == "203.0.113.7"
    assert caller_address(request()) == "10.0.0.1"  # no proxy: the peer
    monkeypatch.setenv("PERFORMIA_PROXY_HOPS", "1")
    assert caller_address(request("1.2.3.4, 203.0.113.7")) == "203.0.113.7"
