"""The song library in the bucket: published Song Maps, their revisions, and the listing.

Layout (DESIGN.md): ``songs/{songId}/song_map.json`` is the current Song Map,
``songs/{songId}/revisions/{when}-{version}.json`` the :data:`MAX_REVISIONS` before it (``when``
a UTC time stamp, so keys sort oldest first and the oldest is pruned), and
``songs/{songId}/owner.json`` whose song it is: written once, by the stage that publishes it,
and only ever by the backend (nothing in the bucket is writable, or readable, from outside).
Each owner's Library listing is ``songs/.libraries/{uid}.json``, theirs alone; the embedded
viewer's one local user (no uid) has ``songs/index.json``. In the cloud that file holds only
songs nobody owns (an operator's file dropped straight into ``uploads/``), which no user sees
and nobody may change.

Every write that could race another goes through the store's
versioned write (:class:`~performia.storage.base.VersionedStore`): many jobs finishing at once
all land in the listing, and an edit made on a stale copy is refused instead of overwriting
someone else's.
"""

from __future__ import annotations

import json
import random
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from performia.errors import BadInputError, TransientError
from performia.songmap.io import dump_song_map, parse_song_map
from performia.songmap.model import SongMap
from performia.songmap.syllables import word_core
from performia.storage.base import NotFoundError, PreconditionFailedError, VersionedStore

__all__ = [
    "LIBRARY_KEY",
    "MAX_REVISIONS",
    "NotYourSongError",
    "StaleEditError",
    "check_owner",
    "is_song_id",
    "library_entry",
    "listing_key",
    "lyric_words",
    "owner_key",
    "publish_song",
    "read_library",
    "rebuild_listing",
    "revision_key",
    "save_from_request",
    "save_song",
    "song_key",
    "update_json",
]

LIBRARY_KEY = "songs/index.json"
#: Where each owner's listing lives (song ids never start with a dot: :func:`is_song_id`).
LIBRARIES_PREFIX = "songs/.libraries/"
#: Earlier versions kept per song; the oldest beyond this are deleted.
MAX_REVISIONS = 50
#: Tries of a read-modify-write before giving up (each lost race means another writer won).
MAX_TRIES = 50


class StaleEditError(BadInputError):
    """The Song Map changed since the editor loaded it; reload, re-apply, save again."""


class NotYourSongError(BadInputError):
    """Someone other than the song's owner tried to save it."""


def is_song_id(value: str) -> bool:
    """A song id names one folder under ``songs/``: no separators, nothing hidden."""
    return (
        bool(value)
        and len(value) <= 200
        and not value.startswith(".")
        and not any(c in value for c in "/\\\x00")
    )


def song_key(song_id: str, name: str = "song_map.json") -> str:
    return f"songs/{song_id}/{name}"


def owner_key(song_id: str) -> str:
    """The song's ownership record: ``{"owner": uid}``, written once by the backend."""
    return song_key(song_id, "owner.json")


def listing_key(owner: str | None) -> str:
    """``owner``'s Library listing (``None``: the embedded viewer's one local user). The uid is
    percent-encoded, so no uid can name another folder."""
    if owner is None:
        return LIBRARY_KEY
    return f"{LIBRARIES_PREFIX}{quote(owner, safe='')}.json"


def update_json(
    store: VersionedStore,
    key: str,
    mutate: Callable[[Any], Any],
    *,
    default: Any = None,
    tries: int = MAX_TRIES,
) -> Any:
    """Read ``key`` as JSON (``default`` when absent), apply ``mutate``, write it back only if
    nobody wrote in between; on a lost race, read again and retry. ``mutate`` must be safe to
    apply again (a retried write whose first attempt landed re-applies it)."""
    for attempt in range(tries):
        try:
            data, version = store.read_versioned(key)
            current = json.loads(data)
        except NotFoundError:
            current, version = default, None
        new = mutate(current)
        try:
            store.write_if(
                key,
                json.dumps(new, ensure_ascii=False, indent=1).encode(),
                version=version,
                content_type="application/json",
            )
            return new
        except PreconditionFailedError:
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))
    raise TransientError(f"{key}: gave up after {tries} writers kept changing it")


#: The listing shows this much of the opening lyrics (cut at a word).
LYRICS_START_CHARS = 200
#: The search index of a song's words stops here (a song's distinct words take 500–1,500).
LYRICS_INDEX_CHARS = 4000


def lyric_words(song: SongMap) -> list[str]:
    """The sung words in order: syllables joined up to each ``endsWord``."""
    words: list[str] = []
    current = ""
    for section in song.sections:
        for line in section.lines:
            for syllable in line.syllables:
                current += syllable.text
                if syllable.ends_word:
                    words.append(current.strip())
                    current = ""
            if current:  # a line never runs a word into the next one
                words.append(current.strip())
                current = ""
    return [w for w in words if w]


def fold(text: str) -> str:
    """Lower case without accents, as the Library's search folds what is typed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit + 1)].rstrip() if " " in text[:limit] else text[:limit]


def library_entry(song: SongMap) -> dict[str, Any]:
    """What the Library shows and searches for one song.

    ``lyricsStart`` is the opening words as sung, for the listing; ``lyricsIndex`` is every
    distinct word of the song once, folded, in order of first use: search matches each typed
    word anywhere in the song ("hold on" finds a chorus line four minutes in) and the listing
    stays small (a song's distinct words, not its whole text)."""
    words = lyric_words(song)
    seen: dict[str, None] = {}
    for word in words:
        key = word_core(fold(word))
        if key:
            seen.setdefault(key, None)
    from performia.wire import LibraryEntry  # its schema types the frontend's listing

    return LibraryEntry(
        song_id=song.id,
        title=song.title,
        artist=song.artist,
        key=song.key,
        tempo=song.tempo,
        duration=song.duration,
        lyrics_start=_cut(" ".join(words), LYRICS_START_CHARS),
        lyrics_index=_cut(" ".join(seen), LYRICS_INDEX_CHARS),
    ).to_dict()


def rebuild_listing(store: VersionedStore, song_ids: list[str]) -> int:
    """Rewrite the embedded viewer's listing from the Song Maps in the folder; returns how
    many songs it lists. Listings written by earlier versions (or songs copied into the
    folder by hand) are brought up to date; a Song Map that does not parse is left out."""
    entries = []
    for song_id in song_ids:
        try:
            song = parse_song_map(store.get(song_key(song_id)), source=song_key(song_id))
        except (NotFoundError, BadInputError):
            continue
        entries.append(library_entry(song))
    entries.sort(key=lambda s: (s["title"] or "", s["songId"]))
    update_json(store, LIBRARY_KEY, lambda _: {"songs": entries}, default={"songs": []})
    return len(entries)


def read_library(store: VersionedStore, owner: str | None = None) -> list[dict[str, Any]]:
    """``owner``'s Library listing (see :func:`listing_key`)."""
    try:
        return json.loads(store.get(listing_key(owner))).get("songs", [])
    except NotFoundError:
        return []


def _record_owner(store: VersionedStore, song_id: str, owner: str) -> None:
    """Write the song's ownership record once. A song already someone else's is never taken
    over (a song id is its job's, so this only happens if something is badly wrong)."""
    record = json.dumps({"owner": owner}).encode()
    try:
        store.write_if(owner_key(song_id), record, version=None, content_type="application/json")
    except PreconditionFailedError:
        if _recorded_owner(store, song_id) != owner:
            raise NotYourSongError(f"song {song_id!r} already belongs to someone else") from None


def _recorded_owner(store: VersionedStore, song_id: str) -> str | None:
    try:
        owner = json.loads(store.get(owner_key(song_id))).get("owner")
    except (NotFoundError, ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) and owner else None


def _upsert(entry: dict[str, Any]) -> Callable[[Any], Any]:
    def mutate(library: Any) -> Any:
        songs = [s for s in (library or {}).get("songs", []) if s["songId"] != entry["songId"]]
        return {"songs": sorted([*songs, entry], key=lambda s: (s["title"] or "", s["songId"]))}

    return mutate


def publish_song(store: VersionedStore, song: SongMap, *, owner: str | None = None) -> str:
    """Put a finished job's Song Map in ``owner``'s library; returns its version.

    The ownership record is written first, so a song is never readable or listed before it is
    someone's. Publishing the same song again (a redelivered package message) writes the same
    record, document and entry."""
    if owner is not None:
        _record_owner(store, song.id, owner)
    key = song_key(song.id)
    data = dump_song_map(song).encode()
    try:
        current, version = store.read_versioned(key)
        if current == data:
            version_out = version
        else:
            _keep_revision(store, song.id, current, version)
            version_out = store.write_if(
                key, data, version=version, content_type="application/json"
            )
    except NotFoundError:
        version_out = store.write_if(key, data, version=None, content_type="application/json")
    update_json(store, listing_key(owner), _upsert(library_entry(song)), default={"songs": []})
    return version_out


def check_owner(store: VersionedStore, song_id: str, user: str | None) -> str | None:
    """The song's recorded owner, after checking that ``user`` is it (``None``: the embedded
    viewer's single local user, who owns everything).

    Fails closed: a song with no ownership record (not published yet, or written by an
    operator) is nobody's to read or change, rather than everybody's, and a song that does not
    exist answers the same as another user's, so ids cannot be probed. Raises
    :class:`NotYourSongError`.
    """
    if user is None:
        return None
    if not is_song_id(song_id) or _recorded_owner(store, song_id) != user:
        raise NotYourSongError(f"song {song_id!r} is not one of yours")
    return user


def _media(song: SongMap) -> tuple[Any, ...]:
    audio = song.audio.model_dump() if song.audio is not None else None
    return (audio, [stem.model_dump() for stem in song.stems])


def revision_key(song_id: str, version: str, when: datetime | None = None) -> str:
    """Where a song's version is kept once replaced: time-stamped, so keys sort by age."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return song_key(song_id, f"revisions/{stamp}-{version}.json")


def _keep_revision(store: VersionedStore, song_id: str, data: bytes, version: str) -> None:
    """Keep the replaced version, then prune all but the newest :data:`MAX_REVISIONS`: an
    editor saving every few seconds must not grow a song's storage without bound."""
    store.put(revision_key(song_id, version), data, content_type="application/json")
    kept = sorted(store.list(song_key(song_id, "revisions/")))
    for old in kept[:-MAX_REVISIONS]:
        store.delete(old)


def save_song(
    store: VersionedStore,
    song_id: str,
    document: bytes | str | dict,
    *,
    base_version: str,
    user: str | None = None,
) -> str:
    """Save an edited Song Map over the version the editor loaded; return the new version.

    ``user`` is the signed-in editor (the cloud's HTTP function always passes one); a song may
    be saved by its recorded owner only, and a song without one by nobody. ``None`` is the
    embedded viewer's single local user.

    Raises
    ------
    SongMapError
        The document does not match the schema (the message names the field).
    BadInputError
        It is another song's Song Map.
    StaleEditError
        The song changed since ``base_version`` (or does not exist): nothing is overwritten.
    NotYourSongError
        ``user`` is not the song's owner.
    """
    if not is_song_id(song_id):
        raise BadInputError(f"{song_id!r} is not a song id")
    if not isinstance(document, bytes | str | dict):
        raise BadInputError("songMap must be a Song Map (a JSON object)")
    song = parse_song_map(document, source=f"edit of {song_id}")
    if song.id != song_id:
        raise BadInputError(f"this Song Map is song {song.id!r}, not {song_id!r}")
    owner = check_owner(store, song_id, user)
    key = song_key(song_id)
    try:
        current, version = store.read_versioned(key)
    except NotFoundError:
        raise StaleEditError(f"song {song_id!r} does not exist") from None
    if version != base_version:
        raise StaleEditError(
            f"song {song_id!r} was changed by someone else since you opened it: reload it, "
            "make your edit again and save"
        )
    if _media(song) != _media(parse_song_map(current, source=key)):
        # the recording and stems are the analysis's: an edit pointing them elsewhere (another
        # user's files, any URL) is refused, so every src stays inside the song's own folder
        raise BadInputError("an edit cannot change the song's recording or stems")
    _keep_revision(store, song_id, current, version)
    try:
        new_version = store.write_if(
            key, dump_song_map(song).encode(), version=version, content_type="application/json"
        )
    except PreconditionFailedError:
        raise StaleEditError(
            f"song {song_id!r} was changed by someone else while saving: reload it and save again"
        ) from None
    update_json(store, listing_key(owner), _upsert(library_entry(song)), default={"songs": []})
    return new_version


def save_from_request(
    store: VersionedStore, body: Any, *, user: str | None = None
) -> dict[str, str]:
    """The save contract the cloud's ``save_song`` and the embedded viewer share:
    ``{"songId", "baseVersion", "songMap"}`` → ``{"songId", "version"}`` (see
    :func:`save_song`; a malformed body is a :class:`BadInputError`)."""
    if not isinstance(body, dict):
        raise BadInputError("send a JSON object")
    song_id, base, doc = body.get("songId"), body.get("baseVersion"), body.get("songMap")
    if not isinstance(song_id, str) or not isinstance(base, str) or doc is None:
        raise BadInputError("send songId, baseVersion and songMap")
    version = save_song(store, song_id, doc, base_version=base, user=user)
    return {"songId": song_id, "version": version}
