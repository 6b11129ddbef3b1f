"""ingest: decode the upload, reject what cannot be analysed, read tags, normalise.

Writes the mono analysis signal (``audio.npy``, float32 at the job's ``analysis_sr``, by default
``Settings.analysis_sr``) and ``metadata.json``
(title, artist, album and where each came from; duration; the source's codec, rate and checksum;
levels and the gain applied).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import av

from performia.analysis.levels import measure_levels, normalise_peak
from performia.errors import BadInputError
from performia.media import decode_audio
from performia.settings import get_settings
from performia.stages.context import StageContext, StageOutcome

__all__ = ["names_from_filename", "run"]


def names_from_filename(filename: str) -> tuple[str | None, str]:
    """``'Artist - Title (live).mp3'`` → ``('Artist', 'Title (live)')``; else ``(None, stem)``."""
    stem = PurePath(filename).stem.replace("_", " ").strip()
    stem = re.sub(r"^\d{1,3}[\s.\-]+(?=\D)", "", stem)  # leading track number
    artist, sep, title = stem.partition(" - ")
    if sep and artist.strip() and title.strip():
        return artist.strip(), title.strip()
    return None, stem or "Untitled"


def _positive(params: Mapping[str, Any], name: str, default: float) -> float:
    """A positive finite number from the job's parameters; a bad one is the job's fault, so a
    :class:`BadInputError` (the job fails at once rather than being retried)."""
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInputError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise BadInputError(f"{name} must be a positive number, not {value!r}")
    return number


def _check_size(actual: int, declared: object, filename: str, max_file_mb: float) -> None:
    """Refuse an upload larger than the limit, or than the size its uploader declared (a signed
    URL's length binding aside, nothing else stops a client uploading more), before reading a
    byte of it."""
    if actual > max_file_mb * 1e6:
        raise BadInputError(
            f"{filename} is {actual / 1e6:.0f} MB; the limit is {max_file_mb:.0f} MB "
            "(nothing was read)"
        )
    if isinstance(declared, int) and not isinstance(declared, bool) and actual > declared:
        raise BadInputError(
            f"{filename} is {actual:,} bytes, more than the {declared:,} declared when it was "
            "uploaded (nothing was read)"
        )


def run(ctx: StageContext) -> StageOutcome:
    settings = get_settings()
    filename = ctx.input["filename"]
    max_duration = _positive(ctx.params, "max_duration_s", settings.max_duration_s)
    sr = int(_positive(ctx.params, "analysis_sr", settings.analysis_sr))
    _check_size(ctx.input_size(), ctx.input.get("sizeBytes"), filename, settings.max_file_mb)
    data = ctx.read_input()
    ctx.report(0.05, "decoding")
    decoded = decode_audio(
        data,
        sr=sr,
        max_duration_s=max_duration,
        name=filename,
    )
    ctx.report(0.6, "checking levels")
    levels = measure_levels(y=decoded.samples, sr=decoded.sr)
    if decoded.duration < settings.min_duration_s:
        raise BadInputError(
            f"{filename} is {decoded.duration:.2f} s long: too short to analyse (at least "
            f"{settings.min_duration_s:g} s)"
        )
    if levels.loudest_second_db < settings.silence_dbfs:
        raise BadInputError(
            f"{filename} is silent: nothing audible (its loudest second is "
            f"{levels.loudest_second_db:.0f} dBFS, below the {settings.silence_dbfs:.0f} dBFS "
            "threshold)"
        )
    y, gain_db = normalise_peak(y=decoded.samples, target_db=settings.normalise_peak_dbfs)

    file_artist, file_title = names_from_filename(filename)

    def pick(field: str, fallback: str | None) -> tuple[str | None, str]:
        if ctx.params.get(field):
            return str(ctx.params[field]), "user"
        if decoded.tags.get(field):
            return decoded.tags[field], "tag"
        return fallback, "filename" if fallback else "none"

    title, title_from = pick("title", file_title)
    artist, artist_from = pick("artist", file_artist or "Unknown artist")
    album, album_from = pick("album", None)
    ctx.write_array("audio.npy", y)
    ctx.write_json(
        "metadata.json",
        {
            "title": title,
            "artist": artist,
            "album": album,
            "nameSources": {"title": title_from, "artist": artist_from, "album": album_from},
            "duration": round(decoded.duration, 3),
            "sampleRate": decoded.sr,
            "source": {
                "filename": filename,
                "key": ctx.input["key"],
                "sha256": hashlib.sha256(data).hexdigest(),
                "sizeBytes": len(data),
                "codec": decoded.codec,
                "container": decoded.container,
                "sampleRate": decoded.source_sample_rate,
                "channels": decoded.source_channels,
                "declaredDuration": decoded.declared_duration,
                "tags": decoded.tags,
            },
            "levels": {
                "peakDb": round(levels.peak_db, 2),
                "rmsDb": round(levels.rms_db, 2),
                "activeShare": round(levels.active_share, 3),
                "gainDb": round(gain_db, 2),
            },
        },
    )
    return StageOutcome(engine="ffmpeg via PyAV", engine_version=av.__version__)
