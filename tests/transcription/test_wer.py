"""Word error rate and the word edits behind it (jiwer), on hand-checked cases."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from performia.transcription.wer import wer, word_edits


def test_wer_counts_each_kind_of_error():
    ref = ["the", "sky", "was", "turning", "blue"]
    assert word_edits(ref, ref).wer == 0.0
    sub = word_edits(ref, ["the", "sky", "was", "burning", "blue"])
    assert (sub.substitutions, sub.deletions, sub.insertions, sub.hits) == (1, 0, 0, 4)
    dele = word_edits(ref, ["the", "sky", "turning", "blue"])
    assert (dele.substitutions, dele.deletions, dele.insertions) == (0, 1, 0)
    ins = word_edits(ref, ["oh", "the", "sky", "was", "turning", "blue"])
    assert (ins.substitutions, ins.deletions, ins.insertions) == (0, 0, 1)
    assert ins.wer == pytest.approx(1 / 5)


def test_alignment_pairs_equal_words():
    ref = ["a", "b", "c", "d"]
    hyp = ["a", "x", "c", "d", "e"]
    edits = word_edits(ref, hyp)
    assert edits.pairs == ((0, 0), (1, 1), (2, 2), (3, 3), (None, 4))
    assert edits.errors == 2


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


def test_equal_words_line_up_where_edits_tie():
    # Two substitutions and two hits cost as much as an insertion, three hits and a deletion;
    # jiwer takes the second, which times one more word for the onset error.
    edits = word_edits(["d", "d", "b", "a"], ["a", "d", "d", "a"])
    assert edits.pairs == ((None, 0), (0, 1), (1, 2), (2, None), (3, 3))
    assert (edits.hits, edits.substitutions, edits.deletions, edits.insertions) == (3, 0, 1, 1)
    assert edits.wer == 0.5


def test_a_token_is_never_split():
    # the lyric bench compares one token per recognised word, "twenty one" included
    edits = word_edits(["twenty one", "candles"], ["twenty one", "handles"])
    assert edits.pairs == ((0, 0), (1, 1)) and edits.hits == 1


def _distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def test_edits_are_a_minimum_alignment_of_every_word():
    rng = random.Random(0)
    for _ in range(300):
        ref = rng.choices("abcd", k=rng.randint(0, 8))
        hyp = rng.choices("abcd", k=rng.randint(0, 8))
        edits = word_edits(ref, hyp)
        assert [i for i, _ in edits.pairs if i is not None] == list(range(len(ref)))
        assert [j for _, j in edits.pairs if j is not None] == list(range(len(hyp)))
        assert edits.errors == _distance(ref, hyp)
        assert edits.hits == sum(
            i is not None and j is not None and ref[i] == hyp[j] for i, j in edits.pairs
        )


def test_the_transcribe_stage_runs_without_jiwer():
    # jiwer is in the bench extra, not in the transcribe function's image
    code = (
        "import sys; sys.modules['jiwer'] = None; "
        "import performia.stages.transcribe, performia.analysis.word_timing"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
