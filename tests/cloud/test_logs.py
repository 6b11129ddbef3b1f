"""Structured logs: one JSON object a line, carrying the job, stage, message and attempt."""

from __future__ import annotations

import base64
import io
import json
import logging

import pytest

from performia.cloud.adapter import Adapter, RecordingPublisher
from performia.cloud.entry import on_stage_message
from performia.cloud.logs import JsonFormatter, configure, log_context
from performia.cloud.messages import UploadedObject
from performia.errors import BadInputError
from performia.jobs.memory import MemoryJobStore
from performia.pipeline.graph import Graph, StageSpec
from performia.storage.local import LocalFolderStore


@pytest.fixture
def lines():
    """Everything the ``performia`` loggers write, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("performia")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_a_record_is_one_json_line_with_its_context_and_traceback(lines):
    log = logging.getLogger("performia.test")
    with log_context(job="j1", stage="rhythm", attempt=2, event=None):
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("stage %s failed", "rhythm")
    log.warning("outside")
    inside, outside = lines()
    assert inside["severity"] == "ERROR" and inside["job"] == "j1" and inside["attempt"] == 2
    assert inside["message"].startswith("stage rhythm failed\nTraceback")
    assert "event" not in inside  # None values are left out
    assert outside == {"severity": "WARNING", "message": "outside", "logger": "performia.test"}


def test_each_delivery_logs_with_its_job_stage_message_and_attempt(tmp_path, lines):
    def broken(ctx):
        raise BadInputError("not audio")

    graph = Graph((StageSpec("ingest", writes=("out.json",), impl=broken),))
    publisher = RecordingPublisher()
    adapter = Adapter(MemoryJobStore(), LocalFolderStore(tmp_path), publisher, graph)
    record = adapter.start_job(UploadedObject("bucket", "uploads/x.mp3", "7", 1234, "audio/mpeg"))
    ((_, published),) = publisher.sent
    data = base64.b64encode(published).decode()
    body = {"message": {"data": data, "messageId": "m-7"}, "deliveryAttempt": 3}
    assert on_stage_message(body, stage="ingest", adapter=adapter) == "stopped"  # job FAILED
    assert on_stage_message({"message": {"data": "***"}}, stage="ingest", adapter=adapter) == (
        "dropped"
    )
    failed, dropped = (e for e in lines() if e["severity"] in ("WARNING", "ERROR"))
    assert (failed["job"], failed["stage"]) == (record.job_id, "ingest")
    assert failed["message"].startswith(f"job {record.job_id} failed in ingest")
    assert failed["attempt"] == 3 and failed["function"] == "ingest"
    assert failed["messageId"] == "m-7"
    assert dropped["function"] == "ingest" and "job" not in dropped


def test_json_logs_are_configured_on_cloud_run_only(monkeypatch):
    monkeypatch.delenv("K_SERVICE", raising=False)
    monkeypatch.delenv("PERFORMIA_LOG_FORMAT", raising=False)
    assert configure() is False  # locally: plain text, as before
