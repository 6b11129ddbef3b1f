"""Beats, downbeats, meter and tempo.

:func:`track_rhythm` is madmom's joint beat/downbeat tracker (an RNN ensemble that outputs, at
100 frames per second, the probability of a beat and of a downbeat, decoded by a dynamic Bayesian
network over bar position and tempo), followed by four measured checks of its output:

* **edge beats**: the decoder coasts one beat past a song that stops dead (synthetic songs end
  that way); an edge beat with no onset under it is dropped.
* **tempo octave**: the decoder's tempo is halved or doubled only when the network's own beat
  activation contradicts it (every other beat silent, or beat-strength midpoints) *and* a
  log-Gaussian tempo prior favours the new tempo; the decoder then re-runs in that tempo band.
* **bar phase**: where the network's downbeat activation cannot tell two bar phases apart (the
  classic "downbeat on beat 3" in 4/4), the bar phase moves to the one that carries a clearly
  stronger low-frequency (kick and bass) accent or bass-harmony change in three quarters of the
  bars, with a significant sign test, and the other cue does not contradict it.
* **no beat**: when little of the activation lies on the tracked grid (a rubato solo voice), the
  result has no beats, tempo or meter rather than an invented grid.

The measures behind the last three checks (:func:`pulse_clarity`, :func:`choose_metrical_level`
and :func:`choose_bar_phase`) are pure functions of the activations and of per-beat features; they
live in :mod:`performia.analysis.metre` and are re-exported here.

:func:`baseline_rhythm` is the librosa beat tracker the product started from (every fourth beat a
downbeat, always 4/4), kept so the benchmark can state the gain.

madmom's models expect 44.1 kHz input. An array handed to madmom is taken to be at the processor's
rate, and ``Signal(y, sample_rate=22050)`` would resample with an ``ffmpeg`` binary; so the signal
is resampled here with :func:`scipy.signal.resample_poly` and wrapped in a 44.1 kHz ``Signal``
(measured: feeding the 22.05 kHz array as is gives beat F-measure 0 on a 100 BPM song; resampled,
0.99 before the checks). Recordings longer than :data:`DECODE_WINDOW_S` are decoded in
overlapping windows, which bounds the decoder's memory (see ``_decode``).

Six-eight is decoded as bars of six beats on the eighth notes, and reported as 6/8 with the
eighths as its beats (``tempo`` is then the eighth-note rate; a dotted-quarter pulse of 60 is a
``tempo`` of 180). With bars of 3 and 4 only, synthetic 6/8 (eighths at 132-180 BPM, kick on 1
and 4) came out as 3/4: two songs with a beat every two eighths (beat F 0.67), one with two 3/4
bars per 6/8 bar (downbeat F 0.67). Decoding an answer of three again with bars of 3 and 6 fixed
all three and changed no 3/4 or 4/4 song of the benchmark suite (see ``_decode_meters``). A 6/8
whose network hears only the dotted quarters (two beats a bar) is not modelled.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from performia.analysis.backends import import_librosa, import_madmom
from performia.analysis.metre import (
    ACTIVATION_FPS,
    DEFAULT_MAX_BPM,
    DEFAULT_MIN_BPM,
    GRID_RADIUS,
    MIN_BEATS,
    PEAK_RADIUS,
    _peak_values,
    choose_bar_phase,
    choose_metrical_level,
    pulse_clarity,
)
from performia.analysis.results import Rhythm

__all__ = [
    "ACTIVATION_FPS",
    "DEFAULT_MAX_BPM",
    "DEFAULT_METERS",
    "DEFAULT_MIN_BPM",
    "MODEL_SR",
    "baseline_rhythm",
    "beat_activations",
    "choose_bar_phase",
    "choose_metrical_level",
    "pulse_clarity",
    "track_rhythm",
]

#: Sample rate madmom's networks were trained on (Hz).
MODEL_SR = 44100
#: Longest stretch decoded at once, and the overlap between stretches (seconds).
DECODE_WINDOW_S = 60.0
DECODE_OVERLAP_S = 15.0
#: Bar lengths (beats per bar) the decoder models.
DEFAULT_METERS: tuple[int, ...] = (3, 4, 6)
#: Bars of this many beats count eighth notes: six-eight.
COMPOUND_METERS: frozenset[int] = frozenset({6})

#: STFT for the onset, low-frequency and bass-chroma features (at the analysis rate).
FEATURE_N_FFT = 4096
FEATURE_HOP = 512
_FLUX_BLOCK = 1024
#: Low-frequency band for the kick/bass accent (Hz).
ACCENT_BAND_HZ = (30.0, 150.0)
#: Window after a beat over which its low-frequency accent is measured (seconds).
ACCENT_WINDOW_S = 0.08
#: Band for the bass chroma (Hz): bass notes and the lower chord tones.
BASS_BAND_HZ = (40.0, 260.0)

#: Below this pulse clarity the recording has no steady beat (measured: rubato synthetic
#: melodies 0.13-0.26, beat-driven songs without drums 0.49 and up).
MIN_PULSE_CLARITY = 0.35

#: An edge beat whose onset strength is below this share of the median at beats is dropped
#: (measured: the coasting beat after a dead stop 0.04-0.07; real beats 0.67 and up).
EDGE_ONSET_SHARE = 0.2
#: Re-decoding band around a corrected tempo (factor either side).
OCTAVE_BAND = 1.25

#: Beats over which the local tempo of ``tempo_curve`` is averaged.
CURVE_BEATS = 4
#: Inter-beat intervals within this share of the median refine the global tempo.
TEMPO_INLIER = 0.08


# ------------------------------------------------------------------------------ validation


def _check_signal(y: np.ndarray, sr: int) -> np.ndarray:
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate, got {sr!r}")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (n,), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"expected floating-point samples, got {y.dtype}")
    if not np.all(np.isfinite(y)):
        raise ValueError("the signal contains NaN or infinite samples")
    return y.astype(np.float32, copy=False)


def _empty(confidence: float | None = None) -> Rhythm:
    return Rhythm(beats=(), downbeats=(), tempo=None, time_signature=None, confidence=confidence)


# ----------------------------------------------------------------------------- madmom engine


#: madmom's recurrent layers keep their state on the layer object while they run, so one
#: network instance must not run in two threads at once.
_RNN_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _rnn() -> Any:
    """madmom's downbeat RNN ensemble, loaded once per process."""
    import_madmom()
    from madmom.features.downbeats import RNNDownBeatProcessor

    # the ensemble's eight networks are independent: run them on every core (same output,
    # measured 1.7x faster on 2 cores)
    return RNNDownBeatProcessor(num_threads=max(1, min(8, os.cpu_count() or 1)))


@lru_cache(maxsize=8)
def _dbn(meters: tuple[int, ...], min_bpm: float, max_bpm: float) -> Any:
    import_madmom()
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor

    return DBNDownBeatTrackingProcessor(
        beats_per_bar=list(meters), min_bpm=min_bpm, max_bpm=max_bpm, fps=ACTIVATION_FPS
    )


def beat_activations(*, y: np.ndarray, sr: int) -> np.ndarray:
    """madmom's beat and downbeat probabilities for a signal at any sample rate.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float.
    sr : int
        Sample rate of ``y`` (Hz); resampled to :data:`MODEL_SR` for the network.

    Returns
    -------
    np.ndarray, shape (frames, 2)
        Per frame at :data:`ACTIVATION_FPS` (frame ``i`` at ``i / ACTIVATION_FPS`` s), the
        probability of a beat that is not a downbeat (column 0) and of a downbeat (column 1).
    """
    y = _check_signal(y, sr)
    madmom = import_madmom()
    g = math.gcd(int(sr), MODEL_SR)
    y44 = y if sr == MODEL_SR else resample_poly(y, MODEL_SR // g, int(sr) // g)
    signal = madmom.audio.signal.Signal(
        np.ascontiguousarray(y44, dtype=np.float32), sample_rate=MODEL_SR, num_channels=1
    )
    network = _rnn()
    with _RNN_LOCK:
        return np.asarray(network(signal), dtype=np.float64)


def _decode_window(
    act: np.ndarray, meters: tuple[int, ...], min_bpm: float, max_bpm: float
) -> tuple[np.ndarray, np.ndarray]:
    result = _dbn(meters, float(min_bpm), float(max_bpm))(act.astype(np.float32))
    if len(result) == 0:
        return np.zeros(0), np.zeros(0, dtype=int)
    return np.round(result[:, 0] * ACTIVATION_FPS), result[:, 1].astype(int)


def _decode(
    act: np.ndarray, meters: tuple[int, ...], min_bpm: float, max_bpm: float
) -> tuple[np.ndarray, np.ndarray]:
    """Beat frames (float) and bar positions (1 = downbeat) from the DBN.

    The decoder keeps a back-pointer per state and frame (about 6 MB per second of audio for
    3/4 and 4/4 at the default tempo range), so a long recording is decoded in overlapping
    windows of :data:`DECODE_WINDOW_S`: one meter for the whole recording (the one most beats
    were decoded in; windows that chose another are decoded again with it), the windows cut
    in the middle of their overlap, and each window's bar count continued from the previous.
    """
    window = int(DECODE_WINDOW_S * ACTIVATION_FPS)
    overlap = int(DECODE_OVERLAP_S * ACTIVATION_FPS)
    if len(act) <= window:
        return _decode_window(act, meters, min_bpm, max_bpm)
    starts = [0]
    while starts[-1] + window < len(act):
        starts.append(starts[-1] + window - overlap)
    parts = [_decode_window(act[s : s + window], meters, min_bpm, max_bpm) for s in starts]
    votes: dict[int, int] = {}
    for _, positions in parts:
        if len(positions):
            votes[int(positions.max())] = votes.get(int(positions.max()), 0) + len(positions)
    if not votes:
        return np.zeros(0), np.zeros(0, dtype=int)
    meter = max(votes, key=lambda m: votes[m])
    frames_out: list[np.ndarray] = []
    positions_out: list[np.ndarray] = []
    for start, (frames, positions) in zip(starts, parts, strict=True):
        if len(positions) and int(positions.max()) != meter:
            frames, positions = _decode_window(
                act[start : start + window], (meter,), min_bpm, max_bpm
            )
        frames = frames + start
        if frames_out:
            cut = start + overlap / 2
            prev_frames, prev_positions = frames_out[-1], positions_out[-1]
            keep = prev_frames < cut
            frames_out[-1], positions_out[-1] = prev_frames[keep], prev_positions[keep]
            offset = _bar_offset(prev_frames, prev_positions, frames, positions, meter)
            if offset is None and keep.any() and len(positions):
                after = frames >= cut
                first = int(positions[after][0]) if after.any() else int(positions[0])
                offset = (int(prev_positions[keep][-1]) + 1 - first) % meter
            positions = (positions - 1 + (offset or 0)) % meter + 1
            later = frames >= cut
            frames, positions = frames[later], positions[later]
        frames_out.append(frames)
        positions_out.append(positions)
    return np.concatenate(frames_out), np.concatenate(positions_out).astype(int)


def _decode_meters(
    act: np.ndarray, meters: tuple[int, ...], min_bpm: float, max_bpm: float
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """Decode with the simple meters first; only a bar of three is decoded again with six.

    The decoder's cost grows with the meters it models (all three at once: rhythm 15 → 20 s on
    a 3-minute 4/4 song), and six-eight is only ever mistaken for three (every 6/8 song of
    the benchmark came out as 3/4 without bars of six). Returns the meters the answer came
    from, the beat frames and the bar positions.
    """
    simple = tuple(m for m in meters if m not in COMPOUND_METERS)
    compound = tuple(m for m in meters if m in COMPOUND_METERS)
    if not simple or not compound:
        return (meters, *_decode(act, meters, min_bpm, max_bpm))
    frames, positions = _decode(act, simple, min_bpm, max_bpm)
    if len(positions) == 0 or int(positions.max()) != 3:
        return (simple, frames, positions)
    both = tuple(sorted({3, *compound}))
    return (both, *_decode(act, both, min_bpm, max_bpm))


def _bar_offset(
    frames_a: np.ndarray,
    positions_a: np.ndarray,
    frames_b: np.ndarray,
    positions_b: np.ndarray,
    meter: int,
) -> int | None:
    """Shift that makes window B count bars like window A where their beats coincide."""
    if not len(frames_a) or not len(frames_b):
        return None
    nearest = np.clip(np.searchsorted(frames_a, frames_b), 1, len(frames_a) - 1)
    left_closer = np.abs(frames_a[nearest - 1] - frames_b) < np.abs(frames_a[nearest] - frames_b)
    nearest = np.where(left_closer, nearest - 1, nearest)
    matched = np.abs(frames_a[nearest] - frames_b) <= GRID_RADIUS
    if not matched.any():
        return None
    shifts = (positions_a[nearest[matched]] - positions_b[matched]) % meter
    return int(np.bincount(shifts, minlength=meter).argmax())


# ---------------------------------------------------------------------------------- features


def _refine(strength: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Sub-frame beat positions by parabolic interpolation of the activation peak."""
    k = np.clip(np.round(frames).astype(int), 1, len(strength) - 2)
    left, mid, right = strength[k - 1], strength[k], strength[k + 1]
    curvature = left - 2.0 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    return k + np.clip(delta, -0.5, 0.5)


class _Features:
    """Onset strength, low-frequency accent and bass chroma of the analysis signal.

    One STFT; the magnitudes are turned into log-magnitudes in place and the spectral flux is
    summed block by block, so a three-minute song needs about 200 MB here.
    """

    def __init__(self, y: np.ndarray, sr: int) -> None:
        librosa = import_librosa()
        self.sr = sr
        spectrum = librosa.stft(y.astype(np.float32), n_fft=FEATURE_N_FFT, hop_length=FEATURE_HOP)
        mag = np.abs(spectrum)
        del spectrum
        freqs = librosa.fft_frequencies(sr=sr, n_fft=FEATURE_N_FFT)
        lo, hi = ACCENT_BAND_HZ
        self.low_power = (mag[(freqs >= lo) & (freqs <= hi)].astype(np.float64) ** 2).sum(axis=0)
        lo, hi = BASS_BAND_HZ
        band = (freqs >= lo) & (freqs <= hi)
        pitch_class = np.round(69.0 + 12.0 * np.log2(freqs[band] / 440.0)).astype(int) % 12
        power = mag[band].astype(np.float64) ** 2
        self.bass_chroma = np.stack([power[pitch_class == c].sum(axis=0) for c in range(12)])
        mag *= 100.0
        np.log1p(mag, out=mag)
        self.onset = np.zeros(mag.shape[1])
        for start in range(0, mag.shape[1] - 1, _FLUX_BLOCK):
            block = np.diff(mag[:, start : start + _FLUX_BLOCK + 1], axis=1)
            self.onset[start + 1 : start + 1 + block.shape[1]] = np.maximum(block, 0.0).sum(axis=0)

    def frame(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.round(t * self.sr / FEATURE_HOP).astype(int), 0, len(self.onset) - 1)

    def onset_at(self, t: np.ndarray) -> np.ndarray:
        """Onset strength at beat times (max within ±35 ms)."""
        radius = max(1, round(0.035 * self.sr / FEATURE_HOP))
        return _peak_values(self.onset, self.frame(t), radius)

    def accent_at(self, t: np.ndarray) -> np.ndarray:
        """Low-frequency power in the window after each beat (dB)."""
        width = max(1, round(ACCENT_WINDOW_S * self.sr / FEATURE_HOP))
        cum = np.r_[0.0, np.cumsum(self.low_power)]
        start = self.frame(t)
        stop = np.minimum(start + width, len(self.low_power))
        mean = (cum[stop] - cum[start]) / np.maximum(stop - start, 1)
        return 10.0 * np.log10(mean + 1e-10)

    def change_at(self, t: np.ndarray, span: int) -> np.ndarray:
        """Bass-chroma cosine distance between the ``span`` beats before and after each beat."""
        edges = np.r_[self.frame(t), self.bass_chroma.shape[1]]
        cum = np.concatenate(
            [np.zeros((12, 1)), np.cumsum(self.bass_chroma, axis=1)], axis=1
        )  # (12, frames + 1)
        n = len(t)
        change = np.full(n, np.nan)
        for i in range(span, n - span + 1):
            before = cum[:, edges[i]] - cum[:, edges[i - span]]
            after = cum[:, edges[i + span]] - cum[:, edges[i]]
            norm = np.linalg.norm(before) * np.linalg.norm(after)
            change[i] = 1.0 - float(before @ after) / norm if norm > 0 else 0.0
        return change


# ------------------------------------------------------------------------------------- tempo


def _global_tempo(beats: np.ndarray) -> float:
    """Median inter-beat interval, refined by the mean of the intervals near it (BPM)."""
    ibi = np.diff(beats)
    median = float(np.median(ibi))
    near = ibi[np.abs(ibi - median) <= TEMPO_INLIER * median]
    return 60.0 / float(np.mean(near) if len(near) else median)


def _tempo_curve(beats: np.ndarray) -> tuple[tuple[float, float], ...]:
    """``(time, bpm)`` at each beat after the first, averaged over :data:`CURVE_BEATS` beats."""
    if len(beats) < 2:
        return ()
    ibi = np.diff(beats)
    half = CURVE_BEATS // 2
    cum = np.r_[0.0, np.cumsum(ibi)]
    points = []
    for i in range(len(ibi)):
        lo, hi = max(0, i - half + 1), min(len(ibi), i + half + 1)
        points.append(
            (round(float(beats[i + 1]), 4), round(60.0 * (hi - lo) / (cum[hi] - cum[lo]), 3))
        )
    return tuple(points)


# ----------------------------------------------------------------------------------- public


def track_rhythm(
    *,
    y: np.ndarray,
    sr: int,
    meters: Sequence[int] = DEFAULT_METERS,
    min_bpm: float = DEFAULT_MIN_BPM,
    max_bpm: float = DEFAULT_MAX_BPM,
    activations: np.ndarray | None = None,
) -> Rhythm:
    """Beats, downbeats, meter and tempo of a recording (madmom RNN + DBN, then checks).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, any sample rate (resampled to :data:`MODEL_SR` for the network).
    sr : int
        Sample rate of ``y`` (Hz).
    meters : sequence of int
        Bar lengths in beats the decoder chooses between; ``(3, 4, 6)`` covers 3/4, 4/4 and
        6/8 (six eighth-note beats; see the module notes).
    min_bpm, max_bpm : float
        Tempo range searched (BPM). A song slower than ``min_bpm`` is reported at twice its
        tempo, one faster than ``max_bpm`` at half.
    activations : np.ndarray, shape (frames, 2), optional
        :func:`beat_activations` of ``y`` when already computed (the network is most of the
        cost).

    Returns
    -------
    Rhythm
        ``beats`` and ``downbeats`` in seconds; ``tempo`` the global tempo (BPM; the median
        inter-beat interval, refined by the mean of the intervals within
        :data:`TEMPO_INLIER` of it); ``time_signature`` ``(beats per bar, 4)``, or
        ``(6, 8)`` for bars of six;
        ``tempo_curve`` ``(time, bpm)`` at each beat, averaged over :data:`CURVE_BEATS`
        beats; ``confidence`` the
        :func:`pulse_clarity` of the grid. With no steady beat (clarity below
        :data:`MIN_PULSE_CLARITY`, or fewer than :data:`MIN_BEATS` beats) beats and downbeats
        are empty and tempo and time signature ``None``.

    Examples
    --------
    >>> from performia.testing import render_song
    >>> mix, truth, _ = render_song(bpm=100, meter=3, bars=8, sr=22050)
    >>> rhythm = track_rhythm(y=mix, sr=22050)
    >>> rhythm.time_signature, round(rhythm.tempo)
    ((3, 4), 100)
    """
    y = _check_signal(y, sr)
    meters = tuple(sorted({int(m) for m in meters}))
    if not meters or min(meters) < 2:
        raise ValueError(f"meters must be bar lengths of at least 2 beats, got {meters!r}")
    if not 0 < min_bpm < max_bpm:
        raise ValueError(f"need 0 < min_bpm < max_bpm, got {min_bpm!r} and {max_bpm!r}")
    if len(y) < sr or not np.any(y):
        return _empty()

    act = beat_activations(y=y, sr=sr) if activations is None else np.asarray(activations)
    if act.ndim != 2 or act.shape[1] != 2:
        raise ValueError(f"activations must have shape (frames, 2), got {act.shape}")
    strength = act.sum(axis=1)
    meters, frames, positions = _decode_meters(act, meters, min_bpm, max_bpm)
    if len(frames) < MIN_BEATS:
        return _empty(0.0)

    clarity = pulse_clarity(activation=strength, beat_frames=frames)
    if clarity < MIN_PULSE_CLARITY:
        return _empty(round(clarity, 3))

    level = choose_metrical_level(
        activation=strength, beat_frames=frames, min_bpm=min_bpm, max_bpm=max_bpm
    )
    if level != 1.0:
        # Re-decode in the corrected tempo band; keep it only if it explains the activation
        # at least as well as the decoder's first answer.
        target = level * 60.0 * ACTIVATION_FPS / float(np.median(np.diff(frames)))
        lo, hi = max(min_bpm, target / OCTAVE_BAND), min(max_bpm, target * OCTAVE_BAND)
        new_frames, new_positions = _decode(act, meters, lo, hi)
        if len(new_frames) >= MIN_BEATS:
            new_clarity = pulse_clarity(activation=strength, beat_frames=new_frames)
            if new_clarity >= clarity:
                frames, positions, clarity = new_frames, new_positions, new_clarity

    beats = _refine(strength, frames) / ACTIVATION_FPS
    features = _Features(y, sr)
    onset = features.onset_at(beats)
    keep = np.ones(len(beats), dtype=bool)
    for edge in (0, len(beats) - 1):
        if onset[edge] < EDGE_ONSET_SHARE * float(np.median(onset)):
            keep[edge] = False
    beats, positions = beats[keep], positions[keep]
    if len(beats) < MIN_BEATS:
        return _empty(round(clarity, 3))

    meter = int(positions.max())
    shift = choose_bar_phase(
        positions=positions,
        downbeat_activation=_peak_values(act[:, 1], beats * ACTIVATION_FPS, PEAK_RADIUS),
        accent=features.accent_at(beats),
        change=features.change_at(beats, max(1, meter // 2)),
    )
    positions = (positions - 1 - shift) % meter + 1

    return Rhythm(
        beats=tuple(round(float(b), 4) for b in beats),
        downbeats=tuple(round(float(b), 4) for b in beats[positions == 1]),
        tempo=round(_global_tempo(beats), 2),
        time_signature=(meter, 8 if meter in COMPOUND_METERS else 4),
        tempo_curve=_tempo_curve(beats),
        confidence=round(clarity, 3),
    )


def baseline_rhythm(*, y: np.ndarray, sr: int) -> Rhythm:
    """The librosa baseline: ``librosa.beat.beat_track``, every fourth beat a downbeat, 4/4.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float.
    sr : int
        Sample rate (Hz).

    Returns
    -------
    Rhythm
        ``tempo`` is librosa's tempo estimate; ``tempo_curve`` is computed as in
        :func:`track_rhythm`; no confidence. Empty when librosa finds fewer than two beats.
    """
    y = _check_signal(y, sr)
    librosa = import_librosa()
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    beats = np.asarray(beats, dtype=float)
    if len(beats) < 2:
        return _empty()
    return Rhythm(
        beats=tuple(round(float(b), 4) for b in beats),
        downbeats=tuple(round(float(b), 4) for b in beats[::4]),
        tempo=round(float(np.atleast_1d(tempo)[0]), 2),
        time_signature=(4, 4),
        tempo_curve=_tempo_curve(beats),
    )
