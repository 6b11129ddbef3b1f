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
