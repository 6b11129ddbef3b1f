"""A job store in a dict, for tests and one-off runs."""

from __future__ import annotations

import threading
from typing import Any

from performia.jobs.base import JobNotFoundError, JobRecord, Mutation, utc_now

__all__ = ["MemoryJobStore"]


class MemoryJobStore:
    def __init__(self) -> None:
        self._docs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def create(self, record: JobRecord) -> JobRecord:
        with self._lock:
            doc = self._docs.setdefault(record.job_id, record.to_doc())
            return JobRecord.from_doc(doc)

    def get(self, job_id: str) -> JobRecord:
        with self._lock:
            return self._load(job_id)

    def update(self, job_id: str, mutate: Mutation) -> JobRecord:
        with self._lock:
            new = mutate(self._load(job_id)).model_copy(update={"updated_at": utc_now()})
            self._docs[job_id] = new.to_doc()
            return new

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._docs.pop(job_id, None)

    def _load(self, job_id: str) -> JobRecord:
        try:
            return JobRecord.from_doc(self._docs[job_id])
        except KeyError:
            raise JobNotFoundError(f"no job {job_id!r}") from None
