"""Quotas and rate limits: how much one user (or one address) may ask of the service.

Every limit is declared once, in :data:`LIMITS`, and counted in a fixed window per caller: the
first request of a window opens it, each request takes one, and a request over the limit is
refused with :class:`QuotaExceededError`, which the HTTP functions answer 429 with
``Retry-After`` (the seconds until the window ends). Counting lives in Firestore, in one
transaction per request (:class:`FirestoreQuotaStore`), not in a process's memory: Cloud Run
runs many instances, and each would count only its own requests. :class:`MemoryQuotaStore` is
for one process (tests, the embedded viewer, which has one user).

What the worst abuser can cost under these limits is in ``infra/COSTS.md``.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
import zlib
from dataclasses import dataclass
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
    """At most ``count`` requests per ``window_s`` seconds, per caller."""

    count: int
    window_s: int
    what: str


#: Every limit the service enforces, by name. Uploads bound the analysis bill (each is up to
#: 20 minutes of audio through every stage); re-aligning runs Whisper; help questions run the
#: embedder.
LIMITS: dict[str, Limit] = {
    "upload": Limit(20, 3600, "uploads an hour"),
    "realign": Limit(60, 3600, "re-alignments an hour"),
    "kb_query": Limit(30, 60, "help questions a minute"),
}


class QuotaExceededError(BadInputError):
    """Over a limit: the HTTP answer is 429 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QuotaStore(Protocol):
    """Counts requests in fixed windows."""

    def take(self, key: str, limit: int, window_s: int, now: float) -> float | None:
        """Count one request under ``key``; ``None`` when it is within ``limit`` for the
        window holding ``now``, else the seconds until that window ends (nothing counted)."""
        ...


class MemoryQuotaStore:
    """Counts in this process (tests; one-user local modes)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
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
        from google.api_core.exceptions import Aborted

        deadline = time.monotonic() + CONTENTION_BUDGET_S
        delay = 0.02
        while True:
            try:
                with self._locks[zlib.crc32(key.encode()) % len(self._locks)]:
                    return self._take_once(key, limit, window_s, now)
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
            transaction.set(ref, {"windowStart": start, "count": count + 1, "key": key})
            return None

        return run(self.client.transaction(max_attempts=5))


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


def caller_address(request: Any) -> str:
    """The caller's address, for limits on callers who are not signed in: the first
    ``X-Forwarded-For`` hop (what API Gateway and Cloud Run's front end set), else the peer."""
    headers = getattr(request, "headers", {}) or {}
    forwarded = str(headers.get("X-Forwarded-For", "")).split(",")[0].strip()
    return forwarded or str(getattr(request, "remote_addr", "") or "unknown")


def take(store: QuotaStore, name: str, caller: str, *, now: float | None = None) -> None:
    """Count one ``name`` request by ``caller``; :class:`QuotaExceededError` over the limit."""
    limit = LIMITS[name]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in caller)[:200]
    wait = store.take(
        f"{name}:{safe}", limit.count, limit.window_s, time.time() if now is None else now
    )
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise QuotaExceededError(
            f"you have reached the limit of {limit.count} {limit.what}; try again in {seconds} s",
            seconds,
        )
