"""Word-timing confidence for given lyrics: agreement of two readings, a base rate, a floor."""

from __future__ import annotations

import math

import pytest

from performia.analysis.calibration import (
    FORCED_WORD_CONFIDENCE,
    UNREACHED_WORD_CONFIDENCE,
    word_confidence,
)
from performia.analysis.lyrics import parse_lyrics
from performia.analysis.results import Transcript, Word
from performia.analysis.word_timing import time_words


def test_agreeing_readings_are_trusted_more_than_disagreeing_ones():
    agree, near, far = word_confidence(0.02), word_confidence(0.5), word_confidence(3.0)
    assert 0.8 < agree <= 0.9  # heard words agreeing within 0.1 s were right 85 % of the time
    assert agree > near > far
    assert far < 0.5
    assert word_confidence(None) == FORCED_WORD_CONFIDENCE
    assert word_confidence(0.0, reached=False) == UNREACHED_WORD_CONFIDENCE


def test_time_words_marks_each_given_word_with_its_confidence():
    given = parse_lyrics("hold on tight\nnever sung")
    # recognition heard "hold" and "on" (not "tight"); the forced alignment agrees on "hold",
    # puts "on" 2 s away, and never reached the last line
    heard = Transcript((Word("hold", 1.0, 1.4, 0.9), Word("on", 1.5, 1.9, 0.9)), "en")
    forced = [(1.02, 1.4, 0.8), (3.5, 3.9, 0.7), (4.0, 4.5, 0.6),
              (6.0, 6.4, math.nan), (6.4, 6.8, math.nan)]  # fmt: skip
    words, _ = time_words(heard, [(0.9, 7.0)], 10.0, given=given, forced=forced)
    confidence = [w.confidence for w in words.words]
    assert confidence[0] == pytest.approx(word_confidence(0.02))
    assert confidence[1] == pytest.approx(word_confidence(2.0))
    assert confidence[2] == FORCED_WORD_CONFIDENCE
    assert confidence[3:] == [UNREACHED_WORD_CONFIDENCE] * 2
    assert confidence[0] > confidence[2] > confidence[1] > confidence[3]


def test_a_line_heard_on_another_repeat_takes_the_forced_times():
    """Matching text to text put the second "hold on" onto the third (10 s instead of 5 s):
    the heard times lie 5 s from where forced alignment, walking in order, put the words."""
    given = parse_lyrics("hold on\nhold on\nhold on")
    heard = Transcript(
        (Word("hold", 1.0, 1.3), Word("on", 1.4, 1.7),
         Word("hold", 10.0, 10.3), Word("on", 10.4, 10.7),
         Word("hold", 10.8, 10.9), Word("on", 10.9, 11.0)),
        "en",
    )  # fmt: skip
    forced = [(1.05, 1.3, 0.9), (1.4, 1.7, 0.9), (5.0, 5.3, 0.9), (5.4, 5.7, 0.9),
              (10.0, 10.3, 0.9), (10.4, 10.7, 0.9)]  # fmt: skip
    activity = [(0.9, 1.8), (4.9, 5.8), (9.9, 11.0)]
    words, notes = time_words(heard, activity, 12.0, given=given, forced=forced)
    starts = [w.start for w in words.words]
    assert starts[:2] == [1.0, 1.4]  # heard where forced alignment agrees: kept
    assert starts[2:4] == [5.0, 5.4]  # heard on the wrong repeat: the forced times
    assert all(w.confidence < 0.5 for w in words.words[2:4])  # and marked for checking
    assert any("on another repeat" in n for n in notes)


def test_a_line_sung_once_keeps_its_heard_times_whatever_forced_alignment_says():
    given = parse_lyrics("hold on\nlet go")
    heard = Transcript(
        (Word("hold", 1.0, 1.3), Word("on", 1.4, 1.7), Word("let", 9.0, 9.3), Word("go", 9.4, 9.7)),
        "en",
    )
    forced = [(1.0, 1.3, 0.9), (1.4, 1.7, 0.9), (4.0, 4.3, 0.9), (4.4, 4.7, 0.9)]
    words, _ = time_words(heard, [(0.9, 10.0)], 12.0, given=given, forced=forced)
    assert [w.start for w in words.words][2:] == [9.0, 9.4]
