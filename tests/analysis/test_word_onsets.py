"""Word starts moved onto the voice's onsets: only earlier, in order, one onset per word."""

from __future__ import annotations

import numpy as np
import pytest

from performia.analysis.results import Word
from performia.analysis.word_onsets import EARLIER_S, refine_word_starts, voice_onsets
from performia.testing import render_song

SR = 22050


def test_late_starts_move_back_onto_onsets():
    words = [Word("morning", 1.12, 1.6), Word("light", 1.75, 2.1), Word("is", 2.2, 2.4)]
    onsets = np.array([1.0, 1.3, 1.62, 2.15])
    refined, moved = refine_word_starts(words, onsets)
    assert [w.start for w in refined] == [1.0, 1.62, 2.15]
    assert moved == 3
    assert refined[0].end == 1.6 and refined[1].end == 2.1  # ends are kept where they fit


def test_a_start_never_moves_later_or_past_the_previous_word():
    words = [Word("a", 1.0, 1.4), Word("b", 1.1, 1.6)]
    onsets = np.array([0.95, 1.05, 1.2])
    refined, _ = refine_word_starts(words, onsets)
    assert refined[0].start == 0.95
    assert refined[1].start == 1.05  # 1.2 is later than its start, 0.95 is taken
    assert refined[0].end <= refined[1].start


def test_a_word_without_an_onset_nearby_keeps_its_time():
    words = [Word("legato", 3.0, 3.5)]
    refined, moved = refine_word_starts(words, np.array([3.0 - EARLIER_S - 0.05, 3.2]))
    assert refined == tuple(words) and moved == 0


@pytest.mark.slow
def test_voice_onsets_find_every_sung_word_start():
    _, truth, stems = render_song(
        bars=10, lyrics="morning light is falling softly\nevery voice is singing", word_gap_s=0.06
    )
    onsets = voice_onsets(y=stems["vocals"], sr=SR)
    misses = [min(abs(onsets - w.start)) for w in truth.words]
    assert max(misses) < 0.05  # measured: 0.02-0.03 s (the backtracked energy minimum)


def test_voice_onsets_of_silence_are_empty():
    assert voice_onsets(y=np.zeros(SR), sr=SR).size == 0
