"""Keyword ranking (BM25) and rank fusion: pure functions over passages' text.

Dense retrieval (all-MiniLM-L6-v2) finds passages that *mean* what a question asks even in other
words ("my chords sound a half step off" → the tuning section); BM25 finds the rare exact term a
small embedding model blurs (``PERFORMIA_ASR_INPUT``, ``--max-duration``, "htdemucs").
Two ways of combining them are offered, and the question-set benchmark (:mod:`performia.kb.bench`)
chose between them:

* :func:`fuse_scores` (the ``hybrid`` default): each ranker's scores over *every* passage are
  standardised (z-scores: how far above that query's typical passage a passage stands), then
  mixed, :data:`DENSE_WEIGHT` dense to the rest BM25. A passage one ranker is sure of keeps that
  margin, which rank-only fusion throws away.
* :func:`reciprocal_rank_fusion` (``rrf``; Cormack, Clarke & Büttcher 2009): each passage
  scores ``Σ 1 / (RRF_K + rank)`` over the rankings; no score calibration at all, but a passage
  ranked 4th by one ranker and 30th by the other loses to one ranked 8th by both.

Measured with ``performia kb bench`` (recall@5 of the answering *section*). On the 71 questions
written first: dense 0.873, BM25 0.901, RRF 0.873, score fusion 0.958. Choosing the weight on
random halves of those questions and scoring on the other halves gave 0.972 on average (weights
0.5-0.7 chosen), so the gain is not an artefact of tuning on the test questions; 0.6 is the
middle of that range. Twenty questions written afterwards and scored once: fusion 0.95, RRF 0.95,
dense 1.0, BM25 0.85. On all 91: fusion 0.967 (MRR 0.782), dense, BM25 and RRF 0.901.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from performia.kb.engines import import_bm25

__all__ = [
    "DENSE_WEIGHT",
    "RRF_K",
    "KeywordIndex",
    "fuse_scores",
    "reciprocal_rank_fusion",
    "tokenize",
]

#: The fusion constant of Cormack et al. (60): damps the weight of the very first ranks.
RRF_K = 60
#: Share of the dense ranker in :func:`fuse_scores` (BM25 has the rest); see the module notes.
DENSE_WEIGHT = 0.6
_TOKEN = re.compile(r"[a-z0-9]+(?:[_#][a-z0-9]+)*")
#: English function words, which only add noise to a keyword match.
# fmt: off
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has",
    "have", "how", "i", "if", "in", "into", "is", "it", "its", "my", "of", "on", "or", "so",
    "that", "the", "their", "then", "there", "this", "to", "was", "what", "when", "where",
    "which", "who", "why", "will", "with", "you", "your",
})
# fmt: on


def tokenize(text: str) -> list[str]:
    """Lower-case words and identifiers (``performia_asr_input``, ``f#m7``), stop words out.

    A plural ``s`` is dropped from words of four letters or more, so "chords" matches "chord".
    """
    out = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOP:
            continue
        if len(token) >= 4 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


class KeywordIndex:
    """BM25 (Okapi, rank-bm25's defaults k1 = 1.5, b = 0.75) over a fixed list of texts."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._bm25 = import_bm25().BM25Okapi([tokenize(t) or ["\x00"] for t in texts])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for ``query``, shape ``(size,)``; zeros when no query word
        is indexed."""
        terms = tokenize(query)
        if not terms or self.size == 0:
            return np.zeros(self.size)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float64)

    def rank(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best ``(position, score)`` pairs, best first; passages sharing no word with
        the query are left out."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


def _standardise(x: np.ndarray) -> np.ndarray:
    spread = float(x.std())
    return (x - x.mean()) / spread if spread > 0 else np.zeros_like(x)


def fuse_scores(
    dense: np.ndarray, lexical: np.ndarray, *, dense_weight: float = DENSE_WEIGHT
) -> np.ndarray:
    """Mix dense and BM25 scores of the same passages after standardising each.

    Parameters
    ----------
    dense, lexical : np.ndarray, shape (n,)
        Cosine similarities and BM25 scores of every passage, in the same order.
    dense_weight : float
        Weight of the dense scores, in [0, 1]; BM25 gets the rest.

    Returns
    -------
    np.ndarray, shape (n,)
        Fused scores (in standard deviations above each ranker's mean); higher is better. A
        ranker whose scores are all equal (no query word indexed) contributes nothing.
    """
    if dense.shape != lexical.shape:
        raise ValueError(f"score arrays differ in shape: {dense.shape} and {lexical.shape}")
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError(f"dense_weight must be in [0, 1], got {dense_weight}")
    return dense_weight * _standardise(dense) + (1.0 - dense_weight) * _standardise(lexical)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], *, k: int, rrf_k: int = RRF_K
) -> list[tuple[str, float]]:
    """Fuse rankings of ids (best first) into the ``k`` best ``(id, score)`` pairs.

    Ties are broken by the first ranking's order (the dense one, when it is given first).
    """
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (rrf_k + rank)
            first_seen.setdefault(item, len(first_seen))
    best = sorted(scores, key=lambda i: (-scores[i], first_seen[i]))[:k]
    return [(i, scores[i]) for i in best]
