"""The JSON the frontend reads besides Song Maps, as one JSON Schema generated from the models.

Like the Song Map's schema, the committed ``wire.schema.json`` is what the frontend's TypeScript
types are generated from (``npm run types``), and a test fails when it no longer matches the
models (``make schema`` rewrites it). It holds:

- ``JobRecord`` (with ``StageRun``, ``JobStatus``, ``StageState``): the job document in
  Firestore that the Library follows while a song is analysed;
- ``StageName``: the stages in the graph's order (:data:`~performia.pipeline.graph.GRAPH`), which
  the frontend lists them in; no second declaration of the graph;
- ``UploadReply``, ``LibraryEntry``, ``KbPassage``: what ``upload_url``, the library listing and
  the help search answer (their producers build them through these models);
- ``x-audioTypes``: the upload extensions and the content type each must be sent with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from performia.jobs.base import CAMEL_DOCUMENT, JobRecord
from performia.pipeline.graph import GRAPH

__all__ = [
    "WIRE_SCHEMA_PATH",
    "KbPassage",
    "LibraryEntry",
    "UploadReply",
    "wire_schema",
    "wire_schema_text",
]


class _Wire(BaseModel):
    model_config = ConfigDict(**CAMEL_DOCUMENT, frozen=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class UploadReply(_Wire):
    """``upload_url``'s answer: the job to watch and where to PUT the file."""

    job_id: str
    upload_url: str
    method: str
    headers: dict[str, str] = Field(description="Headers the PUT must carry (its content type).")
    object_name: str
    expires_at: str


class LibraryEntry(_Wire):
    """One song in a Library listing (``songs/index.json``, ``songs/.libraries/{uid}.json``)."""

    song_id: str
    title: str
    artist: str
    key: str | None = None
    tempo: float | None = None
    duration: float
    lyrics_start: str = Field(description="The opening words as sung, for the listing.")
    lyrics_index: str = Field(description="Every distinct word once, folded, for search.")


class KbPassage(_Wire):
    """One passage the help search answers with."""

    source: str
    heading_path: list[str]
    text: str
    score: float


WIRE_SCHEMA_PATH = Path(__file__).with_name("wire.schema.json")


def wire_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the wire documents, in their camelCase JSON form."""
    from performia.cloud.uploads import AUDIO_TYPES

    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "serialization") for m in (JobRecord, UploadReply, LibraryEntry, KbPassage)
    ]
    _, schema = models_json_schema(models, by_alias=True)
    defs = dict(schema["$defs"])
    defs["StageName"] = {
        "title": "StageName",
        "description": "The pipeline's stages, in the order the graph declares them.",
        "type": "string",
        "enum": list(GRAPH.names),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://performia.dev/schema/wire.json",
        "title": "Wire",
        "description": "Documents the frontend reads besides Song Maps.",
        "type": "object",
        "properties": {
            "job": {"$ref": "#/$defs/JobRecord"},
            "stage": {"$ref": "#/$defs/StageName"},
            "upload": {"$ref": "#/$defs/UploadReply"},
            "libraryEntry": {"$ref": "#/$defs/LibraryEntry"},
            "passage": {"$ref": "#/$defs/KbPassage"},
        },
        "x-audioTypes": AUDIO_TYPES,
        "$defs": dict(sorted(defs.items())),
    }


def wire_schema_text() -> str:
    return json.dumps(wire_schema(), indent=2, ensure_ascii=False) + "\n"
