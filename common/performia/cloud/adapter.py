"""The one adapter every Cloud Run function hands its event to.

A function's ``main.py`` parses nothing and decides nothing: it passes the CloudEvent here. The
adapter runs the stage with the same code the embedded runner uses (:func:`execute_stage` over a
:class:`~performia.stages.context.StageContext`), records progress in the job store, and
publishes what the graph says comes next, deciding the join inside one atomic job-store update
(a Firestore transaction in the cloud) so a stage is published once when all it needs is done.

What each outcome means to Pub/Sub (the function returns normally = acknowledge; raises = retry):

=============================  ==============================================================
the message                    the adapter
=============================  ==============================================================
cannot be parsed, names no     :class:`BadMessageError`: acknowledged, nothing runs
job, or an unknown stage
stage already done             re-reports: publishes the stages it launched that are still
(a redelivery)                 queued (in case the first delivery died before publishing)
stage running elsewhere,       :class:`TransientError`: retried later, by when it is done
within its lease               (the running delivery renews its lease with a heartbeat)
bad input, broken model        job ``FAILED`` with the stage's message; acknowledged
transient or unexpected        the stage is queued again with the error noted; the exception
error                          propagates so Pub/Sub retries with backoff; after the retry
                               budget the dead-letter handler fails the job
=============================  ==============================================================

A dead letter whose stage is still running under a live lease is a duplicate that ran out of
retries while the first delivery works (a long stage outlives five backoffs): the handler
publishes the stage's message again instead of failing a healthy job. Should the running delivery
die, its lease lapses and that new message takes the stage over, so no job waits forever.

Two more dead letters are not the stage's fault, and fail nothing:

- the stage is **done**: its deliveries kept failing after it finished (say its function was
  killed between the commit and the publishes, then the job's lock held the retries off); the
  handler re-reports, publishing the stages it launched that are still queued;
- the stage was **never taken** (still queued, no attempt): every delivery failed before it
  reached the stage (the push endpoint down for a while); the handler publishes it again, at
  most :data:`MAX_REQUEUES` times, and fails the job after that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Protocol

from performia.cloud.admission import charge_audio
from performia.cloud.library import publish_song, song_key
from performia.cloud.messages import (
    BadMessageError,
    StageMessage,
    UploadedObject,
    encode_stage_message,
    job_id_for_upload,
)
from performia.cloud.quotas import QuotaStore, get_quotas
from performia.errors import BadInputError, ModelError, TransientError
from performia.jobs.base import JobNotFoundError, JobRecord, JobStore, StageState
from performia.pipeline import scheduler
from performia.pipeline.execute import execute_stage, stage_context
from performia.pipeline.graph import GRAPH, Graph
from performia.pipeline.scheduler import Delivery
from performia.settings import get_settings, output_params
from performia.songmap.io import parse_song_map
from performia.songmap.model import SongMap
from performia.stages.context import StageContext, artifact_key
from performia.storage.base import VersionedStore, default_content_type

__all__ = ["Adapter", "Publisher", "RecordingPublisher"]

log = logging.getLogger(__name__)

#: How long a running stage's last heartbeat keeps other deliveries out (s). A delivery that died
#: (its instance crashed or was stopped) is taken over by a redelivery this long after.
DEFAULT_LEASE_S = 60.0
#: Heartbeats per lease: three may be lost (a slow job-store write) before the lease lapses.
BEATS_PER_LEASE = 4
#: A stage running longer than this stops renewing its lease (s), so a hung delivery is taken
#: over; it matches the longest a push delivery may take (the 600 s ack deadline).
MAX_STAGE_S = 600.0
#: The artifact whose stage finishes a job: it is published to the library.
SONG_MAP = "song_map.json"


class Publisher(Protocol):
    """Publishes a stage message on that stage's topic."""

    def publish(self, stage: str, data: bytes) -> None: ...


@dataclass
class RecordingPublisher:
    """A publisher that keeps what was published, for tests and the in-process driver."""

    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def publish(self, stage: str, data: bytes) -> None:
        self.sent.append((stage, data))


#: Times a dead-lettered stage that no delivery ever reached is published again.
MAX_REQUEUES = 3
#: What ingest writes with the recording's ``duration`` (the daily minutes are charged on it).
MEASURED = "metadata.json"


@dataclass
class Adapter:
    """Runs stages from their messages; see the module docstring for the contract."""

    jobs: JobStore
    #: Versioned: the stage that writes the Song Map publishes it to the library, whose writes
    #: are conditional (:func:`~performia.cloud.library.publish_song`).
    store: VersionedStore
    publisher: Publisher
    graph: Graph = GRAPH
    lease_s: float = DEFAULT_LEASE_S
    #: Parameters a job gets when its upload carries none (engine choices, language …).
    default_params: dict[str, Any] = field(default_factory=dict)
    #: Where owners' daily audio minutes are booked (None: this process's, ``get_quotas``).
    quotas: QuotaStore | None = None

    # -- starting a job ------------------------------------------------------------------------
    def start_job(
        self,
        obj: UploadedObject,
        *,
        params: dict[str, Any] | None = None,
        owner: str | None = None,
        key: str | None = None,
        publish: bool = True,
    ) -> JobRecord:
        """Create the job for an upload (once, however often its notification arrives) and
        publish its first stages (``publish=False``: the caller runs them itself, as the ingest
        function does). ``key`` is the upload's key in the artifact store (default: the
        object's name)."""
        job_id = job_id_for_upload(obj)
        fresh = scheduler.new_job(
            self.graph,
            job_id,
            input={
                "key": key or obj.name,
                "filename": obj.filename,
                "sizeBytes": obj.size,
                "generation": obj.generation,
                "bucket": obj.bucket,
            },
            params={
                **output_params(),
                **self.default_params,
                **(params or {}),
                # the server decides which engines its service runs (their licences)
                "profile": get_settings().profile,
            },
            owner=owner,
        )
        self.jobs.create(fresh)  # keeps the existing record when the notification came twice
        record = self._claim(job_id)
        if publish:
            self._publish_queued(record, self.graph.roots())
        return record

    # -- one stage message ---------------------------------------------------------------------
    def handle(self, message: StageMessage) -> Delivery:
        """Run (or re-report) one stage of one job; see the module docstring."""
        job_id, name = message.job_id, message.stage
        if name not in self.graph:
            raise BadMessageError(f"unknown stage {name!r}")
        decision: list[Delivery] = []

        def take(record: JobRecord) -> JobRecord:
            new, what = scheduler.take_stage(record, name, lease_s=self.lease_s)
            decision[:] = [what]
            return new

        try:
            record = self.jobs.update(job_id, take)
        except JobNotFoundError:
            raise BadMessageError(f"no job {job_id!r}") from None
        what = decision[0]
        if what is Delivery.DONE:
            self._publish_queued(record, self.graph.downstream(name))
            return what
        if what is Delivery.BUSY:
            raise TransientError(f"stage {name} of job {job_id} is running in another delivery")
        if what is not Delivery.RUN:
            return what

        # Everything after the stage is taken sits inside the try, so whatever fails (even
        # building the stage's context) releases the stage for the redelivery instead of leaving
        # it running until its lease runs out.
        try:
            ctx = stage_context(self.graph, record, name, self.store, self._reporter(job_id, name))
            with self._heartbeat(job_id, name, record.stages[name].attempts):
                report = execute_stage(ctx)
            self._charge_audio(record, ctx)
        except (BadInputError, ModelError) as exc:
            text = str(exc) or type(exc).__name__
            self.jobs.update(job_id, lambda r: scheduler.mark_failed(r, name, text))
            log.warning("job %s failed in %s: %s", job_id, name, text)
            return Delivery.STOPPED
        except Exception as exc:
            text = str(exc) or type(exc).__name__
            self.jobs.update(job_id, lambda r: scheduler.release_stage(r, name, text))
            raise

        song_id = self._publish_song(record, name)

        def finish(record: JobRecord) -> JobRecord:
            record = scheduler.mark_done(
                self.graph, record, name, seconds=report.seconds, reused=report.reused
            )
            if song_id is not None:
                record = record.model_copy(update={"song_id": song_id})
            return scheduler.claim_ready(self.graph, record)[0]

        record = self.jobs.update(job_id, finish)
        self._publish_queued(record, self.graph.downstream(name))
        return Delivery.RUN

    def dead_letter(self, message: StageMessage, *, attempts: int | None = None) -> None:
        """A stage's message ran out of retries: the job fails with the last error noted, unless
        the stage is alive in another delivery, done, or never reached (module docstring)."""
        again: list[str] = []  # "stage": publish it again; "downstream": re-report

        def fail(record: JobRecord) -> JobRecord:
            run = record.stages[message.stage]
            again[:] = []
            if record.status.finished:
                return record
            if run.state.settled:
                again[:] = ["downstream"] if run.state is StageState.DONE else []
                return record
            if scheduler.lease_alive(run, lease_s=self.lease_s):
                again[:] = ["stage"]
                return record
            if run.state is StageState.QUEUED and run.attempts == 0 and run.requeues < MAX_REQUEUES:
                again[:] = ["stage"]
                stages = {**record.stages, message.stage: run.model_copy(
                    update={"requeues": run.requeues + 1})}  # fmt: skip
                return record.model_copy(update={"stages": stages})
            tries = attempts if attempts is not None else run.attempts
            last = f": {run.message.removeprefix('retrying: ')}" if run.message else ""
            text = f"{message.stage} did not succeed after {tries} attempts{last}"
            return scheduler.mark_failed(record, message.stage, text)

        try:
            self.jobs.update(message.job_id, fail)
        except JobNotFoundError:
            log.warning("dead letter for unknown job %s", message.job_id)
            return
        if again == ["stage"]:
            log.info(
                "%s of job %s is alive elsewhere or was never reached: publishing it again",
                message.stage,
                message.job_id,
            )
            self.publisher.publish(message.stage, encode_stage_message(message))
        elif again == ["downstream"]:
            record = self.jobs.get(message.job_id)
            log.info("%s of job %s is done: re-reporting", message.stage, message.job_id)
            self._publish_queued(record, self.graph.downstream(message.stage))

    # -- helpers -------------------------------------------------------------------------------
    @contextmanager
    def _heartbeat(self, job_id: str, name: str, attempt: int) -> Iterator[None]:
        """Renew this delivery's lease on ``name`` while the block runs (a daemon thread)."""
        stop = threading.Event()
        interval = self.lease_s / BEATS_PER_LEASE
        beats = int(MAX_STAGE_S / interval)

        def renew() -> None:
            for _ in range(beats):
                if stop.wait(interval):
                    return
                try:
                    self.jobs.update(job_id, lambda r: scheduler.beat(r, name, attempt))
                except Exception:  # a missed beat only shortens the lease; the stage goes on
                    log.warning("heartbeat of %s/%s failed", job_id, name, exc_info=True)

        thread = threading.Thread(target=renew, name=f"heartbeat-{name}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    def _charge_audio(self, record: JobRecord, ctx: StageContext) -> None:
        """Once the stage that measures the recording (the one writing ``metadata.json``:
        ingest) has run for an owned job, book its minutes on the owner's day
        (:func:`~performia.cloud.admission.charge_audio`), before any costly stage runs."""
        if MEASURED not in ctx.spec.writes or record.owner is None:
            return
        duration = float(ctx.read_json(ctx.spec.name, MEASURED)["duration"])
        address = record.input.get("address")
        charge_audio(
            self.quotas or get_quotas(),
            record.owner,
            record.job_id,
            duration,
            address=address if isinstance(address, str) else None,
        )

    def _publish_song(self, record: JobRecord, name: str) -> str | None:
        """When ``name`` wrote the Song Map, put it in the library; its song id, else None."""
        if SONG_MAP not in self.graph[name].writes:
            return None
        key = artifact_key(record.job_id, name, record.stages[name].fingerprint or "", SONG_MAP)
        song = self._with_library_media(parse_song_map(self.store.get(key), source=key))
        publish_song(self.store, song, owner=record.owner)
        return song.id

    def _with_library_media(self, song: SongMap) -> SongMap:
        """The song with its recording and stems copied under ``songs/{id}/media/``.

        The frontend reads a song's files from the library's prefix, which lives as long as
        the song (nothing in the bucket is public: ``infra/``); uploads and job artifacts
        expire. A copy that
        is already there (a redelivered package message) is not made again. The recording keeps
        its name under ``media/recording/`` and each stem is ``media/stems/{stem}{ext}``, so
        an upload named like a stem (``vocals.flac``) is never overwritten by one.
        """

        def moved(src: str, name: str) -> str:
            if src.startswith(f"songs/{song.id}/"):
                return src
            target = song_key(song.id, f"media/{name}")
            if not self.store.exists(target):
                self.store.put(target, self.store.get(src), content_type=default_content_type(src))
            return target

        stems = [
            stem.model_copy(
                update={
                    "src": moved(stem.src, f"stems/{stem.name}{PurePosixPath(stem.src).suffix}")
                }
            )
            for stem in song.stems
        ]
        update: dict[str, Any] = {"stems": stems}
        if song.audio is not None:
            recording = f"recording/{PurePosixPath(song.audio.src).name}"
            update["audio"] = song.audio.model_copy(
                update={"src": moved(song.audio.src, recording)}
            )
        return song.model_copy(update=update)

    def _claim(self, job_id: str) -> JobRecord:
        return self.jobs.update(job_id, lambda r: scheduler.claim_ready(self.graph, r)[0])

    def _publish_queued(self, record: JobRecord, names: Iterable[str]) -> None:
        for stage in names:
            if record.stages[stage].state is StageState.QUEUED:
                self.publisher.publish(
                    stage, encode_stage_message(StageMessage(record.job_id, stage))
                )

    def _reporter(self, job_id: str, name: str) -> Callable[[float, str | None], None]:
        def report(fraction: float, message: str | None = None) -> None:
            self.jobs.update(
                job_id, lambda r: scheduler.set_progress(self.graph, r, name, fraction, message)
            )

        return report
