"""The window walk that forced-aligns given lyrics to a whole song, with a simulated aligner.

The aligner here behaves as Whisper's does where it matters: it places every word it is given
inside its window, in order; words sung in the window land where they are sung, and words that
are not sung there are crammed into the window's last instant. So the tests check what the walk
promises: every word timed in order, no line squeezed, instrumental breaks skipped, and lines
kept for the next window when they may run past this one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from performia.analysis.lyric_alignment import MIN_WORD_S, REST_WORD_S, align_lines


def singer(truth: dict[str, float], word_s: float = 0.3):
    """An aligner over a song where each word (unique text) starts at ``truth[word]``."""
    calls: list[tuple[float, float, int]] = []

    def align(t0: float, t1: float, words: Sequence[str]) -> list[tuple[float, float, float]]:
        calls.append((t0, t1, len(words)))
        out, cursor = [], 0.0
        for word in words:
            at = truth[word]
            if t0 <= at and at + word_s <= t1:
                start = max(at - t0, cursor)
                out.append((start, start + word_s, 0.9))
            else:  # not sung in this window: crammed onto its end
                start = max(t1 - t0 - 0.01, cursor)
                out.append((start, start, 0.01))
            cursor = out[-1][0]
        return out

    return align, calls


def song(lines_at: list[float], words_per_line: int = 6, word_s: float = 0.5):
    lines, truth = [], {}
    for n, start in enumerate(lines_at):
        line = [f"w{n}_{k}" for k in range(words_per_line)]
        lines.append(line)
        truth.update({w: start + k * word_s for k, w in enumerate(line)})
    return lines, truth


def test_every_word_lands_where_it_is_sung_across_many_windows():
    lines, truth = song([5.0 + 4.0 * n for n in range(30)])  # two minutes of verses
    activity = [(4.8, 125.0)]
    align, calls = singer(truth)
    timed, windows = align_lines(lines, activity, 130.0, align)
    starts = np.array([s for s, _, _ in timed])
    expected = np.array([truth[w] for line in lines for w in line])
    assert len(timed) == len(expected) and windows == len(calls) >= 4
    np.testing.assert_allclose(starts, expected, atol=1e-6)
    assert all(t1 - t0 <= 30.0 + 1e-9 for t0, t1, _ in calls)


def test_an_instrumental_break_is_skipped_not_filled():
    lines, truth = song([5.0, 9.0, 13.0, 60.0, 64.0])  # a 40 s break after the third line
    activity = [(4.8, 16.5), (59.8, 67.5)]
    align, calls = singer(truth)
    timed, _ = align_lines(lines, activity, 70.0, align)
    starts = [s for s, _, _ in timed]
    assert not any(17.0 < s < 59.0 for s in starts)
    assert starts[18] == pytest.approx(60.0)
    assert any(abs(t0 - (59.8 - 0.3)) < 1e-6 for t0, _, _ in calls)  # a window at the voice


def test_no_line_is_ever_squeezed():
    """Lines the window cannot hold wait for the next one instead of being crammed in."""
    lines, truth = song([2.0 + 3.5 * n for n in range(20)])
    align, _ = singer(truth)
    timed, _ = align_lines(lines, [(1.8, 73.0)], 75.0, align)
    k = 0
    for line in lines:
        span = timed[k + len(line) - 1][1] - timed[k][0]
        assert span >= MIN_WORD_S * len(line)
        k += len(line)


def test_lyrics_beyond_the_voice_follow_at_a_sung_pace():
    lines, truth = song([5.0, 9.0])
    extra = ["never", "sung", "at", "all"]
    truth.update({w: 500.0 for w in extra})
    align, _ = singer(truth)
    timed, _ = align_lines([*lines, extra], [(4.8, 12.5)], 20.0, align)
    tail = timed[-4:]
    assert all(np.isnan(p) for _, _, p in tail)  # nothing heard them
    assert np.allclose(np.diff([s for s, _, _ in tail]), REST_WORD_S)
    assert all(np.diff([s for s, _, _ in timed]) >= 0)
