"""What each Cloud Run function's ``main.py`` calls: a CloudEvent in, the adapter does the rest.

Returning normally acknowledges the message; raising makes Pub/Sub retry it with backoff. A
message no retry can fix (:class:`~performia.cloud.messages.BadMessageError`) is logged and
acknowledged here, so a malformed message can never cause a retry storm.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from performia.cloud.adapter import Adapter
from performia.cloud.logs import configure as configure_logs
from performia.cloud.logs import log_context
from performia.cloud.messages import (
    BadMessageError,
    PushedMessage,
    StageMessage,
    job_id_for_upload,
    parse_pushed,
    parse_stage_message,
    parse_upload,
)
from performia.cloud.runtime import get_adapter
from performia.pipeline.scheduler import Delivery

__all__ = ["on_dead_letter", "on_stage_message", "on_upload"]

log = logging.getLogger(__name__)
configure_logs()  # JSON lines on Cloud Run, once per instance


def _data(event: Any) -> Mapping[str, Any]:
    """A CloudEvent's data (``functions_framework`` passes a ``CloudEvent``; tests a dict)."""
    data = event.data if hasattr(event, "data") else event
    if not isinstance(data, Mapping):
        raise BadMessageError("the event carries no JSON object")
    return data


def _is_notification(attributes: Mapping[str, str]) -> bool:
    """A bucket notification (rather than a stage message) by its attributes."""
    return "eventType" in attributes or "objectId" in attributes


def _event_id(event: Any) -> str | None:
    """The CloudEvent's id (``functions_framework``'s event), for the logs."""
    if not hasattr(event, "data"):
        return None
    try:
        return str(event["id"])
    except (KeyError, TypeError):
        return None


@contextmanager
def _delivery(pushed: PushedMessage, message: StageMessage) -> Iterator[None]:
    """Log context for one delivery of a stage message."""
    with log_context(
        job=message.job_id,
        stage=message.stage,
        messageId=pushed.message_id,
        attempt=pushed.delivery_attempt,
    ):
        yield


def on_stage_message(event: Any, *, stage: str, adapter: Adapter | None = None) -> str:
    """A stage function's handler: run ``stage`` for the job its Pub/Sub message names."""
    adapter = adapter or get_adapter()
    with log_context(function=stage, event=_event_id(event)):
        try:
            pushed = parse_pushed(_data(event))
            message = parse_stage_message(pushed, stages=set(adapter.graph.names))
            if message.stage != stage:
                raise BadMessageError(f"{message.stage!r} message on the {stage!r} function")
        except BadMessageError as exc:
            log.error("dropped a message no retry can fix: %s", exc)
            return "dropped"
        with _delivery(pushed, message):
            try:
                return adapter.handle(message).value
            except BadMessageError as exc:  # e.g. a job that does not exist
                log.error("dropped a message no retry can fix: %s", exc)
                return "dropped"


def on_upload(event: Any, *, adapter: Adapter | None = None) -> str:
    """The ingest function: a finalized upload starts its job and ingest runs in this delivery.

    Accepts the bucket's notification through Pub/Sub (attributes ``eventType``, ``bucketId``,
    ``objectId``; data the object resource) or a direct Cloud Storage CloudEvent, and ingest's
    stage message from its own topic. A duplicate
    notification finds the job and its ingest done and only re-reports.
    """
    adapter = adapter or get_adapter()
    with log_context(function="ingest", event=_event_id(event)):
        return _on_upload(event, adapter)


def _on_upload(event: Any, adapter: Adapter) -> str:
    try:
        data = _data(event)
        if "message" in data:  # through Pub/Sub
            pushed = parse_pushed(data)
            if not _is_notification(pushed.attributes):
                # ingest's own topic: a stage message the dead-letter handler published again
                message = parse_stage_message(pushed, stages=set(adapter.graph.names))
                with _delivery(pushed, message):
                    return adapter.handle(message).value
            obj = parse_upload(pushed.json(), pushed.attributes)
        else:
            obj = parse_upload(data)
        if obj is None:
            return "ignored"
        record = adapter.start_job(obj, publish=False)
        with log_context(job=record.job_id, upload=obj.name):
            outcomes = [
                adapter.handle(StageMessage(record.job_id, root)) for root in adapter.graph.roots()
            ]
        return ",".join(o.value for o in outcomes) or Delivery.DONE.value
    except BadMessageError as exc:
        log.error("dropped an upload event no retry can fix: %s", exc)
        return "dropped"


def on_dead_letter(event: Any, *, adapter: Adapter | None = None) -> str:
    """The dead-letter function: a message ran out of retries, so its job fails.

    Two kinds arrive: a stage message, and an upload notification whose ingest kept failing
    (its job is found from the object, as :func:`on_upload` found it).
    """
    adapter = adapter or get_adapter()
    with log_context(function="dead_letter", event=_event_id(event)):
        return _on_dead_letter(event, adapter)


def _on_dead_letter(event: Any, adapter: Adapter) -> str:
    try:
        pushed = parse_pushed(_data(event))
        if _is_notification(pushed.attributes):
            obj = parse_upload(pushed.json(), pushed.attributes)
            if obj is None:
                return "ignored"
            roots = adapter.graph.roots()
            message = StageMessage(job_id_for_upload(obj), roots[0])
        else:
            message = parse_stage_message(pushed, stages=set(adapter.graph.names))
    except BadMessageError as exc:
        log.error("dropped a dead letter no retry can fix: %s", exc)
        return "dropped"
    attempts = pushed.attributes.get("CloudPubSubDeadLetterSourceDeliveryCount")
    with _delivery(pushed, message):
        adapter.dead_letter(
            message, attempts=int(attempts) if attempts else pushed.delivery_attempt
        )
    return "failed"
