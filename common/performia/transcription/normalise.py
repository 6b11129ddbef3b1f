"""The one text normalisation words are compared in: case, accents, apostrophes, numbers.

Two comparisons use it, each for its own purpose:

* the word error rate (:mod:`.wer`) compares the *tokens* of :func:`normalise_words`;
* the lyric aligner (:func:`performia.analysis.word_alignment.normalise_word`) compares one key
  per written word, built from :func:`fold` and :func:`spell_number` and then its own sung
  spellings ("gonna" = "going to", "goin'" = "going").

:func:`normalise_words` folds the text (:func:`fold`: lower case, accents off, curly apostrophes
straight), then

* drops apostrophes inside words (``don't`` → ``dont``, so a recogniser's ``dont`` still counts);
* makes every other punctuation mark, hyphens included, a word break (``-fark`` → ``fark``,
  ``twenty-one`` → ``twenty one``);
* spells numbers as words: a run of digits is spelt out (``10`` → ``ten``, ``1999`` → ``one
  thousand nine hundred ninety nine``; ordinals ``4th`` → ``fourth``), because lyrics are
  written in words while Whisper often writes digits, and "two" heard as ``2`` is not an error.

This is the project's own rather than a library's: jiwer's transforms have no number speller,
and openai-whisper's ``EnglishTextNormalizer`` goes the other way (words → digits) and lives in
an optional engine, so scoring would depend on which engine happens to be installed. It needs
nothing beyond the standard library, so the ``transcribe`` stage's lyric aligner can use it
where the scoring libraries are not installed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "fold",
    "normalise_words",
    "number_words",
    "spell_number",
]

# fmt: off
_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
# fmt: on
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ORDINAL_ENDINGS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_NUMBER = re.compile(r"^(\d+)(st|nd|rd|th|s)?$")
_BREAK = re.compile(r"[^\w\s']|_")
#: Digit strings longer than this are spelt digit by digit (a phone number, not a quantity).
_MAX_DIGITS = 12


def fold(text: str) -> str:
    """``text`` case-folded, accents removed, curly apostrophes (’ ‘) made straight.

    >>> fold("Café Straße ’Tis")
    "cafe strasse 'tis"
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.replace("\u2019", "'").replace("\u2018", "'")


def number_words(n: int) -> list[str]:
    """``n`` (0 ≤ n < 10**12) spelt out in English words, without "and": 105 → one hundred five."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            return number_words(head) + [name] + (number_words(rest) if rest else [])
    raise AssertionError("unreachable")


def spell_number(token: str) -> list[str]:
    """A token written in digits as words (``"21"`` → twenty one, ``"4th"`` → fourth); any other
    token as it is. The one number speller: the error rate and the lyric aligner both use it.

    >>> spell_number("21"), spell_number("4th"), spell_number("love")
    (['twenty', 'one'], ['fourth'], ['love'])
    """
    match = _NUMBER.match(token)
    if match is None:
        return [token]
    digits, suffix = match.groups()
    if len(digits) > _MAX_DIGITS:
        return [_ONES[int(d)] for d in digits]
    words = number_words(int(digits))
    if suffix in ("st", "nd", "rd", "th"):
        last = words[-1]
        if last in _ORDINAL_ENDINGS:
            words[-1] = _ORDINAL_ENDINGS[last]
        elif last.endswith("y"):
            words[-1] = last[:-1] + "ieth"
        else:
            words[-1] = last + "th"
    elif suffix == "s":  # the 1960s → nineteen sixties is beyond this; "4s" → "fours"
        last = words[-1]
        words[-1] = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return words


def normalise_words(text: str) -> list[str]:
    """``text`` as the list of normalised words the error rate compares (see the module doc).

    >>> normalise_words("Don't stop at 21!")
    ['dont', 'stop', 'at', 'twenty', 'one']
    """
    words: list[str] = []
    for chunk in _BREAK.sub(" ", fold(text)).split():
        chunk = chunk.replace("'", "")
        if chunk:
            words.extend(spell_number(chunk))
    return words
