"""Lyrics the user already knows: plain text or LRC, parsed into lines of words.

A singer who pastes the lyrics knows them better than any recogniser, so their words, spelling,
punctuation and line breaks are what the chart shows; recognition only supplies timing (see
:mod:`performia.analysis.alignment`). Parsing therefore keeps every sung word as written and
drops only what is not sung:

* **plain text** — one sung line per line; blank lines separate stanzas; section headers
  (``[Chorus]``, ``Verse 2:``, ``(Bridge)``, ``Chorus x2``) and ChordPro directives
  (``{title: …}``, ``{start_of_chorus}``) start a stanza and are not words; inline chords
  (``[G]Amazing [D7]grace``), any other square-bracket annotation, chord-only lines
  (``G  D/F#  Em``), ``#`` comments and ``{start_of_tab}`` blocks are removed. Parentheses stay:
  "(oh yeah)" is usually a sung backing line.
* **LRC** — ``[mm:ss.xx] line``, several time tags on one line (a repeated chorus), the
  ``[offset:±ms]`` tag (positive shows lyrics earlier, as players read it), metadata tags
  (``[ar:…]``) ignored, and enhanced word tags (``<mm:ss.xx>word``) kept as per-word times. A
  timed line with no text marks a break: the next line starts a stanza. Lines are ordered by
  time.

The format is detected: a file with any line that begins with a ``[mm:ss]`` time tag is LRC
(plain lyrics never start a line that way); :func:`parse_lyrics` can be told the format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from performia.errors import BadInputError

__all__ = [
    "FORMATS",
    "MAX_LYRICS_BYTES",
    "MAX_LYRICS_WORDS",
    "GivenLyrics",
    "decode_lyrics",
    "parse_lyrics",
]

#: Formats :func:`parse_lyrics` reads (``"auto"`` picks one of them).
FORMATS = ("plain", "lrc")
#: Largest lyrics file accepted (bytes): a long song's lyrics are 2-5 kB, a live set's 30 kB.
MAX_LYRICS_BYTES = 200_000
#: Most sung words accepted: a 20-minute recording sung without pause holds about 4000.
MAX_LYRICS_WORDS = 5000


@dataclass(frozen=True)
class GivenLyrics:
    """The user's lyrics: lines of words as written, with what timing the file carried.

    ``lines`` hold each sung line's words (spelling, case and punctuation kept). ``line_times``
    has one entry per line: the LRC start time (s, offset applied) or ``None``. ``stanza_starts``
    are the indices of lines that begin a stanza (always 0 first). ``word_times`` mirrors
    ``lines`` with enhanced-LRC word times (``None`` where a word had no tag); it is empty when
    the file had none.
    """

    lines: tuple[tuple[str, ...], ...]
    line_times: tuple[float | None, ...]
    stanza_starts: tuple[int, ...] = (0,)
    word_times: tuple[tuple[float | None, ...], ...] = ()
    format: str = "plain"

    def __post_init__(self) -> None:
        if len(self.line_times) != len(self.lines):
            raise ValueError("line_times needs one entry per line")
        if self.word_times and [len(t) for t in self.word_times] != [len(w) for w in self.lines]:
            raise ValueError("word_times must mirror lines")
        if any(not line for line in self.lines):
            raise ValueError("every line needs at least one word")

    @property
    def words(self) -> tuple[str, ...]:
        """Every word in singing order."""
        return tuple(w for line in self.lines for w in line)

    @property
    def line_starts(self) -> tuple[int, ...]:
        """Index (into :attr:`words`) of the first word of each line."""
        starts, n = [], 0
        for line in self.lines:
            starts.append(n)
            n += len(line)
        return tuple(starts)

    @property
    def prompt(self) -> str:
        """The words once each line, for a recogniser's prompt: a chorus sung four times is
        written once, so more of the song fits the prompt's 223 tokens."""
        return " ".join(dict.fromkeys(" ".join(line) for line in self.lines))

    @property
    def timed(self) -> bool:
        """Whether the file gave any time (LRC line or word tags)."""
        return any(t is not None for t in self.line_times) or any(
            t is not None for line in self.word_times for t in line
        )


# ---------------------------------------------------------------------------------- decoding

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def decode_lyrics(data: bytes | str) -> str:
    """Lyrics file contents as text: UTF-8 (BOM or not), UTF-16 with a BOM, or Windows-1252.

    Windows-1252 is accepted because lyrics saved by older Windows editors and many LRC sites
    use it; it is tried last and only kept when the result holds no control characters, which
    is what separates a legacy text file from binary data.

    Raises
    ------
    BadInputError
        When the data is too large or is not text in any of those encodings.
    """
    if isinstance(data, str):
        text = data
        if len(text) > MAX_LYRICS_BYTES:
            raise _too_large(len(text.encode("utf-8", "surrogatepass")))
    else:
        if len(data) > MAX_LYRICS_BYTES:
            raise _too_large(len(data))
        text = _decode_bytes(bytes(data))
    if _CONTROL.search(text):
        raise BadInputError("the lyrics are not text (they contain control characters)")
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


def _too_large(n: int) -> BadInputError:
    return BadInputError(
        f"the lyrics are too large ({n} bytes; at most {MAX_LYRICS_BYTES}): "
        "give the words of one song"
    )


def _decode_bytes(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInputError("the lyrics file says UTF-16 but does not decode as it") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or _CONTROL.search(text):
        raise BadInputError("the lyrics are not readable text: save them as UTF-8 plain text")
    return text


# ---------------------------------------------------------------------------------- cleaning

_NOTE = r"[A-G](?:#|b|♯|♭)?"
_CHORD = re.compile(
    rf"(?:{_NOTE}(?:maj|min|dim|aug|sus|add|alt|no|m|M|°|ø|Δ|\+|-|\d|#|b|♯|♭|\(|\)|,)*"
    rf"(?:/{_NOTE})?|N\.?C\.?)"
)
_BRACKETS = re.compile(r"\[[^\]\n]*\]")
_SECTIONS = (
    r"intro|verse|pre[- ]?chorus|chorus|post[- ]?chorus|refrain|hook|bridge|middle ?8|"
    r"breakdown|interlude|instrumental|solo|outro|coda|tag|ending|rap|spoken|ad[- ]?libs?|"
    r"repeat(?: chorus)?|vamp"
)
_HEADER_BRACKETED = re.compile(
    rf"^[\[(]\s*(?:{_SECTIONS})\b[^\])]*[\])]\s*:?\s*(?:[x×]\s*\d+)?$", re.IGNORECASE
)
_HEADER_BARE = re.compile(
    rf"^(?:{_SECTIONS})\s*(?:\d+|[IVX]+)?\s*(?:[-–]\s*)?(?:[x×]\s*\d+|\([^)]*\))?\s*:?$",
    re.IGNORECASE,
)
_HEADER_START = re.compile(rf"^(?:{_SECTIONS})\b", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^\{[^}]*\}$")
_TAB_START = re.compile(r"^\{\s*(?:start_of_tab|sot)\b", re.IGNORECASE)
_TAB_END = re.compile(r"^\{\s*(?:end_of_tab|eot)\b", re.IGNORECASE)
_SUNG = re.compile(r"[^\W_]")  # a letter or digit, in any script


def _is_chord(token: str) -> bool:
    return bool(_CHORD.fullmatch(token))


def _is_header(line: str) -> bool:
    if _HEADER_BRACKETED.match(line) or _HEADER_BARE.match(line):
        return True
    # "Chorus - repeat twice:" and similar: a short line naming a section, ending with a colon
    return line.endswith(":") and len(line.split()) <= 4 and bool(_HEADER_START.match(line))


def _tokens(text: str) -> list[str]:
    """Sung words of one line: whitespace-split, tokens with no letter or digit dropped."""
    return [t for t in text.split() if _SUNG.search(t)]


# ---------------------------------------------------------------------------------- parsing


@dataclass
class _Line:
    words: list[str]
    time: float | None = None
    word_times: list[float | None] | None = None
    stanza: bool = False
    order: int = 0


def _clean(text: str) -> tuple[str, str]:
    """``(kind, sung text)`` of one line: kind is ``"words"``, ``"break"`` or ``"skip"``."""
    line = text.strip()
    if not line:
        return "break", ""
    if line.startswith("#"):
        return "skip", ""
    if _DIRECTIVE.match(line):
        return "break", ""
    if _is_header(line):
        return "break", ""
    stripped = _BRACKETS.sub(" ", line).strip()
    if not stripped:
        # only brackets: a header such as "[Hook - Anna]" breaks, a chord-only line does not
        inner = [b[1:-1].strip() for b in _BRACKETS.findall(line)]
        return ("skip", "") if all(_is_chord(b) or not b for b in inner) else ("break", "")
    tokens = stripped.split()
    if all(_is_chord(t) for t in tokens) and tokens != ["A"]:
        return "skip", ""  # a chord line over the lyrics
    return "words", stripped


def _parse_plain(text: str) -> list[_Line]:
    lines: list[_Line] = []
    stanza, in_tab = True, False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if in_tab:
            in_tab = not _TAB_END.match(stripped)
            continue
        if _TAB_START.match(stripped):
            in_tab, stanza = True, True
            continue
        kind, sung = _clean(raw)
        if kind == "break":
            stanza = True
        elif kind == "words":
            words = _tokens(sung)
            if words:
                lines.append(_Line(words, stanza=stanza, order=len(lines)))
                stanza = False
    return lines


_TIME = r"(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?"
_LINE_TAG = re.compile(rf"\[{_TIME}\]")
_LEADING_TAGS = re.compile(rf"^\s*((?:\[{_TIME}\]\s*)+)")
_WORD_TAG = re.compile(rf"<{_TIME}>")
_META = re.compile(r"^\s*\[([A-Za-z#]+)\s*:(.*)\]\s*$")
_META_KEYS = {"ar", "al", "ti", "au", "by", "length", "offset", "re", "ve", "tool", "#", "la"}


def _seconds(minutes: str, seconds: str, fraction: str | None) -> float:
    frac = int(fraction) / 10 ** len(fraction) if fraction else 0.0
    return int(minutes) * 60 + int(seconds) + frac


def _is_lrc(text: str) -> bool:
    return any(_LEADING_TAGS.match(line) for line in text.split("\n"))


def _parse_lrc(text: str) -> list[_Line]:
    offset = 0.0
    entries: list[_Line] = []
    stanza = True
    for raw in text.split("\n"):
        meta = _META.match(raw)
        if meta and meta.group(1).lower() in _META_KEYS:
            if meta.group(1).lower() == "offset":
                offset = _offset(raw)
            continue
        lead = _LEADING_TAGS.match(raw)
        times = [_seconds(*m) for m in _LINE_TAG.findall(lead.group(1))] if lead else []
        body = raw[lead.end() :] if lead else raw
        kind, _ = _clean(_WORD_TAG.sub(" ", body))
        if kind != "words":
            # a blank line, a header or a timed line with no text (a break) starts a stanza
            stanza = stanza or kind == "break"
            continue
        words, word_times = _words_with_times(body)
        if not words:
            continue
        starts: list[float | None] = [*times] if times else [None]  # an untimed line: once
        for t in starts:
            shift = t - times[0] if t is not None else 0.0
            shifted = [None if w is None else w + shift for w in word_times]
            entries.append(_Line(words, t, shifted, stanza, order=len(entries)))
        stanza = False
    # order by time; an untimed line stays right after the line it followed in the file
    keyed, current = [], 0.0
    for e in entries:
        current = e.time if e.time is not None else current
        keyed.append((current, e.order, e))
    keyed.sort(key=lambda k: (k[0], k[1]))
    out = []
    for _, _, e in keyed:
        e.time = None if e.time is None else max(0.0, e.time - offset)
        e.word_times = [None if w is None else max(0.0, w - offset) for w in e.word_times or ()]
        out.append(e)
    return out


def _offset(raw: str) -> float:
    """``[offset:+500]`` in seconds: positive shows lyrics earlier, so it is subtracted."""
    value = raw.split(":", 1)[1].rstrip().rstrip("]").strip()
    try:
        return int(value.replace("+", "", 1)) / 1000.0
    except ValueError as exc:
        raise BadInputError(f"LRC offset tag is not whole milliseconds: {raw.strip()!r}") from exc


def _words_with_times(body: str) -> tuple[list[str], list[float | None]]:
    """Words of an LRC line body and the enhanced ``<mm:ss.xx>`` tag before each, if any."""
    marked = _WORD_TAG.sub(lambda m: f" \x01{_seconds(*m.groups())}\x01", body)
    marked = _BRACKETS.sub(" ", marked)
    words: list[str] = []
    times: list[float | None] = []
    pending: float | None = None
    for token in marked.split():
        for piece in re.split(r"(\x01[0-9.]+\x01)", token):
            if piece.startswith("\x01"):
                pending = float(piece.strip("\x01"))
            elif _tokens(piece):
                words.append(piece)
                times.append(pending)
                pending = None
    return words, times


def parse_lyrics(data: str | bytes, *, format: str = "auto") -> GivenLyrics:
    """Parse the user's lyrics (plain text or LRC) into lines of words.

    Parameters
    ----------
    data : str or bytes
        The lyrics as text, or a file's raw bytes (see :func:`decode_lyrics`).
    format : {"auto", "plain", "lrc"}
        ``"auto"`` reads LRC when any line begins with a ``[mm:ss]`` tag.

    Returns
    -------
    GivenLyrics

    Raises
    ------
    BadInputError
        Empty lyrics (nothing sung once headers and chords are removed), unreadable text, or
        more than :data:`MAX_LYRICS_BYTES` bytes or :data:`MAX_LYRICS_WORDS` words.

    Examples
    --------
    >>> lyr = parse_lyrics("[Verse 1]\\n[G]Hello, [D]world\\n\\nSecond stanza here")
    >>> lyr.lines, lyr.stanza_starts
    ((('Hello,', 'world'), ('Second', 'stanza', 'here')), (0, 1))
    >>> parse_lyrics("[00:12.50]Hello world").line_times
    (12.5,)
    """
    if format not in ("auto", *FORMATS):
        raise ValueError(f"format must be 'auto', 'plain' or 'lrc', got {format!r}")
    text = decode_lyrics(data)
    fmt = format if format != "auto" else ("lrc" if _is_lrc(text) else "plain")
    lines = _parse_lrc(text) if fmt == "lrc" else _parse_plain(text)
    n_words = sum(len(line.words) for line in lines)
    if n_words == 0:
        raise BadInputError(
            "the lyrics are empty: no sung words remain once section headers and chords are removed"
        )
    if n_words > MAX_LYRICS_WORDS:
        raise BadInputError(
            f"the lyrics are too long ({n_words} words; at most {MAX_LYRICS_WORDS}): "
            "give the words of one song"
        )
    stanzas = tuple(i for i, line in enumerate(lines) if line.stanza or i == 0)
    has_word_times = any(t is not None for line in lines for t in (line.word_times or ()))
    return GivenLyrics(
        lines=tuple(tuple(line.words) for line in lines),
        line_times=tuple(None if line.time is None else round(line.time, 3) for line in lines),
        stanza_starts=stanzas,
        word_times=tuple(
            tuple(None if t is None else round(t, 3) for t in (line.word_times or ()))
            for line in lines
        )
        if has_word_times
        else (),
        format=fmt,
    )
