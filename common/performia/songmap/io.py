"""Reading and writing Song Map documents, with errors that name the field at fault."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from performia.errors import SongMapError
from performia.songmap.model import SongMap

__all__ = ["dump_song_map", "load_song_map", "parse_song_map", "write_song_map"]


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``('sections', 0, 'lines')`` → ``sections[0].lines``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def parse_song_map(data: str | bytes | dict[str, Any], *, source: str = "Song Map") -> SongMap:
    """Validate a Song Map from JSON text or a decoded dict.

    Raises
    ------
    SongMapError
        With the first offending field's path, e.g.
        ``song_map.json: sections[0].lines[1].syllables[2].startTime: Input should be …``.
    """
    try:
        if isinstance(data, dict):
            return SongMap.model_validate(data)
        return SongMap.model_validate_json(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise SongMapError(f"{source}: {_field_path(first['loc'])}: {first['msg']}{more}") from None


def load_song_map(path: str | os.PathLike[str]) -> SongMap:
    """Read and validate a Song Map file."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SongMapError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_song_map(text, source=path.name)


def dump_song_map(song: SongMap) -> str:
    """Serialise as camelCase JSON (stable key order, two-space indent)."""
    return json.dumps(song.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)


def write_song_map(song: SongMap, path: str | os.PathLike[str]) -> Path:
    """Write atomically: readers see the old document or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump_song_map(song) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
