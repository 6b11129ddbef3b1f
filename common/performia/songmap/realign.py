"""Re-align a Song Map's lyrics after a line the user fixed: "re-align from here".

When the chart's words go wrong from some point on (the aligner slid onto the wrong repeat of a
chorus, or lost a verse), the user fixes one line by hand in the Blueprint View and asks for the
rest to be aligned again. The fixed line becomes an anchor: every later line is forced-aligned
to the vocals again (:func:`~performia.analysis.lyric_alignment.align_lines`, the same walk the
transcribe stage runs), starting where the fixed line ends, so nothing after it can land before
it. The lines before and the fixed line itself are never touched.

The Song Map holds syllables, not words: a word is a run of syllables up to one that ends a word
(``ends_word``). Each re-aligned word's span is shared among its syllables as the package stage
does (:func:`~performia.songmap.syllables.time_syllables`). The result is a list of new line
timings, not a new document: the editor applies it as one step that undo reverts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from performia.analysis.calibration import word_confidence
from performia.analysis.lyric_alignment import AlignWindow, align_lines
from performia.errors import BadInputError
from performia.songmap.model import Line, SongMap
from performia.songmap.syllables import time_syllables

__all__ = ["TAIL_S", "LineTiming", "line_words", "realign_after"]

#: Voice that goes on for at most this long (s) after the fixed line's end is that line's own
#: tail (its last syllable's decay, the activity detector's closing hysteresis), not the next
#: line: the walk starts after it. Longer, the singing runs on and the next line may be in it.
TAIL_S = 0.5


@dataclass(frozen=True)
class LineTiming:
    """New times for one line's syllables: ``(start, duration, confidence)`` each, in order;
    the confidence is the calibrated word-timing one
    (:func:`~performia.analysis.calibration.word_confidence`)."""

    section: int
    line: int
    syllables: tuple[tuple[float, float, float], ...]

    def to_dict(self) -> dict[str, object]:
        """The wire form the editor reads (``{"section", "line", "syllables": [...]}``)."""
        return {
            "section": self.section,
            "line": self.line,
            "syllables": [
                {"startTime": s, "duration": d, "confidence": c} for s, d, c in self.syllables
            ],
        }


def line_words(line: Line) -> list[list[int]]:
    """A line's words as runs of syllable indices (a word ends at ``ends_word``)."""
    words: list[list[int]] = []
    current: list[int] = []
    for i, syllable in enumerate(line.syllables):
        current.append(i)
        if syllable.ends_word or i == len(line.syllables) - 1:
            words.append(current)
            current = []
    return words


def _r(t: float) -> float:
    return round(t, 3)


def realign_after(
    song: SongMap,
    section: int,
    line: int,
    *,
    activity: Sequence[tuple[float, float]],
    align_window: AlignWindow,
) -> tuple[list[LineTiming], int]:
    """New timings for every line after ``song.sections[section].lines[line]``.

    Parameters
    ----------
    song : SongMap
        The Song Map as the user has it (with the fixed line's new times).
    section, line : int
        The line the user fixed: the anchor. Lines after it, in reading order, are re-aligned.
    activity : sequence of (float, float)
        Where the voice sings (s), from the vocals stem.
    align_window : callable
        The forced aligner on one window
        (see :func:`~performia.analysis.lyric_alignment.align_lines`).

    Returns
    -------
    list of LineTiming, int
        One entry per re-aligned line with syllables, and how many windows were aligned.

    Raises
    ------
    BadInputError
        No such line, or it has no syllables to anchor on.
    """
    sections = song.sections
    if not (0 <= section < len(sections) and 0 <= line < len(sections[section].lines)):
        raise BadInputError(f"there is no line {line + 1} in section {section + 1}")
    anchor = sections[section].lines[line]
    if not anchor.syllables:
        raise BadInputError("re-align from a line that has words")
    after = [
        (s, n, candidate)
        for s, sec in enumerate(song.sections)
        for n, candidate in enumerate(sec.lines)
        if (s, n) > (section, line) and candidate.syllables
    ]
    if not after:
        return [], 0
    start = max(sy.start_time + sy.duration for sy in anchor.syllables)
    for voice_start, voice_end in activity:
        if voice_start <= start < voice_end and voice_end - start <= TAIL_S:
            start = voice_end
    words = [line_words(candidate) for _, _, candidate in after]
    texts = [
        ["".join(candidate.syllables[i].text for i in word) for word in line_of]
        for (_, _, candidate), line_of in zip(after, words, strict=True)
    ]
    timed, windows = align_lines(texts, activity, song.duration, align_window, start=start)
    out: list[LineTiming] = []
    k = 0
    for (s, n, candidate), line_of in zip(after, words, strict=True):
        syllables: list[tuple[float, float, float]] = []
        for word in line_of:
            word_start, word_end, probability = timed[k]
            k += 1
            parts = [candidate.syllables[i].text for i in word]
            end = min(max(word_end, word_start), song.duration)
            # only forced alignment placed these words: no recognition to agree with
            confidence = round(word_confidence(None, reached=not math.isnan(probability)), 3)
            syllables += [
                (_r(a), _r(d), confidence)
                for a, d in time_syllables(parts, min(word_start, end), end)
            ]
        out.append(LineTiming(s, n, tuple(syllables)))
    return out, windows
