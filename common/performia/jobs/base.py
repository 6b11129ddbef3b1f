"""The job record and the job store protocol.

The record has the shape of the Firestore document ``jobs/{jobId}`` (status, progress, per-stage
state and timings, error, owner, input, resulting song). Every change goes through ``update``, an
atomic read-modify-write, because the join ("start package once everything it needs is done") must
be decided in exactly one place even when stages finish at the same moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from performia.errors import PerformiaError

__all__ = [
    "JobNotFoundError",
    "JobRecord",
    "JobStatus",
    "JobStore",
    "StageRun",
    "StageState",
    "parse_time",
    "utc_now",
    "wait_for",
]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def parse_time(stamp: str) -> datetime:
    """A record's timestamp (as :func:`utc_now` writes it, or with a ``Z``) as a datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class JobNotFoundError(PerformiaError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "job not found"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    DONE = "DONE"
    FAILED = "FAILED"

    @property
    def finished(self) -> bool:
        """Nothing more will happen to the job (``DONE`` or ``FAILED``)."""
        return self in (JobStatus.DONE, JobStatus.FAILED)


class StageState(StrEnum):
    PENDING = "pending"  # waiting for what it needs
    QUEUED = "queued"  # claimed by the join: launched exactly once
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"  # not built in this installation, or not applicable to this job
    FAILED = "failed"

    @property
    def settled(self) -> bool:
        """Dependents may go ahead (``done`` or ``skipped``)."""
        return self in (StageState.DONE, StageState.SKIPPED)


#: How every document the frontend reads is written: camelCase keys, every field (defaults too,
#: so their schema requires them all). Shared with :mod:`performia.wire`.
CAMEL_DOCUMENT = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    serialize_by_alias=True,
    json_schema_serialization_defaults_required=True,
)


class _Record(BaseModel):
    model_config = CAMEL_DOCUMENT


class StageRun(_Record):
    """One stage's state within a job."""

    state: StageState = StageState.PENDING
    progress: float = Field(default=0.0, ge=0, le=1)
    message: str | None = None
    attempts: int = 0
    #: Times the dead-letter handler published it again because no delivery ever reached it.
    requeues: int = 0
    fingerprint: str | None = Field(
        default=None, description="Identity of the stage's inputs; names its artifacts."
    )
    reused: bool = Field(default=False, description="Outputs found from an earlier run.")
    queued_at: str | None = Field(
        default=None, description="When the join launched it (publish time of its message)."
    )
    started_at: str | None = None
    heartbeat_at: str | None = Field(
        default=None, description="Last sign of life from the delivery running it."
    )
    finished_at: str | None = None
    seconds: float | None = None
    error: str | None = None


class JobRecord(_Record):
    """Everything known about one analysis job."""

    job_id: str
    status: JobStatus = JobStatus.PENDING
    progress: float = Field(default=0.0, ge=0, le=1)
    stages: dict[str, StageRun] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    owner: str | None = None
    song_id: str | None = None
    error: str | None = None
    failed_stage: str | None = None
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)

    def to_doc(self) -> dict[str, Any]:
        """The camelCase document stored in SQLite or Firestore."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> JobRecord:
        return cls.model_validate(doc)


Mutation = Callable[[JobRecord], JobRecord]


@runtime_checkable
class JobStore(Protocol):
    """Job records by id, changed only through atomic ``update``."""

    def create(self, record: JobRecord) -> JobRecord:
        """Store a new record; an existing record with the same id is returned unchanged."""

    def get(self, job_id: str) -> JobRecord:
        """The record; ``JobNotFoundError`` when absent."""

    def update(self, job_id: str, mutate: Mutation) -> JobRecord:
        """Apply ``mutate`` to the current record atomically and return the stored result."""

    def delete(self, job_id: str) -> None: ...


def wait_for(
    store: JobStore,
    job_id: str,
    until: Callable[[JobRecord], bool] = lambda r: r.status.finished,
    *,
    timeout: float,
    poll: float = 0.2,
) -> JobRecord:
    """Poll ``store`` until job ``job_id`` exists and ``until`` holds (default: finished);
    the record. :class:`TimeoutError` with the last state seen when ``timeout`` runs out.
    For watching a job another process runs (the local stack, its tests and benchmark)."""
    deadline = time.monotonic() + timeout
    record = None
    while True:
        try:
            record = store.get(job_id)
        except JobNotFoundError:
            record = None
        if record is not None and until(record):
            return record
        if time.monotonic() > deadline:
            state = record.model_dump() if record is not None else "never created"
            raise TimeoutError(f"job {job_id}: not there within {timeout:.0f} s: {state}")
        time.sleep(poll)
