"""Guards on lyric timing: words in order, words where a voice sings, and a drift check.

Every transcript, recognised or aligned from the user's lyrics, passes these before it reaches a
singer's screen, because the failures users report about peer tools are exactly these: words
that overlap or run backwards, words shown during an instrumental break, and timing that slides
seconds off by the end of a song.

* **Order** (:func:`enforce_order`): the fewest words are moved. The longest run of words whose
  starts are already in order (a longest non-decreasing subsequence) stays; a stray word is put
  back between its neighbours. Shifting everything by a least-squares or isotonic fit would
  instead drag a run of good words toward one outlier. Words left on one start are spread over
  the room to the next word, and each end is clipped to the next word's start.
* **Gaps** (:func:`guard_transcript`): a word lying wholly inside a stretch without vocal activity
  at least ``max_gap_s`` long (1.5 s: longer than any breath or held consonant) is treated by
  source. A *recognised* word there is dropped: Whisper is known to invent text over music and
  silence ("Thank you for watching", repeated phrases), and a word with no voice under it cannot
  be checked or sung along to. A *given* word is the user's own lyric, so it is kept and moved
  to the nearest edge of the nearest activity (then re-ordered). When more than
  ``max_drop_share`` of the words would be dropped or moved, the activity is more likely wrong
  than the words (a quiet singer, a mix instead of a stem), so nothing is changed and the report
  says the activity was not trusted.
* **Drift** (:func:`measure_drift`): per quarter of the song, the shift of the word timeline
  that best lays the words over the voiced time (word minus voice, within ±3 s) shows whether
  timing slides; ``drift_s`` is the last measured quarter minus the first. Whole timelines are
  compared rather than each word with its nearest voice onset because words are dense: in a busy
  verse any time lies within a quarter second of *some* word start, so nearest-onset pairing
  cannot see a drift of a second. Phrase edges (where the voice starts or stops) are what pin
  the shift. Drift is measured on the words as they came, before any is dropped or moved. On a
  sung synthetic song it read -0.04 s for true word times and 0.96 s for words sliding late by
  1.5 s over the song (1.04 s between its two verses' onsets).

Words that drift far enough land in a gap and a recognised one is then dropped like a
hallucination: the report's ``drift_s`` is what tells the two apart.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from performia.analysis.results import Transcript, Word

__all__ = [
    "MAX_GAP_S",
    "GuardReport",
    "activity_gaps",
    "enforce_order",
    "guard_transcript",
    "longest_in_order",
    "measure_drift",
    "trim_to_activity",
]

#: Activity gaps at least this long (s) cannot hold a sung word.
MAX_GAP_S = 1.5
#: Shortest duration (s) a word is given when order fixes squeeze it.
MIN_WORD_S = 0.05
_EPS = 1e-3
#: Time grid of the drift measure (s).
_GRID_S = 0.01


@dataclass(frozen=True)
class GuardReport:
    """What the guards changed and what they measured; the stage puts :meth:`note` in provenance.

    ``moved``/``dropped`` count words in activity gaps; ``adjusted`` words whose times the order
    fix changed; ``drift_s`` the change of word-minus-voice offset from the first to the last
    measured quarter (``None`` with fewer than two measured quarters); ``quarter_offsets_s`` the
    offset per quarter; ``coverage`` the share of voiced time during which a word sounds
    (``None`` without activity); ``activity_trusted`` false when the gap rule was skipped;
    ``trimmed`` words whose start or end was pulled in to where the voice is.
    """

    moved: int
    dropped: int
    adjusted: int
    drift_s: float | None
    quarter_offsets_s: tuple[float | None, ...]
    coverage: float | None
    activity_trusted: bool = True
    trimmed: int = 0

    def note(self) -> str:
        """One line for the stage's provenance note."""
        parts = []
        if not self.activity_trusted:
            parts.append("vocal activity not trusted (gap rule skipped)")
        parts.append(f"{self.moved} moved and {self.dropped} dropped from instrumental gaps")
        parts.append(f"{self.trimmed} trimmed to the voice")
        parts.append(f"{self.adjusted} re-ordered")
        if self.drift_s is not None:
            quarters = ", ".join("-" if q is None else f"{q:+.2f}" for q in self.quarter_offsets_s)
            parts.append(f"drift {self.drift_s:+.2f} s (per quarter {quarters})")
        if self.coverage is not None:
            parts.append(f"{self.coverage:.0%} of sung time has words")
        return "; ".join(parts)


# ------------------------------------------------------------------------------------- order


def longest_in_order(values: Sequence[float]) -> set[int]:
    """Indices of a longest non-decreasing subsequence (patience sorting, O(n log n))."""
    tails: list[float] = []
    tail_at: list[int] = []
    parent = [-1] * len(values)
    for k, v in enumerate(values):
        p = bisect.bisect_right(tails, v)
        parent[k] = tail_at[p - 1] if p else -1
        if p == len(tails):
            tails.append(v)
            tail_at.append(k)
        else:
            tails[p], tail_at[p] = v, k
    keep: set[int] = set()
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        keep.add(k)
        k = parent[k]
    return keep


def enforce_order(
    words: Sequence[Word], *, duration: float | None = None, min_word_s: float = MIN_WORD_S
) -> tuple[tuple[Word, ...], int]:
    """Make word times monotonic and non-overlapping, moving as few words as possible.

    The longest run of words whose starts are already in order stays where it is; each word
    out of order is put back, with its duration if there is room, evenly between the words
    kept on either side. Words left on one start are spread over the room to the next word,
    and each end is clipped to the next word's start.

    Parameters
    ----------
    words : sequence of Word
        In sung order.
    duration : float, optional
        Song length (s); times are clipped to ``[0, duration]``.
    min_word_s : float
        Duration a squeezed word keeps when there is room for it.

    Returns
    -------
    words : tuple of Word
        Same texts and confidences, with ``start`` non-decreasing, ``end >= start`` and each
        ``end`` at most the next word's ``start``.
    adjusted : int
        How many words had a time changed by more than 1 ms.

    Examples
    --------
    >>> fixed, n = enforce_order([Word("a", 1.0, 1.5), Word("b", 9.0, 9.4), Word("c", 2.0, 2.5)])
    >>> [(w.start, w.end) for w in fixed], n
    ([(1.0, 1.5), (1.5, 1.9), (2.0, 2.5)], 1)
    """
    if not words:
        return (), 0
    n = len(words)
    hi = float("inf") if duration is None else float(duration)
    starts = [min(max(float(w.start), 0.0), hi) for w in words]
    lengths = [max(min(float(w.end), hi) - s, 0.0) for w, s in zip(words, starts, strict=True)]
    keep = longest_in_order(starts)
    new = list(starts)
    i = 0
    while i < n:
        if i in keep:
            i += 1
            continue
        j = i
        while j + 1 < n and j + 1 not in keep:
            j += 1
        k = j - i + 1
        need = sum(lengths[i : j + 1])
        right = new[j + 1] if j + 1 < n else min(hi, (new[i - 1] if i else 0.0) + 2 * need + 1.0)
        left = min(new[i - 1] + lengths[i - 1], right) if i else max(0.0, right - need)
        step = (right - left) / k
        for m in range(k):
            new[i + m] = left + m * step
            lengths[i + m] = min(lengths[i + m], step)
        i = j + 1
    # words sharing one start: spread over the room before the next distinct start
    i = 0
    while i < n:
        j = i
        while j + 1 < n and new[j + 1] == new[i]:
            j += 1
        if j > i:
            k = j - i + 1
            room = (new[j + 1] if j + 1 < n else min(hi, new[i] + k * 0.3)) - new[i]
            step = min(room / k, max(float(np.median(lengths[i : j + 1])), min_word_s))
            for m in range(1, k):
                new[i + m] = new[i] + m * step
        i = j + 1
    out, adjusted = [], 0
    for idx, w in enumerate(words):
        s = new[idx]
        nxt = new[idx + 1] if idx + 1 < n else hi
        e = min(max(s + lengths[idx], min(s + min_word_s, nxt)), nxt, hi)
        s, e = round(s, 3), round(max(e, s), 3)
        if abs(s - w.start) > _EPS or abs(e - w.end) > _EPS:
            adjusted += 1
        out.append(replace(w, start=s, end=e))
    return tuple(out), adjusted


# -------------------------------------------------------------------------------------- gaps


def activity_gaps(
    activity: Sequence[tuple[float, float]], duration: float, min_gap_s: float
) -> list[tuple[float, float]]:
    """Stretches at least ``min_gap_s`` long outside ``activity`` (sorted, disjoint intervals),
    the stretches before the first and after the last included."""
    edges = [0.0]
    for a, b in activity:
        edges.extend((a, b))
    edges.append(max(duration, edges[-1]))
    pairs = zip(edges[0::2], edges[1::2], strict=True)
    return [(a, b) for a, b in pairs if b - a >= min_gap_s]


def _inside(word: Word, gaps: list[tuple[float, float]], starts: list[float]) -> bool:
    i = bisect.bisect_right(starts, word.start + _EPS) - 1
    return i >= 0 and gaps[i][0] - _EPS <= word.start and word.end <= gaps[i][1] + _EPS


def _nearest(word: Word, activity: Sequence[tuple[float, float]]) -> Word:
    """The word moved to the nearest edge of the nearest activity, its duration kept if it fits."""
    length = max(word.end - word.start, MIN_WORD_S)

    def distance(iv: tuple[float, float]) -> float:
        return max(iv[0] - word.end, word.start - iv[1], 0.0)

    a, b = min(activity, key=distance)
    length = min(length, b - a)
    start = a if a >= word.end else b - length
    return replace(word, start=round(start, 3), end=round(start + length, 3))


def _union_overlap(words: Sequence[Word], activity: Sequence[tuple[float, float]]) -> float:
    spans: list[list[float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if spans and w.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], w.end)
        else:
            spans.append([w.start, w.end])
    total, j = 0.0, 0
    for a, b in activity:
        while j < len(spans) and spans[j][1] <= a:
            j += 1
        k = j
        while k < len(spans) and spans[k][0] < b:
            total += max(0.0, min(b, spans[k][1]) - max(a, spans[k][0]))
            k += 1
    return total


def trim_to_activity(
    words: Sequence[Word], activity: Sequence[tuple[float, float]]
) -> tuple[list[Word], int]:
    """Pull each word's start and end in to the voice under it.

    A word that starts before the voice does (or ends after it stops) but overlaps it starts at
    the voice's onset (ends at its offset). Whisper gives each word a start where the word
    before it ended, so the first word after a pause, a phrase's first word above all, is
    timed up to a second early; the activity onset is within a few hundredths of a second.
    Words overlapping no activity are left to the gap rule.

    Returns the words and how many changed.
    """
    ends = [b for _, b in activity]
    out, changed = [], 0
    for w in words:
        first = last = bisect.bisect_right(ends, w.start)  # the first interval ending after it
        while last < len(activity) and activity[last][0] < w.end:
            last += 1
        if last == first:
            out.append(w)
            continue
        start, end = max(w.start, activity[first][0]), min(w.end, activity[last - 1][1])
        if start - w.start > _EPS or w.end - end > _EPS:
            changed += 1
            w = replace(w, start=round(start, 3), end=round(max(end, start), 3))
        out.append(w)
    return out, changed


# ------------------------------------------------------------------------------------- drift


def measure_drift(
    words: Sequence[Word],
    activity: Sequence[tuple[float, float]],
    duration: float,
    *,
    max_offset_s: float = 3.0,
) -> tuple[float | None, tuple[float | None, ...]]:
    """How word timing relates to the voice, early versus late in the song.

    For each quarter of the song, the word timeline is shifted against the activity by up to
    ``max_offset_s`` either way; the shift that lays the most word time on voiced time (word
    time inside activity minus word time outside) is that quarter's offset. Words rarely fill
    a phrase to its very end (the voice's tail outlasts the last word), so several shifts tie;
    the latest of them is taken, the one that puts a phrase's first word on the voice's onset.
    Breaths shorter than ``MAX_GAP_S`` score nothing either way (scoring them would lock the
    words onto the beat, one or two beats off). Only a quarter with a long gap's edge (a phrase
    starting or ending) and some words is measured: inside one long phrase every small shift
    scores alike.

    Returns
    -------
    drift_s : float or None
        The last measured quarter's offset minus the first's (s); positive means the words fall
        further behind the voice as the song goes on. ``None`` with fewer than two measured
        quarters.
    quarter_offsets_s : tuple of 4 (float or None)
        Offset (word minus voice, s) per quarter of ``duration``.
    """
    if not words or not activity or duration <= 0:
        return None, (None,) * 4
    n = int(np.ceil(duration / _GRID_S)) + 1
    # +1 where the voice sings, -1 in a gap long enough to hold no word, 0 in the breaths
    # between words: scoring short gaps would lock onto the beat (words one beat apart fit
    # the breaths as well shifted by a beat or two)
    voiced = np.zeros(n)
    edges = np.zeros(n, dtype=bool)
    for a, b in activity_gaps(activity, duration, MAX_GAP_S):
        i, j = _cell(a, n), _cell(b, n)
        voiced[i:j] = -1.0
        edges[[i, min(j, n - 1)]] = True
    for a, b in activity:
        voiced[_cell(a, n) : _cell(b, n)] = 1.0
    edges[[0, n - 1]] = False  # the song's own ends are no phrase edge
    sung = np.zeros(n)
    for w in words:
        sung[_cell(w.start, n) : _cell(w.end, n)] = 1.0
    lag = round(max_offset_s / _GRID_S)
    # the voice is read a lag beyond each quarter, so a phrase edge near a boundary counts
    voiced = np.pad(voiced, lag, constant_values=-1.0)
    edges = np.pad(edges, lag)
    sung = np.pad(sung, 2 * lag)
    offsets: list[float | None] = []
    for q in range(4):
        q0, q1 = n * q // 4, n * (q + 1) // 4 + 2 * lag
        if not edges[q0:q1].any() or not sung[q0 : q1 + 2 * lag].any():
            offsets.append(None)
            continue
        scores = np.correlate(sung[q0 : q1 + 2 * lag], voiced[q0:q1], mode="valid")
        best = np.flatnonzero(scores >= scores.max() - 1e-9) - lag
        offsets.append(round(float(best.max()) * _GRID_S, 3))
    measured = [m for m in offsets if m is not None]
    drift = round(measured[-1] - measured[0], 3) if len(measured) >= 2 else None
    return drift, tuple(offsets)


def _cell(t: float, n: int) -> int:
    return min(max(round(t / _GRID_S), 0), n)


# -------------------------------------------------------------------------------------- guard


def guard_transcript(
    transcript: Transcript,
    activity: Sequence[tuple[float, float]],
    duration: float,
    *,
    max_gap_s: float = MAX_GAP_S,
    drop_recognised: bool = True,
    max_drop_share: float = 0.3,
) -> tuple[Transcript, GuardReport]:
    """Apply the order and gap guards and measure drift (see the module docstring).

    Parameters
    ----------
    transcript : Transcript
        ``source`` ``"recognised"`` or ``"given"`` decides what happens to a word in a gap.
    activity : sequence of (float, float)
        Vocal activity intervals (s), sorted and disjoint, from
        :func:`performia.analysis.vocal_activity.detect_vocal_activity`. Empty: only the order
        guard runs.
    duration : float
        Song length (s).
    max_gap_s : float
        Only gaps at least this long hold no word.
    drop_recognised : bool
        Drop recognised words in gaps (default); false moves them like given words. Pass false
        when the activity came from a mix rather than a vocals stem.
    max_drop_share : float
        When a larger share of words lies in gaps the activity is not trusted (nothing moved).

    Returns
    -------
    transcript : Transcript
        Same source, language and line breaks (indices updated when words were dropped).
    report : GuardReport
    """
    words = list(transcript.words)
    # drift is a property of the timing as it came: measured before any word is dropped or moved
    drift, quarters = measure_drift(enforce_order(words, duration=duration)[0], activity, duration)
    moved = dropped = 0
    trusted = True
    if activity and words:
        gaps = activity_gaps(activity, duration, max_gap_s)
        gap_starts = [a for a, _ in gaps]
        in_gap = [_inside(w, gaps, gap_starts) for w in words]
        if sum(in_gap) > max_drop_share * len(words):
            trusted = False
        elif any(in_gap):
            drop = drop_recognised and transcript.source == "recognised"
            kept: list[Word] = []
            index_map: dict[int, int] = {}
            for i, (w, bad) in enumerate(zip(words, in_gap, strict=True)):
                if bad and drop:
                    dropped += 1
                    continue
                index_map[i] = len(kept)
                if bad:
                    moved += 1
                    w = _nearest(w, activity)
                kept.append(w)
            words = kept
            transcript = replace(transcript, line_starts=_remap(transcript.line_starts, index_map))
    trimmed = 0
    if activity and trusted:
        words, trimmed = trim_to_activity(words, activity)
    ordered, adjusted = enforce_order(words, duration=duration)
    voiced = sum(b - a for a, b in activity)
    coverage = round(_union_overlap(ordered, activity) / voiced, 3) if voiced > 0 else None
    report = GuardReport(
        moved=moved,
        dropped=dropped,
        adjusted=adjusted,
        drift_s=drift,
        quarter_offsets_s=quarters,
        coverage=coverage,
        activity_trusted=trusted,
        trimmed=trimmed,
    )
    return replace(transcript, words=ordered), report


def _remap(line_starts: Sequence[int], index_map: dict[int, int]) -> tuple[int, ...]:
    """Line starts after dropping words: a line whose first word went starts at its next one."""
    kept = sorted(index_map)
    out: list[int] = []
    for s in line_starts:
        i = bisect.bisect_left(kept, s)
        if i < len(kept):
            new = index_map[kept[i]]
            if not out or new > out[-1]:
                out.append(new)
    return tuple(out)
