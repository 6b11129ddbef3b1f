"""Pub/Sub envelopes, stage messages and upload notifications, as Google delivers them."""

from __future__ import annotations

import base64
import json

import pytest

from performia.cloud.messages import (
    BadMessageError,
    StageMessage,
    UploadedObject,
    encode_stage_message,
    job_id_for_upload,
    parse_pushed,
    parse_stage_message,
    parse_upload,
)
from performia.pipeline.graph import GRAPH

STAGES = frozenset(GRAPH.names)


def push(payload: bytes, **extra) -> dict:
    message = {"data": base64.b64encode(payload).decode(), "messageId": "m1", **extra}
    return {"message": message, "subscription": "projects/p/subscriptions/s", "deliveryAttempt": 2}


def test_a_stage_message_survives_the_round_trip():
    sent = StageMessage("0123456789abcdef", "rhythm")
    pushed = parse_pushed(push(encode_stage_message(sent), attributes={"a": "b"}))
    assert (pushed.message_id, pushed.delivery_attempt, dict(pushed.attributes)) == (
        "m1",
        2,
        {"a": "b"},
    )
    assert parse_stage_message(pushed, stages=STAGES) == sent


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "no 'message' object"),
        ({"message": {"data": "aGk="}}, "without a messageId"),
        ({"message": {"data": "***", "messageId": "m"}}, "not base64"),
    ],
)
def test_malformed_envelopes_are_permanent_errors(body, message):
    with pytest.raises(BadMessageError, match=message):
        parse_pushed(body)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not an object"),
        (json.dumps({"stage": "rhythm"}).encode(), "no jobId"),
        (json.dumps({"jobId": "j", "stage": "mastering"}).encode(), "unknown stage 'mastering'"),
    ],
)
def test_malformed_stage_messages_are_permanent_errors(payload, message):
    with pytest.raises(BadMessageError, match=message):
        parse_stage_message(parse_pushed(push(payload)), stages=STAGES)


RESOURCE = {
    "bucket": "uploads-bucket",
    "name": "uploads/My Song.mp3",
    "generation": "1711",
    "size": "4096",
    "contentType": "audio/mpeg",
}


def test_a_finalize_notification_through_pubsub():
    attributes = {"eventType": "OBJECT_FINALIZE", "bucketId": "uploads-bucket"}
    obj = parse_upload(RESOURCE, attributes)
    assert obj == UploadedObject(
        "uploads-bucket", "uploads/My Song.mp3", "1711", 4096, "audio/mpeg"
    )
    assert obj.filename == "My Song.mp3"


def test_other_events_and_objects_outside_uploads_are_ignored():
    assert parse_upload(RESOURCE, {"eventType": "OBJECT_DELETE"}) is None
    assert parse_upload({**RESOURCE, "name": "jobs/x/rhythm.json"}) is None
    assert parse_upload({**RESOURCE, "name": "uploads/folder/"}) is None
    with pytest.raises(BadMessageError, match="without bucket"):
        parse_upload({"name": "uploads/a.mp3"})
    with pytest.raises(BadMessageError, match="is not a number"):
        parse_upload({**RESOURCE, "size": "big"})


def test_job_ids_are_stable_per_upload_and_named_by_upload_url():
    obj = parse_upload(RESOURCE)
    assert job_id_for_upload(obj) == job_id_for_upload(parse_upload(dict(RESOURCE)))  # redelivery
    again = parse_upload({**RESOURCE, "generation": "1712"})  # the same name written again
    assert job_id_for_upload(again) != job_id_for_upload(obj)
    named = parse_upload({**RESOURCE, "name": "uploads/0123456789abcdef/song.mp3"})
    assert job_id_for_upload(named) == "0123456789abcdef"


@pytest.mark.parametrize(
    "name", ["uploads/../songs/x/song_map.mp3", "uploads//song.mp3", "uploads/./a/song.mp3"]
)
def test_an_upload_whose_name_tricks_paths_is_dropped(name):
    """upload_url never signs such a name: an object written so is no job's."""
    with pytest.raises(BadMessageError, match="path with empty"):
        parse_upload({"bucket": "b", "name": name, "generation": "1"})
