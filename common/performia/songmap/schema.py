"""The Song Map's JSON Schema, generated from the models and committed beside them.

The committed file is what the frontend's TypeScript types and other readers are generated from; a
test fails when it no longer matches the models (run ``make schema`` to regenerate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from performia.songmap.model import SCHEMA_VERSION, SongMap

__all__ = ["SCHEMA_PATH", "song_map_schema", "song_map_schema_text"]

SCHEMA_PATH = Path(__file__).with_name("song_map.schema.json")


def song_map_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the Song Map, in its camelCase JSON form."""
    schema = SongMap.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://performia.dev/schema/song-map/{SCHEMA_VERSION}.json",
        **schema,
    }


def song_map_schema_text() -> str:
    return json.dumps(song_map_schema(), indent=2, ensure_ascii=False) + "\n"
