"""Section labels: which segments of a song are the same material, and the letters shown.

Pure functions on the segments cut by the structure analysis
(:mod:`performia.analysis.structure`): the aligned similarity of two segments on a
similarity matrix, the lyric lines each segment holds and how many two share, average-linkage
clustering into labels, and the letters A, B, C … shown for them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import numpy as np

__all__ = [
    "aligned_similarity",
    "cluster",
    "letter",
    "lyric_similarity",
    "norm_text",
    "segment_lines",
]


def norm_text(text: str) -> str:
    """Lyric text for comparison: lower case, no punctuation, single spaces.

    Parameters
    ----------
    text : str
        One lyric line.

    Returns
    -------
    str
        The normalised line; empty when it held only punctuation and spaces.

    Examples
    --------
    >>> norm_text("  Oh, la   LA! ")
    'oh la la'
    """
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return re.sub(r"\s+", " ", text).strip()


def aligned_similarity(s: np.ndarray, a: tuple[int, int], b: tuple[int, int], step: int) -> float:
    """Best mean similarity along a diagonal of the ``a`` × ``b`` block (offsets of ``step``).

    The diagonal must cover half the shorter segment, so a 4-bar tag inside an 8-bar section
    can match it, but two segments do not match on a shared bar or two.

    Parameters
    ----------
    s : np.ndarray, shape (n, n)
        Beat-by-beat similarity matrix.
    a, b : (int, int)
        First and one-past-last beat of each segment.
    step : int
        Beats per bar: only diagonals offset by whole bars are tried.

    Returns
    -------
    float
        The best diagonal mean, or -1.0 when no diagonal is long enough.

    Examples
    --------
    >>> aligned_similarity(np.eye(8), (0, 4), (4, 8), 2)
    0.0
    """
    block = s[a[0] : a[1], b[0] : b[1]]
    la, lb = block.shape
    need = max(1, min(la, lb) // 2)
    best = -1.0
    for off in range(-(la - need), lb - need + 1):
        if off % step:
            continue
        d = np.diagonal(block, offset=off)
        if d.size >= need:
            best = max(best, float(d.mean()))
    return best


def segment_lines(
    lines: Sequence[tuple[float, float, str]], start: float, end: float
) -> tuple[list[str], float]:
    """Normalised texts of the lines centred in the segment, and the share of it that is sung.

    Parameters
    ----------
    lines : sequence of (start, end, text)
        Timed lyric lines (s).
    start, end : float
        The segment (s).

    Returns
    -------
    texts : list of str
        :func:`norm_text` of each non-empty line whose centre lies in ``[start, end)``.
    sung : float
        Share of the segment covered by lines.

    Examples
    --------
    >>> segment_lines([(0.0, 2.0, "Hello!"), (3.0, 4.0, "world")], 0.0, 2.5)
    (['hello'], 0.8)
    """
    texts, sung = [], 0.0
    for a, b, text in lines:
        a, b = float(a), float(b)
        sung += max(0.0, min(b, end) - max(a, start))
        if start <= 0.5 * (a + b) < end and norm_text(str(text)):
            texts.append(norm_text(str(text)))
    return texts, sung / max(end - start, 1e-9)


def lyric_similarity(x: list[str], y: list[str]) -> float:
    """Share of lyric lines two segments have in common.

    Parameters
    ----------
    x, y : list of str
        Normalised lines of each segment, as :func:`segment_lines` returns them.

    Returns
    -------
    float
        Lines in both (counted with repeats) over the longer list's length; 0.0 when either
        is empty.

    Examples
    --------
    >>> lyric_similarity(["a", "b", "c"], ["a", "c"])
    0.6666666666666666
    """
    if not x or not y:
        return 0.0
    common = sum(min(x.count(t), y.count(t)) for t in set(x))
    return common / max(len(x), len(y))


def cluster(sim: np.ndarray, threshold: float) -> list[int]:
    """Average-linkage clusters at ``threshold``, numbered in order of first appearance.

    Parameters
    ----------
    sim : np.ndarray, shape (m, m)
        Symmetric similarity of every pair of segments, 1 on the diagonal.
    threshold : float
        Segments join when their average similarity is at least this.

    Returns
    -------
    list of int
        Label of each segment; the first segment is 0.

    Examples
    --------
    >>> cluster(np.array([[1.0, 0.2, 0.9], [0.2, 1.0, 0.1], [0.9, 0.1, 1.0]]), 0.5)
    [0, 1, 0]
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(sim) == 1:
        return [0]
    dist = squareform(np.clip(1.0 - sim, 0.0, None), checks=False)
    clusters = fcluster(linkage(dist, "average"), t=1.0 - threshold, criterion="distance")
    order = {c: k for k, c in enumerate(dict.fromkeys(clusters.tolist()))}
    return [order[c] for c in clusters.tolist()]


def letter(i: int) -> str:
    """Letter shown for label ``i``: A … Z, then AA, AB ….

    Parameters
    ----------
    i : int
        Label, from 0.

    Returns
    -------
    str
        The label's letters.

    Examples
    --------
    >>> letter(0), letter(25), letter(26)
    ('A', 'Z', 'AA')
    """
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]
