"""From recognised words to the words a chart shows: the user's lyrics aligned, times guarded.

One function shared by the ``transcribe`` stage and the lyrics benchmark, so what is measured is
what runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from performia.analysis.alignment import align
from performia.analysis.lyrics import GivenLyrics
from performia.analysis.results import Transcript
from performia.analysis.timing_guards import guard_transcript
from performia.analysis.word_onsets import refine_word_starts

__all__ = ["time_words"]


def time_words(
    recognised: Transcript,
    activity: Sequence[tuple[float, float]],
    duration: float,
    *,
    given: GivenLyrics | None = None,
    activity_from_stem: bool = True,
    onsets: np.ndarray | None = None,
) -> tuple[Transcript, list[str]]:
    """The chart's timed words, and one note per step for the stage's provenance.

    Parameters
    ----------
    recognised : Transcript
        Words and times from speech recognition (may be empty).
    activity : sequence of (float, float)
        Where a voice sings (s), from
        :func:`~performia.analysis.vocal_activity.detect_vocal_activity`.
    duration : float
        Song length (s).
    given : GivenLyrics, optional
        The user's lyrics: aligned to ``recognised`` so every given word is timed, spelled as
        written, with the given line breaks.
    activity_from_stem : bool
        Whether ``activity`` came from a vocals stem. From a mix the band makes everything look
        sung, so recognised words in gaps are moved rather than dropped as hallucinations.
    onsets : np.ndarray, optional
        Onsets of the vocals stem (:func:`~performia.analysis.word_onsets.voice_onsets`): word
        starts move onto them, since recognised starts lag the sound.
    """
    notes = []
    transcript = recognised
    if given is not None:
        alignment = align(given, recognised, activity, duration)
        transcript = alignment.transcript
        notes.append(f"given lyrics: {alignment.note()}")
    if onsets is not None and transcript.words:
        words, moved = refine_word_starts(transcript.words, onsets)
        transcript = replace(transcript, words=words)
        notes.append(f"{moved} word starts moved onto voice onsets")
    transcript, guards = guard_transcript(
        transcript, activity, duration, drop_recognised=activity_from_stem
    )
    notes.append(guards.note())
    return transcript, notes
