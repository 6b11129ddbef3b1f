"""ChordPro and Enhanced LRC export: exact output text for a small hand-built Song Map."""

from __future__ import annotations

import pytest

from performia.errors import BadInputError
from performia.songmap.export import (
    EXPORT_FORMATS,
    EXPORT_SUFFIX,
    export_song_map,
    to_chordpro,
    to_lrc,
)
from performia.songmap.model import (
    ChordSegment,
    Line,
    Provenance,
    Section,
    SongMap,
    Syllable,
    TimeSignature,
)


def _song(**overrides: object) -> SongMap:
    """A verse with a chord change inside "hel|lo", then an instrumental over C C G N Am."""
    verse = Section(
        name="Verse 1",
        kind="verse",
        start_time=0.0,
        end_time=10.0,
        lines=[
            Line(
                text="hello world",
                start_time=0.98,
                end_time=3.0,
                syllables=[
                    Syllable(
                        text="hel", start_time=1.004, duration=0.5, chord="C", ends_word=False
                    ),
                    Syllable(text="lo", start_time=1.5, duration=0.5, chord="G"),
                    Syllable(text="world", start_time=2.0, duration=1.0),
                ],
            ),
            Line(
                text="[sing] a long",
                start_time=4.0,
                end_time=6.0,
                syllables=[
                    Syllable(text="[sing]", start_time=4.0, duration=0.5, chord="Am"),
                    Syllable(text="a", start_time=4.5, duration=0.5),
                    Syllable(text="long", start_time=5.005, duration=1.0, chord="F"),
                ],
            ),
        ],
    )
    instrumental = Section(name="Instrumental", kind="instrumental", start_time=10.0, end_time=20.0)
    chords = [
        ChordSegment(symbol="C", start_time=0.0, end_time=1.5),
        ChordSegment(symbol="G", start_time=1.5, end_time=4.0),
        ChordSegment(symbol="Am", start_time=4.0, end_time=5.0),
        ChordSegment(symbol="F", start_time=5.0, end_time=10.0),  # ends where the section starts
        ChordSegment(symbol="C", start_time=10.0, end_time=12.0),
        ChordSegment(symbol="C", start_time=12.0, end_time=14.0),
        ChordSegment(symbol="G", start_time=14.0, end_time=16.0),
        ChordSegment(symbol="N", start_time=16.0, end_time=17.0),
        ChordSegment(symbol="Am", start_time=17.0, end_time=20.0),
    ]
    fields: dict[str, object] = {
        "id": "test-song",
        "title": "Test Song",
        "artist": "Tester",
        "album": "Demo",
        "duration": 125.4,
        "key": "F major",
        "tempo": 119.6,
        "time_signature": TimeSignature(numerator=4, denominator=4),
        "chords": chords,
        "sections": [verse, instrumental],
        "provenance": Provenance(created_at="2024-01-01T00:00:00Z", performia_version="0.0.0"),
    }
    fields.update(overrides)
    return SongMap(**fields)


EXPECTED_CHORDPRO = """\
{title: Test Song}
{artist: Tester}
{album: Demo}
{key: F}
{tempo: 120}
{time: 4/4}
{duration: 2:05}

{start_of_verse: Verse 1}
[C]hel[G]lo world
[Am]sing a [F]long
{end_of_verse}

{comment: Instrumental}
[C] [G] [Am]
"""

EXPECTED_LRC = """\
[ti:Test Song]
[ar:Tester]
[al:Demo]
[length: 02:05]
[00:00.98]<00:01.00>hello <00:02.00>world
[00:04.00]<00:04.00>sing <00:04.50>a <00:05.01>long
"""


def test_chordpro_exact_text() -> None:
    assert to_chordpro(_song()) == EXPECTED_CHORDPRO


def test_lrc_exact_text() -> None:
    assert to_lrc(_song()) == EXPECTED_LRC


def test_optional_headers_are_omitted() -> None:
    song = _song(album=None, key=None, tempo=None, time_signature=None, duration=59.5)
    chordpro = to_chordpro(song)
    assert chordpro.startswith(
        "{title: Test Song}\n{artist: Tester}\n{duration: 1:00}\n\n{start_of_verse: Verse 1}\n"
    )
    assert to_lrc(song).startswith("[ti:Test Song]\n[ar:Tester]\n[length: 01:00]\n[00:00.98]")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("F major", "F"),
        ("D minor", "Dm"),
        ("Bb major", "Bb"),
        ("C♯ minor", "C#m"),
        ("f# min", "F#m"),
        ("Dm", "Dm"),
        ("Eb", "Eb"),
        ("modal", "modal"),
    ],
)
def test_chordpro_key_is_chord_style(key: str, expected: str) -> None:
    assert f"\n{{key: {expected}}}\n" in to_chordpro(_song(key=key))


@pytest.mark.parametrize(
    ("kind", "opening", "closing"),
    [
        ("verse", "{start_of_verse: Part}", "{end_of_verse}"),
        ("chorus", "{start_of_chorus: Part}", "{end_of_chorus}"),
        ("bridge", "{start_of_bridge: Part}", "{end_of_bridge}"),
        ("pre-chorus", "{comment: Part}", None),
        ("outro", "{comment: Part}", None),
    ],
)
def test_chordpro_section_kinds(kind: str, opening: str, closing: str | None) -> None:
    line = Line(
        text="la",
        start_time=1.0,
        end_time=2.0,
        syllables=[Syllable(text="la", start_time=1.0, duration=1.0, chord="N")],
    )
    section = Section(name="Part", kind=kind, start_time=0.0, end_time=5.0, lines=[line])
    body = to_chordpro(_song(sections=[section])).split("\n\n", 1)[1]
    # The engine's no-chord "N" is written as ChordPro's "N.C.".
    expected = [opening, "[N.C.]la"] + ([closing] if closing else [])
    assert body == "\n".join(expected) + "\n"


def test_lines_without_syllables() -> None:
    """ChordPro keeps the line's text; LRC has no timing for it and skips it."""
    section = Section(
        name="Verse",
        kind="verse",
        start_time=0.0,
        end_time=5.0,
        lines=[
            Line(text="spoken [aside]", start_time=0.5, end_time=1.0),
            Line(
                text="sung",
                start_time=2.0,
                end_time=3.0,
                # A last syllable that claims to continue a word still closes it.
                syllables=[Syllable(text="sung", start_time=2.0, duration=1.0, ends_word=False)],
            ),
        ],
    )
    song = _song(sections=[section])
    assert to_chordpro(song).endswith(
        "{start_of_verse: Verse}\nspoken aside\nsung\n{end_of_verse}\n"
    )
    assert to_lrc(song).endswith("[length: 02:05]\n[00:02.00]<00:02.00>sung\n")


@pytest.mark.parametrize(
    ("seconds", "stamp"),
    [
        (3725.456, "62:05.46"),
        (3599.995, "60:00.00"),
        (59.994, "00:59.99"),
        (0.0, "00:00.00"),
        (1.005, "00:01.01"),
    ],
)
def test_lrc_timestamps(seconds: float, stamp: str) -> None:
    line = Line(
        text="word",
        start_time=seconds,
        end_time=seconds + 1.0,
        syllables=[Syllable(text="word", start_time=seconds, duration=1.0)],
    )
    section = Section(name="V", kind="verse", start_time=0.0, end_time=4000.0, lines=[line])
    song = _song(sections=[section], duration=3725.456)
    assert to_lrc(song).splitlines()[-2:] == ["[length: 62:05]", f"[{stamp}]<{stamp}>word"]


def test_export_song_map_dispatches() -> None:
    song = _song()
    assert set(EXPORT_FORMATS) == set(EXPORT_SUFFIX) == {"chordpro", "lrc"}
    assert EXPORT_SUFFIX == {"chordpro": ".cho", "lrc": ".lrc"}
    assert export_song_map(song, "chordpro") == EXPECTED_CHORDPRO
    assert export_song_map(song, "LRC") == EXPECTED_LRC


def test_export_song_map_unknown_format() -> None:
    with pytest.raises(BadInputError) as info:
        export_song_map(_song(), "musicxml")
    assert str(info.value) == "unknown export format 'musicxml'; known formats: chordpro, lrc"
    assert info.value.exit_code == 2
