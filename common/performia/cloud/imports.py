"""Importing a chart someone already has: a ChordPro file becomes a song in their Library.

``POST {"chordpro": TEXT}`` → ``{"songId"}``. The server reads the text
(:func:`~performia.songmap.chordpro.parse_chordpro`), gives the song a fresh id (never one the
client chose) and publishes it to the caller's library like an analysed song, ownership record
first. An imported chart has no recording: its times are a placeholder layout, said so in its
provenance.
"""

from __future__ import annotations

import secrets
from typing import Any

from performia.cloud.library import publish_song
from performia.errors import BadInputError
from performia.songmap.chordpro import MAX_CHORDPRO_BYTES, parse_chordpro
from performia.storage.base import VersionedStore

__all__ = ["import_from_request"]


def import_from_request(store: VersionedStore, body: Any, *, user: str | None) -> dict[str, str]:
    """Publish the ChordPro chart in ``body`` to ``user``'s library (``None``: the embedded
    viewer's one local user); a malformed body is a :class:`BadInputError`."""
    if not isinstance(body, dict) or not isinstance(body.get("chordpro"), str):
        raise BadInputError('send {"chordpro": "…the chart\'s text…"}')
    text = body["chordpro"]
    if len(text.encode("utf-8", "replace")) > MAX_CHORDPRO_BYTES:
        raise BadInputError(
            f"this chart is over {MAX_CHORDPRO_BYTES // 1024} kB: is it a ChordPro file?"
        )
    language = body.get("language")
    if not isinstance(language, str):
        language = "en"
    song = parse_chordpro(text, song_id=f"chart-{secrets.token_hex(8)}", language=language[:16])
    publish_song(store, song, owner=user)
    return {"songId": song.id}
