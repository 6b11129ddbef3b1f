"""The "re-align from here" call the cloud's ``realign`` and the embedded viewer share.

``POST {"songId", "songMap", "from": {"section", "line"}}`` → ``{"songId", "lines": [...],
"windows", "note"}``: the lines after ``from`` aligned again to the song's vocals stem, anchored
on the line the user fixed (:func:`performia.songmap.realign.realign_after`). Nothing is saved:
the editor applies the new timings as one undoable step and saves as usual, which keeps the
previous version as a revision.

What the client sends is trusted for the *lyrics* only (the words and the fixed line's times,
which the user may not have saved yet). Which audio is read, the song's language and its
length come from the stored Song Map, so a request cannot point the server at another file;
in the cloud the stem must lie under the song's own library prefix, and the signed-in user must
be the song's owner (an unknown owner is refused: this check fails closed).
"""

from __future__ import annotations

from typing import Any, TypeGuard

from performia.analysis.vocal_activity import detect_vocal_activity
from performia.cloud.library import check_owner, is_song_id, song_key
from performia.errors import BadInputError
from performia.settings import get_settings
from performia.songmap.io import parse_song_map
from performia.songmap.model import SongMap
from performia.songmap.realign import realign_after
from performia.storage.base import NotFoundError, VersionedStore
from performia.transcription import Recognizer, get_recognizer
from performia.transcription.base import WHISPER_SR
from performia.transcription.models import model_for_language

__all__ = ["DECODE_SLACK_S", "realign_from_request"]

#: Seconds a stem may run past the Song Map's duration (encoder padding).
DECODE_SLACK_S = 5.0


def _address(body: dict[str, Any]) -> tuple[int, int]:
    where = body.get("from")
    if not isinstance(where, dict):
        raise BadInputError('send "from": {"section": N, "line": N}, the line you fixed')
    section, line = where.get("section"), where.get("line")
    if not _whole(section) or not _whole(line):
        raise BadInputError("from.section and from.line must be whole numbers")
    return section, line


def _whole(value: object) -> TypeGuard[int]:
    """An int that is not a bool (JSON's true would otherwise pass for 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _vocals(store: VersionedStore, stored: SongMap, *, cloud: bool) -> str:
    stem = next((s for s in stored.stems if s.name == "vocals"), None)
    if stem is None:
        raise BadInputError(
            "this song has no vocals stem (it was analysed without separation): "
            "analyse it again to re-align its lyrics"
        )
    if cloud and not stem.src.startswith(song_key(stored.id, "media/")):
        raise BadInputError("this song's vocals stem is not in its library folder")
    return stem.src


def _recognizer(language: str | None) -> Recognizer:
    settings = get_settings()
    model = model_for_language(settings.asr_model, language)
    return get_recognizer(settings.asr_engine, model, settings.device)


def realign_from_request(
    store: VersionedStore,
    body: Any,
    *,
    user: str | None = None,
    recognizer: Recognizer | None = None,
) -> dict[str, Any]:
    """Answer one re-align request (see the module docstring).

    ``user`` is the signed-in user in the cloud (the owner check applies); ``None`` is the
    embedded viewer's single local user. ``recognizer`` replaces the configured one (tests).

    Raises
    ------
    BadInputError
        A malformed request, an unknown song or line, a song without a vocals stem.
    NotYourSongError
        ``user`` does not own the song.
    """
    if not isinstance(body, dict):
        raise BadInputError("send a JSON object")
    song_id, document = body.get("songId"), body.get("songMap")
    if not isinstance(song_id, str) or not is_song_id(song_id) or document is None:
        raise BadInputError("send songId, songMap and from")
    section, line = _address(body)
    check_owner(store, song_id, user)
    try:
        stored = parse_song_map(store.get(song_key(song_id)), source=song_id)
    except NotFoundError:
        raise BadInputError(f"song {song_id!r} does not exist") from None
    edited = parse_song_map(document, source=f"edit of {song_id}")
    if edited.id != song_id:
        raise BadInputError(f"this Song Map is song {song_id!r}'s, not {edited.id!r}'s")
    edited = edited.model_copy(update={"duration": stored.duration})
    src = _vocals(store, stored, cloud=user is not None)

    from performia.media import decode_audio  # PyAV only where a stem is read

    try:
        data = store.get(src)
    except NotFoundError:
        raise BadInputError("this song's vocals stem is gone: analyse it again") from None
    voice = decode_audio(
        data, sr=WHISPER_SR, max_duration_s=stored.duration + DECODE_SLACK_S, name="vocals"
    ).samples
    activity = detect_vocal_activity(y=voice, sr=WHISPER_SR)
    language = stored.language
    loaded: list[Recognizer] = [recognizer] if recognizer is not None else []

    def window(t0: float, t1: float, words: Any) -> list[tuple[float, float, float]]:
        if not loaded:  # the model loads only when there is something to align
            loaded.append(_recognizer(language))
        audio = voice[round(t0 * WHISPER_SR) : round(t1 * WHISPER_SR)]
        return loaded[0].align_words(audio, sr=WHISPER_SR, words=words, language=language)

    timings, windows = realign_after(edited, section, line, activity=activity, align_window=window)
    return {
        "songId": song_id,
        "from": {"section": section, "line": line},
        "lines": [t.to_dict() for t in timings],
        "windows": windows,
        "note": f"{len(timings)} lines re-aligned after the one you fixed",
    }
