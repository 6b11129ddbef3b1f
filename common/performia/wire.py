"""The JSON the frontend reads besides Song Maps, as one JSON Schema generated from the models.

Like the Song Map's schema, the committed ``wire.schema.json`` is what the frontend's TypeScript
types are generated from (``npm run types``), and a test fails when it no longer matches the
models (``make schema`` rewrites it). It holds:

- ``JobRecord`` (with ``StageRun``, ``JobStatus``, ``StageState``): the job document in
  Firestore that the Library follows while a song is analysed;
- ``StageName``: the stages in the graph's order (:data:`~performia.pipeline.graph.GRAPH`), which
  the frontend lists them in; no second declaration of the graph.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from performia.jobs.base import JobRecord
from performia.pipeline.graph import GRAPH

__all__ = ["WIRE_SCHEMA_PATH", "wire_schema", "wire_schema_text"]

WIRE_SCHEMA_PATH = Path(__file__).with_name("wire.schema.json")


def wire_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the wire documents, in their camelCase JSON form."""
    _, schema = models_json_schema([(JobRecord, "serialization")], by_alias=True)
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
        },
        "$defs": dict(sorted(defs.items())),
    }


def wire_schema_text() -> str:
    return json.dumps(wire_schema(), indent=2, ensure_ascii=False) + "\n"
