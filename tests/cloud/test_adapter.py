"""The cloud adapter's contract on in-process stores: at-least-once delivery, the join, failures.

Messages are delivered by a small driver instead of Pub/Sub (the emulator tests exercise the real
transport); the stages are tiny functions counting how often their work runs.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from performia.cloud.adapter import Adapter, RecordingPublisher
from performia.cloud.messages import (
    BadMessageError,
    StageMessage,
    UploadedObject,
    parse_pushed,
    parse_stage_message,
)
from performia.errors import BadInputError, TransientError
from performia.jobs.base import JobStatus, StageState
from performia.jobs.memory import MemoryJobStore
from performia.pipeline import scheduler
from performia.pipeline.graph import Graph, StageSpec
from performia.pipeline.scheduler import Delivery
from performia.stages.context import StageOutcome
from performia.storage.local import LocalFolderStore

UPLOAD = UploadedObject("bucket", "uploads/song.mp3", "7", 1234, "audio/mpeg")


class Stages:
    """a → (b, c) → d: a fan-out and a join, each counting its runs."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.fail: dict[str, list[Exception]] = {}

    def impl(self, name: str):
        def run(ctx) -> StageOutcome:
            self.runs[name] += 1
            errors = self.fail.get(name)
            if errors:
                raise errors.pop(0)
            ctx.report(0.5, "halfway")
            ctx.write_json("out.json", {"stage": name})
            return StageOutcome(engine="test")

        return run

    def graph(self) -> Graph:
        def spec(name, needs=()):
            return StageSpec(name, needs=needs, writes=("out.json",), impl=self.impl(name))

        return Graph((spec("a"), spec("b", ("a",)), spec("c", ("a",)), spec("d", ("b", "c"))))


@pytest.fixture
def world(tmp_path):
    stages = Stages()
    publisher = RecordingPublisher()
    adapter = Adapter(MemoryJobStore(), LocalFolderStore(tmp_path), publisher, stages.graph())
    return adapter, publisher, stages


def deliver_all(adapter, publisher, *, times: int = 1, limit: int = 100) -> list[Delivery]:
    """Deliver every published message ``times`` times, in publish order, until none is left."""
    outcomes = []
    for _ in range(limit):
        if not publisher.sent:
            return outcomes
        stage, data = publisher.sent.pop(0)
        body = {"message": {"data": base64.b64encode(data).decode(), "messageId": "x"}}
        message = parse_stage_message(parse_pushed(body), stages=set(adapter.graph.names))
        assert message.stage == stage
        for _ in range(times):
            outcomes.append(adapter.handle(message))
    raise AssertionError("messages kept coming")


def test_an_upload_runs_every_stage_once_and_the_join_waits(world):
    adapter, publisher, stages = world
    record = adapter.start_job(UPLOAD)
    assert [s for s, _ in publisher.sent] == ["a"]
    deliver_all(adapter, publisher)
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.DONE and final.progress == 1.0
    assert stages.runs == {"a": 1, "b": 1, "c": 1, "d": 1}
    key = f"jobs/{record.job_id}/d/{final.stages['d'].fingerprint}/out.json"
    assert json.loads(adapter.store.get(key)) == {"stage": "d"}


def test_every_message_delivered_twice_runs_each_stage_once(world):
    adapter, publisher, stages = world
    adapter.start_job(UPLOAD)
    adapter.start_job(UPLOAD)  # the finalize notification arrives twice too
    outcomes = deliver_all(adapter, publisher, times=2)
    assert stages.runs == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert Delivery.DONE in outcomes  # duplicates re-report
    (job,) = adapter.jobs._docs  # one job for the two notifications
    assert adapter.jobs.get(job).status is JobStatus.DONE


def test_a_crash_mid_stage_is_retried_and_the_job_completes(world):
    adapter, publisher, stages = world
    stages.fail["b"] = [RuntimeError("worker killed")]
    record = adapter.start_job(UPLOAD)
    with pytest.raises(RuntimeError, match="worker killed"):
        deliver_all(adapter, publisher)
    after = adapter.jobs.get(record.job_id)
    assert after.stages["b"].state is StageState.QUEUED  # ready for the redelivery
    assert "worker killed" in after.stages["b"].message
    adapter.handle(StageMessage(record.job_id, "b"))  # Pub/Sub redelivers b
    deliver_all(adapter, publisher)
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.DONE
    assert stages.runs["b"] == 2 and stages.runs["d"] == 1
    assert final.stages["b"].attempts == 2


def test_a_failure_before_the_stage_starts_releases_it_for_the_redelivery(world, monkeypatch):
    """Building the stage's context happens after the stage is taken: an error there must not
    leave the stage running (every redelivery would then be refused as busy until its lease ran
    out, and the dead letter would find it alive)."""
    import performia.cloud.adapter as adapter_module

    adapter, publisher, stages = world
    record = adapter.start_job(UPLOAD)
    real = adapter_module.stage_context

    def broken(*args, **kwargs):
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(adapter_module, "stage_context", broken)
    with pytest.raises(RuntimeError, match="store unreachable"):
        deliver_all(adapter, publisher)
    after = adapter.jobs.get(record.job_id)
    assert after.stages["a"].state is StageState.QUEUED
    assert "store unreachable" in after.stages["a"].message
    monkeypatch.setattr(adapter_module, "stage_context", real)
    adapter.handle(StageMessage(record.job_id, "a"))  # the redelivery runs it
    deliver_all(adapter, publisher)
    assert adapter.jobs.get(record.job_id).status is JobStatus.DONE
    assert stages.runs == {"a": 1, "b": 1, "c": 1, "d": 1}


def test_bad_input_fails_the_job_once_and_is_acknowledged(world):
    adapter, publisher, stages = world
    stages.fail["a"] = [BadInputError("song.mp3 is not an audio file Performia can read")]
    record = adapter.start_job(UPLOAD)
    outcomes = deliver_all(adapter, publisher, times=2)
    assert outcomes == [Delivery.STOPPED, Delivery.STOPPED]  # nothing left to retry
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.FAILED and final.failed_stage == "a"
    assert "not an audio file" in final.error
    assert stages.runs == {"a": 1} and publisher.sent == []


def test_a_duplicate_within_the_lease_is_retried_and_a_dead_delivery_is_taken_over(world):
    adapter, publisher, stages = world
    record = adapter.start_job(UPLOAD)
    publisher.sent.clear()

    def running_since(seconds_ago: float):
        started = (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()

        def mutate(r):
            stages_ = dict(r.stages)
            stages_["a"] = stages_["a"].model_copy(
                update={"state": StageState.RUNNING, "started_at": started, "attempts": 1}
            )
            return r.model_copy(update={"stages": stages_})

        adapter.jobs.update(record.job_id, mutate)

    running_since(5)
    with pytest.raises(TransientError, match="running in another delivery"):
        adapter.handle(StageMessage(record.job_id, "a"))
    assert stages.runs["a"] == 0
    running_since(adapter.lease_s + 5)
    assert adapter.handle(StageMessage(record.job_id, "a")) is Delivery.RUN
    assert adapter.jobs.get(record.job_id).stages["a"].attempts == 2


def test_the_dead_letter_handler_fails_the_job_with_the_last_error(world):
    adapter, _, stages = world
    stages.fail["a"] = [TimeoutError("storage timed out")] * 5
    record = adapter.start_job(UPLOAD)
    for _ in range(5):
        with pytest.raises(TimeoutError):
            adapter.handle(StageMessage(record.job_id, "a"))
    adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.FAILED
    assert final.error == "a did not succeed after 5 attempts: storage timed out"


def test_a_running_stage_renews_its_lease_so_a_duplicate_never_takes_it_over(tmp_path):
    """A stage running longer than the lease keeps it through heartbeats; only its own attempt
    may beat, so a delivery that was taken over cannot win the lease back."""
    import threading

    release = threading.Event()
    started = threading.Event()

    def slow(ctx) -> StageOutcome:
        started.set()
        release.wait(10)
        ctx.write_json("out.json", {})
        return StageOutcome(engine="test")

    graph = Graph((StageSpec("a", writes=("out.json",), impl=slow),))
    adapter = Adapter(
        MemoryJobStore(), LocalFolderStore(tmp_path), RecordingPublisher(), graph, lease_s=0.4
    )
    record = adapter.start_job(UPLOAD, publish=False)
    worker = threading.Thread(target=adapter.handle, args=(StageMessage(record.job_id, "a"),))
    worker.start()
    try:
        assert started.wait(5)
        time.sleep(1.0)  # 2.5 leases: alive only through its heartbeats
        run = adapter.jobs.get(record.job_id).stages["a"]
        assert run.heartbeat_at is not None
        with pytest.raises(TransientError, match="running in another delivery"):
            adapter.handle(StageMessage(record.job_id, "a"))
    finally:
        release.set()
        worker.join(10)
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.DONE and final.stages["a"].attempts == 1
    # an overtaken attempt's heartbeat changes nothing
    assert scheduler.beat(final, "a", attempt=1) == final


def test_a_dead_letter_for_a_live_stage_publishes_it_again_instead_of_failing(world):
    adapter, publisher, _ = world
    record = adapter.start_job(UPLOAD)
    publisher.sent.clear()
    adapter.jobs.update(record.job_id, lambda r: scheduler.mark_running(r, "a"))

    adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)

    assert adapter.jobs.get(record.job_id).status is JobStatus.PROCESSING
    assert [stage for stage, _ in publisher.sent] == ["a"]  # watched again: a new message

    stale = (datetime.now(UTC) - timedelta(seconds=adapter.lease_s + 5)).isoformat()

    def lapse(r):
        stages_ = dict(r.stages)
        stages_["a"] = stages_["a"].model_copy(update={"started_at": stale})
        return r.model_copy(update={"stages": stages_})

    adapter.jobs.update(record.job_id, lapse)  # its delivery died long ago
    adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)
    assert adapter.jobs.get(record.job_id).status is JobStatus.FAILED


def test_messages_for_unknown_jobs_or_stages_are_permanent_errors(world):
    adapter, _, _ = world
    with pytest.raises(BadMessageError, match="no job"):
        adapter.handle(StageMessage("ffffffffffffffff", "a"))
    with pytest.raises(BadMessageError, match="unknown stage"):
        adapter.handle(StageMessage("ffffffffffffffff", "mastering"))


def test_the_song_map_stage_publishes_to_the_library(tmp_path):
    from performia.cloud.library import read_library

    def package(ctx) -> StageOutcome:
        doc = {
            "id": ctx.job_id,
            "title": "Morning Light",
            "artist": "The Fixtures",
            "duration": 30.0,
            "sections": [],
            "audio": {  # named like the vocals stem: the two must not collide
                "src": "uploads/vocals.flac",
                "mimeType": "audio/flac",
                "sampleRate": 44100,
                "channels": 2,
                "duration": 30.0,
            },
            "stems": [
                {
                    "name": "vocals",
                    "src": ctx.key_of("package", "vocals.flac"),
                    "mimeType": "audio/flac",
                }
            ],
            "provenance": {"createdAt": "2026-11-25T12:00:00Z", "performiaVersion": "0.1.0"},
        }
        ctx.write("vocals.flac", b"fLaC stem")
        ctx.write("song_map.json", json.dumps(doc).encode())
        return StageOutcome()

    graph = Graph((StageSpec("package", writes=("song_map.json", "vocals.flac"), impl=package),))
    publisher = RecordingPublisher()
    adapter = Adapter(MemoryJobStore(), LocalFolderStore(tmp_path), publisher, graph)
    adapter.store.put("uploads/vocals.flac", b"fLaC recording")
    record = adapter.start_job(UPLOAD)
    deliver_all(adapter, publisher, times=2)
    final = adapter.jobs.get(record.job_id)
    assert final.status is JobStatus.DONE and final.song_id == record.job_id
    assert [e["songId"] for e in read_library(adapter.store)] == [record.job_id]
    # the recording and stems are copied under the library's prefix, the one browsers read
    song = json.loads(adapter.store.get(f"songs/{record.job_id}/song_map.json"))
    assert song["audio"]["src"] == f"songs/{record.job_id}/media/recording/vocals.flac"
    assert song["stems"][0]["src"] == f"songs/{record.job_id}/media/stems/vocals.flac"
    assert adapter.store.get(song["audio"]["src"]) == b"fLaC recording"
    assert adapter.store.get(song["stems"][0]["src"]) == b"fLaC stem"


def test_an_owners_daily_minutes_are_charged_once_ingest_has_measured_them(tmp_path):
    """Ingest measures the recording; its minutes go on the owner's day before any costly stage
    runs. Over the day's minutes the job FAILS at ingest with the reason (never retried), and
    the later stages never run; a redelivered ingest is not charged twice."""
    from performia.cloud.quotas import MemoryQuotaStore, book

    ran: list[str] = []

    def ingest(ctx) -> StageOutcome:
        ctx.write_json("metadata.json", {"duration": 12 * 60.0})
        return StageOutcome()

    def later(ctx) -> StageOutcome:
        ran.append(ctx.job_id)
        ctx.write_json("out.json", {})
        return StageOutcome()

    graph = Graph(
        (
            StageSpec("ingest", writes=("metadata.json",), impl=ingest),
            StageSpec("separate", needs=("ingest",), writes=("out.json",), impl=later),
        )
    )
    quotas = MemoryQuotaStore()
    publisher = RecordingPublisher()
    adapter = Adapter(MemoryJobStore(), LocalFolderStore(tmp_path), publisher, graph,
                      quotas=quotas)  # fmt: skip
    book(quotas, "audio_minutes", "alice", "earlier-job", amount=160.0)

    first = adapter.start_job(UPLOAD, owner="alice")
    deliver_all(adapter, publisher, times=2)  # every message delivered twice
    assert adapter.jobs.get(first.job_id).status is JobStatus.DONE  # 160 + 12 ≤ 180
    second = adapter.start_job(UploadedObject("bucket", "uploads/b.mp3", "8", 99, "audio/mpeg"),
                               owner="alice")  # fmt: skip
    deliver_all(adapter, publisher)
    failed = adapter.jobs.get(second.job_id)
    assert failed.status is JobStatus.FAILED and failed.failed_stage == "ingest"
    assert "limit of 180 minutes of audio analysed a day (this one needs 12)" in failed.error
    assert ran == [first.job_id]  # the costly stage ran for the job within the limit only
    # another owner's day is their own; a job without an owner (an operator's) is not charged
    third = adapter.start_job(UploadedObject("bucket", "uploads/c.mp3", "9", 99, "audio/mpeg"),
                              owner="bob")  # fmt: skip
    deliver_all(adapter, publisher)
    assert adapter.jobs.get(third.job_id).status is JobStatus.DONE


def test_a_dead_letter_for_a_stage_no_delivery_reached_publishes_it_again_a_few_times(world):
    """The push endpoint answered 500 to every delivery: the stage never ran (queued, no
    attempt). That is not the stage's failure: its message is published again, at most
    MAX_REQUEUES times; after that the job fails."""
    from performia.cloud.adapter import MAX_REQUEUES

    adapter, publisher, _ = world
    record = adapter.start_job(UPLOAD)
    publisher.sent.clear()
    for n in range(MAX_REQUEUES):
        adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)
        assert adapter.jobs.get(record.job_id).status is JobStatus.PROCESSING
        assert adapter.jobs.get(record.job_id).stages["a"].requeues == n + 1
    assert [stage for stage, _ in publisher.sent] == ["a"] * MAX_REQUEUES
    adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)
    assert adapter.jobs.get(record.job_id).status is JobStatus.FAILED


def test_a_dead_letter_for_a_done_stage_re_reports_what_it_launched(world):
    """A stage finished, but its function died before publishing what it launched, and the
    redeliveries that would have re-reported ran out: the dead letter re-reports instead, so
    the queued stages are published and the job goes on."""
    adapter, publisher, _ = world
    record = adapter.start_job(UPLOAD)
    adapter.handle(StageMessage(record.job_id, "a"))  # a runs; b and c are queued, published
    publisher.sent.clear()  # ...but say those publishes were lost with the dying function
    assert adapter.jobs.get(record.job_id).stages["b"].state is StageState.QUEUED

    adapter.dead_letter(StageMessage(record.job_id, "a"), attempts=5)

    assert sorted(stage for stage, _ in publisher.sent) == ["b", "c"]
    deliver_all(adapter, publisher)
    assert adapter.jobs.get(record.job_id).status is JobStatus.DONE
