"""Metrical decisions on a tracked beat grid: pulse clarity, tempo octave and bar phase.

Pure functions of madmom's beat and downbeat activations (at :data:`ACTIVATION_FPS`) and of
per-beat features, used by :func:`performia.analysis.rhythm.track_rhythm` to check the
decoder's answer:

* :func:`pulse_clarity`: how much of the beat activation lies on the tracked grid, above
  chance; too little means no steady beat (a rubato solo voice).
* :func:`choose_metrical_level`: halve or double the tracked tempo only when the network's own
  beat activation contradicts it *and* a log-Gaussian tempo prior favours the new tempo.
* :func:`choose_bar_phase`: move the bar phase, where the network's downbeat activation cannot
  tell two phases apart, to the one that carries a clearly stronger low-frequency accent or
  bass-harmony change in three quarters of the bars, with a significant sign test, and the other
  cue does not contradict it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

__all__ = [
    "ACTIVATION_FPS",
    "DEFAULT_MAX_BPM",
    "DEFAULT_MIN_BPM",
    "choose_bar_phase",
    "choose_metrical_level",
    "pulse_clarity",
]

#: Frame rate of madmom's beat and downbeat activations (frames per second).
ACTIVATION_FPS = 100
#: Tempo range the decoder searches (BPM); madmom's defaults.
DEFAULT_MIN_BPM = 55.0
DEFAULT_MAX_BPM = 215.0

#: Frames either side of a beat in which its activation peak is looked for.
PEAK_RADIUS = 2
#: Frames either side of a beat counted as "on the grid" for the pulse clarity.
GRID_RADIUS = 3
#: Fewer beats than this is no beat.
MIN_BEATS = 4

#: Centre and width (octaves) of the log-Gaussian tempo prior used as the octave tie-break.
PRIOR_CENTRE_BPM = 110.0
PRIOR_WIDTH_OCTAVES = 1.0
#: Halve the tempo when the weaker alternate beats carry at most this share of the activation
#: of the stronger ones (the network does not hear them as beats); the stricter value applies
#: when the prior prefers the tracked tempo. Measured: tracked tempi 0.54 and up, beat grids
#: forced to twice the tempo 0.05 and below.
HALF_CONTRAST = 0.3
HALF_CONTRAST_AGAINST_PRIOR = 0.1
#: Double the tempo when the midpoints between beats carry at least this share of the beats'
#: activation (the network hears beats between the beats); the stricter value applies when the
#: prior prefers the tracked tempo. Measured: tracked tempi 0.19 and below, grids forced to
#: half the tempo 0.54 to 1.2.
DOUBLE_SUPPORT = 0.7
DOUBLE_SUPPORT_AGAINST_PRIOR = 0.9

#: A bar phase is ambiguous to the network when its downbeat activation is at least this share
#: of the chosen phase's.
PHASE_AMBIGUITY = 0.5
#: A cue moves the bar phase when it favours the alternative in at least this share of bars ...
PHASE_WIN_SHARE = 0.75
#: ... with a one-sided sign-test p-value at most this.
PHASE_ALPHA = 0.01
#: Differences smaller than these are ties in the sign test (dB; cosine distance).
ACCENT_TIE_DB = 0.25
CHANGE_TIE = 0.02
#: Fewest complete bars for a bar-phase decision.
PHASE_MIN_BARS = 4


# ---------------------------------------------------------------------------------- helpers


def _peak_values(strength: np.ndarray, frames: np.ndarray, radius: int) -> np.ndarray:
    """Maximum of ``strength`` within ``radius`` frames of each (rounded) frame."""
    idx = np.clip(np.round(frames).astype(int), 0, len(strength) - 1)
    offsets = np.arange(-radius, radius + 1)
    window = np.clip(idx[:, None] + offsets[None, :], 0, len(strength) - 1)
    return strength[window].max(axis=1)


# ---------------------------------------------------------------------------- pure decisions


def pulse_clarity(*, activation: np.ndarray, beat_frames: np.ndarray) -> float:
    """Share of the beat activation that lies on the tracked grid, above chance, in [0, 1].

    Parameters
    ----------
    activation : np.ndarray, shape (frames,)
        Beat probability per frame (beat plus downbeat) at :data:`ACTIVATION_FPS`.
    beat_frames : np.ndarray, shape (beats,)
        Tracked beats, in frames.

    Returns
    -------
    float
        ``(on - chance) / (1 - chance)`` where ``on`` is the share of the activation within
        :data:`GRID_RADIUS` frames of a beat over the tracked span and ``chance`` the share of
        frames so covered; 0 for an activation unrelated to the grid, 1 when all of it is on it.
    """
    if len(beat_frames) < 2:
        return 0.0
    idx = np.round(beat_frames).astype(int)
    lo = max(0, idx[0] - GRID_RADIUS)
    hi = min(len(activation), idx[-1] + GRID_RADIUS + 1)
    on_grid = np.zeros(len(activation), dtype=bool)
    for f in idx:
        on_grid[max(0, f - GRID_RADIUS) : f + GRID_RADIUS + 1] = True
    total = float(activation[lo:hi].sum())
    if total <= 0:
        return 0.0
    share = float(activation[lo:hi][on_grid[lo:hi]].sum()) / total
    chance = float(on_grid[lo:hi].mean())
    return float(np.clip((share - chance) / max(1.0 - chance, 1e-9), 0.0, 1.0))


def _prior(bpm: float) -> float:
    return math.exp(-0.5 * (math.log2(bpm / PRIOR_CENTRE_BPM) / PRIOR_WIDTH_OCTAVES) ** 2)


def choose_metrical_level(
    *,
    activation: np.ndarray,
    beat_frames: np.ndarray,
    min_bpm: float = DEFAULT_MIN_BPM,
    max_bpm: float = DEFAULT_MAX_BPM,
) -> float:
    """Whether the tracked tempo should be halved (0.5), doubled (2.0) or kept (1.0).

    A switch needs the network's own beat activation to contradict the tracked level, clearly
    where a log-Gaussian tempo prior (centre :data:`PRIOR_CENTRE_BPM`, width
    :data:`PRIOR_WIDTH_OCTAVES` octaves) prefers the new tempo and decisively where it prefers
    the tracked one; the new tempo must lie in ``[min_bpm, max_bpm]``.

    * half: the median activation of the weaker set of alternate beats is at most
      :data:`HALF_CONTRAST` (:data:`HALF_CONTRAST_AGAINST_PRIOR`) of the stronger set's
      (every other "beat" is silence the decoder filled in);
    * double: the median activation at the midpoints between beats is at least
      :data:`DOUBLE_SUPPORT` (:data:`DOUBLE_SUPPORT_AGAINST_PRIOR`) of that at the beats.

    The decoder already chooses the tempo path that best explains the activation, so this
    rarely fires; it catches a decoder held at the wrong level (by its tempo range or its
    tempo-change penalty). An octave error the network itself makes (it hears the beat on the
    eighths) leaves no trace in the activation and is not corrected.

    Parameters
    ----------
    activation : np.ndarray, shape (frames,)
        Beat probability per frame at :data:`ACTIVATION_FPS`.
    beat_frames : np.ndarray, shape (beats,)
        Tracked beats, in frames.
    min_bpm, max_bpm : float
        Allowed tempo range (BPM).

    Returns
    -------
    float
        0.5, 1.0 or 2.0.
    """
    if len(beat_frames) < 2 * MIN_BEATS:
        return 1.0
    tempo = 60.0 * ACTIVATION_FPS / float(np.median(np.diff(beat_frames)))
    at_beats = _peak_values(activation, beat_frames, PEAK_RADIUS)
    strong = float(np.median(at_beats))
    if strong <= 0:
        return 1.0
    even, odd = float(np.median(at_beats[0::2])), float(np.median(at_beats[1::2]))
    contrast = min(even, odd) / max(even, odd, 1e-12)
    limit = HALF_CONTRAST if _prior(tempo / 2) > _prior(tempo) else HALF_CONTRAST_AGAINST_PRIOR
    if tempo / 2 >= min_bpm and contrast <= limit:
        return 0.5
    midpoints = 0.5 * (beat_frames[1:] + beat_frames[:-1])
    support = float(np.median(_peak_values(activation, midpoints, PEAK_RADIUS))) / strong
    limit = DOUBLE_SUPPORT if _prior(tempo * 2) > _prior(tempo) else DOUBLE_SUPPORT_AGAINST_PRIOR
    if tempo * 2 <= max_bpm and support >= limit:
        return 2.0
    return 1.0


def _sign_test(diff: np.ndarray, tie: float) -> tuple[float, float]:
    """Share of non-tied pairs with ``diff > 0`` and the one-sided sign-test p-value."""
    diff = diff[np.isfinite(diff)]
    wins, losses = int(np.sum(diff > tie)), int(np.sum(diff < -tie))
    if wins + losses == 0:
        return 0.5, 1.0
    p = binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue
    return wins / (wins + losses), float(p)


def _clear(diff: np.ndarray, tie: float) -> bool:
    share, p = _sign_test(diff, tie)
    return share >= PHASE_WIN_SHARE and p <= PHASE_ALPHA


def choose_bar_phase(
    *,
    positions: np.ndarray,
    downbeat_activation: np.ndarray,
    accent: np.ndarray,
    change: np.ndarray,
) -> int:
    """How many beats to move the downbeat later (0 keeps the decoder's bar phase).

    The decoder picks the bar phase from the network's downbeat activation. Another phase ``k``
    is considered only where that activation is ambiguous (its mean at phase ``k`` is at least
    :data:`PHASE_AMBIGUITY` of the chosen phase's). It wins when, comparing beat ``k`` with
    beat 1 bar by bar, one cue favours ``k`` clearly (in at least :data:`PHASE_WIN_SHARE` of
    the bars and with a sign-test p-value at most :data:`PHASE_ALPHA`) and the other cue does
    not clearly favour beat 1. The cues are the low-frequency accent (kick and bass land on the
    downbeat) and the bass-harmony change (chords change on the downbeat).

    Parameters
    ----------
    positions : np.ndarray of int, shape (beats,)
        Bar position of each beat (1 = downbeat), as decoded.
    downbeat_activation : np.ndarray, shape (beats,)
        The network's downbeat probability at each beat.
    accent : np.ndarray, shape (beats,)
        Low-frequency power after each beat (dB).
    change : np.ndarray, shape (beats,)
        Bass-chroma change into each beat (NaN where undefined).

    Returns
    -------
    int
        Shift ``k`` in ``[0, meter)``: the beat at position ``1 + k`` becomes the downbeat.
    """
    meter = int(positions.max()) if len(positions) else 0
    if meter < 2:
        return 0
    firsts = np.flatnonzero(positions == 1)
    firsts = firsts[firsts + meter - 1 < len(positions)]  # complete bars only
    if len(firsts) < PHASE_MIN_BARS:
        return 0
    chosen = float(np.mean(downbeat_activation[firsts]))
    best, best_p = 0, 1.0
    for k in range(1, meter):
        alt = firsts + k
        if np.mean(downbeat_activation[alt]) < PHASE_AMBIGUITY * chosen:
            continue
        d_accent = accent[alt] - accent[firsts]
        d_change = change[alt] - change[firsts]
        for cue, other, cue_tie, other_tie in (
            (d_accent, d_change, ACCENT_TIE_DB, CHANGE_TIE),
            (d_change, d_accent, CHANGE_TIE, ACCENT_TIE_DB),
        ):
            if _clear(cue, cue_tie) and not _clear(-other, other_tie):
                p = _sign_test(cue, cue_tie)[1]
                if p < best_p:
                    best, best_p = k, p
    return best
