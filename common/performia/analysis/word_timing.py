"""From recognised words to the words a chart shows: the user's lyrics aligned, times guarded.

One function shared by the ``transcribe`` stage and the lyrics benchmark, so what is measured is
what runs.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from performia.analysis.alignment import align
from performia.analysis.calibration import word_confidence
from performia.analysis.lyrics import GivenLyrics
from performia.analysis.results import Transcript, Word
from performia.analysis.timing_guards import guard_transcript
from performia.analysis.word_alignment import normalise_word
from performia.analysis.word_onsets import refine_word_starts

__all__ = ["REPEAT_S", "time_words"]

#: A *repeated* line (its words occur as another line of the lyrics too, as a chorus's do) whose
#: heard words lie, in the median, further than this (s) from where forced alignment put them
#: was matched to another repeat of the same words: matching text to text cannot tell the
#: repeats apart. Forced alignment, which walks the song in order, times the whole line instead.
#: Lines sung once are left alone: there, a disagreement means the forced alignment is as likely
#: wrong (the same rule on every line made the development set's real songs worse: mean error
#: 0.59 → 0.80 s, 4.0 → 4.7 % of words more than 2 s off). 1.5 s is a breath and a half, beyond
#: any timing error of a heard word. Numbers: README, "Lyrics on real songs".
REPEAT_S = 1.5
_OFF_REPEAT = "off-repeat"


def _off_repeat(
    timing: Sequence[str],
    words: Sequence[Word],
    forced: Sequence[tuple[float, float, float]],
    line_starts: Sequence[int],
) -> tuple[str, ...]:
    """``timing`` with every line matched to another repeat marked :data:`_OFF_REPEAT`."""
    out = list(timing)
    bounds = [*line_starts, len(words)]
    texts = [
        " ".join(normalise_word(w.text) for w in words[first:stop])
        for first, stop in itertools.pairwise(bounds)
    ]
    repeats = Counter(texts)
    for (first, stop), text in zip(itertools.pairwise(bounds), texts, strict=True):
        if repeats[text] < 2:
            continue
        apart = [
            abs(words[i].start - forced[i][0])
            for i in range(first, stop)
            if timing[i] == "recognised"
        ]
        if apart and float(np.median(apart)) > REPEAT_S:
            out[first:stop] = [_OFF_REPEAT] * (stop - first)
    return tuple(out)


def _forced_confidence(how: str, apart: float, probability: float) -> float:
    if how == _OFF_REPEAT:  # two readings that disagree: as uncertain as the distance says
        return word_confidence(apart)
    return word_confidence(None, reached=not math.isnan(probability))


def time_words(
    recognised: Transcript,
    activity: Sequence[tuple[float, float]],
    duration: float,
    *,
    given: GivenLyrics | None = None,
    activity_from_stem: bool = True,
    onsets: np.ndarray | None = None,
    forced: Sequence[tuple[float, float, float]] | None = None,
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
    forced : sequence of (float, float, float), optional
        With ``given``: every given word's ``(start, end, probability)`` from forced alignment
        (:func:`~performia.analysis.lyric_alignment.align_lines`). A word that recognition
        heard as itself keeps its recognised time (moved onto its onset); every other word,
        which matching could only interpolate, takes the forced one. Each word's confidence
        becomes the calibrated probability that its start is right
        (:func:`~performia.analysis.calibration.word_confidence`: how far the two readings
        disagree for a heard word; a base rate for the others; a floor for words the alignment
        never reached). On the development set's
        real songs interpolation put 19 % of the words more than 2 s off; see
        :mod:`~performia.analysis.lyric_alignment` for the numbers.
    """
    notes = []
    transcript = recognised
    timing: tuple[str, ...] = ()
    if given is not None:
        alignment = align(given, recognised, activity, duration)
        transcript, timing = alignment.transcript, alignment.timing
        notes.append(f"given lyrics: {alignment.note()}")
    if onsets is not None and transcript.words:
        words, moved = refine_word_starts(transcript.words, onsets)
        transcript = replace(transcript, words=words)
        notes.append(f"{moved} word starts moved onto voice onsets")
    if forced is not None and given is not None:
        if len(forced) != len(transcript.words):
            raise ValueError(
                f"forced holds {len(forced)} words, the lyrics {len(transcript.words)}"
            )
        timing = _off_repeat(timing, transcript.words, forced, given.line_starts)
        words = tuple(
            replace(word, confidence=word_confidence(abs(word.start - s)))
            if how == "recognised"
            else Word(word.text, s, max(e, s), _forced_confidence(how, word.start - s, p))
            for word, how, (s, e, p) in zip(transcript.words, timing, forced, strict=True)
        )
        transcript = replace(transcript, words=words)
        heard = sum(how == "recognised" for how in timing)
        moved = sum(how == _OFF_REPEAT for how in timing)
        notes.append(
            f"{len(words) - heard} words timed by forced alignment, {heard} where recognition "
            f"heard them ({moved} heard on another repeat of their line: forced)"
        )
    transcript, guards = guard_transcript(
        transcript, activity, duration, drop_recognised=activity_from_stem
    )
    notes.append(guards.note())
    return transcript, notes
