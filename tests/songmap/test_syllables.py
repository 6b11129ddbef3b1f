"""Syllable splitting (pyphen plus the sung "-ing" rule) and syllable timing inside a word."""

from __future__ import annotations

import itertools

import pytest

from performia.errors import BadInputError
from performia.songmap.syllables import hyphenation_locale, split_syllables, time_syllables


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("beautiful", ["beau", "ti", "ful"]),
        ("hello", ["hel", "lo"]),
        ("amazing", ["a", "maz", "ing"]),
        ("singing", ["sing", "ing"]),
        ("loving", ["lov", "ing"]),
        ("morning", ["morn", "ing"]),
        ("going", ["go", "ing"]),
        ("everything", ["ev", "ery", "thing"]),
        ("bring", ["bring"]),
        ("thing", ["thing"]),
        ("sing", ["sing"]),
        ("rhythm", ["rhythm"]),
        ("a", ["a"]),
        ("singing,", ["sing", "ing,"]),
        ("don't", ["don't"]),
    ],
)
def test_split_syllables_english(word: str, expected: list[str]) -> None:
    assert split_syllables(word) == expected


@pytest.mark.parametrize(
    "word",
    ["beautiful", "singing,", "don't", "Hello!", "amazing...", "a", "(loving)", "rhythm", "x"],
)
def test_pieces_concatenate_back_to_the_word(word: str) -> None:
    parts = split_syllables(word)
    assert "".join(parts) == word
    assert all(parts)


def test_empty_word_has_no_syllables() -> None:
    assert split_syllables("") == []


def test_german_uses_the_german_dictionary() -> None:
    assert hyphenation_locale("de") == "de_DE"
    assert split_syllables("Liebe", language="de") == ["Lie", "be"]
    assert split_syllables("Freundschaft", language="de") == ["Freund", "schaft"]
    assert split_syllables("Sonnenschein", language="de") == ["Son", "nen", "schein"]
    # the English patterns read the same words differently: the language really is used
    assert split_syllables("Liebe", language="en") == ["Liebe"]
    assert split_syllables("Freundschaft", language="en") == ["Fre", "und", "schaft"]


def test_locale_names() -> None:
    assert hyphenation_locale("en") == "en_US"
    assert hyphenation_locale("pt") == "pt_PT"
    assert hyphenation_locale("pt-BR") == "pt_BR"


def test_a_language_without_a_dictionary_splits_at_vowel_groups() -> None:
    """Whisper identifies 99 languages, pyphen has about 45: Latin, Welsh or Japanese lyrics
    still get syllables (a Latin Mass, a worship team's Taizé chant), never a failed chart."""
    with pytest.raises(BadInputError, match="no hyphenation dictionary for language 'la'"):
        hyphenation_locale("la")
    assert split_syllables("Dominus", language="la") == ["Do", "mi", "nus"]
    assert split_syllables("excelsis,", language="la") == ["ex", "cel", "sis,"]
    assert split_syllables("sanctus", language="xx") == ["sanc", "tus"]
    assert split_syllables("a", language="la") == ["a"]
    assert split_syllables("東京タワー", language="ja") == ["東", "京", "タ", "ワ", "ー"]
    for word in ("Agnus", "любовь", "Tokyo東京!", "hmm"):
        assert "".join(split_syllables(word, language="xx")) == word


def _flat(times: list[tuple[float, float]]) -> list[float]:
    return [x for pair in times for x in pair]


def _assert_tiles(times: list[tuple[float, float]], start: float, end: float) -> None:
    """Syllables start at the word's start, follow each other with no gap, end at its end."""
    assert times[0][0] == pytest.approx(start)
    for (s0, d0), (s1, _) in itertools.pairwise(times):
        assert s0 + d0 == pytest.approx(s1)
        assert s1 >= s0
    assert all(d >= 0 for _, d in times)
    assert sum(d for _, d in times) == pytest.approx(end - start)
    assert times[-1][0] + times[-1][1] == pytest.approx(end)


def test_time_syllables_shares_time_by_vowel_weight() -> None:
    # weights: beau 4 + 2·3 = 10, ti 2 + 2 = 4, ful 3 + 2 = 5 (of 19)
    times = time_syllables(["beau", "ti", "ful"], 1.0, 2.0)
    assert [s for s, _ in times] == pytest.approx([1.0, 1.0 + 10 / 19, 1.0 + 14 / 19])
    assert [d for _, d in times] == pytest.approx([10 / 19, 4 / 19, 5 / 19])
    _assert_tiles(times, 1.0, 2.0)


def test_time_syllables_single_and_empty() -> None:
    assert time_syllables(["day"], 2.0, 2.5) == [(2.0, 0.5)]
    assert time_syllables([], 0.0, 1.0) == []
    # a word with end before start gets zero-length syllables, never negative ones
    assert time_syllables(["hel", "lo"], 3.0, 2.0) == [(3.0, 0.0), (3.0, 0.0)]


def test_time_syllables_snap_to_melody_onsets() -> None:
    times = time_syllables(["beau", "ti", "ful"], 1.0, 2.0, onsets=[1.4, 1.75])
    assert _flat(times) == pytest.approx([1.0, 0.4, 1.4, 0.35, 1.75, 0.25])
    _assert_tiles(times, 1.0, 2.0)

    times = time_syllables(["hel", "lo"], 1.0, 2.0, onsets=[1.45])
    assert _flat(times) == pytest.approx([1.0, 0.45, 1.45, 0.55])


def test_time_syllables_ignore_onsets_outside_the_word() -> None:
    plain = time_syllables(["hel", "lo"], 1.0, 2.0)
    assert time_syllables(["hel", "lo"], 1.0, 2.0, onsets=[0.5, 1.0, 2.0, 3.0]) == plain


def test_one_onset_between_later_boundaries_keeps_syllables_in_order() -> None:
    # Proportional bounds of beau|ti|ful over [1, 2] are 1.526 and 1.737; an onset at 1.8 belongs
    # to the second boundary. It must not drag the first boundary past the second one.
    times = time_syllables(["beau", "ti", "ful"], 1.0, 2.0, onsets=[1.8])
    _assert_tiles(times, 1.0, 2.0)
    expected = [1.0, 10 / 19, 1.0 + 10 / 19, 0.8 - 10 / 19, 1.8, 0.2]
    assert _flat(times) == pytest.approx(expected)


@pytest.mark.parametrize("onset", [0.05 * k for k in range(1, 38)])
def test_any_single_onset_keeps_syllables_contiguous(onset: float) -> None:
    times = time_syllables(["ooo", "t", "ooo"], 0.0, 1.9, onsets=[onset])
    _assert_tiles(times, 0.0, 1.9)
