"""Word-level global alignment of the user's lyrics against recognised words.

:func:`match_words` pairs two word sequences, both compared in the form :func:`normalise_word`
gives them (case-folded, accents and punctuation removed, apostrophes dropped, dropped g's
restored, a few sung spellings mapped to one form). It is Needleman-Wunsch with Gotoh's affine
gaps. A pair scores +1 when equal, ``2s - 1`` for a near miss with character similarity
``s >= 0.6`` between words of three letters or more ("there"/"their" 0.8, "heart"/"hard" 0.67),
-1 otherwise. Unmatched words cost 0.6 for the first of a run and 0.2 for each further one, so a
missed line is skipped as one block instead of being matched piecemeal to the next line that
shares a word or two with it; such a run is a little cheaper to open at a line break, and a little
dearer where the recording has no sung time for it (which settles ties between repeated words,
"la la la"). One given word may match two recognised words whose concatenation equals it
("tonight" / "to night", "gonna" / "going to") and two given words one recognised word
("any way" / "anyway").

Why hand-written: ``difflib`` matches exact tokens only, and no maintained Python library aligns
word sequences with a fuzzy score, affine gaps and merges; jiwer (which scores the word error
rate, :mod:`performia.transcription.wer`) finds the fewest exact-word edits, a different
question. ``rapidfuzz`` comes only with the ``bench`` extra (as jiwer's dependency), not with the
``transcribe`` stage's, so the character similarity is the standard library's
``difflib.SequenceMatcher`` (Ratcliff-Obershelp) and the DP is written out, in named steps
(:func:`_fill`, :func:`_fill_row`, :func:`_trace_back`). It is vectorised along each row (the
within-row gap recurrence is a running maximum): 0.8 s and about 100 MB for 5000 x 4500 words.

Timing the lyrics from the matched pairs is :mod:`performia.analysis.alignment`'s job.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from performia.transcription.normalise import fold, spell_number

__all__ = [
    "WordMatch",
    "match_words",
    "normalise_word",
    "word_similarity",
    "word_weight",
]

#: Cost of the first word of a run of unmatched words (either side), and of each further one.
GAP_OPEN = -0.6
GAP_EXTEND = -0.2
#: How much cheaper a run of unmatched given words is to open at a line start.
_LINE_BONUS = 0.1
#: Extra cost of an unmatched given word where the recording has no time for it, and the sung
#: time (s) from which a word has room enough.
_CROWD_COST = 0.3
_ROOM_PER_WORD_S = 0.3
#: Character similarity from which two different words count as a near miss (and an anchor).
NEAR = 0.6

_NEG = -1e9
_DIAG, _UP, _MERGE, _SPLIT = 0, 1, 2, 3

#: A matched group: given word indices, recognised word indices, similarity.
WordMatch = tuple[tuple[int, ...], tuple[int, ...], float]

_SPELLINGS = {
    "gonna": "goingto",
    "wanna": "wantto",
    "gotta": "gotto",
    "hafta": "haveto",
    "kinda": "kindof",
    "sorta": "sortof",
    "outta": "outof",
    "lotta": "lotof",
    "lemme": "letme",
    "gimme": "giveme",
    "cause": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "til": "until",
    "till": "until",
    "em": "them",
    "ya": "you",
    "tho": "though",
    "thru": "through",
    "nite": "night",
    "ok": "okay",
    "&": "and",
    "n": "and",
}
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_LETTER_WEIGHT = 0.1


def normalise_word(text: str) -> str:
    """The form words are compared in (never shown): ``"Goin',"`` → ``"going"``.

    >>> words = ["Don't", "(Gonna", "café!", "nothin'", "2", "21", "twenty-one"]
    >>> [normalise_word(w) for w in words]
    ['dont', 'goingto', 'cafe', 'nothing', 'two', 'twentyone', 'twentyone']
    """
    s = fold(text)
    if s in _SPELLINGS:
        return _SPELLINGS[s]
    s = re.sub(r"(?<=[a-z])in'(?=\W*$)", "ing", s)
    s = "".join(c for c in s if c.isalnum() or c == "&")
    if s[:1].isdigit():  # "21" and "twenty-one" compare equal: twentyone
        s = "".join(spell_number(s))
    return _SPELLINGS.get(s, s)


def word_similarity(a: str, b: str) -> float:
    """Character similarity of two normalised words, 0 to 1 (1 only when equal).

    >>> round(word_similarity("there", "their"), 2)
    0.8
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def word_weight(text: str) -> float:
    """Relative sung length of a word: its syllables, plus a little for each letter.

    Syllables are vowel groups, less a silent final "e" ("name", "more": one note each).

    >>> word_weight("Name"), word_weight("tonight")
    (1.4, 2.7)
    """
    norm = normalise_word(text)
    groups = len(_VOWEL_GROUPS.findall(norm))
    if groups > 1 and re.search(r"[^aeiouyl]e$", norm):
        groups -= 1
    return max(1, groups) + _LETTER_WEIGHT * len(norm)


def _score_table(
    given: list[str], recognised: list[str]
) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """Pair scores between the distinct normalised words of each side."""
    gv = {w: i for i, w in enumerate(dict.fromkeys(given))}
    rv = {w: i for i, w in enumerate(dict.fromkeys(recognised))}
    table = np.full((len(gv), len(rv)), -1.0, dtype=np.float64)
    for g, gi in gv.items():
        if not g:
            continue
        matcher = difflib.SequenceMatcher(None, "", g, autojunk=False)
        for r, ri in rv.items():
            if not r:
                continue
            if g == r:
                table[gi, ri] = 1.0
                continue
            if min(len(g), len(r)) < 3:
                continue  # "ne" is no near miss of "name", however the letters line up
            matcher.set_seq1(r)
            if matcher.real_quick_ratio() >= NEAR and matcher.quick_ratio() >= NEAR:
                s = matcher.ratio()
                if s >= NEAR:
                    table[gi, ri] = 2 * s - 1
    return table, gv, rv


def match_words(
    given: Sequence[str],
    recognised: Sequence[str],
    *,
    line_starts: Sequence[int] = (),
    room: Sequence[float] | None = None,
) -> list[WordMatch]:
    """Globally align two word sequences (already normalised with :func:`normalise_word`).

    Gaps are affine (Gotoh): opening a run of unmatched words costs more than extending it, so
    a line the recogniser missed is left out as one block rather than matched piecemeal to a
    later line that shares a few words with it. A run of unmatched given words is a little
    cheaper to open at one of ``line_starts``: when the next line begins with the same words
    as a missed one ("hold on …" / "hold me …"), the whole missed line is skipped, not the
    next line's first words.

    ``room`` (one entry per place between recognised words: before the first, between each
    pair, after the last) is the sung time there, in seconds. Unmatched given words cost a
    little more where there is no time to sing them, which settles ties between repeated words
    ("la la la"): the missing ones go where the recording has room for them.

    Returns
    -------
    list of (given indices, recognised indices, similarity)
        The matched groups in order: one given word to one recognised word (similarity from
        :func:`word_similarity`, a near miss or better), one to two, or two to one (similarity
        1, exact concatenations only). Words in no group are unmatched.

    Examples
    --------
    >>> match_words(["i", "love", "there", "tonight"], ["i", "love", "their", "to", "night"])
    [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 0.8), ((3,), (3, 4), 1.0)]
    """
    g, r = list(given), list(recognised)
    if not g or not r:
        return []
    grid = _Grid.start(g, r, line_starts=line_starts, crowd=_crowd_costs(room, len(r)))
    _fill(grid)
    return [(gi, ri, round(s, 3)) for gi, ri, s in _trace_back(grid) if _near(g, r, gi, ri, s)]


def _crowd_costs(room: Sequence[float] | None, m: int) -> np.ndarray:
    """Extra cost of an unmatched given word at each of the ``m + 1`` places between recognised
    words: up to :data:`_CROWD_COST` where ``room`` has no sung time for it, 0 where it has
    :data:`_ROOM_PER_WORD_S` or more (and everywhere when ``room`` is ``None``)."""
    if room is None:
        return np.zeros(m + 1)
    if len(room) != m + 1:
        raise ValueError("room needs one entry per place between recognised words (m + 1)")
    return -_CROWD_COST * np.clip(1.0 - np.asarray(room, dtype=float) / _ROOM_PER_WORD_S, 0, 1)


def _merge_targets(recognised: list[str], gv: dict[str, int]) -> np.ndarray:
    """For each ``j`` (of ``m + 1``), the given word (its id in ``gv``) that recognised words
    ``j - 2`` and ``j - 1`` spell together ("to" + "night"), or -1."""
    pair = np.full(len(recognised) + 1, -1)
    for j in range(2, len(recognised) + 1):
        if recognised[j - 2] and recognised[j - 1]:
            pair[j] = gv.get(recognised[j - 2] + recognised[j - 1], -1)
    return pair


@dataclass
class _Grid:
    """The dynamic programme over ``(given words + 1) x (recognised words + 1)`` cells.

    Three scores per cell (Gotoh): ``A`` ends with a match (one to one, one to two, two to one)
    or with an unmatched given word, ``X`` with an unmatched given word, ``Y`` with an unmatched
    recognised word; ``H`` is the best of ``A`` and ``Y``. Only the moves taken are kept, row by
    row, for :func:`_trace_back`.
    """

    given: list[str]
    recognised: list[str]
    #: Pair scores between distinct words; each recognised word → its column of ``table``
    #: (for two given words that spell one recognised word); each word's row or column.
    table: np.ndarray
    rv: dict[str, int]
    gid: np.ndarray
    rid: np.ndarray
    #: See :func:`_merge_targets`.
    rec_pair: np.ndarray
    #: Given word indices that start a line, and :func:`_crowd_costs`.
    line_starts: set[int]
    crowd: np.ndarray
    #: The best non-``Y`` move into each cell (``_DIAG``, ``_UP``, ``_MERGE``, ``_SPLIT``).
    a_how: np.ndarray
    #: Whether ``H`` came from ``Y``; whether ``X`` and ``Y`` extended a run (else opened one).
    h_from_y: np.ndarray
    x_ext: np.ndarray
    y_ext: np.ndarray

    @classmethod
    def start(
        cls,
        given: list[str],
        recognised: list[str],
        *,
        line_starts: Sequence[int],
        crowd: np.ndarray,
    ) -> _Grid:
        table, gv, rv = _score_table(given, recognised)
        shape = (len(given) + 1, len(recognised) + 1)
        return cls(
            given=given,
            recognised=recognised,
            table=table,
            rv=rv,
            gid=np.array([gv[w] for w in given]),
            rid=np.array([rv[w] for w in recognised]),
            rec_pair=_merge_targets(recognised, gv),
            line_starts=set(line_starts),
            crowd=crowd,
            a_how=np.zeros(shape, dtype=np.int8),
            h_from_y=np.zeros(shape, dtype=bool),
            x_ext=np.zeros(shape, dtype=bool),
            y_ext=np.zeros(shape, dtype=bool),
        )


def _fill(grid: _Grid) -> None:
    """Score every row of ``grid`` (in place): row 0, where only recognised words are skipped,
    then one row per given word."""
    m = len(grid.recognised)
    cols = np.arange(m + 1)
    a_row = np.full(m + 1, _NEG)
    a_row[0] = 0.0
    y_row = _y_row(a_row, cols)
    grid.y_ext[0, 2:] = True
    grid.h_from_y[0, 1:] = True
    h_prev2, h_prev, x_prev = None, np.maximum(a_row, y_row), np.full(m + 1, _NEG)
    for i in range(1, len(grid.given) + 1):
        h_row, x_row = _fill_row(grid, i, h_prev, h_prev2, x_prev, cols)
        h_prev2, h_prev, x_prev = h_prev, h_row, x_row


def _fill_row(
    grid: _Grid,
    i: int,
    h_prev: np.ndarray,
    h_prev2: np.ndarray | None,
    x_prev: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Row ``i`` (given word ``i - 1``) from the rows before it: its ``H`` and ``X`` scores,
    its moves recorded in ``grid``."""
    g, m = grid.given, len(grid.recognised)
    x_open = h_prev + GAP_OPEN + grid.crowd + (_LINE_BONUS if i - 1 in grid.line_starts else 0.0)
    x_more = x_prev + GAP_EXTEND + grid.crowd
    x_row = np.maximum(x_open, x_more)
    grid.x_ext[i] = x_more > x_open
    a_row = x_row.copy()
    how = np.full(m + 1, _UP, dtype=np.int8)
    diag = h_prev[:-1] + grid.table[grid.gid[i - 1], grid.rid]
    _better(a_row, how, 1, diag, _DIAG)
    if m >= 2:  # one given word = two recognised words
        merge = np.where(grid.rec_pair[2:] == grid.gid[i - 1], h_prev[:-2] + 1.0, _NEG)
        _better(a_row, how, 2, merge, _MERGE)
    if h_prev2 is not None and g[i - 2] and g[i - 1]:  # two given words = one recognised word
        pair = grid.rv.get(g[i - 2] + g[i - 1], -1)
        if pair >= 0:
            split = np.where(grid.rid == pair, h_prev2[:-1] + 1.0, _NEG)
            _better(a_row, how, 1, split, _SPLIT)
    y_row = _y_row(a_row, cols)
    grid.y_ext[i, 1:] = y_row[1:] > a_row[:-1] + GAP_OPEN + 1e-9
    h_row = np.maximum(a_row, y_row)
    grid.h_from_y[i] = y_row > a_row + 1e-9
    grid.a_how[i] = how
    return h_row, x_row


def _trace_back(grid: _Grid) -> list[WordMatch]:
    """The matched groups on the best path through ``grid``, in order (before the near-miss
    filter), from the last cell back to the first."""
    g, r = grid.given, grid.recognised
    out: list[WordMatch] = []
    i, j, state = len(g), len(r), "H"
    while i > 0 or j > 0:
        if i == 0:
            state = "Y"
        elif j == 0:
            state = "X"
        if state == "H":
            state = "Y" if grid.h_from_y[i, j] else "A"
        if state == "Y":
            state = "Y" if grid.y_ext[i, j] else "A"
            j -= 1
            continue
        if state == "X":
            state = "X" if grid.x_ext[i, j] else "H"
            i -= 1
            continue
        step = grid.a_how[i, j]
        if step == _UP:
            state = "X"
            continue
        if step == _DIAG:
            out.append(((i - 1,), (j - 1,), word_similarity(g[i - 1], r[j - 1])))
            i, j = i - 1, j - 1
        elif step == _MERGE:
            out.append(((i - 1,), (j - 2, j - 1), 1.0))
            i, j = i - 1, j - 2
        else:
            out.append(((i - 2, i - 1), (j - 1,), 1.0))
            i, j = i - 2, j - 1
        state = "H"
    out.reverse()
    return out


def _near(g: list[str], r: list[str], gi: tuple[int, ...], ri: tuple[int, ...], s: float) -> bool:
    """A pair counts as matched when equal, or a near miss between words of 3 letters or more
    ("ne" is not "name", however the letters line up)."""
    if s >= 1.0 or len(gi) > 1 or len(ri) > 1:
        return s >= NEAR
    return s >= NEAR and min(len(g[gi[0]]), len(r[ri[0]])) >= 3


def _better(row: np.ndarray, how: np.ndarray, first: int, cand: np.ndarray, code: int) -> None:
    """Where ``cand`` beats ``row[first:]``, take it and record the move (in place)."""
    take = cand > row[first:]
    row[first:][take] = cand[take]
    how[first:][take] = code


def _y_row(a_row: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Best score ending with recognised word ``j`` unmatched: an affine run of skipped words
    opened after some ``k < j``. ``max_k (A[k] + OPEN + (j-1-k) EXTEND)`` is a running maximum,
    which is what lets the row be computed without a Python loop."""
    y = np.full(len(a_row), _NEG)
    if len(a_row) > 1:
        run = np.maximum.accumulate(a_row - cols * GAP_EXTEND)[:-1]
        y[1:] = GAP_OPEN + (cols[1:] - 1) * GAP_EXTEND + run
    return y
