"""Word error rate, and the word-by-word alignment behind it.

The word error rate is ``(substitutions + deletions + insertions) / reference words`` over the
Levenshtein alignment of two word sequences, after both are normalised the same way:

* lower case, accents folded (``café`` → ``cafe``);
* apostrophes dropped inside words (``don't`` → ``dont``, so a recogniser's ``dont`` still counts);
* every other punctuation mark, hyphens included, becomes a word break (``-fark`` → ``fark``,
  ``twenty-one`` → ``twenty one``);
* numbers as words: a run of digits is spelt out (``10`` → ``ten``, ``1999`` → ``one thousand nine
  hundred ninety nine``; ordinals ``4th`` → ``fourth``), because lyrics are written in words while
  Whisper often writes digits, and "two" heard as ``2`` is not an error.

This is a 20-line dynamic programme rather than a dependency: ``jiwer`` (the usual library) is not
installed, and openai-whisper's ``EnglishTextNormalizer`` goes the other way (words → digits) and
lives in an optional engine, so scoring would depend on which engine happens to be installed.
The alignment is also what the onset error needs (which recognised word is which sung word), which
a WER-only library would not expose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Alignment",
    "align_words",
    "normalise_text",
    "normalise_words",
    "number_words",
    "spell_number",
    "wer",
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
    """``text`` as the list of normalised words the error rate compares (see the module doc)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("’", "'")
    words: list[str] = []
    for chunk in _BREAK.sub(" ", folded).split():
        chunk = chunk.replace("'", "")
        if chunk:
            words.extend(spell_number(chunk))
    return words


def normalise_text(text: str) -> str:
    """The normalised words of ``text`` joined by single spaces."""
    return " ".join(normalise_words(text))


@dataclass(frozen=True)
class Alignment:
    """A minimum-edit alignment of reference and hypothesis words.

    ``pairs`` lists ``(ref_index, hyp_index)`` in order: both set for a hit or a substitution,
    ``hyp_index`` ``None`` for a deletion, ``ref_index`` ``None`` for an insertion.
    """

    pairs: tuple[tuple[int | None, int | None], ...]
    hits: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Errors per reference word; an empty reference scores 0 if nothing was heard, else 1."""
        n_ref = self.hits + self.substitutions + self.deletions
        if n_ref == 0:
            return 0.0 if self.insertions == 0 else 1.0
        return self.errors / n_ref


def align_words(reference: Sequence[str], hypothesis: Sequence[str]) -> Alignment:
    """Levenshtein alignment of two word lists, compared exactly (normalise them first).

    Ties prefer a hit or substitution over an insertion/deletion pair, so equal words line up.
    """
    n, m = len(reference), len(hypothesis)
    # cost[i][j]: edits to turn reference[:i] into hypothesis[:j].
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            diagonal = cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1])
            cost[i][j] = min(diagonal, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    pairs: list[tuple[int | None, int | None]] = []
    hits = subs = dels = ins = 0
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0:
            same = reference[i - 1] == hypothesis[j - 1]
            if cost[i][j] == cost[i - 1][j - 1] + (not same):
                pairs.append((i - 1, j - 1))
                hits, subs = hits + same, subs + (not same)
                i, j = i - 1, j - 1
                continue
        if i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((i - 1, None))
            dels += 1
            i -= 1
        else:
            pairs.append((None, j - 1))
            ins += 1
            j -= 1
    return Alignment(tuple(reversed(pairs)), hits, subs, dels, ins)


def wer(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """Word error rate of ``hypothesis`` against ``reference``, both normalised first.

    Either may be a text or a sequence of words (joined with spaces before normalising).

    Examples
    --------
    >>> wer("I've got 2 hands.", "ive got two hands")
    0.0
    >>> wer("the sky was turning blue", "the sky was burning")
    0.4
    """
    ref = reference if isinstance(reference, str) else " ".join(reference)
    hyp = hypothesis if isinstance(hypothesis, str) else " ".join(hypothesis)
    return align_words(normalise_words(ref), normalise_words(hyp)).wer
