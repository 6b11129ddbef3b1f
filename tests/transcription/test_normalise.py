"""The text normalisation words are compared in: folding, numbers, tokens."""

from __future__ import annotations

import pytest

from performia.analysis.word_alignment import normalise_word
from performia.transcription.normalise import fold, normalise_words, number_words


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


def test_fold():
    assert fold("Café") == "cafe"
    assert fold("STRASSE") == fold("Straße") == "strasse"
    assert fold("Don\u2019t \u2018em") == "don't 'em"


@pytest.mark.parametrize("word", ["Café", "Don\u2019t", "Straße", "21st", "twenty-one", "1999"])
def test_the_lyric_key_is_the_error_rates_tokens_joined(word):
    # the aligner's one key per written word folds and spells numbers as the error rate does
    assert normalise_word(word) == "".join(normalise_words(word))
