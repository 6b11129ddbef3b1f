"""Quotas and rate limits: how much one user (or one address) may ask of the service.

Every limit is declared once, in :data:`LIMITS`, and enforced in one of two ways:

- **rates** (:func:`take`): requests counted in a fixed window per caller; the first request of
  a window opens it, each takes one;
- **bookings** (:func:`book`): named items with an amount, each held until it expires or the
  caller's ``keep`` says it is over: the jobs a user has running (one each, released when the
  job finishes) and the audio they had analysed in the last 24 hours (its minutes, per job, so
  a redelivered ingest is not charged twice).

Over a limit is :class:`QuotaExceededError`, which the HTTP functions answer 429 with
``Retry-After`` and a job's stage turns into a FAILED job with the message. Counting lives in
Firestore, in one transaction per request (:class:`FirestoreQuotaStore`), not in a process's
memory: Cloud Run runs many instances, and each would count only its own requests.
:class:`MemoryQuotaStore` is for one process (tests, the embedded viewer, which has one user).

What the worst abuser can cost under these limits is in ``infra/COSTS.md``.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from performia.errors import BadInputError, TransientError

if TYPE_CHECKING:
    from google.cloud.firestore import Client

__all__ = [
    "LIMITS",
    "FirestoreQuotaStore",
    "Limit",
    "MemoryQuotaStore",
    "QuotaExceededError",
    "QuotaStore",
    "book",
    "caller_address",
    "get_quotas",
    "set_quotas",
    "take",
]

#: Seconds a contended count is retried before the request fails as transient (a 500).
CONTENTION_BUDGET_S = 10.0

_store: QuotaStore | None = None
_store_lock = threading.Lock()


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``window_s`` seconds, per caller (a rate); or, booked,
    at most ``count`` held at once, each held for at most ``window_s`` seconds."""

    count: int
    window_s: int
    what: str


#: Every limit the service enforces, by name. Uploads bound the analysis bill (each is up to
#: 20 minutes of audio through every stage), and so do the analyses a user may have running at
#: once and the minutes of audio analysed for them a day; anonymous sign-ins are free to make,
#: so their uploads are also counted per address. Re-aligning runs Whisper; help questions run
#: the embedder.
LIMITS: dict[str, Limit] = {
    "upload": Limit(20, 3600, "uploads an hour"),
    "upload_address": Limit(40, 3600, "uploads an hour from one address without an account"),
    # booked: a job holds its slot until it finishes (6 h at most, far past any real analysis)
    "concurrent_jobs": Limit(3, 6 * 3600, "analyses running at once"),
    # booked: each job's minutes, for 24 hours
    "audio_minutes": Limit(180, 24 * 3600, "minutes of audio analysed a day"),
    "audio_minutes_address": Limit(
        360, 24 * 3600, "minutes of audio analysed a day from one address without an account"
    ),
    "realign": Limit(60, 3600, "re-alignments an hour"),
    # opening a song signs its files' URLs (an IAM call each on Cloud Run)
    "library": Limit(600, 3600, "library requests an hour"),
    "kb_query": Limit(30, 60, "help questions a minute"),
}


class QuotaExceededError(BadInputError):
    """Over a limit: the HTTP answer is 429 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


#: Retry-After for a booking whose items end when work finishes, not at a known time.
BOOKING_RETRY_S = 60


class QuotaStore(Protocol):
    """Counts requests in fixed windows, and holds bookings."""

    def take(self, key: str, limit: int, window_s: int, now: float) -> float | None:
        """Count one request under ``key``; ``None`` when it is within ``limit`` for the
        window holding ``now``, else the seconds until that window ends (nothing counted)."""
        ...

    def book(
        self,
        key: str,
        item: str,
        amount: float,
        limit: float,
        hold_s: float,
        now: float,
        keep: Callable[[str], bool] | None = None,
    ) -> float | None:
        """Hold ``item`` (``amount`` of the ``limit``) under ``key`` for ``hold_s``; ``None``
        when held (or held already: booking is idempotent), else the seconds until the
        earliest held item expires. Items past their time, or that ``keep`` says are over,
        are dropped first."""
        ...


def _booked(
    items: dict[str, Any],
    item: str,
    amount: float,
    limit: float,
    hold_s: float,
    now: float,
    keep: Callable[[str], bool] | None,
) -> tuple[dict[str, Any], float | None]:
    """The bookings after trying to add ``item``, and the wait when it did not fit (the rule
    both stores share: :meth:`QuotaStore.book`)."""
    live = {
        name: held
        for name, held in items.items()
        if float(held["until"]) > now and (keep is None or name == item or keep(name))
    }
    if item in live:
        return live, None
    if sum(float(h["amount"]) for h in live.values()) + amount > limit:
        return live, min(float(h["until"]) for h in live.values()) - now if live else hold_s
    return {**live, item: {"amount": amount, "until": now + hold_s}}, None


class MemoryQuotaStore:
    """Counts in this process (tests; one-user local modes)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._bookings: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window_s: int, now: float) -> float | None:
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now >= start + window_s:
                start, count = now, 0
            if count >= limit:
                return start + window_s - now
            self._windows[key] = (start, count + 1)
            return None

    def book(
        self,
        key: str,
        item: str,
        amount: float,
        limit: float,
        hold_s: float,
        now: float,
        keep: Callable[[str], bool] | None = None,
    ) -> float | None:
        with self._lock:
            items, wait = _booked(
                self._bookings.get(key, {}), item, amount, limit, hold_s, now, keep
            )
            self._bookings[key] = items
            return wait


class FirestoreQuotaStore:
    """Counts in Firestore (collection ``quotas``), one transaction per request, so every
    instance of every function sees the same counts."""

    def __init__(self, client: Client | None = None, *, collection: str = "quotas") -> None:
        self._client = client
        self.collection = collection
        # Requests in one instance take turns per key: concurrent transactions that read the
        # same document abort each other on Firestore's locks (as FirestoreJobStore's do)
        self._locks = tuple(threading.Lock() for _ in range(64))

    @property
    def client(self) -> Client:
        if self._client is None:
            from google.cloud import firestore

            self._client = firestore.Client()
        return self._client

    def take(self, key: str, limit: int, window_s: int, now: float) -> float | None:
        """See :meth:`QuotaStore.take`. Requests of one caller at once contend for one
        document: a lost transaction is retried with jittered back-off (the client library
        gives up after its own attempts) for up to :data:`CONTENTION_BUDGET_S`."""
        return self._contended(key, lambda: self._take_once(key, limit, window_s, now))

    def book(
        self,
        key: str,
        item: str,
        amount: float,
        limit: float,
        hold_s: float,
        now: float,
        keep: Callable[[str], bool] | None = None,
    ) -> float | None:
        """See :meth:`QuotaStore.book`; retried on contention as :meth:`take` is."""
        from google.cloud import firestore

        ref = self.client.collection(self.collection).document(key)

        @firestore.transactional
        def run(transaction: Any) -> float | None:
            doc = ref.get(transaction=transaction).to_dict() or {}
            items, wait = _booked(doc.get("items") or {}, item, amount, limit, hold_s, now, keep)
            if wait is None or items != (doc.get("items") or {}):
                transaction.set(ref, {"items": items, "key": key, "expireAt": _expiry(items)})
            return wait

        return self._contended(key, lambda: run(self.client.transaction(max_attempts=5)))

    def _contended(self, key: str, once: Callable[[], float | None]) -> float | None:
        from google.api_core.exceptions import Aborted

        deadline = time.monotonic() + CONTENTION_BUDGET_S
        delay = 0.02
        while True:
            try:
                with self._locks[zlib.crc32(key.encode()) % len(self._locks)]:
                    return once()
            except Aborted:
                pass
            except ValueError as exc:  # the library's "failed to commit in N attempts"
                if "transaction" not in str(exc).lower() and not isinstance(exc.__cause__, Aborted):
                    raise
            if time.monotonic() > deadline:
                raise TransientError(f"rate-limit count for {key!r} kept conflicting")
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    def _take_once(self, key: str, limit: int, window_s: int, now: float) -> float | None:
        from google.cloud import firestore

        ref = self.client.collection(self.collection).document(key)

        @firestore.transactional
        def run(transaction: Any) -> float | None:
            doc = ref.get(transaction=transaction).to_dict() or {}
            start, count = float(doc.get("windowStart", now)), int(doc.get("count", 0))
            if now >= start + window_s:
                start, count = now, 0
            if count >= limit:
                return start + window_s - now
            transaction.set(
                ref,
                {
                    "windowStart": start,
                    "count": count + 1,
                    "key": key,
                    "expireAt": _as_time(start + window_s),
                },
            )
            return None

        return run(self.client.transaction(max_attempts=5))


def _as_time(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _expiry(items: dict[str, Any]) -> datetime:
    """When a bookings document may go (Firestore TTL on ``expireAt``): its last item's end."""
    return _as_time(max((float(h["until"]) for h in items.values()), default=0.0))


def get_quotas() -> QuotaStore:
    """This process's quota store, unless :func:`set_quotas` chose one: Firestore's on Cloud
    Run (``K_SERVICE``) and on the local stack (``FIRESTORE_EMULATOR_HOST``), where many
    processes serve one user base; this process's memory elsewhere (``performia view``)."""
    global _store
    with _store_lock:
        if _store is None:
            shared = os.environ.get("K_SERVICE") or os.environ.get("FIRESTORE_EMULATOR_HOST")
            _store = FirestoreQuotaStore() if shared else MemoryQuotaStore()
        return _store


def set_quotas(store: QuotaStore | None) -> None:
    """Use ``store`` in this process (tests); ``None`` goes back to Firestore's."""
    global _store
    with _store_lock:
        _store = store


#: Proxies in front of a deployed HTTP function that each append the address they were called
#: from to ``X-Forwarded-For``: API Gateway, then Cloud Run's front end (``infra/``).
DEFAULT_PROXY_HOPS = 2


def caller_address(request: Any) -> str:
    """The caller's address, for limits per address: the ``X-Forwarded-For`` entry the first
    trusted proxy appended (``PERFORMIA_PROXY_HOPS`` from the right, default
    :data:`DEFAULT_PROXY_HOPS`), else the peer. Entries further left are the caller's own
    claims: taking the leftmost would let anyone pick a fresh address per request."""
    headers = getattr(request, "headers", {}) or {}
    hops = [h.strip() for h in str(headers.get("X-Forwarded-For", "")).split(",") if h.strip()]
    try:
        trusted = max(1, int(os.environ.get("PERFORMIA_PROXY_HOPS", DEFAULT_PROXY_HOPS)))
    except ValueError:
        trusted = DEFAULT_PROXY_HOPS
    if hops:
        return hops[max(0, len(hops) - trusted)]
    return str(getattr(request, "remote_addr", "") or "unknown")


def _key(name: str, caller: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in caller)[:200]
    return f"{name}:{safe}"


def _refuse(limit: Limit, wait: float, amount: float | None = None) -> QuotaExceededError:
    seconds = max(1, math.ceil(wait))
    asked = f" (this one needs {amount:g})" if amount is not None and amount > 1 else ""
    return QuotaExceededError(
        f"you have reached the limit of {limit.count} {limit.what}{asked}; "
        f"try again in {seconds} s",
        seconds,
    )


def take(store: QuotaStore, name: str, caller: str, *, now: float | None = None) -> None:
    """Count one ``name`` request by ``caller``; :class:`QuotaExceededError` over the limit."""
    limit = LIMITS[name]
    wait = store.take(
        _key(name, caller), limit.count, limit.window_s, time.time() if now is None else now
    )
    if wait is not None:
        raise _refuse(limit, wait)


def book(
    store: QuotaStore,
    name: str,
    caller: str,
    item: str,
    *,
    amount: float = 1.0,
    keep: Callable[[str], bool] | None = None,
    now: float | None = None,
) -> None:
    """Hold ``item`` (e.g. a job) under ``caller``'s ``name`` limit; idempotent per item.
    ``keep(item)`` says whether an earlier item still counts (a job still running);
    :class:`QuotaExceededError` when it does not fit."""
    limit = LIMITS[name]
    wait = store.book(
        _key(name, caller),
        item,
        amount,
        limit.count,
        limit.window_s,
        time.time() if now is None else now,
        keep,
    )
    if wait is not None:
        raise _refuse(limit, BOOKING_RETRY_S if keep is not None else wait, amount)
