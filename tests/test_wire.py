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


def test_the_replies_are_built_through_their_models():
    from performia.cloud.library import library_entry
    from performia.cloud.uploads import AUDIO_TYPES, UploadTicket
    from performia.kb.index import Hit
    from performia.songmap.io import parse_song_map

    schema = wire_schema()

    def valid(name, doc):
        jsonschema.validate(doc, {**schema, "$ref": f"#/$defs/{name}"})

    song = parse_song_map(
        {
            "id": "s1",
            "title": "T",
            "artist": "A",
            "duration": 3.0,
            "sections": [],
            "provenance": {"createdAt": "2026-12-06T00:00:00Z", "performiaVersion": "0"},
        }
    )
    valid("LibraryEntry", library_entry(song))
    ticket = UploadTicket("j1", "PUT", "https://u", "uploads/j1/a.mp3", "audio/mpeg", "2026-12-06")
    valid("UploadReply", ticket.to_dict())
    valid("KbPassage", Hit("a.md", ("A", "B"), "text", 0.123456).to_dict())
    assert schema["x-audioTypes"] == AUDIO_TYPES
