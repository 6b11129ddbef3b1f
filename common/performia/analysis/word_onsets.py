"""Word starts moved onto the voice's own onsets.

Whisper's word times come from attention over 20 ms frames: the words are right, but their
starts lag the sound. On the lyrics benchmark, words recognised correctly start a median
0.12 s late (10th-90th percentile -0.12 to +0.22 s). The vocals stem says where sound begins:
each word start is moved to the nearest onset of the stem (librosa's onset detector on the
spectral flux, backtracked to the energy minimum before the attack, which is where a sung word
begins) up to :data:`EARLIER_S` before the recognised time, keeping the words in order. A start
only moves earlier: the onsets just after a recognised start are mostly the word's own second
syllable. A word with no onset near it keeps its time: legato singing glides between words, and
then the recognised time is the best there is.

Measured on the lyrics benchmark (8 songs, 547 words, given lyrics): mean onset error 0.126 s
→ 0.089 s; words within 0.3 s 96.9 % → 96.0 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from performia.analysis.backends import import_librosa
from performia.analysis.results import Word

__all__ = ["EARLIER_S", "LATER_S", "refine_word_starts", "voice_onsets"]

#: How far before and after a recognised start an onset is looked for (s): recognised starts
#: lag the sound (a median 0.12 s, 90th percentile 0.22 s), they seldom lead it.
EARLIER_S = 0.25
LATER_S = 0.0
#: A word keeps at least this much of its length after its start moves (s).
MIN_WORD_S = 0.05
#: Onset envelope hop (s).
HOP_S = 0.01


def voice_onsets(*, y: np.ndarray, sr: int) -> np.ndarray:
    """Onset times (s) of a vocals stem, each at the energy minimum before its attack."""
    librosa = import_librosa()
    y = np.asarray(y, dtype=np.float32)
    if y.size < sr // 10 or not np.any(y):
        return np.zeros(0)
    hop = max(1, round(HOP_S * sr))
    envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    frames = librosa.onset.onset_detect(
        onset_envelope=envelope, sr=sr, hop_length=hop, backtrack=False
    )
    if frames.size == 0:
        return np.zeros(0)
    rms = librosa.feature.rms(y=y, frame_length=4 * hop, hop_length=hop)[0]
    frames = librosa.onset.onset_backtrack(frames, rms)
    return np.unique(librosa.frames_to_time(frames, sr=sr, hop_length=hop))


def refine_word_starts(
    words: Sequence[Word],
    onsets: np.ndarray,
    *,
    earlier_s: float = EARLIER_S,
    later_s: float = LATER_S,
) -> tuple[tuple[Word, ...], int]:
    """Move each word's start to the nearest onset near it, in order; and how many moved.

    Parameters
    ----------
    words : sequence of Word
        In singing order, times monotonic.
    onsets : np.ndarray
        Sorted onset times (s), from :func:`voice_onsets`.
    earlier_s, later_s : float
        The window around each recognised start in which an onset is taken (s).

    Returns
    -------
    words : tuple of Word
        Same texts and ends; a start moves only to an onset after the previous word's start and
        at least :data:`MIN_WORD_S` before its own end, and an onset serves one word.
    moved : int
    """
    out: list[Word] = []
    moved = 0
    floor = -np.inf  # a start must come after the previous word's start
    onsets = np.asarray(onsets, dtype=float)
    for word in words:
        lo = max(word.start - earlier_s, floor)
        hi = min(word.start + later_s, word.end - MIN_WORD_S)
        near = onsets[(onsets > lo) & (onsets <= hi)]
        if near.size:
            start = float(near[np.argmin(np.abs(near - word.start))])
            if abs(start - word.start) > 1e-3:
                word = replace(word, start=round(start, 3))
                moved += 1
        out.append(word)
        floor = word.start + 1e-3
    # a moved start may now precede the previous word's end: end that word there
    for i in range(1, len(out)):
        if out[i - 1].end > out[i].start:
            out[i - 1] = replace(out[i - 1], end=max(out[i - 1].start + 1e-3, out[i].start))
    return tuple(out), moved
