"""Keyword ranking and fusion: pure functions, checked on texts whose answer is obvious."""

from __future__ import annotations

import numpy as np
import pytest

from performia.kb.ranking import (
    KeywordIndex,
    fuse_scores,
    reciprocal_rank_fusion,
    tokenize,
)

TEXTS = [
    "Chord recognition › No chord\nA beat far quieter than the song is N, no chord.",
    "Settings › Analysis\nPERFORMIA_ASR_INPUT chooses what recognition hears: vocals or mix.",
    "Count-ins › Pickups\nThe singer's first word comes before the first downbeat.",
]


def test_tokenize_keeps_identifiers_drops_stop_words_and_plural_s():
    assert tokenize("What does PERFORMIA_ASR_INPUT do for the chords?") == [
        "performia_asr_input",
        "chord",
    ]
    assert tokenize("F#m7 and Bbmaj7") == ["f#m7", "bbmaj7"]
    assert tokenize("the of and") == []
    assert tokenize("class bass") == ["class", "bass"]  # "ss" is not a plural


def test_bm25_ranks_the_passage_holding_the_rare_term_first():
    index = KeywordIndex(TEXTS)
    ranked = index.rank("which setting is PERFORMIA_ASR_INPUT", k=3)
    assert ranked[0][0] == 1
    assert all(score > 0 for _, score in ranked)
    assert index.rank("the of and", k=3) == []  # nothing left to match
    assert index.scores("zzz unknown").tolist() == [0.0, 0.0, 0.0]


def test_fusion_keeps_a_confident_rankers_margin():
    dense = np.array([0.2, 0.9, 0.3, 0.25])  # sure of passage 1
    lexical = np.array([1.0, 0.9, 0.0, 0.0])  # slightly prefers passage 0
    fused = fuse_scores(dense, lexical, dense_weight=0.5)
    assert int(np.argmax(fused)) == 1
    # weight 1 is the dense order, weight 0 the lexical order
    assert np.argsort(-fuse_scores(dense, lexical, dense_weight=1.0)).tolist() == [1, 2, 3, 0]
    assert int(np.argmax(fuse_scores(dense, lexical, dense_weight=0.0))) == 0


def test_fusion_ignores_a_ranker_with_no_signal():
    dense = np.array([0.1, 0.5, 0.3])
    flat = np.zeros(3)  # no query word indexed
    assert np.argsort(-fuse_scores(dense, flat)).tolist() == [1, 2, 0]
    with pytest.raises(ValueError, match="shape"):
        fuse_scores(dense, np.zeros(2))
    with pytest.raises(ValueError, match="dense_weight"):
        fuse_scores(dense, flat, dense_weight=1.5)


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], k=2, rrf_k=60)
    assert [pid for pid, _ in fused] == ["b", "a"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
