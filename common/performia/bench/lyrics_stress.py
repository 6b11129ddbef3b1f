"""``performia bench lyrics --stress``: given lyrics where alignment used to break.

Each case is a sung synthetic song (as :mod:`performia.bench.lyrics` renders them, every word's
start known to the sample) bent the way real recordings bend it:

* ``missed_verse``: recognition hears nothing of the first verse (its words are taken out of
  what recognition returned), as when a verse is mumbled or buried; the product once squeezed
  those 15 s of given words into 0.4 s at the verse's start;
* ``shouted``: the voice driven into hard distortion (a shouted or screamed vocal, 6 dB hotter);
* ``chorus_x4``: the chorus sung four times in a row, so each repeat looks like the others;
* ``long_break``: a 16-bar instrumental break between the verses, that must stay empty;
* ``singer_ahead`` / ``singer_behind``: the voice 0.15 s before / 0.2 s after the beat grid
  it was placed on (the truth moves with it).

Every case runs the transcribe stage's path for given lyrics (separation, prompted recognition,
forced alignment on the stem, :func:`~performia.analysis.word_timing.time_words`) and is scored
on word starts, words inside the instrumental gaps of the truth, and *squeezed lines*: lines
whose words were given less than :data:`~performia.analysis.lyric_alignment.MIN_WORD_S` a word,
which a singer cannot read along to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from performia.analysis.results import Word
from performia.bench.lyrics import LYRIC_SONGS, SR, LyricSong, render_lyric_song

__all__ = [
    "STRESS_CASES",
    "StressCase",
    "evaluate_stress_case",
    "run_lyrics_stress",
    "squeezed_lines",
]

#: The song every case starts from (two verses and a chorus three times, 100 BPM).
_BASE = LYRIC_SONGS[0]
_VERSES = (
    """Morning light is falling softly on the river
    Every voice is singing gently through the valley""",
    """Children running down the hill into the meadow
    Calling out the names of everyone they know""",
)
_CHORUS = """Hold the moment carry it along the water
Sing it louder let the echo bring it home"""


@dataclass(frozen=True)
class StressCase:
    """A song and how its recording (or its recognition) is bent."""

    name: str
    song: LyricSong
    #: Seconds the voice is moved against the band (negative: ahead of the beat).
    voice_shift_s: float = 0.0
    #: Drive of a tanh distortion on the voice (0: clean).
    drive: float = 0.0
    #: Recognition loses every word of the first sung verse.
    miss_first_verse: bool = False


def _lyrics(*parts: str, rest: int = 1) -> str:
    gap = "\n" + "\n" * rest
    return gap.join(part.strip() for part in parts)


STRESS_CASES: tuple[StressCase, ...] = (
    StressCase("missed_verse", _BASE, miss_first_verse=True),
    StressCase("shouted", replace(_BASE, band="loud"), drive=8.0),
    StressCase(
        "chorus_x4",
        replace(_BASE, lyrics=_lyrics(_VERSES[0], _CHORUS, _CHORUS, _CHORUS, _CHORUS), seed=11),
    ),
    StressCase(
        "long_break",
        replace(_BASE, lyrics=_lyrics(_VERSES[0], _VERSES[1], _CHORUS, rest=16), seed=12),
    ),
    StressCase("singer_ahead", _BASE, voice_shift_s=-0.15),
    StressCase("singer_behind", _BASE, voice_shift_s=0.2),
)


def _bend(case: StressCase) -> tuple[np.ndarray, list[Word], float]:
    """The case's mix, its words where they are sung, and its duration."""
    mix, truth, stems = render_lyric_song(case.song)
    voice = stems["vocals"].astype(np.float64)
    words = [Word(w.text, w.start, w.end) for w in truth.words]
    if case.drive:
        peak = float(np.max(np.abs(voice))) or 1.0
        voice = 2.0 * peak * np.tanh(case.drive * voice / peak) / np.tanh(case.drive)
    if case.voice_shift_s:
        shift = round(case.voice_shift_s * SR)
        voice = np.roll(voice, shift)
        if shift > 0:
            voice[:shift] = 0.0
        else:
            voice[shift:] = 0.0
        words = [Word(w.text, w.start + shift / SR, w.end + shift / SR) for w in words]
    band = sum((y for name, y in stems.items() if name != "vocals"), np.zeros_like(voice))
    mix = band + voice
    mix = (0.9 * mix / max(float(np.max(np.abs(mix))), 1e-9)).astype(np.float32)
    return mix, words, len(mix) / SR


def squeezed_lines(lines: Sequence[Sequence[float]], min_word_s: float | None = None) -> int:
    """How many lines (each a list of its words' starts, then the line's end) got less than
    ``min_word_s`` a word."""
    from performia.analysis.lyric_alignment import MIN_WORD_S

    floor = MIN_WORD_S if min_word_s is None else min_word_s
    return sum(
        1 for line in lines if len(line) > 1 and line[-1] - line[0] < floor * (len(line) - 1)
    )


def evaluate_stress_case(
    case: StressCase, *, separator: str = "spleeter", model: str = "tiny.en"
) -> dict[str, Any]:
    """Run one case through the given-lyrics path and score it."""
    from performia.analysis.lyrics import parse_lyrics
    from performia.analysis.results import Transcript
    from performia.analysis.vocal_activity import detect_vocal_activity
    from performia.analysis.word_timing import time_words
    from performia.bench.lyrics import _gaps, _in_gaps
    from performia.bench.lyrics_set import onset_scores
    from performia.separation import get_separator
    from performia.settings import get_settings
    from performia.stages.transcribe import force_align, hear_stem
    from performia.transcription import get_recognizer

    mix, sung, duration = _bend(case)
    starts = [w.start for w in sung]
    sep = get_separator(separator)
    stereo = np.stack([mix, mix]) if sep.channels == 2 else mix[None, :]
    vocals = sep.separate(stereo.astype(np.float32))["vocals"].mean(axis=0)
    recognizer = get_recognizer("faster-whisper", model)
    given = parse_lyrics(case.song.given)
    signal = vocals if hear_stem(get_settings().asr_input, separator) else mix
    heard = recognizer.transcribe(signal, sr=SR, language="en", prompt=given.prompt)
    first_verse = sum(len(line) for line in given.lines[:2])
    if case.miss_first_verse:
        verse_end = starts[first_verse] - 0.5  # up to the chorus's first word
        kept = tuple(w for w in heard.words if w.start >= verse_end)
        heard = Transcript(kept, heard.language)
    activity = detect_vocal_activity(y=vocals, sr=SR)
    forced, _ = force_align(recognizer, given, activity, duration, vocals, SR, "en")
    timed, _ = time_words(heard, activity, duration, given=given, forced=forced)
    estimate = [w.start for w in timed.words]
    scores = onset_scores(starts, estimate)
    lines, k = [], 0
    for line in given.lines:
        words = timed.words[k : k + len(line)]
        lines.append([w.start for w in words] + [words[-1].end])
        k += len(line)

    gaps = _gaps(sung, duration)
    return {
        "case": case.name,
        "words": scores["words"],
        "mean": round(scores["mean"], 3),
        "median": round(scores["median"], 3),
        "within": round(scores["within"], 3),
        "lost": round(scores["lost"], 3),
        "squeezed_lines": squeezed_lines(lines),
        "lines": len(lines),
        "in_gaps": _in_gaps(timed.words, gaps),
        "recognised": len(heard.words),
    }


def run_lyrics_stress(
    *,
    cases: Sequence[str] | None = None,
    separator: str = "spleeter",
    model: str = "tiny.en",
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every stress case (or those named)."""
    known = {c.name: c for c in STRESS_CASES}
    unknown = set(cases or ()) - set(known)
    if unknown:
        raise ValueError(f"unknown stress cases {sorted(unknown)}; known: {', '.join(known)}")
    rows = []
    for case in STRESS_CASES:
        if cases is not None and case.name not in cases:
            continue
        row = evaluate_stress_case(case, separator=separator, model=model)
        rows.append(row)
        if on_case is not None:
            on_case(row)
    return {"separator": separator, "model": model, "cases": rows}
