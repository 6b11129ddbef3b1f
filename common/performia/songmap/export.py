"""Export a Song Map to the text formats other musicians' tools already read.

A Song Map is Performia's own document; a band member with a ChordPro app or a karaoke player
with an LRC reader should not need Performia to use the analysis. Two formats are written:

* **ChordPro 6** (``.cho``): the lyric chart with inline chords, for songbook and chart apps.
  Chords are placed before the exact syllable where the harmony changes, so a change in the
  middle of a word stays in the middle of the word.
* **Enhanced LRC** (``.lrc``): line- and word-level timestamps, for karaoke-style players.

Both exporters are pure functions of the Song Map (no I/O), so callers decide where the text goes
and the output can be compared byte for byte in tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from performia.errors import BadInputError
from performia.songmap.model import ChordSegment, Line, Section, SongMap, Syllable

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIX",
    "export_song_map",
    "to_chordpro",
    "to_lrc",
]

#: ChordPro environment per section kind; kinds not listed get a ``{comment: Name}`` heading
#: instead, because ChordPro 6 has no standard environment for them (intro, solo, outro …).
_CHORDPRO_ENVIRONMENTS: dict[str, str] = {
    "verse": "verse",
    "chorus": "chorus",
    "bridge": "bridge",
}

#: Symbols the chord engine uses for "no chord" (silence, unpitched passages).
_NO_CHORD = frozenset({"N", "NC", "N.C."})

#: ``"F major"`` / ``"D minor"`` / ``"Bb maj"`` → root and mode; anything else is passed through.
_KEY_RE = re.compile(r"^([A-Ga-g])([#b♯♭]?)\s*(major|maj|minor|min|m)?$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _round_half_up(value: float, places: int = 0) -> int:
    """``value`` in units of ``10**-places``, rounded half up.

    Rounding goes through the float's shortest decimal form so that a time written as 1.005 s
    becomes 1.01 s as a person would expect, rather than 1.00 s from binary floating-point error
    (and a tempo of 120.5 becomes 121, not the 120 of Python's round-half-even).
    """
    scaled = Decimal(repr(float(value))).scaleb(places)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _hundredths(seconds: float) -> int:
    """Whole centiseconds, never negative."""
    return max(0, _round_half_up(seconds, 2))


def _lrc_time(seconds: float) -> str:
    """``mm:ss.xx`` with minutes allowed past 59 (LRC has no hours field): 3725.456 → 62:05.46."""
    cs = _hundredths(seconds)
    minutes, rest = divmod(cs, 6000)
    secs, hundredths = divmod(rest, 100)
    return f"{minutes:02d}:{secs:02d}.{hundredths:02d}"


def _whole_seconds(seconds: float) -> int:
    """Nearest whole second (half up), never negative: durations are shown to the second."""
    return max(0, _round_half_up(seconds))


def _one_line(value: str) -> str:
    """Collapse all whitespace, newlines included: a header value must stay on one line."""
    return " ".join(value.split())


def _strip_brackets(text: str, brackets: str = "[]") -> str:
    """Remove characters that the target format would read as markup rather than lyrics."""
    return text.translate({ord(c): None for c in brackets})


def _words(syllables: Sequence[Syllable]) -> list[list[Syllable]]:
    """Group syllables into words: a syllable with ``ends_word=False`` joins the next one.

    A trailing syllable that claims to continue into a missing next syllable still closes its
    word, so no lyric is ever dropped.
    """
    words: list[list[Syllable]] = []
    current: list[Syllable] = []
    for syl in syllables:
        current.append(syl)
        if syl.ends_word:
            words.append(current)
            current = []
    if current:
        words.append(current)
    return words


# --------------------------------------------------------------------------------------------
# ChordPro
# --------------------------------------------------------------------------------------------


def _chordpro_key(key: str) -> str:
    """``"F major"`` → ``"F"``, ``"D minor"`` → ``"Dm"``; anything unrecognised passes through.

    ChordPro's ``{key}`` directive expects a chord-like name (it is used for transposition), not
    the spelt-out mode the key engine reports.
    """
    text = _one_line(key)
    match = _KEY_RE.match(text)
    if match is None:
        return text
    letter, accidental, mode = match.groups()
    accidental = {"♯": "#", "♭": "b"}.get(accidental, accidental.lower())
    minor = mode is not None and (mode == "m" or mode.lower().startswith("min"))
    return f"{letter.upper()}{accidental}{'m' if minor else ''}"


def _chordpro_chord(symbol: str) -> str:
    """Inline chord markup; the engine's ``N`` is spelt ``N.C.``, ChordPro's name for no chord."""
    name = _strip_brackets(symbol).strip()
    return "[N.C.]" if name in _NO_CHORD else f"[{name}]"


def _chordpro_line(line: Line) -> str:
    """One lyric line with each chord immediately before the syllable it changes on."""
    if not line.syllables:
        return _strip_brackets(line.text).strip()
    parts: list[str] = []
    for syl in line.syllables:
        if syl.chord:
            parts.append(_chordpro_chord(syl.chord))
        parts.append(_strip_brackets(syl.text).strip())
        if syl.ends_word:
            parts.append(" ")
    return "".join(parts).rstrip()


def _section_chords(section: Section, chords: Sequence[ChordSegment]) -> list[str]:
    """Chord symbols sounding during ``section``, in order, without no-chords or repeats.

    A chord counts if it overlaps the section by any positive amount, so a chord that starts
    before the section and rings into it is shown, but one that merely ends at its start is not.
    No-chords are dropped before repeats are collapsed: ``C N C`` reads as one ``C`` on a chart.
    """
    symbols: list[str] = []
    for seg in chords:
        if seg.end_time <= section.start_time or seg.start_time >= section.end_time:
            continue
        symbol = seg.symbol.strip()
        if not symbol or symbol in _NO_CHORD:
            continue
        if not symbols or symbols[-1] != symbol:
            symbols.append(symbol)
    return symbols


def _chordpro_section(section: Section, chords: Sequence[ChordSegment]) -> list[str]:
    """A section as a ChordPro environment (or a comment heading), with its lines or chords."""
    if section.lines:
        body = [_chordpro_line(line) for line in section.lines]
    else:
        # An instrumental passage has no lyrics to hang chords on; show the progression instead.
        symbols = _section_chords(section, chords)
        body = [" ".join(_chordpro_chord(s) for s in symbols)] if symbols else []

    name = _one_line(section.name)
    env = _CHORDPRO_ENVIRONMENTS.get(section.kind)
    if env is None:
        return ([f"{{comment: {name}}}"] if name else []) + body
    start = f"{{start_of_{env}: {name}}}" if name else f"{{start_of_{env}}}"
    return [start, *body, f"{{end_of_{env}}}"]


def to_chordpro(song: SongMap) -> str:
    """Render a Song Map as a ChordPro 6 chart.

    The header carries the metadata a chart app shows or uses (title, artist, album, key for
    transposition, tempo and time signature for its metronome, duration); optional fields are
    omitted rather than written empty. Each verse, chorus and bridge becomes a ChordPro
    environment so apps can style and repeat them; other kinds get a ``{comment}`` heading.

    Parameters
    ----------
    song
        The Song Map to render.

    Returns
    -------
    str
        ChordPro text ending in a newline.
    """
    out = [f"{{title: {_one_line(song.title)}}}", f"{{artist: {_one_line(song.artist)}}}"]
    if song.album:
        out.append(f"{{album: {_one_line(song.album)}}}")
    if song.key:
        out.append(f"{{key: {_chordpro_key(song.key)}}}")
    if song.tempo is not None:
        out.append(f"{{tempo: {_round_half_up(song.tempo)}}}")
    if song.time_signature is not None:
        ts = song.time_signature
        out.append(f"{{time: {ts.numerator}/{ts.denominator}}}")
    minutes, secs = divmod(_whole_seconds(song.duration), 60)
    out.append(f"{{duration: {minutes}:{secs:02d}}}")

    for section in song.sections:
        out.append("")
        out.extend(_chordpro_section(section, song.chords))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Enhanced LRC
# --------------------------------------------------------------------------------------------


def _lrc_text(text: str) -> str:
    """Lyric text with LRC's tag brackets removed, so a word can't be misread as a timestamp."""
    return _strip_brackets(text, "[]<>").strip()


def _lrc_line(line: Line) -> str | None:
    """``[line start]<word start>word <word start>word``; ``None`` when nothing is sung."""
    words: list[str] = []
    for word in _words(line.syllables):
        text = "".join(_lrc_text(syl.text) for syl in word)
        if text:
            words.append(f"<{_lrc_time(word[0].start_time)}>{text}")
    if not words:
        return None
    return f"[{_lrc_time(line.start_time)}]" + " ".join(words)


def to_lrc(song: SongMap) -> str:
    """Render a Song Map as Enhanced LRC with word-level timestamps.

    Each lyric line is stamped with its start time and each word with the start of its first
    syllable, which is what karaoke players highlight by. Lines without syllables carry no
    timing and are skipped.

    Parameters
    ----------
    song
        The Song Map to render.

    Returns
    -------
    str
        LRC text ending in a newline.
    """
    out = [f"[ti:{_lrc_text(_one_line(song.title))}]", f"[ar:{_lrc_text(_one_line(song.artist))}]"]
    if song.album:
        out.append(f"[al:{_lrc_text(_one_line(song.album))}]")
    minutes, secs = divmod(_whole_seconds(song.duration), 60)
    out.append(f"[length: {minutes:02d}:{secs:02d}]")
    for line in song.lines():
        rendered = _lrc_line(line)
        if rendered is not None:
            out.append(rendered)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------

#: Exporters by format name, for the CLI and the API to offer the same choices.
EXPORT_FORMATS: dict[str, Callable[[SongMap], str]] = {
    "chordpro": to_chordpro,
    "lrc": to_lrc,
}

#: Conventional file suffix per format, for naming the exported file.
EXPORT_SUFFIX: dict[str, str] = {"chordpro": ".cho", "lrc": ".lrc"}


def export_song_map(song: SongMap, fmt: str) -> str:
    """Render ``song`` in the named format.

    Parameters
    ----------
    song
        The Song Map to render.
    fmt
        A key of :data:`EXPORT_FORMATS`, case-insensitive (``"chordpro"``, ``"lrc"``).

    Returns
    -------
    str
        The exported text.

    Raises
    ------
    BadInputError
        ``fmt`` is not a known format; the message lists the known ones, so the user can fix it.
    """
    exporter = EXPORT_FORMATS.get(fmt.strip().lower())
    if exporter is None:
        known = ", ".join(sorted(EXPORT_FORMATS))
        raise BadInputError(f"unknown export format {fmt!r}; known formats: {known}")
    return exporter(song)
