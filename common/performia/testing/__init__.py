"""Helpers for tests and the example song: synthesised audio whose truth is known exactly.

:mod:`performia.testing.synth` renders drums, chord pads, a voice-like melody and spoken words on
an exact beat grid and returns a :class:`SongTruth` (:mod:`performia.testing.truth`) saying where
everything was placed, so every analysis stage (beats, chords and key, melody, word timing) can be
checked against it.
"""

from performia.testing.sung import SUNG_LYRICS, SUNG_SR, sung_song
from performia.testing.synth import (
    chord_pitches,
    click_track,
    render_chords,
    render_melody,
    render_song,
    speak,
    write_audio,
    write_truth,
)
from performia.testing.truth import ChordTruth, NoteTruth, SongTruth, WordTruth

__all__ = [
    "SUNG_LYRICS",
    "SUNG_SR",
    "ChordTruth",
    "NoteTruth",
    "SongTruth",
    "WordTruth",
    "chord_pitches",
    "click_track",
    "render_chords",
    "render_melody",
    "render_song",
    "speak",
    "sung_song",
    "write_audio",
    "write_truth",
]
