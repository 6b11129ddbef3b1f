"""A job store in one SQLite file: the embedded mode's record of past and resumable runs.

Records are stored as JSON documents (the Firestore shape) with status and times in columns for
listing. ``update`` runs inside ``BEGIN IMMEDIATE`` so two processes cannot interleave a
read-modify-write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

from performia.jobs.base import JobNotFoundError, JobRecord, Mutation, utc_now

__all__ = ["SQLiteJobStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_jobs_status ON jobs(status);
"""


class SQLiteJobStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def create(self, record: JobRecord) -> JobRecord:
        conn = self._connect()
        conn.execute(
            "INSERT OR IGNORE INTO jobs VALUES (?, ?, ?, ?, ?)",
            (
                record.job_id,
                record.status.value,
                json.dumps(record.to_doc()),
                record.created_at,
                record.updated_at,
            ),
        )
        return self.get(record.job_id)

    def get(self, job_id: str) -> JobRecord:
        row = self._connect().execute("SELECT doc FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return JobRecord.from_doc(json.loads(row[0]))

    def update(self, job_id: str, mutate: Mutation) -> JobRecord:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            new = mutate(self.get(job_id)).model_copy(update={"updated_at": utc_now()})
            conn.execute(
                "UPDATE jobs SET status = ?, doc = ?, updated_at = ? WHERE job_id = ?",
                (new.status.value, json.dumps(new.to_doc()), new.updated_at, job_id),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return new

    def delete(self, job_id: str) -> None:
        self._connect().execute("DELETE FROM jobs WHERE job_id = ?", (job_id,))

    def list(self, *, limit: int = 50) -> list[JobRecord]:
        """Most recent jobs first."""
        rows = self._connect().execute(
            "SELECT doc FROM jobs ORDER BY updated_at DESC LIMIT ?", (limit,)
        )
        return [JobRecord.from_doc(json.loads(r[0])) for r in rows]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
