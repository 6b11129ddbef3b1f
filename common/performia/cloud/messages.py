"""What travels between the cloud functions: Pub/Sub envelopes, stage messages, upload events.

Pure parsing, no clients: the adapter (and its tests) hand in what Pub/Sub or Cloud Storage
delivered and get typed values back. A message that can never be handled (not JSON, missing
fields, an unknown stage) raises :class:`BadMessageError`, which the adapter acknowledges
instead of letting Pub/Sub redeliver it forever.

Shapes handled (as Google documents them):

* a Pub/Sub **push** request body ``{"message": {"data": <base64>, "attributes": {...},
  "messageId": ..., "publishTime": ...}, "subscription": ..., "deliveryAttempt": n}``, and the
  same ``message``/``subscription`` pair as the ``data`` of a Pub/Sub **CloudEvent**
  (``google.cloud.pubsub.topic.v1.messagePublished``);
* a Cloud Storage **object-finalize** notification: a Pub/Sub message whose attributes carry
  ``eventType=OBJECT_FINALIZE``, ``bucketId`` and ``objectId`` and whose data is the object
  resource, or a CloudEvent ``google.cloud.storage.object.v1.finalized`` whose data is that
  resource.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from performia.errors import PerformiaError

__all__ = [
    "UPLOADS_PREFIX",
    "BadMessageError",
    "PushedMessage",
    "StageMessage",
    "UploadedObject",
    "encode_stage_message",
    "job_id_for_upload",
    "parse_pushed",
    "parse_stage_message",
    "parse_upload",
]

#: Where originals land in the bucket; an object finalized here starts a job.
UPLOADS_PREFIX = "uploads/"
#: ``uploads/{jobId}/{file}``: an upload through ``upload_url`` names its job.
_JOB_FOLDER = re.compile(r"^uploads/([0-9a-f]{16})/[^/]+$")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class BadMessageError(PerformiaError, ValueError):
    """A message no retry can make valid: acknowledge it, record why, do not redeliver."""


@dataclass(frozen=True)
class PushedMessage:
    """One Pub/Sub message as delivered, with its payload decoded."""

    message_id: str
    data: bytes
    attributes: Mapping[str, str] = field(default_factory=dict)
    subscription: str | None = None
    delivery_attempt: int | None = None
    publish_time: str | None = None

    def json(self) -> Any:
        """The payload as JSON; :class:`BadMessageError` when it is not."""
        try:
            return json.loads(self.data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadMessageError(
                f"message {self.message_id}: payload is not JSON ({exc})"
            ) from None


@dataclass(frozen=True)
class StageMessage:
    """ "Run ``stage`` of job ``job_id``": what one stage's topic carries."""

    job_id: str
    stage: str

    def to_dict(self) -> dict[str, str]:
        return {"jobId": self.job_id, "stage": self.stage}


@dataclass(frozen=True)
class UploadedObject:
    """A finalized object in the uploads bucket."""

    bucket: str
    name: str
    generation: str
    size: int | None = None
    content_type: str | None = None

    @property
    def filename(self) -> str:
        return self.name.rsplit("/", 1)[-1]


def parse_pushed(body: Mapping[str, Any]) -> PushedMessage:
    """A push request body, or a Pub/Sub CloudEvent's ``data``, as a :class:`PushedMessage`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("message"), Mapping):
        raise BadMessageError("not a Pub/Sub push: no 'message' object")
    message = body["message"]
    message_id = str(message.get("messageId") or message.get("message_id") or "")
    if not message_id:
        raise BadMessageError("Pub/Sub message without a messageId")
    raw = message.get("data") or ""
    try:
        data = base64.b64decode(raw, validate=True) if raw else b""
    except (binascii.Error, ValueError, TypeError):
        raise BadMessageError(f"message {message_id}: data is not base64") from None
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise BadMessageError(f"message {message_id}: attributes are not an object")
    attempt = body.get("deliveryAttempt")
    try:  # informational (logs, dead letters): a malformed count is dropped, not fatal
        attempt = int(attempt) if attempt is not None else None
    except (TypeError, ValueError, OverflowError):
        attempt = None
    return PushedMessage(
        message_id=message_id,
        data=data,
        attributes={str(k): str(v) for k, v in attributes.items()},
        subscription=body.get("subscription"),
        delivery_attempt=attempt,
        publish_time=message.get("publishTime") or message.get("publish_time"),
    )


def encode_stage_message(message: StageMessage) -> bytes:
    """The bytes published on a stage's topic."""
    return json.dumps(message.to_dict(), separators=(",", ":")).encode()


def parse_stage_message(
    pushed: PushedMessage, *, stages: frozenset[str] | set[str]
) -> StageMessage:
    """The stage message in ``pushed``; ``stages`` are the graph's stage names."""
    payload = pushed.json()
    if not isinstance(payload, Mapping):
        raise BadMessageError(f"message {pushed.message_id}: payload is not an object")
    job_id, stage = payload.get("jobId"), payload.get("stage")
    if not isinstance(job_id, str) or not job_id:
        raise BadMessageError(f"message {pushed.message_id}: no jobId")
    if not isinstance(stage, str) or not _STAGE_NAME.match(stage) or stage not in stages:
        raise BadMessageError(f"message {pushed.message_id}: unknown stage {stage!r}")
    return StageMessage(job_id, stage)


def parse_upload(
    data: Mapping[str, Any], attributes: Mapping[str, str] | None = None
) -> UploadedObject | None:
    """The finalized object an upload notification describes; ``None`` for events to ignore.

    ``data`` is the object resource (a CloudEvent's data, or a notification message's decoded
    JSON payload); ``attributes`` the notification's attributes when it came through Pub/Sub.
    Events other than a finalize, and objects outside :data:`UPLOADS_PREFIX` or that are
    "folders" (names ending in ``/``), are ignored rather than rejected: a bucket notifies about
    everything written to it.
    """
    if not isinstance(data, Mapping) or not isinstance(attributes or {}, Mapping):
        # a malformed event is dropped, not retried (property-tested: any JSON arrives)
        raise BadMessageError("upload event whose object resource is not a JSON object")
    attributes = attributes or {}
    event = attributes.get("eventType")
    if event is not None and event != "OBJECT_FINALIZE":
        return None
    bucket = data.get("bucket") or attributes.get("bucketId")
    name = data.get("name") or attributes.get("objectId")
    generation = data.get("generation") or attributes.get("objectGeneration")
    if not bucket or not name or generation in (None, ""):
        raise BadMessageError("upload event without bucket, object name or generation")
    name = str(name)
    if not name.startswith(UPLOADS_PREFIX) or name.endswith("/"):
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        # upload_url never signs such a name; an object written so is no job's (dropped, not
        # retried, and nothing is read)
        raise BadMessageError(f"upload {name!r}: a path with empty, '.' or '..' parts")
    size = data.get("size")
    try:
        size = int(size) if size is not None else None
    except (TypeError, ValueError):
        raise BadMessageError(f"upload event for {name}: size {size!r} is not a number") from None
    return UploadedObject(
        bucket=str(bucket),
        name=name,
        generation=str(generation),
        size=size,
        content_type=data.get("contentType"),
    )


def job_id_for_upload(obj: UploadedObject) -> str:
    """The job an upload belongs to: named in its path by ``upload_url``, else derived.

    Derived from bucket, name and generation, so the notification Pub/Sub delivers twice
    makes one job, while writing the same name again (a new generation) makes a new one.
    """
    named = _JOB_FOLDER.match(obj.name)
    if named:
        return named.group(1)
    digest = hashlib.sha256(f"{obj.bucket}/{obj.name}#{obj.generation}".encode()).hexdigest()
    return digest[:16]
