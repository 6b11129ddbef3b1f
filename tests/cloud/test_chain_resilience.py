"""The chain under Pub/Sub's at-least-once delivery and a crashing function, end to end.

A stack of its own: every topic has a second, identical push subscription, so every message
(upload notifications included) is delivered twice, and a short stage lease (6 s) so a stage
whose function was killed is taken over within seconds rather than the default minute.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from performia.cloud.library import read_library, song_key
from performia.jobs.base import JobRecord, JobStatus, StageState, wait_for
from performia.pipeline.graph import GRAPH
from performia.songmap.io import parse_song_map
from performia.testing import render_song, write_audio
from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

SR = 22050
LEASE_S = 6.0
TIMEOUT_S = 300.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator:
    """A stack of its own (``jobs`` and ``bucket`` on it come from ``tests/conftest.py``)."""
    from performia.devstack import DevStack

    log_dir = tmp_path_factory.mktemp("twin-stack")
    with running(DevStack(log_dir=log_dir, lease_s=LEASE_S, twin_deliveries=True)) as stack:
        yield stack


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> bytes:
    mix, _truth, _stems = render_song(bpm=110.0, bars=6, melody=[(64, 2), (67, 2)] * 6, sr=SR)
    path = tmp_path_factory.mktemp("songs") / "twice.mp3"
    return write_audio(path, mix, SR, tags={"title": "Twice", "artist": "Fixtures"}).read_bytes()


def test_every_message_delivered_twice_gives_one_song_map_and_runs_each_stage_once(
    stack, jobs, bucket, song
):
    assert sum(s.name.endswith("-twin") for s in stack.subscriptions) == len(GRAPH.names)

    job_id = stack.upload("twice.mp3", song)
    record = wait_for(jobs, job_id, timeout=TIMEOUT_S)

    assert record.status is JobStatus.DONE, record.error
    for name in GRAPH.names:  # the work ran once: no stage was taken a second time
        assert record.stages[name].state is StageState.DONE, name
        assert record.stages[name].attempts == 1, (name, record.stages[name])
    # one Song Map, written once: publishing the same document again keeps no revision
    media = f"songs/{record.song_id}/media/"
    blobs = [b.name for b in bucket.list_blobs(prefix=f"songs/{record.song_id}/")]
    assert [b for b in blobs if not b.startswith(media)] == [song_key(record.song_id)]
    song = parse_song_map(bucket.blob(song_key(record.song_id)).download_as_bytes())
    assert song.title == "Twice"
    assert sorted(b for b in blobs if b.startswith(media)) == sorted(
        [song.audio.src, *(stem.src for stem in song.stems)]
    )
    from performia.storage.gcs import GCSStore

    listing = read_library(GCSStore(stack.bucket, client=stack.storage_client()))
    assert [e["songId"] for e in listing].count(record.song_id) == 1


def test_a_function_killed_mid_stage_is_taken_over_and_the_job_completes(stack, jobs, bucket, song):
    job_id = stack.upload("killed.mp3", song)

    def running_after_ingest(record: JobRecord) -> bool:
        return any(
            record.stages[n].state is StageState.RUNNING for n in GRAPH.names if n != "ingest"
        )

    record = wait_for(jobs, job_id, running_after_ingest, timeout=120)
    killed = [n for n in GRAPH.names if record.stages[n].state is StageState.RUNNING]
    stack.kill_functions()
    time.sleep(1.0)
    stack.restart_functions()

    record = wait_for(jobs, job_id, timeout=TIMEOUT_S)
    attempts = {n: record.stages[n].attempts for n in GRAPH.names}
    print(f"killed during {killed}; attempts {attempts}")

    assert record.status is JobStatus.DONE, record.error
    assert all(record.stages[n].state is StageState.DONE for n in GRAPH.names)
    for name in killed:  # taken over after its lease lapsed, not run alongside
        assert record.stages[name].attempts == 2, (name, record.stages[name])
    document = json.loads(bucket.blob(song_key(record.song_id)).download_as_bytes())
    assert document["title"] == "Twice"
