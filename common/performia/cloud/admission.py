"""What a user may start: analyses at once, and minutes of audio a day (:data:`LIMITS`).

Both are bookings (:func:`performia.cloud.quotas.book`), counted in Firestore across instances:

- ``upload_url`` books the new job among its owner's running ones; a job stops counting when it
  finishes, or when it was never uploaded and its upload URL has expired (the TTL deletes the
  record a day later). A user at the limit gets a 429 and the job is not created.
- the cloud adapter charges a job's minutes once ingest has measured them, before any costly
  stage runs (to the owner, and for an anonymous sign-in to the address it uploaded from too);
  a user over the daily minutes gets the job FAILED with the reason, and a redelivered ingest
  is not charged twice (the booking is per job).

Why not count at upload_url only: the duration is known only after decoding, and a client's
declared size says nothing reliable about minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from performia.cloud.quotas import LIMITS, QuotaStore, book
from performia.jobs.base import JobNotFoundError, JobStatus, JobStore, parse_time

__all__ = ["admit_job", "charge_audio", "still_running"]

#: How long a job that was never uploaded keeps its slot: its upload URL's lifetime
#: (``performia.cloud.uploads.URL_LIFETIME``) and a little for an upload in flight.
UNUPLOADED_GRACE = timedelta(minutes=20)


def still_running(jobs: JobStore, *, now: datetime | None = None) -> Callable[[str], bool]:
    """Whether a booked job still holds its owner's slot."""

    def keep(job_id: str) -> bool:
        try:
            record = jobs.get(job_id)
        except JobNotFoundError:
            return False
        if record.status.finished:
            return False
        if record.status is JobStatus.PENDING:
            when = now or datetime.now(UTC)
            return when - parse_time(record.created_at) < UNUPLOADED_GRACE
        return True

    return keep


def admit_job(quotas: QuotaStore, jobs: JobStore, owner: str, job_id: str) -> None:
    """Book ``job_id`` among ``owner``'s running analyses; when it does not fit, the job is
    deleted and :class:`~performia.cloud.quotas.QuotaExceededError` raised."""
    try:
        book(quotas, "concurrent_jobs", owner, job_id, keep=still_running(jobs))
    except Exception:
        jobs.delete(job_id)
        raise


def charge_audio(
    quotas: QuotaStore, owner: str, job_id: str, duration_s: float, *, address: str | None = None
) -> None:
    """Charge ``job_id``'s minutes to ``owner``'s day (once per job), and to ``address``'s
    when the uploader signed in anonymously (new anonymous accounts are free to make);
    :class:`~performia.cloud.quotas.QuotaExceededError` when the day's minutes are used up."""
    minutes = max(duration_s, 0.0) / 60.0
    limit = LIMITS["audio_minutes"]
    if minutes > limit.count:  # could never fit, even tomorrow: say so plainly
        from performia.errors import BadInputError

        raise BadInputError(
            f"the recording is {minutes:.0f} minutes; at most {limit.count} minutes are "
            "analysed a day"
        )
    book(quotas, "audio_minutes", owner, job_id, amount=round(minutes, 3))
    if address:
        book(quotas, "audio_minutes_address", address, job_id, amount=round(minutes, 3))
