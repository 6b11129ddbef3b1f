"""Timing guards: order repair, words in instrumental gaps and drift; exact cases, a sung song."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from performia.analysis.results import Transcript, Word
from performia.analysis.timing_guards import (
    GuardReport,
    enforce_order,
    guard_transcript,
    longest_in_order,
    measure_drift,
    trim_to_activity,
)
from performia.analysis.vocal_activity import detect_vocal_activity
from performia.testing import render_song

SR = 22050


def _times(words) -> list[tuple[float, float]]:
    return [(w.start, w.end) for w in words]


# -------------------------------------------------------------------------------------- order


def test_ordered_words_are_left_alone() -> None:
    words = [Word("a", 0.5, 1.0), Word("b", 1.0, 1.5), Word("c", 2.0, 2.5)]
    fixed, adjusted = enforce_order(words)
    assert list(fixed) == words
    assert adjusted == 0


def test_overlaps_are_clipped_at_the_next_start() -> None:
    words = [Word("a", 1.0, 1.6), Word("b", 1.4, 2.0), Word("c", 2.0, 2.5)]
    fixed, adjusted = enforce_order(words)
    assert _times(fixed) == [(1.0, 1.4), (1.4, 2.0), (2.0, 2.5)]
    assert adjusted == 1


def test_a_stray_word_moves_alone() -> None:
    # the word at 100 s is out of order: it alone goes back between its neighbours
    words = [Word("a", 1.0, 1.4), Word("b", 100.0, 100.4), Word("c", 2.0, 2.4), Word("d", 3.0, 3.4)]
    fixed, adjusted = enforce_order(words)
    assert _times(fixed) == [(1.0, 1.4), (1.4, 1.8), (2.0, 2.4), (3.0, 3.4)]
    assert adjusted == 1
    assert [w.text for w in fixed] == ["a", "b", "c", "d"]


def test_a_squeezed_run_shares_the_room() -> None:
    # two stray words between words 0.5 s apart get a quarter second each
    words = [Word("a", 1.0, 1.2), Word("b", 9.0, 9.4), Word("c", 8.0, 8.4), Word("d", 1.5, 1.9)]
    fixed, _ = enforce_order(words)
    assert _times(fixed) == [(1.0, 1.2), (1.2, 1.35), (1.35, 1.5), (1.5, 1.9)]


def test_words_on_one_start_are_spread() -> None:
    words = [Word("a", 1.0, 1.3), Word("b", 1.0, 1.3), Word("c", 1.0, 1.3), Word("d", 2.0, 2.3)]
    fixed, adjusted = enforce_order(words)
    assert _times(fixed) == [(1.0, 1.3), (1.3, 1.6), (1.6, 1.9), (2.0, 2.3)]
    assert adjusted == 2


def test_times_are_clipped_to_the_song() -> None:
    words = [Word("a", -0.5, 0.2), Word("b", 9.5, 11.0), Word("c", 9.8, 9.7)]
    fixed, _ = enforce_order(words, duration=10.0)
    assert _times(fixed) == [(0.0, 0.2), (9.5, 9.8), (9.8, 9.85)]  # an end before its start


def test_enforce_order_properties_on_random_words() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        starts = np.sort(rng.uniform(0, 30, 40)) + rng.normal(0, 0.5, 40)
        lengths = rng.uniform(0, 1, 40)
        words = [
            Word(str(i), s, s + d) for i, (s, d) in enumerate(zip(starts, lengths, strict=True))
        ]
        fixed, _ = enforce_order(words, duration=31.0)
        for a, b in itertools.pairwise(fixed):
            assert a.start <= b.start
            assert a.start <= a.end <= b.start
        assert all(0.0 <= w.start <= w.end <= 31.0 for w in fixed)


def test_longest_in_order() -> None:
    assert longest_in_order([1, 5, 2, 3, 3, 0, 4]) == {0, 2, 3, 4, 6}
    assert longest_in_order([]) == set()


# --------------------------------------------------------------------------------------- gaps

ACTIVITY = ((2.0, 6.0), (6.8, 10.0), (20.0, 25.0))  # a 10-second instrumental at 10-20 s


def _transcript(source: str) -> Transcript:
    return Transcript(
        (
            Word("we", 2.0, 2.4),
            Word("sing", 2.5, 3.0),
            Word("here", 6.2, 6.6),  # in a 0.8 s breath between phrases: fine
            Word("thanks", 14.0, 14.5),  # in the break
            Word("for", 14.5, 14.8),  # in the break
            Word("again", 20.0, 20.5),
            Word("and", 9.9, 10.4),  # out of order after a move
        ),
        "en",
        source,
        (0, 3, 5),
    )


def test_recognised_words_in_a_break_are_dropped() -> None:
    out, report = guard_transcript(_transcript("recognised"), ACTIVITY, 30.0)
    assert [w.text for w in out.words] == ["we", "sing", "here", "again", "and"]
    assert (report.dropped, report.moved) == (2, 0)
    # the line that began with a dropped word begins at the next word kept
    assert out.line_starts == (0, 3)
    assert out.source == "recognised" and out.language == "en"
    # "and" (9.9 s) came after "again" (20 s): the order fix puts it after "again"
    assert out.words[-1].start >= out.words[-2].start
    assert report.activity_trusted


def test_given_words_in_a_break_move_to_the_nearest_voice() -> None:
    out, report = guard_transcript(_transcript("given"), ACTIVITY, 30.0)
    assert [w.text for w in out.words] == [w.text for w in _transcript("given").words]
    assert (report.dropped, report.moved) == (0, 2)
    assert out.line_starts == (0, 3, 5)
    # 14 s is nearer the end of the phrase at 10 s than the start of the one at 20 s
    moved = out.words[3:5]
    assert all(w.start >= 6.8 and w.end <= 10.0 for w in moved)


def test_dropping_can_be_turned_off_for_mix_activity() -> None:
    out, report = guard_transcript(_transcript("recognised"), ACTIVITY, 30.0, drop_recognised=False)
    assert len(out.words) == 7
    assert report.moved == 2


def test_too_many_words_in_gaps_means_the_activity_is_wrong() -> None:
    words = tuple(Word(f"w{i}", 12.0 + i, 12.5 + i) for i in range(6))
    out, report = guard_transcript(Transcript(words), ACTIVITY, 30.0)
    assert out.words == words
    assert not report.activity_trusted
    assert report.dropped == report.moved == 0


def test_without_activity_only_order_is_fixed() -> None:
    t = Transcript((Word("a", 5.0, 6.0), Word("b", 5.5, 6.5)))
    out, report = guard_transcript(t, (), 10.0)
    assert _times(out.words) == [(5.0, 5.5), (5.5, 6.5)]
    assert report.coverage is None and report.drift_s is None
    assert report.adjusted == 1


def test_coverage_is_the_share_of_voiced_time_with_words() -> None:
    t = Transcript((Word("a", 2.0, 4.0), Word("b", 4.0, 6.0), Word("c", 20.0, 22.5)))
    _, report = guard_transcript(t, ACTIVITY, 30.0)
    assert report.coverage == pytest.approx(6.5 / 12.2, abs=1e-3)


def test_words_are_trimmed_to_the_voice_under_them() -> None:
    words = [
        Word("early", 1.2, 2.5),  # starts in the silence before the phrase at 2 s
        Word("inside", 2.6, 3.0),
        Word("late", 5.5, 6.5),  # runs on past the phrase's end at 6 s
        Word("across", 9.5, 10.5),  # spans a breath: 9.8-10.2
        Word("nowhere", 15.0, 15.5),  # over no activity: left to the gap rule
    ]
    activity = [(2.0, 6.0), (8.0, 9.8), (10.2, 12.0)]
    out, changed = trim_to_activity(words, activity)
    assert _times(out) == [(2.0, 2.5), (2.6, 3.0), (5.5, 6.0), (9.5, 10.5), (15.0, 15.5)]
    assert changed == 2


def test_guard_trims_a_phrase_start_whisper_put_in_the_silence() -> None:
    t = Transcript((Word("the", 1.7, 2.86), Word("night", 2.86, 3.5)))
    out, report = guard_transcript(t, [(2.5, 4.0)], 10.0)
    assert _times(out.words) == [(2.5, 2.86), (2.86, 3.5)]
    assert report.trimmed == 1


# -------------------------------------------------------------------------------------- drift


def _phrases(n: int, shift) -> tuple[list[tuple[float, float]], list[Word]]:
    """``n`` sung phrases of four words every 10 s; word times shifted by ``shift(t)``."""
    activity, words = [], []
    for k in range(n):
        onset = 5.0 + 10.0 * k
        activity.append((onset, onset + 3.0))
        for m in range(4):
            t = onset + 0.7 * m
            words.append(Word("la", t + shift(t), t + shift(t) + 0.5))
    return activity, words


def test_no_drift_when_words_follow_the_voice() -> None:
    activity, words = _phrases(12, lambda t: 0.05)
    drift, quarters = measure_drift(words, activity, 125.0)
    assert drift == 0.0
    assert quarters == (0.05, 0.05, 0.05, 0.05)


def test_drift_is_measured_when_words_slide_late() -> None:
    # the words fall behind the voice by 1 s per minute
    activity, words = _phrases(12, lambda t: t / 60.0)
    drift, quarters = measure_drift(words, activity, 125.0)
    assert all(q is not None for q in quarters)
    assert quarters[0] < 0.3 < 1.5 < quarters[3]
    assert drift == pytest.approx(quarters[3] - quarters[0])
    assert 1.3 <= drift <= 1.7


def test_drift_needs_two_measured_quarters() -> None:
    activity, words = _phrases(2, lambda t: 0.0)
    drift, quarters = measure_drift(words, activity, 100.0)
    assert drift is None
    assert quarters == (0.0, None, None, None)


def test_report_note() -> None:
    report = GuardReport(
        moved=1,
        dropped=2,
        adjusted=3,
        drift_s=0.4,
        quarter_offsets_s=(0.0, None, 0.2, 0.4),
        coverage=0.87,
        trimmed=4,
    )
    assert report.note() == (
        "1 moved and 2 dropped from instrumental gaps; 4 trimmed to the voice; 3 re-ordered; "
        "drift +0.40 s (per quarter +0.00, -, +0.20, +0.40); 87% of sung time has words"
    )
    untrusted = GuardReport(0, 0, 0, None, (None,) * 4, None, activity_trusted=False)
    assert untrusted.note().startswith("vocal activity not trusted")


# --------------------------------------------------------------------------------- sung song


@cache
def _song() -> tuple[np.ndarray, list[Word], tuple[float, float], float]:
    """Two sung verses around an 8-bar instrumental: vocals stem, true words, the break."""
    parts = [
        render_song(lyrics="the night is young and we are singing loud", bars=6, seed=1),
        render_song(bars=8, seed=2),
        render_song(lyrics="hold me closer dancing slowly till the morning", bars=6, seed=3),
    ]
    vocals, words, offset = [], [], 0.0
    for mix, truth, stems in parts:
        vocals.append(stems["vocals"] + 0.05 * (stems["drums"] + stems["chords"]))
        words += [Word(w.text, w.start + offset, w.end + offset) for w in truth.words]
        offset += len(mix) / SR
    n1 = len(parts[0][1].words)
    return np.concatenate(vocals), words, (words[n1 - 1].end, words[n1].start), offset


@pytest.mark.slow
def test_guards_on_a_sung_song() -> None:
    stem, words, (gap_start, gap_end), duration = _song()
    activity = detect_vocal_activity(y=stem, sr=SR)
    mid = (gap_start + gap_end) / 2
    hallucination = [Word("thank", mid, mid + 0.3, 0.2), Word("you", mid + 0.3, mid + 0.6, 0.2)]
    recognised = Transcript(tuple(sorted(words + hallucination, key=lambda w: w.start)))
    out, report = guard_transcript(recognised, activity, duration)
    assert [w.text for w in out.words] == [w.text for w in words]
    assert report.dropped == 2
    # measured: coverage 0.72 (the breaths between words are voiced time too), drift -0.04 s
    assert report.coverage is not None and report.coverage > 0.6
    assert report.drift_s is not None and abs(report.drift_s) < 0.15

    # the same words sliding late by 1.5 s over the song
    slid = [
        Word(w.text, w.start + 1.5 * w.start / duration, w.end + 1.5 * w.start / duration)
        for w in words
    ]
    _, report = guard_transcript(Transcript(tuple(slid)), activity, duration)
    # the slide is 0.09 s at the first verse's onset and 1.13 s at the second's: 1.04 s apart;
    # measured 0.96 s
    assert report.drift_s is not None and 0.8 <= report.drift_s <= 1.3
    # the last two words slid past the end of the voice into the outro and were dropped
    assert report.dropped == 2
