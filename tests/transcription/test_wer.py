"""Word error rate: normalisation and the alignment, on hand-checked cases."""

from __future__ import annotations

import pytest

from performia.transcription.wer import align_words, normalise_words, number_words, wer


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("Don't stop — believin'", ["dont", "stop", "believin"]),
        ("It’s twenty-one", ["its", "twenty", "one"]),
        ("Café au lait", ["cafe", "au", "lait"]),
        ("-fark", ["fark"]),
        ("I have 2 hands", ["i", "have", "two", "hands"]),
        ("the 4th of July", ["the", "fourth", "of", "july"]),
        ("21st century", ["twenty", "first", "century"]),
        ("12th", ["twelfth"]),
        ("the 20th", ["the", "twentieth"]),
        ("105", ["one", "hundred", "five"]),
        ("1999", ["one", "thousand", "nine", "hundred", "ninety", "nine"]),
        ("snake_case", ["snake", "case"]),
        ("", []),
        ("...", []),
    ],
)
def test_normalise_words(text, words):
    assert normalise_words(text) == words


def test_number_words_scales():
    assert number_words(0) == ["zero"]
    assert number_words(40) == ["forty"]
    assert number_words(2_000_019) == ["two", "million", "nineteen"]
    assert number_words(101_000) == ["one", "hundred", "one", "thousand"]


def test_wer_counts_each_kind_of_error():
    ref = ["the", "sky", "was", "turning", "blue"]
    assert align_words(ref, ref).wer == 0.0
    sub = align_words(ref, ["the", "sky", "was", "burning", "blue"])
    assert (sub.substitutions, sub.deletions, sub.insertions, sub.hits) == (1, 0, 0, 4)
    dele = align_words(ref, ["the", "sky", "turning", "blue"])
    assert (dele.substitutions, dele.deletions, dele.insertions) == (0, 1, 0)
    ins = align_words(ref, ["oh", "the", "sky", "was", "turning", "blue"])
    assert (ins.substitutions, ins.deletions, ins.insertions) == (0, 0, 1)
    assert ins.wer == pytest.approx(1 / 5)


def test_alignment_pairs_equal_words():
    ref = ["a", "b", "c", "d"]
    hyp = ["a", "x", "c", "d", "e"]
    alignment = align_words(ref, hyp)
    assert alignment.pairs == ((0, 0), (1, 1), (2, 2), (3, 3), (None, 4))
    assert alignment.errors == 2


def test_wer_normalises_both_sides():
    assert wer("I've got 2 hands.", "ive got two hands") == 0.0
    assert wer("The sky was turning blue", "the sky was burning") == pytest.approx(0.4)
    assert wer(["Hello,", "world"], ["hello", "World!"]) == 0.0


def test_wer_of_empty_texts():
    assert wer("", "") == 0.0
    assert wer("", "something") == 1.0
    assert wer("two words", "") == 1.0
    # Insertions can push the rate above 1.
    assert wer("one", "one two three") == 2.0
