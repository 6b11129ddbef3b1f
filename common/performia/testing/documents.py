"""Small Song Map documents for tests of the library, the HTTP functions and their parsers."""

from __future__ import annotations

from typing import Any

__all__ = ["SONG_ID", "minimal_song_map"]

#: The id of :func:`minimal_song_map`'s song.
SONG_ID = "0123456789abcdef"


def minimal_song_map(**fields: Any) -> dict[str, Any]:
    """The smallest valid Song Map document (camelCase JSON), with ``fields`` replaced."""
    return {
        "id": SONG_ID,
        "title": "Morning Light",
        "artist": "The Fixtures",
        "duration": 30.0,
        "sections": [],
        "provenance": {"createdAt": "2026-11-25T12:00:00Z", "performiaVersion": "0.1.0"},
        **fields,
    }
