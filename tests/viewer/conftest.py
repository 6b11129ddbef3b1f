"""A store root as ``performia analyze --out`` leaves it, and a built frontend, for the viewer.

The store root holds real encoded audio (an mp3 upload and a FLAC stem) and a Song Map published
with :func:`performia.cloud.library.publish_song`, exactly as the embedded mode publishes one.
The frontend is a minimal ``dist/`` (an ``index.html`` and a hashed asset), which is all the
server needs to know about it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from viewer_store import APP_JS, INDEX_HTML, SONG_ID, make_song
from werkzeug.test import Client

from fixture_values import SR
from performia.cloud.library import publish_song
from performia.songmap.model import SongMap
from performia.storage.local import LocalFolderStore
from performia.testing import write_audio
from performia.viewer.app import ViewerApp


@pytest.fixture
def add_song(tmp_path) -> Callable[..., SongMap]:
    """``add_song(root, song_id, title)`` writes the song's audio and publishes its Song Map."""

    def add(root: Path, song_id: str = SONG_ID, title: str = "Morning Light") -> SongMap:
        song = make_song(song_id, title)
        t = np.arange(3 * SR) / SR
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for key in (song.audio.src, song.stems[0].src):
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            write_audio(root / key, tone, SR)
        publish_song(LocalFolderStore(root), song)
        return song

    return add


@pytest.fixture
def store_root(tmp_path, add_song) -> Path:
    """One published song, plus the hidden job database the embedded mode keeps."""
    root = tmp_path / "library"
    add_song(root)
    (root / ".performia").mkdir()
    (root / ".performia" / "jobs.sqlite").write_bytes(b"SQLite format 3\x00 private")
    (tmp_path / "outside.txt").write_text("not for the browser")
    return root


@pytest.fixture
def dist(tmp_path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX_HTML)
    (folder / "assets" / "index-3f2a1b.js").write_text(APP_JS)
    (folder / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return folder


@pytest.fixture
def app(store_root, dist) -> ViewerApp:
    return ViewerApp(store_root, dist=dist)


@pytest.fixture
def client(app) -> Client:
    return Client(app)
