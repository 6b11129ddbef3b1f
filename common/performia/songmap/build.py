"""Assembling the Song Map from stage results: syllables, lines, sections, chord and pitch.

Pure functions: results in, Song Map parts out. Lines come from the user's line breaks when given,
otherwise from pauses and phrase length; sections are a placeholder from long pauses until the
structure analysis exists (they are marked as such in provenance).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from performia.analysis.results import Chord, MelodyNote, SectionSpan, Word
from performia.songmap.model import Line, Section, Syllable, is_section_kind
from performia.songmap.syllables import split_syllables, time_syllables

__all__ = [
    "DEFAULT_RULES",
    "SYLLABLE_EDGE_S",
    "LineRules",
    "assign_chords",
    "group_lines",
    "group_sections",
    "melody_bounds",
    "sections_from_spans",
    "syllable_pitch",
    "word_syllables",
]


@dataclass(frozen=True)
class LineRules:
    """How lyric lines and sections are cut when the user gave no line breaks."""

    #: A silence at least this long (s) between words ends a line.
    line_pause_s: float = 0.9
    #: Longest line (s); longer phrases are cut at their widest internal gap.
    max_line_s: float = 7.0
    #: Most words on one line.
    max_line_words: int = 12
    #: A silence at least this long (s) between lines starts a new section.
    section_pause_s: float = 5.0


DEFAULT_RULES = LineRules()


def _r(t: float) -> float:
    return round(float(t), 3)


def group_lines(
    words: Sequence[Word], *, line_starts: Sequence[int] = (), rules: LineRules = DEFAULT_RULES
) -> list[list[Word]]:
    """Group timed words into lines: the given breaks, else pauses and phrase length."""
    if not words:
        return []
    if line_starts:
        cuts = sorted({i for i in line_starts if 0 < i < len(words)})
        bounds = [0, *cuts, len(words)]
        return [list(words[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
    lines: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if word.start - prev.end >= rules.line_pause_s:
            lines.append([word])
        else:
            lines[-1].append(word)
    out: list[list[Word]] = []
    for line in lines:
        out.extend(_split_long(line, rules))
    return out


def _split_long(line: list[Word], rules: LineRules) -> list[list[Word]]:
    too_long = line[-1].end - line[0].start > rules.max_line_s or len(line) > rules.max_line_words
    if len(line) < 2 or not too_long:
        return [line]
    # cut at the widest gap, preferring gaps near the middle (balanced lines read better)
    mid = (len(line) - 1) / 2
    best = max(
        range(1, len(line)),
        key=lambda i: (line[i].start - line[i - 1].end) - 0.01 * abs(i - 1 - mid),
    )
    return _split_long(line[:best], rules) + _split_long(line[best:], rules)


#: Note onsets this close (s) to a word's start or end are the word's own onset or the next
#: word's, measured a little off, not a boundary between two of its syllables.
SYLLABLE_EDGE_S = 0.05


def word_syllables(
    word: Word, *, language: str, onsets: Sequence[float] = ()
) -> list[tuple[str, float, float, bool]]:
    """``(text, start, duration, ends_word)`` for each syllable of a timed word.

    Syllables follow the melody where it shows them: a sung syllable starts a note, so when
    the word holds at least as many note ``onsets`` as it has syllable boundaries (ignoring
    onsets within :data:`SYLLABLE_EDGE_S` of its ends), each boundary is put on an onset, the
    onsets chosen in order and nearest to the proportional split (:func:`melody_bounds`). With
    fewer onsets the proportional split stands, snapped to the onsets there are
    (:func:`performia.songmap.syllables.time_syllables`).
    """
    parts = split_syllables(word.text, language=language) or [word.text]
    times = time_syllables(parts, word.start, word.end)
    inner = sorted(
        t for t in onsets if word.start + SYLLABLE_EDGE_S < t < word.end - SYLLABLE_EDGE_S
    )
    if 1 < len(parts) <= len(inner) + 1:
        cuts = melody_bounds([start for start, _ in times[1:]], inner)
        bounds = [word.start, *cuts, word.end]
        times = [(a, b - a) for a, b in itertools.pairwise(bounds)]
    elif inner:
        times = time_syllables(parts, word.start, word.end, onsets=inner)
    return [
        (text, _r(start), _r(dur), i == len(parts) - 1)
        for i, (text, (start, dur)) in enumerate(zip(parts, times, strict=True))
    ]


def melody_bounds(targets: Sequence[float], onsets: Sequence[float]) -> list[float]:
    """One onset for each target, in order, minimising the total distance.

    ``onsets`` must be sorted and at least as many as ``targets``. A dynamic programme over
    (target, onset) pairs: nearest-onset snapping one boundary at a time can give two
    boundaries the same onset or cross them; this cannot.

    >>> melody_bounds([1.5, 1.7], [1.2, 1.45, 1.6, 1.9])
    [1.45, 1.6]
    """
    k, m = len(targets), len(onsets)
    if k == 0:
        return []
    if m < k:
        raise ValueError(f"need at least {k} onsets, got {m}")
    cost = np.full((k + 1, m + 1), np.inf)
    cost[0, :] = 0.0
    for i in range(1, k + 1):
        for j in range(i, m + 1):
            cost[i, j] = min(
                cost[i, j - 1], cost[i - 1, j - 1] + abs(targets[i - 1] - onsets[j - 1])
            )
    out: list[float] = []
    i, j = k, m
    while i > 0:
        if j > i and cost[i, j] == cost[i, j - 1]:
            j -= 1
        else:
            out.append(onsets[j - 1])
            i, j = i - 1, j - 1
    return out[::-1]


def assign_chords(starts: Sequence[float], chords: Sequence[Chord]) -> list[str | None]:
    """The chord symbol to print over each syllable: only where the sounding chord changes.

    ``starts`` are syllable start times in reading order; a chord is sounding at ``t`` when
    ``start <= t < end``. No-chord (``N``) is shown as a change too, so a singer sees the band stop.
    """
    chord_starts = [c.start for c in chords]
    out: list[str | None] = []
    previous: str | None = None
    for t in starts:
        i = bisect.bisect_right(chord_starts, t + 1e-6) - 1
        current = chords[i].symbol if i >= 0 and t < chords[i].end else None
        out.append(current if current is not None and current != previous else None)
        if current is not None:
            previous = current
    return out


def syllable_pitch(start: float, duration: float, notes: Sequence[MelodyNote]) -> float | None:
    """The sung pitch of a syllable: the overlap-weighted median of the notes under it (MIDI)."""
    end = start + max(duration, 1e-3)
    pitches, weights = [], []
    for n in notes:
        overlap = min(end, n.end) - max(start, n.start)
        if overlap > 0:
            pitches.append(n.pitch)
            weights.append(overlap)
    if not pitches:
        return None
    order = np.argsort(pitches)
    cum = np.cumsum(np.asarray(weights)[order])
    return round(float(np.asarray(pitches)[order][np.searchsorted(cum, cum[-1] / 2)]), 2)


def build_lines(
    words: Sequence[Word],
    *,
    language: str,
    line_starts: Sequence[int] = (),
    chords: Sequence[Chord] = (),
    notes: Sequence[MelodyNote] = (),
    rules: LineRules = DEFAULT_RULES,
) -> list[Line]:
    """Timed words → chart lines of syllables carrying chord changes and sung pitch."""
    onsets = sorted(n.start for n in notes)
    grouped = group_lines(words, line_starts=line_starts, rules=rules)
    raw: list[list[tuple[str, float, float, bool, float | None]]] = []
    for line in grouped:
        sylls = []
        for w in line:
            inner = [t for t in onsets if w.start < t < w.end]
            for text, start, dur, ends in word_syllables(w, language=language, onsets=inner):
                sylls.append((text, start, dur, ends, w.confidence))
        raw.append(sylls)
    flat_starts = [s[1] for line in raw for s in line]
    chord_marks = iter(assign_chords(flat_starts, chords))
    lines = []
    for line_words, sylls in zip(grouped, raw, strict=True):
        syllables = [
            Syllable(
                text=text,
                start_time=start,
                duration=dur,
                chord=next(chord_marks),
                pitch=syllable_pitch(start, dur, notes),
                ends_word=ends,
                confidence=conf,
            )
            for text, start, dur, ends, conf in sylls
        ]
        lines.append(
            Line(
                start_time=_r(line_words[0].start),
                end_time=_r(max(line_words[-1].end, line_words[0].start)),
                text=" ".join(w.text for w in line_words),
                syllables=syllables,
            )
        )
    return lines


def group_sections(
    lines: Sequence[Line], *, duration: float, rules: LineRules = DEFAULT_RULES
) -> list[Section]:
    """Placeholder sections from long pauses: vocal blocks, with instrumental gaps between.

    Until the structure analysis exists there is no verse/chorus labelling: vocal blocks are
    "Section 1, 2 …", long gaps are "Intro", "Instrumental" and "Outro".
    """
    duration = _r(duration)
    if not lines:
        return [Section(name="Song", kind="section", start_time=0.0, end_time=duration)]
    blocks: list[list[Line]] = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        if line.start_time - prev.end_time >= rules.section_pause_s:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    sections: list[Section] = []
    if blocks[0][0].start_time >= rules.section_pause_s:
        sections.append(
            Section(name="Intro", kind="intro", start_time=0.0, end_time=blocks[0][0].start_time)
        )
    for i, block in enumerate(blocks):
        start = block[0].start_time if sections or i else 0.0
        end = block[-1].end_time
        if i + 1 < len(blocks):
            gap_end = blocks[i + 1][0].start_time
            sections.append(
                Section(name=f"Section {i + 1}", start_time=start, end_time=end, lines=block)
            )
            sections.append(
                Section(name="Instrumental", kind="instrumental", start_time=end, end_time=gap_end)
            )
            continue
        tail = duration - end
        if tail >= rules.section_pause_s:
            sections.append(
                Section(name=f"Section {i + 1}", start_time=start, end_time=end, lines=block)
            )
            sections.append(Section(name="Outro", kind="outro", start_time=end, end_time=duration))
        else:
            sections.append(
                Section(
                    name=f"Section {i + 1}",
                    start_time=start,
                    end_time=max(end, duration),
                    lines=block,
                )
            )
    return sections


def sections_from_spans(
    lines: Sequence[Line],
    spans: Sequence[SectionSpan],
    *,
    duration: float,
    rules: LineRules = DEFAULT_RULES,
) -> list[Section]:
    """Sections from the structure analysis, each holding the lines that start inside it.

    The spans tile the song; the last one is stretched to the Song Map's duration so rounding
    never leaves a sliver uncovered.
    """
    if not spans:
        return group_sections(lines, duration=duration, rules=rules)
    starts = [s.start for s in spans]
    buckets: list[list[Line]] = [[] for _ in spans]
    for line in lines:
        i = max(bisect.bisect_right(starts, line.start_time + 1e-6) - 1, 0)
        buckets[i].append(line)
    out = []
    for i, (span, bucket) in enumerate(zip(spans, buckets, strict=True)):
        end = _r(duration) if i == len(spans) - 1 else _r(span.end)
        out.append(
            Section(
                name=span.name,
                kind=span.kind if is_section_kind(span.kind) else "section",
                start_time=_r(span.start) if i else 0.0,
                end_time=max(end, _r(span.start)),
                confidence=span.confidence,
                lines=bucket,
            )
        )
    return out
