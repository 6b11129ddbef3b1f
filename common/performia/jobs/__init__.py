"""Job stores: each analysis job's progress record (memory, SQLite; Firestore in the cloud)."""

from performia.jobs.base import (
    JobNotFoundError,
    JobRecord,
    JobStatus,
    JobStore,
    StageRun,
    StageState,
)
from performia.jobs.memory import MemoryJobStore
from performia.jobs.sqlite import SQLiteJobStore

__all__ = [
    "JobNotFoundError",
    "JobRecord",
    "JobStatus",
    "JobStore",
    "MemoryJobStore",
    "SQLiteJobStore",
    "StageRun",
    "StageState",
]
