"""Reading ChordPro charts: directives, sections, chords on the syllables they precede, and the
placeholder timing said to be one."""

from __future__ import annotations

import pytest

from performia.errors import BadInputError
from performia.songmap.chordpro import IMPORT_TEMPO, MAX_CHORDPRO_BYTES, parse_chordpro
from performia.songmap.export import to_chordpro
from performia.songmap.io import dump_song_map, parse_song_map

CHART = """\
# a comment line
{title: River Song}
{subtitle: The Band}
{key: G}
{tempo: 120}
{time: 3/4}

{comment: Intro}
[G] [D] [Em]

{start_of_verse: Verse 1}
Down by the [G]river, [D]sil[C]ver moon
[Am7] Hold on, to[Em]night
{end_of_verse}

{start_of_tab}
e|---0---|
{end_of_tab}

{soc}
[C]Hold on to [G]me
{eoc}

Last words without a heading
"""


def chord_marks(song):
    return [(s.text, s.chord) for s in song.syllables() if s.chord]


def test_reads_meta_sections_and_chords_on_their_syllables():
    song = parse_chordpro(CHART, song_id="chart-1")
    assert (song.title, song.artist, song.key, song.tempo) == ("River Song", "The Band", "G", 120.0)
    assert (song.time_signature.numerator, song.time_signature.denominator) == (3, 4)
    assert [(s.name, s.kind) for s in song.sections] == [
        ("Intro", "intro"),
        ("Verse 1", "verse"),
        ("Chorus", "chorus"),
        ("Verse 1", "verse"),  # the paragraph after the chorus: a new, numbered verse
    ]
    verse = song.sections[1].lines
    assert verse[0].text == "Down by the river, silver moon"
    # words split into syllables (pyphen), and a chord inside a word splits it there
    assert [(s.text, s.chord, s.ends_word) for s in verse[0].syllables] == [
        ("Down", None, True),
        ("by", None, True),
        ("the", None, True),
        ("riv", "G", False),
        ("er,", None, True),
        ("sil", "D", False),
        ("ver", "C", True),
        ("moon", None, True),
    ]
    assert verse[1].syllables[0].chord == "Am7"  # "[Am7] Hold": a chord before a space
    assert chord_marks(song)[-2:] == [("Hold", "C"), ("me", "G")]
    assert "e|---0---|" not in " ".join(line.text for line in song.lines())  # tabs are skipped


def test_times_are_a_layout_and_the_song_says_so():
    song = parse_chordpro(CHART, song_id="chart-1")
    beat = 60 / 120
    starts = [s.start_time for s in song.syllables()]
    assert starts == sorted(starts)
    assert song.sections[1].lines[0].syllables[1].start_time - song.sections[1].lines[0].syllables[
        0
    ].start_time == pytest.approx(beat)
    # the chords-only intro takes a bar (3 beats) per chord; Em sounds on until the next chord
    assert [(c.symbol, c.start_time, c.end_time) for c in song.chords[:3]] == [
        ("G", 0.0, 1.5),
        ("D", 1.5, 3.0),
        ("Em", 3.0, 6.0),
    ]
    assert song.beats == [] and song.audio is None
    assert song.provenance.stages["import"].engine == "chordpro"
    assert song.lyrics_source == "given"
    assert parse_chordpro("Just words", song_id="x").tempo == IMPORT_TEMPO
    parse_song_map(dump_song_map(song))  # a valid Song Map


def test_a_chart_exported_then_imported_keeps_its_words_sections_and_chords():
    first = parse_chordpro(CHART, song_id="chart-1")
    again = parse_chordpro(to_chordpro(first), song_id="chart-1")
    assert [line.text for line in again.lines()] == [line.text for line in first.lines()]
    assert [(s.name, s.kind) for s in again.sections if s.lines] == [
        (s.name, s.kind) for s in first.sections if s.lines
    ]
    assert chord_marks(again) == chord_marks(first)


def test_refuses_what_is_not_a_chart():
    with pytest.raises(BadInputError, match="no lyrics or chords"):
        parse_chordpro("{title: Empty}\n\n# nothing\n", song_id="x")
    with pytest.raises(BadInputError, match="kB"):
        parse_chordpro("la " * MAX_CHORDPRO_BYTES, song_id="x")
