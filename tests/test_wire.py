"""The wire schema (jobs, the stage order) is generated from the models and committed; the
frontend's types are generated from it (``npm run types:check`` keeps those in step)."""

from __future__ import annotations

import jsonschema

from performia.jobs.base import JobRecord, JobStatus, StageRun, StageState
from performia.pipeline.graph import GRAPH
from performia.wire import WIRE_SCHEMA_PATH, wire_schema, wire_schema_text


def test_the_committed_schema_is_the_models():
    assert WIRE_SCHEMA_PATH.read_text(encoding="utf-8") == wire_schema_text(), "run `make schema`"


def test_a_job_document_as_stored_matches_the_schema():
    record = JobRecord(
        job_id="j1",
        status=JobStatus.PROCESSING,
        stages={"ingest": StageRun(state=StageState.DONE, seconds=1.5)},
        owner="alice",
    )
    schema = wire_schema()
    job = {**schema, "$ref": "#/$defs/JobRecord"}
    jsonschema.validate(record.to_doc(), job)
    # every field is written, so the frontend may rely on each
    assert set(schema["$defs"]["JobRecord"]["required"]) == set(record.to_doc())


def test_the_stage_order_is_the_graphs():
    assert wire_schema()["$defs"]["StageName"]["enum"] == list(GRAPH.names)
