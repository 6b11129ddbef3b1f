"""Metrical decisions on a tracked beat grid: the tempo octave, the downbeat and the meter.

A beat tracker gets the pulse right far more often than the bar: on the development set's real
recordings (60 GTZAN excerpts, 13 Beatles songs), madmom's beats score F 0.91 while its joint
beat/downbeat decoder puts the bar on the right beat in only 0.65 of them, and the usual mistake is
half a bar (the "downbeat on beat 3": reggae's one-drop, rock's backbeat, jazz ride patterns). With
the tracked beats and the annotated downbeats, the best constant bar phase would score 0.91, so the
phase decision is what loses the points. Two cues, each a log-odds per beat that it starts a bar:

* :func:`downbeat_evidence`: a network's probability that a beat is a downbeat (madmom's downbeat
  ensemble, or BeatNet's in the commercial profile), ``P(downbeat) / P(any beat)`` at the beat;
* :func:`harmonic_change`: how much the pitch-class content changes across the beat, compared over
  half a bar either side. Chords change on the first beat of a bar far more than on the third,
  which is exactly the ambiguity the networks leave (Goto 2001; Papadopoulos & Peeters 2011).

:func:`decode_bars` adds them and runs a hidden Markov model over bar positions (meters 3 and 4, or
those asked for) along the beats with :func:`librosa.sequence.viterbi`: positions advance one per
beat, a bar may change meter or be cut short only at a small cost, so a song keeps one phase unless
the evidence for a change is strong. Measured on the development set (downbeat F, beats from
madmom's beat ensemble): network alone 0.62 (GTZAN 0.55, Beatles 0.90), chord change alone 0.69,
both 0.75 (GTZAN 0.72, Beatles 0.90); a weight of 1 to 2 on the chord change gives the same within
0.02, so the weight sits on a plateau rather than a spike.

:func:`choose_metrical_level` checks the beat decoder's tempo octave against the network's own
activation (halve when every other beat is silent, double when the midpoints carry beats), and
:func:`pulse_clarity` measures how much of the activation the grid explains. On the development set
the check never fires (real songs keep the decoder's octave: beat F and tempo accuracy unchanged);
it undoes the decoder's half-tempo answer on synthetic songs at 160-180 BPM.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from performia.analysis.backends import import_librosa

__all__ = [
    "ACTIVATION_FPS",
    "DEFAULT_MAX_BPM",
    "DEFAULT_MIN_BPM",
    "BarDecoding",
    "choose_metrical_level",
    "decode_bars",
    "downbeat_evidence",
    "harmonic_change",
    "peak_values",
    "pulse_clarity",
]

#: Frame rate of madmom's beat and downbeat activations (frames per second).
ACTIVATION_FPS = 100
#: Tempo range the beat decoder searches (BPM); madmom's defaults.
DEFAULT_MIN_BPM = 55.0
DEFAULT_MAX_BPM = 215.0

#: Seconds either side of a beat counted as "on the grid" for the pulse clarity, and searched
#: for the activation peak of a beat.
GRID_RADIUS_S = 0.03
PEAK_RADIUS_S = 0.02
#: Fewer beats than this are too few to judge a tempo octave.
MIN_BEATS = 8

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

#: Weight of the harmonic-change z-score against the network's log-odds (plateau 1-3, see above).
HARMONY_WEIGHT = 2.5
#: Network probabilities are clipped to this margin before taking log-odds: one confident frame
#: must not outvote a song's worth of chord changes.
EVIDENCE_CLIP = 0.02
#: Per-bar probability that the meter changes, and that a bar is cut short (a phase jump).
METER_CHANGE_P = 1e-4
PHASE_JUMP_P = 1e-5


def peak_values(strength: np.ndarray, frames: np.ndarray, radius: int) -> np.ndarray:
    """Maximum of ``strength`` within ``radius`` frames of each (rounded) frame.

    ``strength`` may be (frames,) or (frames, k); the maximum is taken per column.
    """
    idx = np.clip(np.round(frames).astype(int), 0, len(strength) - 1)
    offsets = np.arange(-radius, radius + 1)
    window = np.clip(idx[:, None] + offsets[None, :], 0, len(strength) - 1)
    return strength[window].max(axis=1)


def _frames(seconds: float, fps: float) -> int:
    return max(1, round(seconds * fps))


def pulse_clarity(*, activation: np.ndarray, beats: np.ndarray, fps: float) -> float:
    """Share of the beat activation that lies on the tracked grid, above chance, in [0, 1].

    Parameters
    ----------
    activation : np.ndarray, shape (frames,)
        Beat probability per frame.
    beats : np.ndarray, shape (n,)
        Tracked beat times (seconds).
    fps : float
        Frame rate of the activation.

    Returns
    -------
    float
        ``(on - chance) / (1 - chance)`` where ``on`` is the share of the activation within
        :data:`GRID_RADIUS_S` of a beat over the tracked span and ``chance`` the share of
        frames so covered; 0 for an activation unrelated to the grid, 1 when all of it is on it.
    """
    if len(beats) < 2:
        return 0.0
    radius = _frames(GRID_RADIUS_S, fps)
    idx = np.round(np.asarray(beats) * fps).astype(int)
    lo = max(0, idx[0] - radius)
    hi = min(len(activation), idx[-1] + radius + 1)
    covered = np.zeros(len(activation) + 1, dtype=int)
    np.add.at(covered, np.clip(idx - radius, 0, len(activation)), 1)
    np.add.at(covered, np.clip(idx + radius + 1, 0, len(activation)), -1)
    on_grid = np.cumsum(covered)[: len(activation)] > 0
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
    beats: np.ndarray,
    fps: float,
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
    rarely fires; it catches a decoder held at the wrong level by its tempo-change penalty.
    An octave error the network itself makes (it hears the beat on the eighths) leaves no
    trace in the activation and is not corrected.

    Parameters
    ----------
    activation : np.ndarray, shape (frames,)
        Beat probability per frame.
    beats : np.ndarray, shape (n,)
        Tracked beat times (seconds).
    fps : float
        Frame rate of the activation.
    min_bpm, max_bpm : float
        Allowed tempo range (BPM).

    Returns
    -------
    float
        0.5, 1.0 or 2.0.
    """
    if len(beats) < MIN_BEATS:
        return 1.0
    beats = np.asarray(beats, dtype=float)
    radius = _frames(PEAK_RADIUS_S, fps)
    tempo = 60.0 / float(np.median(np.diff(beats)))
    at_beats = peak_values(activation, beats * fps, radius)
    strong = float(np.median(at_beats))
    if strong <= 0:
        return 1.0
    even, odd = float(np.median(at_beats[0::2])), float(np.median(at_beats[1::2]))
    contrast = min(even, odd) / max(even, odd, 1e-12)
    limit = HALF_CONTRAST if _prior(tempo / 2) > _prior(tempo) else HALF_CONTRAST_AGAINST_PRIOR
    if tempo / 2 >= min_bpm and contrast <= limit:
        return 0.5
    midpoints = 0.5 * (beats[1:] + beats[:-1]) * fps
    support = float(np.median(peak_values(activation, midpoints, radius))) / strong
    limit = DOUBLE_SUPPORT if _prior(tempo * 2) > _prior(tempo) else DOUBLE_SUPPORT_AGAINST_PRIOR
    if tempo * 2 <= max_bpm and support >= limit:
        return 2.0
    return 1.0


def downbeat_evidence(
    *, beat_activation: np.ndarray, downbeat_activation: np.ndarray, beats: np.ndarray, fps: float
) -> np.ndarray:
    """Log-odds that each beat is a downbeat, from a network's per-frame probabilities.

    Parameters
    ----------
    beat_activation, downbeat_activation : np.ndarray, shape (frames,)
        Probability of a beat that is not a downbeat, and of a downbeat, per frame.
    beats : np.ndarray, shape (n,)
        Beat times (seconds).
    fps : float
        Frame rate of the activations.

    Returns
    -------
    np.ndarray, shape (n,)
        ``logit(d / (b + d))`` with ``b`` and ``d`` the activations' peaks within 20 ms of each
        beat, the probability clipped to [:data:`EVIDENCE_CLIP`, 1 - :data:`EVIDENCE_CLIP`].
    """
    frames = np.asarray(beats, dtype=float) * fps
    radius = _frames(PEAK_RADIUS_S, fps)
    b = peak_values(np.asarray(beat_activation, dtype=float), frames, radius)
    d = peak_values(np.asarray(downbeat_activation, dtype=float), frames, radius)
    p = np.clip(d / np.maximum(b + d, 1e-9), EVIDENCE_CLIP, 1.0 - EVIDENCE_CLIP)
    return np.log(p / (1.0 - p))


def harmonic_change(
    *, chroma: np.ndarray, frame_times: np.ndarray, beats: np.ndarray, span: int
) -> np.ndarray:
    """How much the pitch content changes across each beat, as a z-score over the song.

    Parameters
    ----------
    chroma : np.ndarray, shape (bins, frames)
        Non-negative pitch-class features (e.g. treble and bass chroma stacked).
    frame_times : np.ndarray, shape (frames,)
        Time of each frame (seconds).
    beats : np.ndarray, shape (n,)
        Beat times (seconds).
    span : int
        Beats compared either side: half a bar (2 in 4/4, 1 in 3/4).

    Returns
    -------
    np.ndarray, shape (n,)
        Cosine distance between the summed features over the ``span`` beats before and after
        each beat, standardised over the song (0 where undefined: the song's first and last
        ``span`` beats, silence).
    """
    beats = np.asarray(beats, dtype=float)
    n = len(beats)
    out = np.zeros(n)
    if n < 2 * span + 1 or chroma.shape[1] == 0:
        return out
    edges = np.searchsorted(frame_times, beats)
    cum = np.concatenate([np.zeros((chroma.shape[0], 1)), np.cumsum(chroma, axis=1)], axis=1)
    k = np.arange(span, n - span)
    before = cum[:, edges[k]] - cum[:, edges[k - span]]
    after = cum[:, edges[k + span]] - cum[:, edges[k]]
    norm = np.linalg.norm(before, axis=0) * np.linalg.norm(after, axis=0)
    valid = norm > 0
    change = np.full(len(k), np.nan)
    change[valid] = 1.0 - (before[:, valid] * after[:, valid]).sum(axis=0) / norm[valid]
    if np.sum(np.isfinite(change)) < 2:
        return out
    std = float(np.nanstd(change))
    z = (change - np.nanmean(change)) / (std if std > 1e-9 else 1.0)
    out[k] = np.nan_to_num(z, nan=0.0)
    return out


@dataclass(frozen=True)
class BarDecoding:
    """Bar positions along the beats and how sure the decoder is of them.

    Attributes
    ----------
    positions : np.ndarray of int, shape (n,)
        Position of each beat in its bar (1 = downbeat).
    meter : int
        The beats per bar most beats were decoded in.
    confidence : float
        Mean over the beats of the posterior probability of the decoded bar position, in [0, 1]
        (1: no other phase or meter explains the evidence as well).
    """

    positions: np.ndarray
    meter: int
    confidence: float


def _states(meters: Sequence[int]) -> list[tuple[int, int]]:
    return [(m, p) for m in meters for p in range(1, m + 1)]


def _transitions(states: list[tuple[int, int]]) -> np.ndarray:
    """Positions advance one per beat; a bar ends into a new bar of the same meter, rarely of
    another meter, and any beat may rarely start a new bar (a bar cut short)."""
    n = len(states)
    meters = sorted({m for m, _ in states})
    index = {s: i for i, s in enumerate(states)}
    t = np.zeros((n, n))
    for (m, p), i in index.items():
        if p < m:
            t[i, index[(m, p + 1)]] = 1.0 - PHASE_JUMP_P
            t[i, index[(m, 1)]] += PHASE_JUMP_P
        else:
            others = [o for o in meters if o != m]
            stay = 1.0 - METER_CHANGE_P * len(others)
            t[i, index[(m, 1)]] = stay
            for o in others:
                t[i, index[(o, 1)]] = METER_CHANGE_P
    return t / t.sum(axis=1, keepdims=True)


def decode_bars(
    *,
    evidence: dict[int, np.ndarray],
    meters: Sequence[int] = (3, 4),
) -> BarDecoding:
    """The most likely bar position of each beat, given per-beat downbeat log-odds.

    Parameters
    ----------
    evidence : dict of int to np.ndarray, shape (n,)
        For each meter, the log-odds that each beat starts a bar under that meter (the
        network's :func:`downbeat_evidence` plus :data:`HARMONY_WEIGHT` times the
        :func:`harmonic_change` over half a bar of that meter).
    meters : sequence of int
        Beats per bar to choose from.

    Returns
    -------
    BarDecoding
    """
    meters = sorted({int(m) for m in meters})
    if not meters or min(meters) < 2:
        raise ValueError(f"meters must be bar lengths of at least 2 beats, got {meters!r}")
    missing = [m for m in meters if m not in evidence]
    if missing:
        raise ValueError(f"no evidence for meters {missing}")
    n = len(evidence[meters[0]])
    if n == 0:
        return BarDecoding(np.zeros(0, dtype=int), meters[0], 0.0)
    librosa = import_librosa()
    states = _states(meters)
    log_em = np.empty((len(states), n))
    for i, (m, p) in enumerate(states):
        half = 0.5 * np.asarray(evidence[m], dtype=float)
        log_em[i] = half if p == 1 else -half
    # each meter's states share one emission model; normalise per beat for a probability matrix
    log_em -= log_em.max(axis=0, keepdims=True)
    prob = np.exp(log_em)
    transition = _transitions(states)
    init = np.full(len(states), 1.0 / len(states))
    path = librosa.sequence.viterbi(prob, transition, p_init=init)
    posterior = _posterior(prob, transition, init)
    positions = np.array([states[s][1] for s in path], dtype=int)
    decoded_meters = np.array([states[s][0] for s in path], dtype=int)
    meter = int(np.bincount(decoded_meters).argmax())
    confidence = float(np.mean(posterior[path, np.arange(n)]))
    return BarDecoding(positions, meter, round(confidence, 3))


def _posterior(prob: np.ndarray, transition: np.ndarray, init: np.ndarray) -> np.ndarray:
    """State posteriors by the scaled forward-backward algorithm, (states, n)."""
    n_states, n = prob.shape
    alpha = np.empty((n_states, n))
    beta = np.ones((n_states, n))
    a = init * prob[:, 0]
    alpha[:, 0] = a / a.sum()
    for t in range(1, n):
        a = (alpha[:, t - 1] @ transition) * prob[:, t]
        alpha[:, t] = a / max(a.sum(), 1e-300)
    for t in range(n - 2, -1, -1):
        b = transition @ (prob[:, t + 1] * beta[:, t + 1])
        beta[:, t] = b / max(b.sum(), 1e-300)
    post = alpha * beta
    return post / np.maximum(post.sum(axis=0, keepdims=True), 1e-300)
