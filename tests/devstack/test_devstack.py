"""The local emulator stack end to end: real emulators, real functions, the real stage graph.

One stack (Firestore and Pub/Sub emulators, fake-gcs-server publishing finalize notifications,
one functions host) serves this module. Objects are written straight into the bucket's
``uploads/`` prefix, as ``gsutil cp`` would, and everything after that is the stack's doing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from performia.cloud.library import owner_key, read_library, song_key
from performia.cloud.messages import UploadedObject, job_id_for_upload
from performia.jobs.base import JobNotFoundError, JobRecord, JobStatus, StageState, wait_for
from performia.pipeline.graph import GRAPH
from performia.songmap.io import parse_song_map
from performia.songmap.schema import song_map_schema
from performia.testing import render_song, write_audio
from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

SR = 22050
#: Upper bound for the whole chain on a 12 s song (it takes ~15 s on 2 idle cores).
CHAIN_TIMEOUT_S = 240.0
#: A bad upload must be FAILED this quickly.
FAIL_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator:
    """The running stack, with its client environment set while this module's tests run
    (``jobs`` and ``bucket`` on it come from ``tests/conftest.py``)."""
    from performia.devstack import DevStack

    with running(DevStack(log_dir=tmp_path_factory.mktemp("devstack"))) as stack:
        yield stack


@pytest.fixture(scope="session")
def song_mp3(tmp_path_factory) -> Path:
    """Six bars at 120 BPM of drums, chords and a melody, no lyrics (fast to analyse)."""
    melody = [(60 + (i % 5) * 2, 2) for i in range(12)]
    mix, _truth, _stems = render_song(bpm=120.0, bars=6, melody=melody, sr=SR)
    path = tmp_path_factory.mktemp("songs") / "devstack song.mp3"
    return write_audio(path, mix, SR, tags={"title": "Devstack Song", "artist": "The Fixtures"})


def _wait_settled(jobs, job_id: str, timeout: float) -> tuple[JobRecord, float]:
    """Wait until the job is DONE or FAILED; the record and the seconds it took."""
    started = time.monotonic()
    record = wait_for(jobs, job_id, timeout=timeout, poll=0.5)
    return record, time.monotonic() - started


@pytest.fixture(scope="module")
def finished(stack, jobs, bucket, song_mp3) -> JobRecord:
    """The song written into ``uploads/``, run through the whole chain (settled)."""
    job_id = stack.upload("devstack song.mp3", song_mp3.read_bytes())
    record, seconds = _wait_settled(jobs, job_id, CHAIN_TIMEOUT_S)
    print(f"chain finished in {seconds:.1f} s")
    return record


def test_an_upload_runs_the_whole_graph_to_a_song_map_in_the_library(stack, bucket, finished):
    record = finished

    assert record.status is JobStatus.DONE, record.error
    assert record.progress == pytest.approx(1.0)
    for name in GRAPH.names:  # every stage ran once, in its own function
        run = record.stages[name]
        assert run.state is StageState.DONE, (name, run)
        assert run.attempts == 1, (name, run.attempts)
    assert record.song_id

    document = json.loads(bucket.blob(song_key(record.song_id)).download_as_bytes())
    Draft202012Validator(song_map_schema()).validate(document)
    song = parse_song_map(document)
    assert song.title == "Devstack Song"
    # the recording and stems sit under the library's prefix, the one browsers may read
    for src in [song.audio.src, *(stem.src for stem in song.stems)]:
        assert src.startswith(f"songs/{record.song_id}/media/"), src
        assert bucket.blob(src).exists(), src
    assert 10.0 < song.duration < 15.0  # 6 bars at 120 BPM plus lead-in and tail

    from performia.storage.gcs import GCSStore

    listing = read_library(GCSStore(stack.bucket, client=stack.storage_client()))
    assert record.song_id in {entry["songId"] for entry in listing}


def _post(url: str, body: dict, user: str = "devstack-user") -> tuple[int, dict]:
    from performia.cloud.auth import unsigned_token

    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {unsigned_token(user)}",
    }
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as answer:
        return answer.code, json.load(answer)


def test_save_song_keeps_the_previous_revision_and_refuses_a_stale_edit(stack, bucket, finished):
    """The editor's save, through the ``save_song`` function on the stack, over the Song Map
    the chain published: a save on the current version lands and keeps the old one as a
    revision; a save on the version it replaced is refused with 409 and changes nothing."""
    key = song_key(finished.song_id)
    blob = bucket.get_blob(key)
    original, loaded_version = blob.download_as_bytes(), str(blob.generation)
    edited = json.loads(original)
    edited["title"] = "Devstack Song (live)"
    url = f"{stack.env['PERFORMIA_FUNCTIONS_URL']}/save_song/"

    # written straight into uploads/ (as gsutil does), the song has no owner: nobody's to save
    status, answer = _post(
        url, {"songId": finished.song_id, "baseVersion": loaded_version, "songMap": edited}
    )
    assert status == 403 and "not one of yours" in answer["error"], answer
    # as for an upload through upload_url, the song becomes its uploader's (the record only the
    # backend writes; here the operator stands in for it)
    record = bucket.blob(owner_key(finished.song_id))
    record.upload_from_string(json.dumps({"owner": "devstack-user"}))

    status, answer = _post(
        url, {"songId": finished.song_id, "baseVersion": loaded_version, "songMap": edited}
    )
    assert status == 200, answer
    saved = bucket.get_blob(key)
    assert answer["version"] == str(saved.generation) != loaded_version
    assert json.loads(saved.download_as_bytes())["title"] == "Devstack Song (live)"
    (revision,) = bucket.list_blobs(prefix=song_key(finished.song_id, "revisions/"))
    assert revision.name.endswith(f"-{loaded_version}.json")
    assert revision.download_as_bytes() == original

    stale = dict(edited, title="An edit made on the old copy")
    status, answer = _post(
        url, {"songId": finished.song_id, "baseVersion": loaded_version, "songMap": stale}
    )
    assert status == 409, answer
    assert "changed by someone else" in answer["error"]
    after = bucket.get_blob(key)
    assert after.generation == saved.generation
    assert json.loads(after.download_as_bytes())["title"] == "Devstack Song (live)"


#: Twenty songs analysed at once by one local functions process on 2 cores (~3–4 min).
BURST = 20
BURST_TIMEOUT_S = 900.0


def test_twenty_uploads_at_once_all_complete_and_all_land_in_the_listing(stack, jobs, bucket):
    """A burst: twenty objects written into ``uploads/`` at the same moment. Every job finishes,
    none is lost, and the library listing (read-modify-write under generation preconditions)
    holds all twenty."""
    from concurrent.futures import ThreadPoolExecutor

    from performia.storage.gcs import GCSStore

    mix, _truth, _stems = render_song(bpm=120.0, bars=4, melody=[(62, 2)] * 8, sr=SR)
    folder = Path(os.environ.get("PYTEST_TMPDIR", "/tmp"))
    path = write_audio(folder / f"burst-{os.getpid()}.wav", mix, SR, tags={"title": "Burst"})
    data = path.read_bytes()
    path.unlink()

    with ThreadPoolExecutor(BURST) as pool:
        job_ids = list(
            pool.map(
                lambda i: stack.upload(f"burst {i:02d}.wav", data, "audio/wav"),
                range(BURST),
            )
        )
    assert len(set(job_ids)) == BURST

    started = time.monotonic()
    records = [_wait_settled(jobs, job_id, BURST_TIMEOUT_S)[0] for job_id in job_ids]
    print(f"{BURST} jobs settled in {time.monotonic() - started:.0f} s")

    assert [r.status for r in records] == [JobStatus.DONE] * BURST, [r.error for r in records]
    listed = {
        e["songId"] for e in read_library(GCSStore(stack.bucket, client=stack.storage_client()))
    }
    assert {r.song_id for r in records} <= listed


def test_a_corrupt_upload_fails_fast_with_a_readable_message_and_is_not_redelivered(
    stack, jobs, bucket
):
    noise = bytes(range(256)) * 64
    job_id = stack.upload("not really.mp3", noise)

    record, seconds = _wait_settled(jobs, job_id, FAIL_TIMEOUT_S)

    assert record.status is JobStatus.FAILED
    assert record.failed_stage == "ingest"
    assert "not really.mp3" in (record.error or "")
    assert "not an audio file" in (record.error or "")
    assert seconds < 10.0
    # acknowledged: a redelivery would come after the subscription's 1 s minimum backoff and
    # count another attempt
    time.sleep(4.0)
    again = jobs.get(job_id)
    assert again.stages["ingest"].attempts == 1
    assert again.status is JobStatus.FAILED
    assert not any(again.stages[name].attempts for name in GRAPH.names if name != "ingest")


def test_an_object_outside_uploads_starts_no_job(stack, jobs, bucket, song_mp3):
    """Only ``uploads/`` notifies; artifacts the functions write must not start jobs."""
    name = "elsewhere/devstack song.mp3"
    blob = bucket.blob(name)
    blob.upload_from_string(song_mp3.read_bytes(), content_type="audio/mpeg")
    job_id = job_id_for_upload(UploadedObject(bucket.name, name, str(blob.generation)))
    time.sleep(2.0)
    with pytest.raises(JobNotFoundError):
        jobs.get(job_id)


# -- the command line ------------------------------------------------------------------------


def _dev(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "performia.cli", "dev", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PERFORMIA_FUNCTIONS_DIR": str(Path(__file__).parents[2] / "functions")},
    )


def _read_ready(proc: subprocess.Popen[str], timeout: float = 90.0) -> dict[str, str]:
    """Lines up to and including the env block after "ready"; ``{NAME: value}``."""
    deadline = time.monotonic() + timeout
    env: dict[str, str] = {}
    lines: list[str] = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"dev up exited ({proc.poll()}): {''.join(lines)}")
        lines.append(line)
        if "=" in line and line.split("=", 1)[0].isupper():
            key, value = line.strip().split("=", 1)
            env[key] = value
        if line.startswith("bucket: gs://"):
            assert any("ready" in seen for seen in lines), lines
            env["bucket"] = line.split()[1]
            return env
    pytest.fail(f"dev up not ready within {timeout:.0f} s: {''.join(lines)}")


@pytest.mark.parametrize("how", ["down", "ctrl-c"])
def test_dev_up_prints_the_environment_and_dev_down_or_ctrl_c_stops_everything(tmp_path, how):
    up = _dev("up", cwd=tmp_path)
    try:
        env = _read_ready(up)
        for name in (
            "FIRESTORE_EMULATOR_HOST",
            "PUBSUB_EMULATOR_HOST",
            "STORAGE_EMULATOR_HOST",
            "GOOGLE_CLOUD_PROJECT",
            "PERFORMIA_DEV_TOKEN",
        ):
            assert env.get(name), (name, env)
        assert env["bucket"] == "gs://performia-local"
        config = json.loads((tmp_path / ".performia" / "frontend-config.json").read_text())
        assert config["mode"] == "cloud" and config["authToken"] == env["PERFORMIA_DEV_TOKEN"]
        assert config["uploadUrl"] == f"{env['PERFORMIA_FUNCTIONS_URL']}/upload_url/"
        with urllib.request.urlopen(f"{env['PERFORMIA_FUNCTIONS_URL']}/healthz", timeout=5) as r:
            assert "ingest" in json.load(r)["functions"]
        state = json.loads((tmp_path / ".performia" / "devstack.json").read_text())
        pids = [p["pid"] for p in state["processes"].values()]
        assert len(pids) == 4

        if how == "down":
            down = _dev("down", cwd=tmp_path)
            out, _ = down.communicate(timeout=60)
            assert down.returncode == 0, out
            assert "stopped" in out
        else:
            up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=60)
        assert up.returncode == 0, out
        assert "stopped" in out
        for pid in pids:  # every process it started is gone
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid), pid
        assert not (tmp_path / ".performia" / "devstack.json").exists()
        assert not (tmp_path / ".performia" / "frontend-config.json").exists()
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=30)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def test_a_message_that_keeps_failing_is_dead_lettered_and_its_job_fails(stack, jobs):
    """The emulator honours the dead-letter policy: after MAX_DELIVERY_ATTEMPTS failed pushes the
    message reaches ``dead_letter``, which fails the job instead of leaving it PROCESSING."""
    from uuid import uuid4

    from performia.cloud.messages import StageMessage, encode_stage_message
    from performia.cloud.runtime import topic_id
    from performia.devstack import MAX_DELIVERY_ATTEMPTS
    from performia.pipeline import scheduler

    job_id = uuid4().hex[:16]
    jobs.create(scheduler.new_job(GRAPH, job_id, input={"key": "uploads/x.mp3"}, params={}))

    # rhythm queued (fingerprinted, as the join does), but ingest never ran: every delivery
    # fails reading ingest's output, a plain error (not the user's), so the message is nacked
    # and retried with backoff
    def queue_rhythm(record: JobRecord) -> JobRecord:
        stages = dict(record.stages)
        stages["rhythm"] = stages["rhythm"].model_copy(
            update={"state": StageState.QUEUED, "fingerprint": "fp-rhythm"}
        )
        return record.model_copy(update={"stages": stages, "status": JobStatus.PROCESSING})

    jobs.update(job_id, queue_rhythm)
    publisher = stack.publisher_client()
    topic = publisher.topic_path(stack.project, topic_id("rhythm", stack.prefix))
    publisher.publish(topic, encode_stage_message(StageMessage(job_id, "rhythm"))).result(30)

    record, seconds = _wait_settled(jobs, job_id, 120.0)
    print(f"dead-lettered after {seconds:.1f} s: {record.error}")

    assert record.status is JobStatus.FAILED
    assert record.failed_stage == "rhythm"
    assert f"rhythm did not succeed after {MAX_DELIVERY_ATTEMPTS} attempts" in (record.error or "")
    assert seconds > MAX_DELIVERY_ATTEMPTS - 1  # it was retried with backoff first
    assert record.stages["rhythm"].attempts == MAX_DELIVERY_ATTEMPTS
