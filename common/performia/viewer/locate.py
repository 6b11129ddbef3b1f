"""Where the viewer's inputs are: the store root's songs and the built frontend.

Each check fails with a :class:`~performia.errors.BadInputError` that names the command to run,
because every way these go wrong is a step the musician has not taken yet (no analysis in that
folder, no frontend build), not a fault.
"""

from __future__ import annotations

import os
from pathlib import Path

from performia.cloud.library import is_song_id, song_key
from performia.errors import BadInputError

__all__ = [
    "BUILD_FRONTEND",
    "FRONTEND_ENV",
    "check_store_root",
    "choose_song",
    "find_frontend",
    "song_ids",
]

#: Environment variable naming the built frontend folder (overrides the repository's).
FRONTEND_ENV = "PERFORMIA_FRONTEND_DIST"
#: What builds the frontend, as the error messages tell it.
BUILD_FRONTEND = (
    "`make frontend` (or `npm --prefix frontend ci && npm --prefix frontend run build`)"
)


def _repo_frontend_dist() -> Path:
    """``<repo>/frontend/dist`` for a source checkout (``common/performia/viewer/`` is 3 deep)."""
    return Path(__file__).resolve().parents[3] / "frontend" / "dist"


def find_frontend(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The built frontend folder: ``explicit``, else ``$PERFORMIA_FRONTEND_DIST``, else the
    repository's ``frontend/dist``; it must hold ``index.html``.

    Raises
    ------
    BadInputError
        When that folder has no ``index.html`` (not built yet, or a wrong override).
    """
    if explicit is not None:
        dist, source = Path(explicit), "--frontend"
    elif os.environ.get(FRONTEND_ENV):
        dist, source = Path(os.environ[FRONTEND_ENV]), FRONTEND_ENV
    else:
        dist, source = _repo_frontend_dist(), None
    if (dist / "index.html").is_file():
        return dist
    hint = f" (from {source})" if source else ""
    raise BadInputError(
        f"the Living Chart frontend is not built: {dist}{hint} has no index.html; "
        f"build it with {BUILD_FRONTEND}"
    )


def song_ids(root: Path) -> list[str]:
    """The songs published under ``root/songs/``, most recently saved first."""
    songs = root / "songs"
    if not songs.is_dir():
        return []
    found: list[tuple[float, str]] = []
    for folder in songs.iterdir():
        doc = root / song_key(folder.name) if is_song_id(folder.name) else None
        if doc is not None and doc.is_file():
            found.append((doc.stat().st_mtime, folder.name))
    return [song_id for _, song_id in sorted(found, key=lambda t: (-t[0], t[1]))]


def check_store_root(root: str | os.PathLike[str]) -> Path:
    """``root`` as a folder that holds at least one published Song Map.

    Raises
    ------
    BadInputError
        Missing, a file, or no ``songs/*/song_map.json`` (the message says to analyse first).
    """
    path = Path(root)
    analyse = f"run `performia analyze SONG --out {path}` first"
    if not path.exists():
        raise BadInputError(f"{path} does not exist: {analyse}")
    if not path.is_dir():
        raise BadInputError(f"{path} is a file, not a folder: give the folder `--out` wrote")
    if not song_ids(path):
        if (path / "song_map.json").is_file():  # written before analyze published songs/
            raise BadInputError(
                f"{path} has a song_map.json but no songs/ library: run `performia analyze "
                f"SONG --out {path}` again (it reuses every finished stage) to publish it"
            )
        raise BadInputError(f"{path} has no songs (no songs/*/song_map.json): {analyse}")
    return path


def choose_song(root: Path, song: str | None) -> str:
    """The song the Living Chart opens: ``song`` if it is in ``root``, else the newest one."""
    ids = song_ids(root)
    if song is None:
        if not ids:
            raise BadInputError(f"{root} has no songs: run `performia analyze SONG --out {root}`")
        return ids[0]
    if song not in ids:
        listed = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
        raise BadInputError(f"no song {song!r} in {root}; its songs are: {listed}")
    return song
