"""Chord and key names: parsing, Harte syntax for scoring, and spelling for the key.

Musicians read chords spelt for the key they play in: Bb in F major, A# in F# major, Eb (the
borrowed flat-three) in C major. Spelling is scale-degree arithmetic on letter names, which no
installed library does for chord roots, so it is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
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
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class ParsedChord:
    root: int  # pitch class, C = 0
    quality: str  # display suffix, a key of QUALITIES

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in QUALITIES[self.quality][1])


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
    """``'F#m7'`` → ParsedChord(6, 'm7'); ``'N'`` (no chord) → None.

    Accepts display symbols and Harte labels (``'F#:min7'``).
    """
    s = symbol.strip()
    if s in ("N", "N.C.", "NC", "X"):
        return None
    _, root, rest = _note(s)
    if rest.startswith(":"):
        harte = rest[1:].split("/")[0]
        for suffix, (short, _) in QUALITIES.items():
            if short == harte:
                return ParsedChord(root, suffix)
        raise ValueError(f"unsupported chord quality in {symbol!r}")
    rest = {"min": "m", "maj": "", "M7": "maj7", "min7": "m7", "-": "m", "+": "aug"}.get(rest, rest)
    if rest not in QUALITIES:
        raise ValueError(f"unsupported chord symbol {symbol!r}")
    return ParsedChord(root, rest)


def to_harte(symbol: str) -> str:
    """Display symbol → Harte syntax for mir_eval (``'Bb'`` → ``'Bb:maj'``, ``'N'`` → ``'N'``)."""
    chord = parse_chord(symbol)
    if chord is None:
        return NO_CHORD
    return f"{pitch_class_name(chord.root)}:{QUALITIES[chord.quality][0]}"


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
    """Display symbol spelt for ``key`` (``ParsedChord(10, '')`` in F major → ``'Bb'``)."""
    if chord is None:
        return NO_CHORD
    return spell_pitch_class(chord.root, key) + chord.quality
