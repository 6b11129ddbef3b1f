"""Shared fixtures: synthesised recordings with known truth, in every format the product reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from fixture_values import FORMATS, SR, TAGS
from performia.testing import render_song, write_audio


@pytest.fixture(autouse=True)
def fresh_quotas():
    """Every test starts with empty rate-limit counts, in this process's memory (a test that
    wants Firestore's counting sets it up itself)."""
    from performia.cloud.quotas import MemoryQuotaStore, set_quotas

    set_quotas(MemoryQuotaStore())
    yield
    set_quotas(None)


@pytest.fixture(scope="session")
def song_signal():
    """Eight bars at 120 BPM of drums, chords and a melody (no speech: fast to render)."""
    melody = [(60 + (i % 5) * 2, 2) for i in range(16)]
    mix, truth, _stems = render_song(bpm=120.0, bars=8, melody=melody, sr=SR)
    return mix, truth


@pytest.fixture(scope="session")
def audio_files(tmp_path_factory, song_signal) -> dict[str, Path]:
    """The same song written as wav, flac, mp3, ogg, opus and m4a, tagged."""
    mix, _ = song_signal
    folder = tmp_path_factory.mktemp("audio")
    return {fmt: write_audio(folder / f"song.{fmt}", mix, SR, tags=TAGS) for fmt in FORMATS}


@pytest.fixture
def song_file(tmp_path, audio_files) -> Path:
    """A private copy of the mp3 (tests may rename or damage it)."""
    return Path(shutil.copy(audio_files["mp3"], tmp_path / "song.mp3"))


@pytest.fixture
def tone():
    """``tone(seconds, level)`` → a 440 Hz sine at ``SR``."""

    def make(seconds: float, level: float = 0.5) -> np.ndarray:
        t = np.arange(int(seconds * SR)) / SR
        return (level * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

    return make


# ------------------------------------------------------------------------- the emulator stack
# Each emulator test module starts the ``stack`` it needs (a plain DevStack, one delivering every
# message twice, one injecting faults …); the clients on it are the same everywhere.


@pytest.fixture(scope="module")
def jobs(stack):
    """The job store (Firestore emulator) of the requesting module's ``stack``."""
    store = stack.job_store()
    yield store
    store.client.close()


@pytest.fixture(scope="module")
def bucket(stack):
    """The artifact bucket (fake-gcs-server) of the requesting module's ``stack``."""
    return stack.storage_client().bucket(stack.bucket)
