"""The ``library`` function: a signed-in user's own songs, and nobody else's.

Nothing in the bucket is public, so the cloud frontend reads its Library and songs here:

- ``{"op": "list"}`` → ``{"songs": [...]}``, the caller's listing
  (:func:`~performia.cloud.library.read_library` with their uid);
- ``{"op": "import", "chordpro"}`` → ``{"songId"}``: a ChordPro chart published to the caller's
  library (:func:`~performia.cloud.imports.import_from_request`);
- ``{"op": "open", "songId"}`` → ``{"songId", "version", "songMap", "media", "expiresAt"}``:
  the current Song Map with the version a save needs, and for each of its files (the recording,
  the stems) a read URL that works for :data:`MEDIA_URL_LIFETIME`. Only the song's owner gets
  them; a song that is not theirs, or not there, is the same 403, so ids cannot be probed.

Only files inside the song's own ``songs/{id}/`` folder are ever signed (``save_song`` keeps an
edit from pointing them elsewhere; this is the second lock on the same door).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from performia.cloud.imports import import_from_request
from performia.cloud.library import check_owner, read_library, song_key
from performia.cloud.signing import UrlSigner
from performia.errors import BadInputError
from performia.songmap.io import parse_song_map
from performia.storage.base import NotFoundError, VersionedStore, check_key

__all__ = ["MEDIA_URL_LIFETIME", "library_from_request", "open_song"]

#: How long a song's read URLs work: a long rehearsal or a set, after which the chart is
#: opened again for fresh ones. Short enough that a URL copied out of the page soon dies.
MEDIA_URL_LIFETIME = timedelta(hours=3)


def _is_key(src: str) -> bool:
    """A plain store key: nothing that could climb out of the song's folder."""
    try:
        check_key(src)
    except ValueError:
        return False
    return True


def open_song(
    store: VersionedStore, signer: UrlSigner, song_id: str, *, user: str
) -> dict[str, Any]:
    """The owner's song with read URLs for its files (see the module docstring).

    Raises :class:`~performia.cloud.library.NotYourSongError` for any song that is not
    ``user``'s.
    """
    check_owner(store, song_id, user)
    key = song_key(song_id)
    try:
        data, version = store.read_versioned(key)
    except NotFoundError:  # owned but not written: the publish is still landing
        raise BadInputError(f"song {song_id!r} is not ready yet; try again in a moment") from None
    song = parse_song_map(data, source=key)
    folder = song_key(song_id, "")
    files = [song.audio.src] if song.audio is not None else []
    files += [stem.src for stem in song.stems]
    expires = datetime.now(UTC) + MEDIA_URL_LIFETIME
    media = {
        src: signer.read_url(src, expires=MEDIA_URL_LIFETIME)
        for src in files
        if src.startswith(folder) and _is_key(src)
    }
    return {
        "songId": song_id,
        "version": version,
        "songMap": json.loads(data),
        "media": media,
        "expiresAt": expires.isoformat(timespec="seconds"),
    }


def library_from_request(
    store: VersionedStore, signer: UrlSigner, body: Any, *, user: str
) -> dict[str, Any]:
    """The ``library`` function's contract (module docstring); a malformed body is a
    :class:`BadInputError`."""
    if not isinstance(body, dict):
        raise BadInputError("send a JSON object")
    op = body.get("op")
    if op == "list":
        return {"songs": read_library(store, user)}
    if op == "import":
        return import_from_request(store, body, user=user)
    if op == "open":
        song_id = body.get("songId")
        if not isinstance(song_id, str):
            raise BadInputError("send the songId to open")
        return open_song(store, signer, song_id, user=user)
    raise BadInputError('op must be "list", "open" or "import"')
