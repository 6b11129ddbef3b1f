"""Parsing the user's lyrics: plain text (stanzas, headers, chords) and LRC (times, tags)."""

from __future__ import annotations

import pytest

from performia.analysis.lyrics import (
    MAX_LYRICS_BYTES,
    MAX_LYRICS_WORDS,
    GivenLyrics,
    decode_lyrics,
    parse_lyrics,
)
from performia.errors import BadInputError

# ---------------------------------------------------------------------------------- plain text


def test_plain_lines_stanzas_and_spelling_kept() -> None:
    text = (
        "Hello, darkness — my old friend\nI've come to talk with you again!\n\n\nBecause a vision"
    )
    lyr = parse_lyrics(text)
    assert lyr.format == "plain"
    assert lyr.lines == (
        ("Hello,", "darkness", "my", "old", "friend"),  # the lone dash is not a word
        ("I've", "come", "to", "talk", "with", "you", "again!"),
        ("Because", "a", "vision"),
    )
    assert lyr.stanza_starts == (0, 2)
    assert lyr.line_times == (None, None, None)
    assert lyr.word_times == ()
    assert lyr.line_starts == (0, 5, 12)
    assert lyr.words[5] == "I've"
    assert not lyr.timed


@pytest.mark.parametrize(
    "header",
    [
        "[Chorus]",
        "[Verse 2: Anna]",
        "(Bridge)",
        "Chorus:",
        "CHORUS x2",
        "Verse 2:",
        "Verse 1 (Anna):",
        "Pre-Chorus",
        "Outro",
        "Chorus - repeat twice:",
        "{start_of_chorus}",
        "{title: Amazing Grace}",
    ],
)
def test_section_headers_are_not_words_and_start_a_stanza(header: str) -> None:
    lyr = parse_lyrics(f"first line here\n{header}\nsecond line here")
    assert lyr.lines == (("first", "line", "here"), ("second", "line", "here"))
    assert lyr.stanza_starts == (0, 1)


@pytest.mark.parametrize(
    "line",
    [
        "Bridge over troubled water",  # starts with a section word but is sung
        "Chorus girls are dancing",
        "(oh yeah) we sing",
        "Am I dreaming",  # "Am" is a chord symbol, "I" is not
        "A",
    ],
)
def test_sung_lines_that_look_like_headers_or_chords_are_kept(line: str) -> None:
    lyr = parse_lyrics(line)
    assert lyr.lines == (tuple(line.split()),)


def test_chords_inline_and_on_their_own_lines_are_removed() -> None:
    text = (
        "[G]Amazing [D/F#]grace, how [Em7]sweet the [C]sound\n"
        "G      D/F#     Em   Cmaj7\n"
        "That [Bb]saved a [N.C.]wretch like me\n"
        "[G] [D]\n"
        "I once was lost"
    )
    lyr = parse_lyrics(text)
    assert lyr.lines == (
        ("Amazing", "grace,", "how", "sweet", "the", "sound"),
        ("That", "saved", "a", "wretch", "like", "me"),
        ("I", "once", "was", "lost"),
    )
    assert lyr.stanza_starts == (0,)  # chord-only lines do not break a stanza


def test_chordpro_comments_and_tab_blocks_are_skipped() -> None:
    text = "{title: Song}\n# a comment\nla la la\n{start_of_tab}\ne|--0--|\n{end_of_tab}\nla di da"
    lyr = parse_lyrics(text)
    assert lyr.lines == (("la", "la", "la"), ("la", "di", "da"))
    assert lyr.stanza_starts == (0, 1)


def test_windows_line_endings_and_invisible_characters() -> None:
    lyr = parse_lyrics("\ufeffone\u00a0two\r\nthree\u200bfour\r\rfive")
    assert lyr.lines == (("one", "two"), ("threefour",), ("five",))
    assert lyr.stanza_starts == (0, 2)


# ---------------------------------------------------------------------------------------- LRC


def test_lrc_lines_and_times() -> None:
    text = "[ar:Someone]\n[ti:A Song]\n[00:12.50]Hello world\n[00:15.3]Second line\n[01:02]Third"
    lyr = parse_lyrics(text)
    assert lyr.format == "lrc"
    assert lyr.lines == (("Hello", "world"), ("Second", "line"), ("Third",))
    assert lyr.line_times == (12.5, 15.3, 62.0)
    assert lyr.timed


def test_lrc_repeated_tags_offset_and_order() -> None:
    text = (
        "[offset:+500]\n"
        "[00:20.00]Verse line\n"
        "[00:10.00][00:30.00]Chorus line\n"  # sung twice
        "[00:40.00]\n"  # an empty timed line: a break
        "[00:45.00]Last line\n"
    )
    lyr = parse_lyrics(text)
    # ordered by time; the positive offset shows lyrics earlier, so times drop by 0.5 s
    assert lyr.lines == (
        ("Chorus", "line"),
        ("Verse", "line"),
        ("Chorus", "line"),
        ("Last", "line"),
    )
    assert lyr.line_times == (9.5, 19.5, 29.5, 44.5)
    assert lyr.stanza_starts[-1] == 3


def test_lrc_negative_offset_and_clamp_at_zero() -> None:
    assert parse_lyrics("[offset:-250]\n[00:01.00]a b").line_times == (1.25,)
    assert parse_lyrics("[offset:2000]\n[00:01.00]a b").line_times == (0.0,)


def test_lrc_enhanced_word_tags() -> None:
    lyr = parse_lyrics("[00:12.00]<00:12.00>Hello <00:12.60>big<00:13.10>world\n[00:15.00]plain")
    assert lyr.lines == (("Hello", "big", "world"), ("plain",))
    assert lyr.word_times == ((12.0, 12.6, 13.1), (None,))
    assert lyr.line_times == (12.0, 15.0)


def test_lrc_untimed_line_follows_its_predecessor() -> None:
    lyr = parse_lyrics("[00:05.00]first\nno time here\n[00:09.00]second")
    assert lyr.lines == (("first",), ("no", "time", "here"), ("second",))
    assert lyr.line_times == (5.0, None, 9.0)


def test_format_can_be_forced() -> None:
    text = "[00:05.00]first"
    assert parse_lyrics(text, format="lrc").line_times == (5.0,)
    # read as plain text, a bracketed time is an annotation like any other
    assert parse_lyrics(text, format="plain").lines == (("first",),)
    with pytest.raises(ValueError, match="format"):
        parse_lyrics(text, format="srt")


def test_bad_lrc_offset_is_a_clear_error() -> None:
    with pytest.raises(BadInputError, match="offset"):
        parse_lyrics("[offset:soon]\n[00:01.00]a")


# ----------------------------------------------------------------------------- bytes and errors


def test_decoding_utf8_utf16_and_windows_1252() -> None:
    assert parse_lyrics("café don’t".encode()).lines == (("café", "don’t"),)
    assert parse_lyrics("\ufeffcafé".encode("utf-8")).lines == (("café",),)
    assert parse_lyrics("café song".encode("utf-16")).lines == (("café", "song"),)
    assert parse_lyrics(b"don\x92t stop").lines == (("don’t", "stop"),)  # cp1252 apostrophe


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "empty"),
        ("   \n\n  ", "empty"),
        ("[Chorus]\n[G] [D]\nVerse 2:", "empty"),
        ("— … ---", "empty"),
        (b"ID3\x03\x00\x00\x00\x00\x0f\x76\xff\xfb\x90\x44", "not readable text|not text"),
        ("one\x00two", "not text"),
        ("la " * (MAX_LYRICS_WORDS + 1), "too long"),
        (b"a" * (MAX_LYRICS_BYTES + 1), "too large"),
        ("a" * (MAX_LYRICS_BYTES + 1), "too large"),
    ],
)
def test_bad_lyrics_raise_bad_input(data: str | bytes, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_lyrics(data)


def test_decode_lyrics_normalises_text() -> None:
    assert decode_lyrics("e\u0301\r\nx") == "é\nx"


def test_given_lyrics_checks_its_shape() -> None:
    with pytest.raises(ValueError, match="line_times"):
        GivenLyrics(lines=(("a",),), line_times=())
    with pytest.raises(ValueError, match="word_times"):
        GivenLyrics(lines=(("a", "b"),), line_times=(None,), word_times=((1.0,),))
    with pytest.raises(ValueError, match="at least one word"):
        GivenLyrics(lines=((),), line_times=(None,))
