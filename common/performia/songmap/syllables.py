"""Splitting sung words into syllables and timing each syllable inside its word.

Hyphenation dictionaries (pyphen, the LibreOffice/Hunspell patterns) give the syllable boundaries a
singer expects to read ("beau-ti-ful"); no library times syllables, so that part is written here.
Whisper knows 99 languages and pyphen about 45: a word in a language without a dictionary (Latin,
Welsh, Japanese …) is split at its vowel groups, or character by character in a CJK script
(:func:`_fallback_syllables`), so such a song still gets a chart, never an error.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import pyphen

from performia.errors import BadInputError
from performia.settings import Settings

__all__ = ["hyphenation_locale", "split_syllables", "time_syllables", "word_core"]

_VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+", re.IGNORECASE)
#: Vowel letters of the Latin, Greek and Cyrillic scripts, for :func:`_fallback_syllables`.
_ANY_VOWEL = re.compile(
    r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœāēīōūăĕĭŏŭąęįųůőű"
    r"αεηιουωάέήίόύώϊϋ"
    r"аеёиоуыэюяіїєў]+",
    re.IGNORECASE,
)
#: Punctuation at either end of a word (quotes, commas, brackets); apostrophes stay ("goin'").
_WORD_EDGES = re.compile(r"^[^\w']+|[^\w']+$")
#: Scripts whose characters are each about one sung syllable (Han, kana, Hangul).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=16)
def hyphenation_locale(language: str) -> str:
    """The pyphen dictionary for ``language`` ('en' → 'en_US', 'de' → 'de_DE', 'pt_BR' as is).

    Raises
    ------
    BadInputError
        When no hyphenation dictionary exists for the language.
    """
    lang = language.replace("-", "_")
    preferred = {"en": "en_US", "pt": "pt_PT", "es": "es", "fr": "fr", "de": "de_DE"}
    if lang.lower() in preferred:
        return preferred[lang.lower()]
    if lang in pyphen.LANGUAGES:
        return lang
    base = lang.split("_")[0].lower()
    languages: list[str] = sorted(pyphen.LANGUAGES)
    for cand in languages:
        if cand.split("_")[0].lower() == base:
            return cand
    raise BadInputError(f"no hyphenation dictionary for language {language!r}")


@lru_cache(maxsize=16)
def _dictionary(locale: str) -> pyphen.Pyphen:
    # left/right=1: sung syllables may be a single letter ("a-way"), unlike typeset hyphenation
    return pyphen.Pyphen(lang=locale, left=1, right=1)


def word_core(word: str) -> str:
    """``word`` without the punctuation at its ends: ``'"river,'`` → ``'river'``.

    >>> word_core('"Oh,"'), word_core("goin'")
    ('Oh', "goin'")
    """
    return _WORD_EDGES.sub("", word)


def split_syllables(word: str, *, language: str = Settings.language) -> list[str]:
    """Split one word into syllables; the pieces concatenate back to ``word`` exactly.

    >>> split_syllables("beautiful")
    ['beau', 'ti', 'ful']
    """
    if not word:
        return []
    try:
        locale = hyphenation_locale(language)
    except BadInputError:
        return _fallback_syllables(word)
    parts = _dictionary(locale).inserted(word, hyphen="\x00").split("\x00")
    if locale.startswith("en") and len(parts) == 1:
        parts = _split_ing(word)
    # Pattern dictionaries can cut off a vowel-less piece ("rhythm" → "rhy-thm" is fine, but
    # "a-b" pieces with no vowel are not sung separately): merge those into their neighbour.
    merged: list[str] = []
    for part in parts:
        if (merged and not _VOWELS.search(part)) or (merged and not _VOWELS.search(merged[-1])):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def _fallback_syllables(word: str) -> list[str]:
    """Syllables without a dictionary: one per vowel group, each taking the consonants before
    it; of a cluster between two vowels the last consonant opens the next syllable ("ca-ntus"
    would be wrong, "can-tus" is what a singer reads). In a CJK script each character is one.

    >>> _fallback_syllables("cantus"), _fallback_syllables("Dominus"), _fallback_syllables("夜空")
    (['can', 'tus'], ['Do', 'mi', 'nus'], ['夜', '空'])

    Adjacent vowels count as one group ("Glo-ria"): telling a diphthong from a hiatus needs the
    language's rules, which is what the dictionaries hold.
    """
    if _CJK.search(word):
        parts: list[str] = []
        for char in word:
            # punctuation, and a run of letters of another script, stay with what they follow
            follows = bool(parts) and not _CJK.search(char)
            if follows and (not char.isalnum() or not _CJK.search(parts[-1][-1])):
                parts[-1] += char
            else:
                parts.append(char)
        return parts
    nuclei = [m.span() for m in _ANY_VOWEL.finditer(word)]
    if len(nuclei) < 2:
        return [word]
    cuts = []
    for (_, end), (start, _) in itertools.pairwise(nuclei):
        consonants = start - end
        cuts.append(start - 1 if consonants >= 1 else start)  # the last consonant goes on
    bounds = [0, *cuts, len(word)]
    return [word[a:b] for a, b in itertools.pairwise(bounds) if a < b]


def _split_ing(word: str) -> list[str]:
    """Typesetting patterns never split "sing-ing" or "lov-ing"; singers read them split."""
    m = re.fullmatch(r"(.*[a-z].*?)(ing)(\W*)", word, re.IGNORECASE)
    if m and len(m.group(1)) >= 2 and _VOWELS.search(m.group(1)):
        return [m.group(1), m.group(2) + m.group(3)]
    return [word]


def time_syllables(
    parts: list[str], start: float, end: float, *, onsets: list[float] | None = None
) -> list[tuple[float, float]]:
    """``(start, duration)`` for each syllable of a word sung from ``start`` to ``end``.

    Without note onsets, time is shared in proportion to each syllable's vowel-and-letter weight
    (a sung syllable lasts about as long as its vowel is held). With ``onsets`` inside the word
    (from the melody), the syllable boundaries snap to the nearest ones.
    """
    if not parts:
        return []
    length = max(end - start, 0.0)
    weights = [len(p) + 2 * len("".join(_VOWELS.findall(p))) or 1 for p in parts]
    total = float(sum(weights))
    bounds = [start]
    acc = 0.0
    for w in weights[:-1]:
        acc += w
        bounds.append(start + length * acc / total)
    bounds.append(end)
    inner = sorted(t for t in (onsets or []) if start < t < end)
    for i in range(1, len(bounds) - 1):
        if inner:
            nearest = min(inner, key=lambda t: abs(t - bounds[i]))
            # snap only between the neighbouring boundaries, so syllables stay in order
            if bounds[i - 1] < nearest < bounds[i + 1] and abs(nearest - bounds[i]) < length / len(
                parts
            ):
                bounds[i] = nearest
    return [(bounds[i], max(bounds[i + 1] - bounds[i], 0.0)) for i in range(len(parts))]
