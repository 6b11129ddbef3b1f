"""Word error rate, and the word-by-word edits behind it, by jiwer.

The word error rate is ``(substitutions + deletions + insertions) / reference words`` over a
minimum-edit (Levenshtein) alignment of two word sequences, after both are normalised the same
way (:func:`~performia.transcription.normalise.normalise_words`: case, accents, apostrophes,
punctuation, numbers spelt out). jiwer (Apache-2.0, the usual library; it computes the edits
with rapidfuzz) does the alignment: :func:`word_edits` hands it the normalised words as they
are, one sentence, since its own transforms would split a token on spaces and cannot spell
numbers.

Besides the counts, jiwer's alignment says which recognised word is which reference word, which
is what the benchmarks' onset error needs (:func:`performia.bench.transcription.score_words`).
Where several alignments have the fewest edits, the total of errors, and so the error rate, is
the same for all of them, but the split into hits, substitutions, deletions and insertions is
not. jiwer's choice mostly keeps more words equal than a table walked back preferring
substitutions (this module's hand-written one until jiwer came in): ``d d b a`` against
``a d d a`` is an insertion, three hits and a deletion, not two hits and two substitutions.
Over 20 000 random lists of up to 8 words (2 to 6 distinct) it had more hits than that table in
7 % of them and fewer in one.

jiwer is in the ``bench`` extra: only the benchmarks and the tests score words, so the
``transcribe`` stage never imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jiwer
from jiwer.transforms import AbstractTransform

from performia.transcription.normalise import normalise_words

__all__ = [
    "WordEdits",
    "wer",
    "word_edits",
]


@dataclass(frozen=True)
class WordEdits:
    """The edits that turn the reference words into the hypothesis, word by word.

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


class _AsOneSentence(AbstractTransform):
    """jiwer's input as one sentence of already normalised words, each kept whole."""

    def __call__(self, sentences: str | list[str]) -> list[list[str]]:
        return [[sentences] if isinstance(sentences, str) else list(sentences)]


_WORDS = _AsOneSentence()


def word_edits(reference: Sequence[str], hypothesis: Sequence[str]) -> WordEdits:
    """The minimum edits between two word lists, compared exactly (normalise them first).

    Examples
    --------
    >>> edits = word_edits(["the", "sky", "was", "blue"], ["the", "sky", "is", "blue", "oh"])
    >>> edits.pairs
    ((0, 0), (1, 1), (2, 2), (3, 3), (None, 4))
    >>> edits.substitutions, edits.insertions, edits.wer
    (1, 1, 0.5)
    """
    out = jiwer.process_words(
        list(reference),
        list(hypothesis),
        reference_transform=_WORDS,
        hypothesis_transform=_WORDS,
    )
    pairs: list[tuple[int | None, int | None]] = []
    for chunk in out.alignments[0]:
        refs = range(chunk.ref_start_idx, chunk.ref_end_idx)
        hyps = range(chunk.hyp_start_idx, chunk.hyp_end_idx)
        if chunk.type == "delete":
            pairs.extend((i, None) for i in refs)
        elif chunk.type == "insert":
            pairs.extend((None, j) for j in hyps)
        else:  # equal or substitute: one to one
            pairs.extend(zip(refs, hyps, strict=True))
    return WordEdits(tuple(pairs), out.hits, out.substitutions, out.deletions, out.insertions)


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
    return word_edits(normalise_words(ref), normalise_words(hyp)).wer
