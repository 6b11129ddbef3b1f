"""Reading a ChordPro chart (the format every chord-sheet app exports) into a Song Map.

The reverse of :func:`performia.songmap.export.to_chordpro`: directives give the title, artist,
key, tempo, time signature and sections (``{start_of_chorus}`` … or a ``{comment: Bridge}``
heading), ``[chords]`` inside a lyric line go on the syllable they precede, and the words are
split into syllables as the analysis splits them
(:func:`~performia.songmap.syllables.split_syllables`).

Written here, not taken from a library: the maintained ChordPro parsers are GPL (chordsheetjs)
or Perl (the reference implementation), and the subset a chart needs is small.

A chart has no recording, so it has no timing. The Song Map still needs times: each syllable
is laid out one beat apart at the chart's tempo (90 BPM when it names none), a chords-only line
takes a bar per chord, and ``provenance.stages["import"]`` says the times are that layout, not
a performance. No beats are written (the chart counts bars from the tempo and marks them
approximate).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from performia import __version__
from performia.errors import BadInputError
from performia.settings import Settings
from performia.songmap.model import (
    MAX_LINE_CHARS,
    MAX_NAME_CHARS,
    MAX_SYLLABLE_CHARS,
    ChordSegment,
    Line,
    Provenance,
    Section,
    SectionKind,
    SongMap,
    StageProvenance,
    Syllable,
    TimeSignature,
)
from performia.songmap.syllables import split_syllables, word_core

__all__ = ["IMPORT_TEMPO", "MAX_CHORDPRO_BYTES", "parse_chordpro"]

#: The largest chart accepted (a long song is 5-10 kB).
MAX_CHORDPRO_BYTES = 256 * 1024
#: Beats per minute of the placeholder layout when the chart names no tempo.
IMPORT_TEMPO = 90.0
#: Version of the importer (provenance).
IMPORT_VERSION = 1

_DIRECTIVE = re.compile(r"^\{\s*([A-Za-z_-]+)\s*(?::\s*(.*?))?\s*\}\s*$")
_CHORD = re.compile(r"\[([^\]]*)\]")
_ENVIRONMENTS: dict[str, SectionKind] = {
    "start_of_verse": "verse",
    "sov": "verse",
    "start_of_chorus": "chorus",
    "soc": "chorus",
    "start_of_bridge": "bridge",
    "sob": "bridge",
    "start_of_part": "section",
}
_ENDS = {"end_of_verse", "eov", "end_of_chorus", "eoc", "end_of_bridge", "eob", "end_of_part"}
_SKIP_START = {"start_of_tab", "sot", "start_of_grid", "sog", "start_of_abc", "start_of_ly"}
_SKIP_END = {"end_of_tab", "eot", "end_of_grid", "eog", "end_of_abc", "end_of_ly"}
_COMMENTS = {"comment", "c", "comment_italic", "ci", "comment_box", "cb"}
_KIND_WORDS: dict[str, SectionKind] = {
    "intro": "intro",
    "verse": "verse",
    "pre-chorus": "pre-chorus",
    "prechorus": "pre-chorus",
    "chorus": "chorus",
    "refrain": "chorus",
    "bridge": "bridge",
    "solo": "solo",
    "instrumental": "instrumental",
    "interlude": "instrumental",
    "outro": "outro",
    "ending": "outro",
}
_DEFAULT_NAMES = {"verse": "Verse", "chorus": "Chorus", "bridge": "Bridge"}


@dataclass
class _Block:
    """A section being read: its name, kind and lines (each a list of (chord, text) pieces)."""

    name: str
    kind: SectionKind
    lines: list[list[tuple[str | None, str]]] = field(default_factory=list)


def _kind_of(name: str) -> SectionKind:
    word = name.strip().lower().split(" ")[0] if name.strip() else ""
    return _KIND_WORDS.get(word.rstrip(":0123456789"), "section")


def _pieces(line: str) -> list[tuple[str | None, str]]:
    """``"Down [G]by the [D]river"`` → ``[(None, "Down "), ("G", "by the "), ("D", "river")]``."""
    pieces: list[tuple[str | None, str]] = []
    at = 0
    chord: str | None = None
    for m in _CHORD.finditer(line):
        if m.start() > at or chord is not None:
            pieces.append((chord, line[at : m.start()]))
        chord = m.group(1).strip() or None
        at = m.end()
    pieces.append((chord, line[at:]))
    return [(c, t) for c, t in pieces if c is not None or t]


def _read(text: str) -> tuple[dict[str, str], list[_Block]]:
    meta: dict[str, str] = {}
    blocks: list[_Block] = []
    current: _Block | None = None
    in_environment = False
    skipping = False
    counts: dict[str, int] = {}

    def open_block(name: str, kind: SectionKind) -> _Block:
        nonlocal current
        if not name:
            counts[kind] = counts.get(kind, 0) + 1
            base = _DEFAULT_NAMES.get(kind, "Section")
            name = base if kind == "chorus" else f"{base} {counts[kind]}"
        current = _Block(name[:MAX_NAME_CHARS], kind)
        blocks.append(current)
        return current

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if skipping:
            m = _DIRECTIVE.match(stripped)
            skipping = not (m and m.group(1).lower() in _SKIP_END)
            continue
        if stripped.startswith("#"):
            continue
        m = _DIRECTIVE.match(stripped)
        if m:
            name, value = m.group(1).lower(), (m.group(2) or "").strip()
            if name in _SKIP_START:
                skipping = True
            elif name in _ENVIRONMENTS:
                kind = _ENVIRONMENTS[name]
                open_block(value, kind if kind != "section" else _kind_of(value))
                in_environment = True
            elif name in _ENDS:
                in_environment = False
                current = None
            elif name in _COMMENTS and not in_environment and value:
                open_block(value, _kind_of(value))  # "{c: Bridge}": a heading in most charts
            else:
                meta.setdefault(
                    {"t": "title", "st": "subtitle", "a": "artist"}.get(name, name), value
                )
            continue
        if not stripped:
            if not in_environment:
                current = None  # a blank line ends a paragraph: the next is a new section
            continue
        if current is None:
            open_block("", "verse")
        assert current is not None
        current.lines.append(_pieces(stripped))
    return meta, [b for b in blocks if b.lines]


def _syllables_of(
    pieces: list[tuple[str | None, str]], language: str
) -> list[tuple[str, str | None, bool]]:
    """(text, chord, ends word) for a line: words split into syllables, with a boundary wherever
    a chord falls inside a word ("sil[C]ver" → sil · [C]ver)."""
    text = "".join(t for _, t in pieces)
    chord_at: dict[int, str] = {}
    offset = 0
    for chord, piece in pieces:
        if chord is not None:
            # a chord written before a space belongs to the word after it
            at = offset
            while at < len(text) and text[at].isspace():
                at += 1
            chord_at.setdefault(at, chord)
        offset += len(piece)
    out: list[tuple[str, str | None, bool]] = []
    for m in re.finditer(r"\S+", text):
        word, start = m.group(), m.start()
        cuts = {0, len(word)}
        core = word_core(word)  # "river," is split as "river"
        lead = word.find(core) if core else 0
        at = lead
        for part in split_syllables(core, language=language)[:-1] if core else []:
            at += len(part)
            cuts.add(at)
        cuts |= {o - start for o in chord_at if start < o < m.end()}
        bounds = sorted(cuts)
        for a, b in itertools.pairwise(bounds):
            out.append((word[a:b][:MAX_SYLLABLE_CHARS], chord_at.get(start + a), b == len(word)))
    return out


def parse_chordpro(
    text: str, *, song_id: str, language: str = Settings.language, now: datetime | None = None
) -> SongMap:
    """A Song Map from ChordPro text (see the module docstring for what its times mean).

    Raises
    ------
    BadInputError
        Too large, or no lyrics and no chords in it (not a ChordPro chart).
    """
    if len(text.encode("utf-8", "replace")) > MAX_CHORDPRO_BYTES:
        raise BadInputError(
            f"this chart is over {MAX_CHORDPRO_BYTES // 1024} kB: is it a ChordPro file?"
        )
    meta, blocks = _read(text.replace("\r\n", "\n"))
    if not blocks:
        raise BadInputError("no lyrics or chords in this file: is it a ChordPro chart?")
    tempo = _number(meta.get("tempo")) or IMPORT_TEMPO
    beat = 60.0 / tempo
    numerator, denominator = _time(meta.get("time"))
    t = 0.0
    sections: list[Section] = []
    chords: list[tuple[float, str]] = []
    for block in blocks:
        start = t
        lines: list[Line] = []
        for pieces in block.lines:
            syllables = _syllables_of(pieces, language)
            if not syllables:  # a chords-only line: a bar for each chord
                for chord, _ in pieces:
                    if chord:
                        chords.append((t, chord))
                        t += numerator * beat
                continue
            first = t
            made: list[Syllable] = []
            for text_, chord, ends in syllables:
                if chord:
                    chords.append((t, chord))
                made.append(
                    Syllable(
                        text=text_,
                        start_time=round(t, 3),
                        duration=round(beat * 0.9, 3),
                        chord=chord,
                        ends_word=ends,
                    )
                )
                t += beat
            line_text = " ".join("".join(t_ for _, t_ in pieces).split())[:MAX_LINE_CHARS]
            lines.append(
                Line(
                    text=line_text,
                    start_time=round(first, 3),
                    end_time=round(t - beat * 0.1, 3),
                    syllables=made,
                )
            )
            t += beat  # a breath between lines
        sections.append(
            Section(
                name=block.name,
                kind=block.kind,
                start_time=round(start, 3),
                end_time=round(t, 3),
                lines=lines,
            )
        )
    duration = round(t, 3)
    segments = [
        ChordSegment(
            start_time=round(s, 3),
            end_time=round(chords[i + 1][0] if i + 1 < len(chords) else duration, 3),
            symbol=c,
        )
        for i, (s, c) in enumerate(chords)
    ]
    created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return SongMap(
        id=song_id,
        title=(meta.get("title") or "Untitled chart")[:MAX_NAME_CHARS],
        artist=(meta.get("artist") or meta.get("subtitle") or "")[:MAX_NAME_CHARS],
        album=(meta.get("album") or None),
        duration=duration,
        language=language,
        lyrics_source="given",
        key=(meta.get("key") or None),
        tempo=tempo,
        # validated as any Song Map field is: _time only reads note values the schema takes
        time_signature=TimeSignature.model_validate(
            {"numerator": numerator, "denominator": denominator}
        ),
        chords=segments,
        sections=sections,
        provenance=Provenance(
            created_at=created,
            performia_version=__version__,
            stages={
                "import": StageProvenance(status="done", version=IMPORT_VERSION, engine="chordpro")
            },
        ),
    )


def _number(value: str | None) -> float | None:
    try:
        n = float(value) if value else None
    except ValueError:
        return None
    return n if n is not None and 20 <= n <= 400 else None


def _time(value: str | None) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*", value or "")
    if m and int(m.group(1)) > 0 and int(m.group(2)) in (1, 2, 4, 8, 16):
        return int(m.group(1)), int(m.group(2))
    return 4, 4
