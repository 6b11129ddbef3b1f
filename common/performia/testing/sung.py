"""The sung test song: espeak-ng words over drums and piano chords, with exact word times.

One declaration shared by the transcribe stage's tests, the lyrics benchmark's set tests and the
"re-align from here" test, so they measure the same singing.
"""

from __future__ import annotations

import numpy as np

from performia.testing.synth import render_song
from performia.testing.truth import SongTruth

__all__ = ["SUNG_LYRICS", "SUNG_SR", "sung_song"]

#: Two verses around an instrumental break (the blank lines), as a user would paste them.
SUNG_LYRICS = """Morning light is falling softly on the river
Every voice is singing gently through the valley


Hold the moment carry it along the water
Sing it louder let the echo bring it home"""
SUNG_SR = 44100


def sung_song(*, lyrics: str = SUNG_LYRICS, sr: int = SUNG_SR) -> tuple[np.ndarray, SongTruth]:
    """The mix (mono float at ``sr``) and its truth: 16 bars at 100 BPM, seed 3."""
    mix, truth, _ = render_song(
        bpm=100,
        bars=16,
        lyrics=lyrics,
        word_gap_s=0.06,
        levels={"drums": 0.6, "chords": 0.5, "melody": 0.0, "vocals": 0.8},
        timbre="piano",
        sr=sr,
        seed=3,
    )
    return mix, truth
