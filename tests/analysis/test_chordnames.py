"""Chord names: the extended qualities and bass notes, parsed, spelt and encoded for mir_eval."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest

from performia.analysis.chordnames import (
    EXTENDED_QUALITIES,
    QUALITIES,
    ParsedChord,
    chord_symbol,
    parse_chord,
    parse_key,
    to_harte,
)


def same_chord(a: str, b: str) -> bool:
    """mir_eval reads both Harte labels as the same root, pitch classes and bass."""
    ra, sa, ba = mir_eval.chord.encode(a)
    rb, sb, bb = mir_eval.chord.encode(b)
    return ra == rb and np.array_equal(sa, sb) and ba == bb


@pytest.mark.parametrize(
    ("symbol", "harte"),
    [
        ("C6", "C:maj6"),
        ("Am6", "A:min6"),
        ("Bm7b5", "B:hdim7"),
        ("C#dim7", "C#:dim7"),
        ("D7sus4", "D:sus4(b7)"),
        ("G9", "G:9"),
        ("Fmaj9", "F:maj9"),
        ("Em9", "E:min9"),
        ("A11", "A:11"),
        ("E13", "E:13"),
        ("C/E", "C:maj/3"),
        ("D/F#", "D:maj/3"),
        ("Am/C", "A:min/b3"),
        ("G/D", "G:maj/5"),
        ("C/Bb", "C:maj/b7"),
        ("F/G", "F:maj/2"),
        ("Bbm7/Ab", "Bb:min7/b7"),
    ],
)
def test_extended_symbols_encode_as_their_harte_labels(symbol, harte):
    assert same_chord(to_harte(symbol), harte)
    # and the Harte label reads back as the same chord
    assert parse_chord(harte) == parse_chord(symbol)


def test_the_template_vocabulary_is_unchanged():
    assert list(QUALITIES) == ["", "m", "7", "maj7", "m7", "sus2", "sus4", "dim", "aug"]
    assert not set(QUALITIES) & set(EXTENDED_QUALITIES)
    assert parse_chord("F#m7") == ParsedChord(6, "m7")
    assert to_harte("Bb") == "A#:maj"


def test_bass_notes_are_spelt_for_the_key():
    g_major, f_major = parse_key("G major"), parse_key("F major")
    assert chord_symbol(ParsedChord(2, "", 6), g_major) == "D/F#"
    assert chord_symbol(ParsedChord(10, "", 2), f_major) == "Bb/D"
    assert chord_symbol(ParsedChord(0, "m7b5", None), None) == "Cm7b5"


def test_a_bass_on_the_root_is_no_inversion_and_adds_to_the_pitch_classes():
    assert parse_chord("C/C") == ParsedChord(0, "")
    assert parse_chord("C:maj/1") == ParsedChord(0, "")
    assert ParsedChord(0, "", 4).pitch_classes == (0, 4, 7)
    assert ParsedChord(5, "", 7).pitch_classes == (5, 9, 0, 7)


@pytest.mark.parametrize("bad", ["C/H", "C/Ebx", "C:maj/x", "C:maj/b14", "Cfoo"])
def test_malformed_symbols_raise(bad):
    with pytest.raises(ValueError):
        parse_chord(bad)
