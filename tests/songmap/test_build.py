"""Building chart lines and placeholder sections from timed words, chords and melody notes."""

from __future__ import annotations

import itertools

import pytest

from performia.analysis.results import Chord, MelodyNote, Word
from performia.songmap.build import (
    LineRules,
    assign_chords,
    build_lines,
    group_lines,
    group_sections,
    melody_bounds,
    syllable_pitch,
    word_syllables,
)
from performia.songmap.model import Line


def _texts(lines: list[list[Word]]) -> list[list[str]]:
    return [[w.text for w in line] for line in lines]


# --- group_lines -------------------------------------------------------------------------------


def test_group_lines_splits_at_pauses() -> None:
    words = [
        Word("one", 0.0, 0.5),
        Word("two", 0.75, 1.0),
        Word("three", 2.0, 2.5),  # 1.0 s pause: exactly line_pause_s ends the line
        Word("four", 2.75, 3.0),
        Word("five", 3.99, 4.25),  # 0.99 s: just under, same line
        Word("six", 6.0, 6.5),  # 1.75 s: well over
    ]
    rules = LineRules(line_pause_s=1.0)
    assert _texts(group_lines(words, rules=rules)) == [
        ["one", "two"],
        ["three", "four", "five"],
        ["six"],
    ]
    # the default pause (0.9 s) also cuts before "five"
    assert _texts(group_lines(words)) == [["one", "two"], ["three", "four"], ["five"], ["six"]]


def test_group_lines_pause_threshold_is_a_rule() -> None:
    words = [Word("a", 0.0, 0.25), Word("b", 0.75, 1.0), Word("c", 1.25, 1.5)]
    assert _texts(group_lines(words)) == [["a", "b", "c"]]
    assert _texts(group_lines(words, rules=LineRules(line_pause_s=0.5))) == [["a"], ["b", "c"]]


def test_group_lines_empty() -> None:
    assert group_lines([]) == []


def test_over_long_phrase_is_cut_at_its_widest_gap() -> None:
    words = [
        Word("a", 0.0, 0.4),
        Word("b", 0.5, 0.9),
        Word("c", 1.0, 1.4),
        Word("d", 1.9, 2.3),  # widest gap (0.5 s), not the middle one
        Word("e", 2.4, 2.8),
        Word("f", 2.9, 3.3),
        Word("g", 3.4, 3.8),
    ]
    rules = LineRules(max_line_s=3.0)
    assert _texts(group_lines(words, rules=rules)) == [["a", "b", "c"], ["d", "e", "f", "g"]]
    # short enough: one line
    assert _texts(group_lines(words, rules=LineRules(max_line_s=4.0))) == [list("abcdefg")]


def test_too_many_words_are_cut_in_the_middle_when_gaps_are_equal() -> None:
    words = [Word(str(i), i * 0.3, i * 0.3 + 0.2) for i in range(8)]
    lines = group_lines(words, rules=LineRules(max_line_words=5))
    assert _texts(lines) == [["0", "1", "2", "3"], ["4", "5", "6", "7"]]


def test_given_line_starts_are_honoured_exactly() -> None:
    # pauses and length would cut elsewhere; the user's breaks win
    words = [
        Word("a", 0.0, 0.4),
        Word("b", 5.0, 5.4),
        Word("c", 5.5, 5.9),
        Word("d", 6.0, 6.4),
        Word("e", 20.0, 20.4),
        Word("f", 20.5, 20.9),
    ]
    lines = group_lines(words, line_starts=[0, 2, 5], rules=LineRules(max_line_s=1.0))
    assert _texts(lines) == [["a", "b"], ["c", "d", "e"], ["f"]]
    # out-of-range and duplicate indices are ignored
    lines = group_lines(words, line_starts=[3, 0, 3, 9, -1])
    assert _texts(lines) == [["a", "b", "c"], ["d", "e", "f"]]


# --- word_syllables ----------------------------------------------------------------------------


def test_word_syllables() -> None:
    assert word_syllables(Word("hello", 1.0, 2.0), language="en", onsets=[1.45]) == [
        ("hel", 1.0, 0.45, False),
        ("lo", 1.45, 0.55, True),
    ]
    assert word_syllables(Word("day", 2.0, 2.5), language="en") == [("day", 2.0, 0.5, True)]


def _bounds(word: Word, onsets: list[float]) -> list[tuple[str, float, float]]:
    return [(t, s, d) for t, s, d, _ in word_syllables(word, language="en", onsets=onsets)]


def test_syllables_start_on_the_notes_of_the_melody() -> None:
    # proportional split of "beautiful" over 1-2 s: beau 1.0, ti 1.526, ful 1.737
    word = Word("beautiful", 1.0, 2.0)
    assert _bounds(word, []) == [("beau", 1.0, 0.526), ("ti", 1.526, 0.211), ("ful", 1.737, 0.263)]
    # two notes start inside the word: the boundaries go on them, however far from the split
    assert _bounds(word, [1.3, 1.8]) == [("beau", 1.0, 0.3), ("ti", 1.3, 0.5), ("ful", 1.8, 0.2)]


def test_more_notes_than_boundaries_take_the_nearest_in_order() -> None:
    # a melisma: four note onsets for two boundaries (targets 1.526 and 1.737)
    word = Word("beautiful", 1.0, 2.0)
    assert _bounds(word, [1.2, 1.45, 1.6, 1.9]) == [
        ("beau", 1.0, 0.45),
        ("ti", 1.45, 0.15),
        ("ful", 1.6, 0.4),
    ]


def test_onsets_at_the_word_edges_are_not_syllable_boundaries() -> None:
    # 1.02 is the word's own note measured late, 1.97 the next word's measured early
    assert _bounds(Word("hello", 1.0, 2.0), [1.02, 1.6, 1.97]) == [
        ("hel", 1.0, 0.6),
        ("lo", 1.6, 0.4),
    ]
    # only one usable onset for three syllables: the proportional split, snapped where it can
    assert _bounds(Word("beautiful", 1.0, 2.0), [1.03, 1.5]) == [
        ("beau", 1.0, 0.5),
        ("ti", 1.5, 0.237),
        ("ful", 1.737, 0.263),
    ]


def test_one_syllable_words_ignore_onsets() -> None:
    assert _bounds(Word("day", 2.0, 3.0), [2.3, 2.6]) == [("day", 2.0, 1.0)]


def test_melody_bounds() -> None:
    assert melody_bounds([1.5, 1.7], [1.2, 1.45, 1.6, 1.9]) == [1.45, 1.6]
    # nearest-first would give both targets the onset at 1.6; each onset serves one boundary,
    # in order, at the least total distance (0.58 + 0.02 beats 0.02 + 0.88)
    assert melody_bounds([1.58, 1.62], [1.0, 1.6, 2.5]) == [1.0, 1.6]
    assert melody_bounds([], [1.0]) == []
    with pytest.raises(ValueError, match="onsets"):
        melody_bounds([1.0, 2.0], [1.5])


def test_build_lines_gives_each_syllable_its_own_note() -> None:
    words = [Word("beautiful", 1.0, 2.0), Word("morning", 2.0, 3.0)]
    notes = [
        MelodyNote(1.0, 1.3, 60.0),
        MelodyNote(1.3, 1.8, 62.0),
        MelodyNote(1.8, 2.0, 64.0),
        MelodyNote(2.0, 2.7, 65.0),
        MelodyNote(2.7, 3.0, 67.0),
    ]
    (line,) = build_lines(words, language="en", notes=notes)
    assert [(s.text, s.start_time, s.pitch) for s in line.syllables] == [
        ("beau", 1.0, 60.0),
        ("ti", 1.3, 62.0),
        ("ful", 1.8, 64.0),
        ("morn", 2.0, 65.0),
        ("ing", 2.7, 67.0),
    ]


# --- assign_chords -----------------------------------------------------------------------------


def test_assign_chords_marks_changes_only() -> None:
    chords = [
        Chord(0.0, 1.0, "C"),
        Chord(1.0, 2.0, "C"),  # a repeat of the same chord is no change
        Chord(2.0, 2.4, "N"),  # the band stops: shown
        Chord(2.4, 3.0, "G"),
        Chord(4.0, 5.0, "G"),  # same chord after a stretch with none: no change
    ]
    starts = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.2]
    assert assign_chords(starts, chords) == ["C", None, None, None, "N", "G", None, None]


def test_assign_chords_ignores_chords_that_ended() -> None:
    chords = [Chord(0.0, 1.0, "Am"), Chord(3.0, 4.0, "F")]
    # 1.0 is the end of Am (half-open) and nothing sounds until 3.0
    assert assign_chords([1.0, 2.0, 3.0], chords) == [None, None, "F"]
    assert assign_chords([0.2, 3.0], chords) == ["Am", "F"]
    assert assign_chords([1.0], []) == [None]


def test_assign_chords_change_to_n_and_back() -> None:
    chords = [Chord(0.0, 1.0, "D"), Chord(1.0, 2.0, "N"), Chord(2.0, 3.0, "D")]
    assert assign_chords([0.1, 1.1, 2.1], chords) == ["D", "N", "D"]


# --- syllable_pitch ----------------------------------------------------------------------------


def test_syllable_pitch_is_overlap_weighted_median() -> None:
    notes = [MelodyNote(0.0, 0.3, 60.0), MelodyNote(0.3, 1.0, 62.0)]
    assert syllable_pitch(0.0, 1.0, notes) == 62.0
    notes = [MelodyNote(0.0, 0.7, 60.0), MelodyNote(0.7, 1.0, 62.0)]
    assert syllable_pitch(0.0, 1.0, notes) == 60.0
    # three notes: the long middle one wins though it is neither lowest nor highest
    notes = [MelodyNote(0.0, 0.2, 55.0), MelodyNote(0.2, 0.8, 64.3), MelodyNote(0.8, 1.0, 70.0)]
    assert syllable_pitch(0.0, 1.0, notes) == 64.3
    # only the overlapping part counts: a long note mostly outside the syllable weighs little
    notes = [MelodyNote(-5.0, 0.2, 50.0), MelodyNote(0.2, 1.0, 67.123)]
    assert syllable_pitch(0.0, 1.0, notes) == 67.12


def test_syllable_pitch_none_without_notes() -> None:
    assert syllable_pitch(0.0, 1.0, []) is None
    assert syllable_pitch(0.0, 1.0, [MelodyNote(2.0, 3.0, 60.0)]) is None
    assert syllable_pitch(0.0, 1.0, [MelodyNote(1.0, 2.0, 60.0)]) is None  # touching only


def test_syllable_pitch_zero_duration_still_finds_its_note() -> None:
    assert syllable_pitch(0.5, 0.0, [MelodyNote(0.0, 1.0, 61.0)]) == 61.0


# --- build_lines -------------------------------------------------------------------------------


def test_build_lines_syllables_chords_and_pitch() -> None:
    words = [Word("beautiful", 1.0, 2.0, 0.9), Word("day", 2.0, 2.5, 0.8)]
    chords = [Chord(0.0, 1.6, "C"), Chord(1.6, 3.0, "G")]
    notes = [MelodyNote(1.0, 1.5, 60.0), MelodyNote(1.5, 2.5, 62.0)]
    (line,) = build_lines(words, language="en", chords=chords, notes=notes)
    assert line.text == "beautiful day"
    assert (line.start_time, line.end_time) == (1.0, 2.5)
    got = [
        (s.text, s.start_time, s.duration, s.chord, s.pitch, s.ends_word, s.confidence)
        for s in line.syllables
    ]
    assert got == [
        ("beau", 1.0, 0.5, "C", 60.0, False, 0.9),  # snapped to the note onset at 1.5
        ("ti", 1.5, 0.237, None, 62.0, False, 0.9),
        ("ful", 1.737, 0.263, "G", 62.0, True, 0.9),  # G starts at 1.6, first syllable after
        ("day", 2.0, 0.5, None, 62.0, True, 0.8),
    ]


def test_build_lines_without_chords_or_notes_and_with_given_breaks() -> None:
    words = [
        Word("hello", 0.0, 0.5),
        Word("world", 0.5, 1.0),
        Word("singing", 1.1, 2.0),
        Word("a", 2.0, 2.2),
        Word("song", 2.2, 3.0),
    ]
    lines = build_lines(words, language="en", line_starts=[0, 2])
    assert [line.text for line in lines] == ["hello world", "singing a song"]
    for line, group in zip(lines, [words[:2], words[2:]], strict=True):
        assert line.text == " ".join(w.text for w in group)
        assert "".join(s.text for s in line.syllables) == "".join(w.text for w in group)
    assert [(s.text, s.ends_word) for s in lines[1].syllables] == [
        ("sing", False),
        ("ing", True),
        ("a", True),
        ("song", True),
    ]
    assert [(s.text, s.ends_word) for s in lines[0].syllables] == [
        ("hel", False),
        ("lo", True),
        ("world", True),
    ]
    assert all(s.chord is None and s.pitch is None for line in lines for s in line.syllables)
    assert [(line.start_time, line.end_time) for line in lines] == [(0.0, 1.0), (1.1, 3.0)]


def test_build_lines_chord_marks_run_across_lines() -> None:
    words = [Word("la", 0.0, 0.5), Word("la", 2.0, 2.5), Word("la", 4.0, 4.5)]
    chords = [Chord(0.0, 3.0, "Em"), Chord(3.0, 5.0, "Em7")]
    lines = build_lines(words, language="en", chords=chords)
    assert len(lines) == 3
    assert [line.syllables[0].chord for line in lines] == ["Em", None, "Em7"]


def test_build_lines_empty() -> None:
    assert build_lines([], language="en") == []


# --- group_sections ----------------------------------------------------------------------------


def _line(start: float, end: float) -> Line:
    return Line(text="la", start_time=start, end_time=end)


def _assert_tiled(sections: list, duration: float) -> None:
    assert sections[0].start_time == 0.0
    for a, b in itertools.pairwise(sections):
        assert a.end_time == b.start_time
        assert a.start_time < a.end_time
    assert sections[-1].end_time == duration


def test_group_sections_layout_with_long_gaps() -> None:
    lines = [_line(10.0, 14.0), _line(15.0, 20.0), _line(30.0, 35.0), _line(35.5, 40.0)]
    sections = group_sections(lines, duration=60.0)
    assert [(s.name, s.kind, s.start_time, s.end_time) for s in sections] == [
        ("Intro", "intro", 0.0, 10.0),
        ("Section 1", "section", 10.0, 20.0),
        ("Instrumental", "instrumental", 20.0, 30.0),
        ("Section 2", "section", 30.0, 40.0),
        ("Outro", "outro", 40.0, 60.0),
    ]
    assert [len(s.lines) for s in sections] == [0, 2, 0, 2, 0]
    assert sections[1].lines == lines[:2]
    assert sections[3].lines == lines[2:]
    _assert_tiled(sections, 60.0)


def test_group_sections_short_gaps_make_one_section() -> None:
    lines = [_line(2.0, 14.0), _line(15.0, 57.0)]
    sections = group_sections(lines, duration=60.0)
    assert [(s.name, s.start_time, s.end_time, len(s.lines)) for s in sections] == [
        ("Section 1", 0.0, 60.0, 2)
    ]


def test_group_sections_no_lines_is_one_song_section() -> None:
    sections = group_sections([], duration=183.2504)
    assert [(s.name, s.kind, s.start_time, s.end_time, s.lines) for s in sections] == [
        ("Song", "section", 0.0, 183.25, [])
    ]


@pytest.mark.parametrize(
    "spans",
    [
        [(6.0, 9.0)],
        [(0.5, 3.0), (12.0, 15.0), (25.0, 28.0)],
        [(8.0, 10.0), (10.5, 12.0), (40.0, 44.0), (44.1, 50.0), (80.0, 85.0)],
        [(1.0, 2.0), (7.0, 8.0), (13.0, 88.0)],
    ],
)
def test_group_sections_tile_the_song(spans: list[tuple[float, float]]) -> None:
    lines = [_line(a, b) for a, b in spans]
    sections = group_sections(lines, duration=90.0)
    _assert_tiled(sections, 90.0)
    assert [line for s in sections for line in s.lines] == lines
    for s in sections:
        assert all(s.start_time <= ln.start_time and ln.end_time <= s.end_time for ln in s.lines)
