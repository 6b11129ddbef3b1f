"""A job store in Firestore: the cloud mode's ``jobs/{jobId}`` documents.

Each record is one document in the shape :meth:`JobRecord.to_doc` gives (camelCase, JSON types),
so the frontend can listen to it directly. ``update`` runs the mutation inside a Firestore
transaction: the read takes the document into the transaction, and the commit fails with
``ABORTED`` if another transaction changed it first, after which the mutation runs again on the
fresh record. That is what makes the join exact: when two stages finish at the same moment, the
scheduler's pure functions see both finishes in one of the two committed records, so exactly one
of them claims the next stage.

Threads of one process (a Cloud Run instance serving several requests, the local runner's pool)
also queue on an in-process lock per job before opening the transaction. That changes nothing
about correctness, which the transaction alone guarantees across processes, but it keeps them
from deadlocking each other on Firestore's document locks: two transactions that both read a
document and then both write it wait on each other until one is aborted (two seconds in the
emulator), where one after the other takes a few milliseconds.

Because a mutation may run more than once, it must be a pure function of the record it is given;
anything it reports (such as the stages it claimed) must be taken from its last run, which is the
one that committed.
"""

from __future__ import annotations

import random
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from performia.errors import TransientError
from performia.jobs.base import JobNotFoundError, JobRecord, JobStatus, Mutation, utc_now

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference, Transaction

__all__ = ["JOB_TTL", "PENDING_TTL", "FirestoreJobStore"]

#: A job record is deleted (Firestore TTL) this long after its last change: the song lives on in
#: the library; the record is only its progress.
JOB_TTL = timedelta(days=30)
#: A job never uploaded (``upload_url`` called, nothing PUT: its signed URL lived 15 minutes)
#: is deleted this long after it was made, so requests alone cannot pile up records.
PENDING_TTL = timedelta(days=1)

#: Attempts of one transaction; each retry keeps its place in line on the server.
TRANSACTION_ATTEMPTS = 10
#: Seconds ``update`` keeps retrying a transaction aborted by contention before giving up.
CONTENTION_BUDGET_S = 30.0
#: In-process locks; a job id always maps to the same one.
_LOCK_STRIPES = 64


class FirestoreJobStore:
    """Job records as documents in one Firestore collection.

    Parameters
    ----------
    client
        A ``google.cloud.firestore.Client``. ``None`` creates one on first use from the
        environment (project and credentials of the Cloud Run service, or
        ``FIRESTORE_EMULATOR_HOST`` locally), so importing or constructing costs nothing.
    collection
        Collection holding the documents; the document id is the job id.
    """

    def __init__(self, client: Client | None = None, *, collection: str = "jobs") -> None:
        if not collection or "/" in collection:
            raise ValueError(f"collection must be a single path segment, not {collection!r}")
        self._client = client
        self.collection = collection
        self._locks = tuple(threading.Lock() for _ in range(_LOCK_STRIPES))

    @property
    def client(self) -> Client:
        if self._client is None:
            from google.cloud import firestore

            self._client = firestore.Client()
        return self._client

    @staticmethod
    def _document(record: JobRecord) -> dict[str, Any]:
        """The record's document plus ``expireAt``, the time Firestore's TTL policy deletes it
        (``infra/firestore.tf``): a job never uploaded (still pending) after
        :data:`PENDING_TTL`, any other :data:`JOB_TTL` after its last change. Readers ignore the
        field; it is a Firestore timestamp, which TTL requires."""
        ttl = PENDING_TTL if record.status is JobStatus.PENDING else JOB_TTL
        return {**record.to_doc(), "expireAt": datetime.now(UTC) + ttl}

    def create(self, record: JobRecord) -> JobRecord:
        """Store a new record; an existing record with the same id is returned unchanged.

        Uses Firestore's create (fails when the document exists) rather than a read then a
        write, so two deliveries of the same upload event cannot both create the job.
        """
        from google.api_core.exceptions import AlreadyExists

        try:
            self._ref(record.job_id).create(self._document(record))
        except AlreadyExists:
            return self.get(record.job_id)
        return record

    def get(self, job_id: str) -> JobRecord:
        """The record; ``JobNotFoundError`` when absent."""
        return self._load(self._ref(job_id).get(), job_id)

    def update(self, job_id: str, mutate: Mutation) -> JobRecord:
        """Apply ``mutate`` to the current record in a transaction and return what was stored.

        Contention is retried: first by the client library (the commit is retried up to
        ``TRANSACTION_ATTEMPTS`` times), then here with jittered back-off for
        ``CONTENTION_BUDGET_S`` seconds, since a read inside a transaction can be aborted too and
        the library does not retry that. Past the budget, ``TransientError``: the cloud chain
        redelivers the message and the stage tries again.
        """
        from google.api_core.exceptions import Aborted
        from google.cloud import firestore

        ref = self._ref(job_id)

        @firestore.transactional
        def run(transaction: Transaction) -> JobRecord:
            current = self._load(ref.get(transaction=transaction), job_id)
            new = mutate(current).model_copy(update={"updated_at": utc_now()})
            transaction.set(ref, self._document(new))
            return new

        lock = self._locks[zlib.crc32(job_id.encode()) % _LOCK_STRIPES]
        deadline = time.monotonic() + CONTENTION_BUDGET_S
        delay = 0.02
        while True:
            try:
                with lock:
                    return run(self.client.transaction(max_attempts=TRANSACTION_ATTEMPTS))
            except Aborted as exc:
                cause: BaseException = exc
            except ValueError as exc:
                # The library reports exhausted attempts as a ValueError caused by Aborted;
                # any other ValueError (a mutation's validation error) is the caller's.
                if not isinstance(exc.__cause__, Aborted):
                    raise
                cause = exc
            if time.monotonic() > deadline:
                raise TransientError(
                    f"job {job_id!r}: update kept conflicting with concurrent updates for "
                    f"{CONTENTION_BUDGET_S:.0f} s"
                ) from cause
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)

    def delete(self, job_id: str) -> None:
        """Remove the record; deleting a missing job is not an error."""
        self._ref(job_id).delete()

    def _ref(self, job_id: str) -> DocumentReference:
        if not job_id or "/" in job_id or job_id in (".", ".."):
            raise ValueError(f"job id {job_id!r} cannot name a Firestore document")
        return self.client.collection(self.collection).document(job_id)

    @staticmethod
    def _load(snapshot: Any, job_id: str) -> JobRecord:
        if not snapshot.exists:
            raise JobNotFoundError(f"no job {job_id!r}")
        return JobRecord.from_doc(snapshot.to_dict())
