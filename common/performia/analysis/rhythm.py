"""Beats, downbeats, meter and tempo.

:func:`track_rhythm` works in three steps, each chosen by measurement on real recordings (the
development set: 60 GTZAN excerpts over ten genres and 13 Beatles songs, scored with mir_eval):

1. **Activations.** A network's probability of a beat (and of a downbeat) per frame. The default
   profile runs madmom's beat ensemble (8 BLSTMs, Böck et al. 2014) and downbeat ensemble
   (8 BLSTMs, Böck et al. 2016) together through :class:`~performia.analysis.blstm.BatchedBLSTM`
   (the same networks about ten times faster than madmom runs them). Their weights are
   CC BY-NC-SA, so the commercial profile uses BeatNet's CRNN instead (Heydari et al. 2021,
   CC BY 4.0, the model trained without GTZAN).
2. **Beats.** madmom's beat DBN (code BSD) decodes the beat activation alone. Decoding beats and
   downbeats jointly, as the product did before, couples a beat error to every bar error: beat F
   0.87 jointly against 0.91 from the beat ensemble and DBN on the development set. A tempo-octave
   check (:func:`~performia.analysis.metre.choose_metrical_level`) re-decodes in the other
   octave when the network's own activation contradicts the decoder.
3. **Bars.** :func:`performia.analysis.metre.decode_bars` places the downbeats along those beats
   from the downbeat network *and* the chord changes (see :mod:`performia.analysis.metre`):
   downbeat F 0.75 against 0.65 for madmom's joint decoder.

There is no "no beat" answer any more: a rubato passage still gets the decoder's best grid, and
each beat carries a calibrated confidence (:mod:`performia.analysis.calibration`) so the chart can
show where the grid is a guess. Only silence or a signal under a second gets no beats.

Six-eight is decoded as bars of six beats on the eighth notes when the beats come out at the
eighth-note rate and the bar evidence favours six over three (``tempo`` is then the eighth-note
rate).

madmom's models expect 44.1 kHz input. An array handed to madmom is taken to be at the processor's
rate, and ``Signal(y, sample_rate=22050)`` would resample with an ``ffmpeg`` binary; so the signal
is resampled here with :func:`scipy.signal.resample_poly` and wrapped in a 44.1 kHz ``Signal``.
Recordings longer than :data:`DECODE_WINDOW_S` are decoded in overlapping windows, which bounds the
decoder's memory (see ``_track_beats``).

:func:`baseline_rhythm` is the librosa beat tracker the product started from (every fourth beat a
downbeat, always 4/4), kept so the benchmark can state the gain.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from performia.analysis import calibration
from performia.analysis.backends import import_librosa, import_madmom
from performia.analysis.engines import check_profile
from performia.analysis.metre import (
    ACTIVATION_FPS,
    DEFAULT_MAX_BPM,
    DEFAULT_MIN_BPM,
    HARMONY_WEIGHT,
    choose_metrical_level,
    decode_bars,
    downbeat_evidence,
    harmonic_change,
    peak_values,
    pulse_clarity,
)
from performia.analysis.results import Rhythm
from performia.analysis.signal import check_mono
from performia.settings import engine_threads

__all__ = [
    "ACTIVATION_FPS",
    "DEFAULT_MAX_BPM",
    "DEFAULT_METERS",
    "DEFAULT_MIN_BPM",
    "ENGINES",
    "MODEL_SR",
    "Activations",
    "baseline_rhythm",
    "preload",
    "rhythm_activations",
    "track_rhythm",
]

#: Sample rate madmom's and BeatNet's front ends are computed at (Hz).
MODEL_SR = 44100
BEATNET_SR = 22050
#: BeatNet's frame rate (20 ms hop).
BEATNET_FPS = 50
#: Longest stretch the beat decoder decodes at once, and the overlap between stretches (s).
DECODE_WINDOW_S = 60.0
DECODE_OVERLAP_S = 15.0
#: Bar lengths (beats per bar) the bar decoder chooses from.
DEFAULT_METERS: tuple[int, ...] = (3, 4, 6)
#: Bars of this many beats count eighth notes: six-eight.
COMPOUND_METERS: frozenset[int] = frozenset({6})
#: Six-eight is considered only when the beats are at least this fast (BPM): its eighths run at
#: 120 and up, while a real 3/4 at that rate is rare.
COMPOUND_MIN_BPM = 120.0
#: Six-eight needs the first of each pair of three-beat bars to lead the second by this much
#: downbeat evidence (log-odds, chord change included) on average, in at least this share of
#: the pairs. Measured on synthetic songs: 3/4 at 128-180 BPM leads 2.1-2.6 with 0.75 of the
#: pairs agreeing, 6/8 on eighths at 132 leads 10 with all pairs agreeing.
COMPOUND_MARGIN = 5.0
COMPOUND_AGREEMENT = 0.85
#: Engines per profile, for provenance (keys of :data:`performia.analysis.engines.ENGINES`).
ENGINES: dict[str, tuple[str, ...]] = {
    "default": ("madmom-beats", "madmom-downbeats", "madmom-dbn", "performia"),
    "commercial": ("beatnet", "madmom-dbn", "performia"),
}
#: The BeatNet model used: "GTZAN out", trained without GTZAN (the others include it).
BEATNET_MODEL = 1

#: Hop of the onset and chroma features (samples at the analysis rate), and the onset's FFT.
FEATURE_HOP = 512
ONSET_N_FFT = 2048
#: The chroma's constant-Q range: seven octaves from C1; the lowest 31 semitones (to G3) are
#: the bass chroma, where chord roots sit.
CHROMA_MIDI_MIN = 24
CHROMA_OCTAVES = 7
BASS_SEMITONES = 31

#: An edge beat whose onset strength is below this share of the median at beats is dropped
#: (measured: the coasting beat after a dead stop 0.04-0.07; real beats 0.67 and up).
EDGE_ONSET_SHARE = 0.2
#: Fewer beats than this make no bar.
MIN_BEATS = 4
#: Re-decoding band around a corrected tempo octave (factor either side).
OCTAVE_BAND = 1.25
#: Beats over which the local tempo of ``tempo_curve`` is averaged.
CURVE_BEATS = 4
#: Inter-beat intervals within this share of the median refine the global tempo.
TEMPO_INLIER = 0.08


@dataclass(frozen=True, eq=False)
class Activations:
    """A network's beat and downbeat probabilities per frame.

    Attributes
    ----------
    beat : np.ndarray, shape (frames,)
        Probability of a beat (downbeat or not) per frame: what the beat decoder reads.
    downbeat : np.ndarray, shape (frames, 2)
        Probability of a beat that is not a downbeat (column 0) and of a downbeat (column 1).
    fps : float
        Frames per second.
    """

    beat: np.ndarray
    downbeat: np.ndarray
    fps: float


# ------------------------------------------------------------------------------ validation


def _check(y: np.ndarray, sr: int) -> np.ndarray:
    return check_mono(y, sr).astype(np.float32, copy=False)


def _empty(confidence: float | None = None) -> Rhythm:
    return Rhythm(beats=(), downbeats=(), tempo=None, time_signature=None, confidence=confidence)


# ---------------------------------------------------------------------------------- networks

#: The batched networks keep no state between calls, but madmom's STFT caches FFT windows on
#: first use and BeatNet's LSTM keeps its state on the model; one lock keeps two stage threads
#: from racing on either.
_LOCK = threading.Lock()


#: madmom's beat and downbeat networks read log-filtered spectrograms (and their positive
#: differences) of three STFTs; the bands per octave each network uses per frame size.
_FRAME_SIZES = (1024, 2048, 4096)
_BEAT_BANDS = (6, 6, 6)
_DOWNBEAT_BANDS = (3, 6, 12)
#: Frames of features computed at once, and the frames of context before each block that the
#: spectral difference needs (madmom's diff spans at most 5 frames at these sizes).
FEATURE_BLOCK = 3000
_FEATURE_CONTEXT = 16


@lru_cache(maxsize=1)
def _madmom_models() -> tuple[Any, int]:
    """madmom's beat and downbeat ensembles as one batched network, and how many of its
    networks (the first ones) are the beat ensemble's."""
    import_madmom()
    from madmom.ml.nn import NeuralNetwork
    from madmom.models import BEATS_BLSTM, DOWNBEATS_BLSTM

    from performia.analysis.blstm import BatchedBLSTM

    paths = (*BEATS_BLSTM, *DOWNBEATS_BLSTM)
    return BatchedBLSTM([NeuralNetwork.load(path) for path in paths]), len(BEATS_BLSTM)


def madmom_features(signal: Any, *, block: int = FEATURE_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """The beat and downbeat networks' input features, as madmom's ``RNNBeatProcessor`` and
    ``RNNDownBeatProcessor`` compute them, from one STFT per frame size.

    madmom computes each network's three STFTs on its own, whole: 1.2 GB for a three-minute
    song at the 4096-sample frame size alone, and six STFTs in all. Here each STFT is computed
    once for both networks, in blocks of :data:`FEATURE_BLOCK` frames (with
    :data:`_FEATURE_CONTEXT` frames before each for the spectral difference), so memory stays
    flat however long the song; ``tests/analysis/test_rhythm.py`` checks the features equal
    madmom's.

    Parameters
    ----------
    signal : madmom.audio.signal.Signal
        Mono, 44.1 kHz.

    Returns
    -------
    tuple of np.ndarray
        ``(beat_features, downbeat_features)``, shapes (frames, 266) and (frames, 314).
    """
    import_madmom()
    from madmom.audio.signal import FramedSignal
    from madmom.audio.spectrogram import (
        FilteredSpectrogram,
        LogarithmicSpectrogram,
        Spectrogram,
        SpectrogramDifference,
    )
    from madmom.audio.stft import ShortTimeFourierTransform

    framed = [FramedSignal(signal, frame_size=size, fps=ACTIVATION_FPS) for size in _FRAME_SIZES]
    n = len(framed[0])
    beat_blocks, down_blocks = [], []
    for start in range(0, n, block):
        stop, lo = min(n, start + block), max(0, start - _FEATURE_CONTEXT)
        beat_parts, down_parts = [], []
        for frames, beat_bands, down_bands in zip(
            framed, _BEAT_BANDS, _DOWNBEAT_BANDS, strict=True
        ):
            spec = Spectrogram(ShortTimeFourierTransform(frames[lo:stop]))
            stacked: dict[int, np.ndarray] = {}
            for bands in {beat_bands, down_bands}:
                log = LogarithmicSpectrogram(
                    FilteredSpectrogram(spec, num_bands=bands, fmin=30, fmax=17000,
                                        norm_filters=True),
                    mul=1,
                    add=1,
                )  # fmt: skip
                diff = SpectrogramDifference(log, diff_ratio=0.5, positive_diffs=True)
                stacked[bands] = np.hstack((log, diff))[start - lo :]
            beat_parts.append(stacked[beat_bands])
            down_parts.append(stacked[down_bands])
        beat_blocks.append(np.hstack(beat_parts))
        down_blocks.append(np.hstack(down_parts))
    return np.vstack(beat_blocks), np.vstack(down_blocks)


def _madmom_activations(y: np.ndarray, sr: int) -> Activations:
    madmom = import_madmom()
    network, n_beat = _madmom_models()
    g = math.gcd(int(sr), MODEL_SR)
    y44 = y if sr == MODEL_SR else resample_poly(y, MODEL_SR // g, int(sr) // g)
    signal = madmom.audio.signal.Signal(
        np.ascontiguousarray(y44, dtype=np.float32), sample_rate=MODEL_SR, num_channels=1
    )
    with _LOCK:
        beat_features, down_features = madmom_features(signal)
    del signal, y44
    outputs = network([beat_features] * n_beat + [down_features] * (len(network) - n_beat))
    beat = np.mean([o[:, 0] for o in outputs[:n_beat]], axis=0)
    downbeat = np.mean([o[:, 1:] for o in outputs[n_beat:]], axis=0)
    # a frame is a beat when either ensemble hears one: beat F 0.916 on the development set
    # against 0.913 for the beat ensemble alone, and fast songs (160-180 BPM) keep their tempo
    # where the beat ensemble alone leads the decoder to half of it
    beat = np.maximum(beat, downbeat.sum(axis=1))
    return Activations(beat.astype(np.float64), downbeat.astype(np.float64), ACTIVATION_FPS)


@lru_cache(maxsize=1)
def _beatnet() -> tuple[Any, Any]:
    """BeatNet's log-spectrogram front end and CRNN, loaded once.

    Imported piecemeal: ``BeatNet.BeatNet`` imports pyaudio and matplotlib for its streaming
    modes, which a server has no use for.
    """
    import_madmom()
    try:
        import BeatNet
        import torch
        from BeatNet.log_spect import LOG_SPECT
        from BeatNet.model import BDA
    except ImportError as exc:
        from performia.errors import ModelError

        raise ModelError(
            "the commercial rhythm engine BeatNet is not installed "
            "(pip install 'performia[rhythm]')"
        ) from exc
    front = LOG_SPECT(
        sample_rate=BEATNET_SR,
        win_length=int(0.064 * BEATNET_SR),
        hop_size=int(BEATNET_SR / BEATNET_FPS),
        n_bands=[24],
        mode="offline",
    )
    model = BDA(272, 150, 2, "cpu")
    weights = os.path.join(
        os.path.dirname(BeatNet.__file__), "models", f"model_{BEATNET_MODEL}_weights.pt"
    )
    model.load_state_dict(torch.load(weights, map_location="cpu"), strict=False)
    model.eval()
    return front, model


def _beatnet_activations(y: np.ndarray, sr: int) -> Activations:
    import torch

    front, model = _beatnet()
    g = math.gcd(int(sr), BEATNET_SR)
    y22 = y if sr == BEATNET_SR else resample_poly(y, BEATNET_SR // g, int(sr) // g)
    with _LOCK:
        features = front.process_audio(np.asarray(y22, dtype=np.float32)).T
        torch.set_num_threads(engine_threads())
        with torch.inference_mode():
            # the LSTM's state lives on the model object: reset it for every recording
            model.hidden = torch.zeros(2, 1, model.dim_hd)
            model.cell = torch.zeros(2, 1, model.dim_hd)
            out = model.final_pred(model(torch.from_numpy(features).unsqueeze(0))[0]).numpy()
    beat, down = out[0].astype(np.float64), out[1].astype(np.float64)
    return Activations(beat + down, np.stack([beat, down], axis=1), BEATNET_FPS)


def preload(profile: str = "default") -> None:
    """Load the profile's network now (an image without it fails at build time)."""
    if check_profile(profile) == "commercial":
        _beatnet()
    else:
        _madmom_models()


def rhythm_activations(*, y: np.ndarray, sr: int, profile: str = "default") -> Activations:
    """Beat and downbeat probabilities per frame from the profile's network.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, any sample rate (resampled for the network).
    sr : int
        Sample rate of ``y`` (Hz).
    profile : str
        ``"default"``: madmom's beat and downbeat ensembles (100 fps); ``"commercial"``:
        BeatNet (50 fps).
    """
    y = _check(y, sr)
    if check_profile(profile) == "commercial":
        return _beatnet_activations(y, sr)
    return _madmom_activations(y, sr)


# ------------------------------------------------------------------------------------ beats


@lru_cache(maxsize=8)
def _beat_dbn(fps: float, min_bpm: float, max_bpm: float) -> Any:
    import_madmom()
    from madmom.features.beats import DBNBeatTrackingProcessor

    return DBNBeatTrackingProcessor(min_bpm=min_bpm, max_bpm=max_bpm, fps=fps)


def _track_beats(act: np.ndarray, fps: float, min_bpm: float, max_bpm: float) -> np.ndarray:
    """Beat times from madmom's beat DBN, decoded in overlapping windows when long.

    The decoder keeps a back-pointer per state and frame (about 5,600 states for 55-215 BPM at
    100 fps: 2.2 MB per second of audio), so a long recording is decoded in windows of
    :data:`DECODE_WINDOW_S` cut in the middle of their :data:`DECODE_OVERLAP_S` overlap.
    """
    dbn = _beat_dbn(float(fps), float(min_bpm), float(max_bpm))
    act = np.ascontiguousarray(act, dtype=np.float32)
    window = int(DECODE_WINDOW_S * fps)
    overlap = int(DECODE_OVERLAP_S * fps)
    if len(act) <= window:
        return np.asarray(dbn(act), dtype=float)
    out: list[np.ndarray] = []
    start = 0
    while True:
        stop = min(len(act), start + window)
        beats = np.asarray(dbn(act[start:stop]), dtype=float) + start / fps
        lo = (start + overlap / 2) / fps if start > 0 else -np.inf
        hi = (stop - overlap / 2) / fps if stop < len(act) else np.inf
        out.append(beats[(beats >= lo) & (beats < hi)])
        if stop == len(act):
            break
        start = stop - overlap
    return np.concatenate(out)


def _octave_checked(
    beats: np.ndarray, act: Activations, min_bpm: float, max_bpm: float
) -> np.ndarray:
    """The beats, decoded again in the other tempo octave when the network's own activation
    contradicts the decoder's (:func:`~performia.analysis.metre.choose_metrical_level`) and
    the new grid explains the activation at least as well."""
    level = choose_metrical_level(
        activation=act.beat, beats=beats, fps=act.fps, min_bpm=min_bpm, max_bpm=max_bpm
    )
    if level == 1.0:
        return beats
    target = level * 60.0 / float(np.median(np.diff(beats)))
    lo, hi = max(min_bpm, target / OCTAVE_BAND), min(max_bpm, target * OCTAVE_BAND)
    again = _track_beats(act.beat, act.fps, lo, hi)
    if len(again) < 2:
        return beats
    before = pulse_clarity(activation=act.beat, beats=beats, fps=act.fps)
    after = pulse_clarity(activation=act.beat, beats=again, fps=act.fps)
    return again if after >= before else beats


def _refine(strength: np.ndarray, beats: np.ndarray, fps: float) -> np.ndarray:
    """Sub-frame beat times by parabolic interpolation of the activation peak."""
    k = np.clip(np.round(beats * fps).astype(int), 1, len(strength) - 2)
    left, mid, right = strength[k - 1], strength[k], strength[k + 1]
    curvature = left - 2.0 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    return (k + np.clip(delta, -0.5, 0.5)) / fps


# ---------------------------------------------------------------------------------- features


class _Features:
    """Onset strength (for the edge-beat check) and bass and treble chroma (for the chord-change
    cue) of the analysis signal.

    The chroma comes from a constant-Q transform at three bins per semitone, each semitone the
    loudest of its three bins, so a band tuned off A440 still lands on its semitones: downbeat F
    0.73 on the development set against 0.70 from twelve bins per octave and 0.71 from an STFT.
    Polyphase resampling between the transform's octaves makes it 1.5 s for a 3-minute song
    (librosa's default high-quality resampler: 5 s) with the same result.
    """

    def __init__(self, y: np.ndarray, sr: int) -> None:
        librosa = import_librosa()
        self.sr = sr
        cqt = np.abs(
            librosa.cqt(
                y,
                sr=sr,
                hop_length=FEATURE_HOP,
                fmin=librosa.midi_to_hz(CHROMA_MIDI_MIN),
                n_bins=CHROMA_OCTAVES * 36,
                bins_per_octave=36,
                res_type="polyphase",
            )
        )
        padded = np.pad(cqt, ((1, 1), (0, 0)))
        semis = np.maximum(np.maximum(padded[0:-2:3], padded[1:-1:3]), padded[2::3])
        semis = np.log1p(100.0 * semis / (semis.max() + 1e-12))
        pitch_class = np.arange(semis.shape[0]) % 12
        low = np.arange(semis.shape[0]) < BASS_SEMITONES
        self.chroma = np.vstack(
            [
                np.stack([semis[(pitch_class == c) & part].sum(axis=0) for c in range(12)])
                for part in (low, ~low)
            ]
        )  # (24, frames): bass then treble
        self.times = librosa.frames_to_time(
            np.arange(self.chroma.shape[1]), sr=sr, hop_length=FEATURE_HOP
        )
        self.onset = librosa.onset.onset_strength(
            y=y, sr=sr, hop_length=FEATURE_HOP, n_fft=ONSET_N_FFT
        )

    def onset_at(self, t: np.ndarray) -> np.ndarray:
        """Onset strength at beat times (max within ±35 ms)."""
        radius = max(1, round(0.035 * self.sr / FEATURE_HOP))
        frames = np.asarray(t) * self.sr / FEATURE_HOP
        return peak_values(self.onset, frames, radius)

    def change_at(self, beats: np.ndarray, span: int) -> np.ndarray:
        return harmonic_change(chroma=self.chroma, frame_times=self.times, beats=beats, span=span)


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


def _compound(evidence: np.ndarray, positions: np.ndarray) -> np.ndarray | None:
    """Bar positions in six, when bars of three decoded on fast beats pair up as six-eight.

    In six-eight heard on the eighth notes the decoder's bars of three come in pairs, and the
    first of each pair carries the stronger downbeat evidence (the chord changes and the
    accent come once per six eighths). Six wins when, over pairs of bars, the stronger parity
    leads by :data:`COMPOUND_MARGIN` in mean evidence and in at least
    :data:`COMPOUND_AGREEMENT` of the pairs; otherwise ``None`` keeps the bars of three.
    """
    firsts = np.flatnonzero(positions == 1)
    if len(firsts) < 4:
        return None
    values = evidence[firsts]
    pairs = len(values) // 2
    even, odd = values[0 : 2 * pairs : 2], values[1 : 2 * pairs : 2]
    lead = float(np.mean(even - odd))
    agree = float(np.mean(np.sign(even - odd) == np.sign(lead)))
    if abs(lead) < COMPOUND_MARGIN or agree < COMPOUND_AGREEMENT:
        return None
    start = firsts[0] if lead > 0 else firsts[1]
    return (np.arange(len(positions)) - start) % 6 + 1


def _bars(
    beats: np.ndarray,
    act: Activations,
    features: _Features,
    meters: tuple[int, ...],
) -> tuple[np.ndarray, int, float]:
    """Bar positions of the beats, the meter and the decoder's confidence.

    The meter comes from the network's evidence alone, the phase from the network and the
    chord changes. Letting the chord changes vote on the meter too cost meter accuracy (0.96 →
    0.87 on the development set): their half-bar windows differ between meters, so their
    scores are not comparable across meters the way the network's are. Six-eight is not a
    state of the decoder (with it, real 4/4 songs whose downbeats the network barely marks
    came out in six: meter accuracy 0.81) but a check on bars of three (``_compound``).
    """
    network = downbeat_evidence(
        beat_activation=act.downbeat[:, 0],
        downbeat_activation=act.downbeat[:, 1],
        beats=beats,
        fps=act.fps,
    )
    simple = tuple(m for m in meters if m not in COMPOUND_METERS) or (3,)
    meter = decode_bars(evidence={m: network for m in simple}, meters=simple).meter
    change = features.change_at(beats, max(1, meter // 2))
    bars = decode_bars(evidence={meter: network + HARMONY_WEIGHT * change}, meters=(meter,))
    positions = bars.positions
    if meter == 3 and 6 in meters and _global_tempo(beats) >= COMPOUND_MIN_BPM:
        six = _compound(network + HARMONY_WEIGHT * features.change_at(beats, 3), positions)
        if six is not None:
            return six, 6, bars.confidence
    return positions, meter, bars.confidence


def track_rhythm(
    *,
    y: np.ndarray,
    sr: int,
    meters: Sequence[int] = DEFAULT_METERS,
    min_bpm: float = DEFAULT_MIN_BPM,
    max_bpm: float = DEFAULT_MAX_BPM,
    profile: str = "default",
    activations: Activations | None = None,
) -> Rhythm:
    """Beats, downbeats, meter and tempo of a recording.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, any sample rate.
    sr : int
        Sample rate of ``y`` (Hz).
    meters : sequence of int
        Bar lengths in beats the bar decoder chooses between; ``(3, 4, 6)`` covers 3/4, 4/4
        and 6/8 (six eighth-note beats, considered from :data:`COMPOUND_MIN_BPM`).
    min_bpm, max_bpm : float
        Tempo range searched (BPM).
    profile : str
        Engine profile (:mod:`performia.analysis.engines`): ``"default"`` or ``"commercial"``.
    activations : Activations, optional
        :func:`rhythm_activations` of ``y`` when already computed (the network is most of the
        cost).

    Returns
    -------
    Rhythm
        ``beats`` and ``downbeats`` in seconds; ``tempo`` (BPM; the median inter-beat interval
        refined by the mean of the intervals within :data:`TEMPO_INLIER` of it);
        ``time_signature`` ``(beats per bar, 4)``, or ``(6, 8)``; ``tempo_curve``;
        calibrated ``beat_confidence`` per beat, their mean as ``confidence``, and
        ``bar_confidence``. Empty for silence or a signal shorter than a second.

    Examples
    --------
    >>> from performia.testing import render_song
    >>> mix, truth, _ = render_song(bpm=100, meter=3, bars=8, sr=22050)
    >>> rhythm = track_rhythm(y=mix, sr=22050)
    >>> rhythm.time_signature, round(rhythm.tempo)
    ((3, 4), 100)
    """
    y = _check(y, sr)
    profile = check_profile(profile)
    meters = tuple(sorted({int(m) for m in meters}))
    if not meters or min(meters) < 2:
        raise ValueError(f"meters must be bar lengths of at least 2 beats, got {meters!r}")
    if not 0 < min_bpm < max_bpm:
        raise ValueError(f"need 0 < min_bpm < max_bpm, got {min_bpm!r} and {max_bpm!r}")
    if len(y) < sr or not np.any(y):
        return _empty()

    act = rhythm_activations(y=y, sr=sr, profile=profile) if activations is None else activations
    beats = _track_beats(act.beat, act.fps, min_bpm, max_bpm)
    if len(beats) < 2:
        return _empty(0.0)
    beats = _octave_checked(beats, act, min_bpm, max_bpm)
    beats = _refine(act.beat, beats, act.fps)
    features = _Features(y, sr)
    onset = features.onset_at(beats)
    keep = np.ones(len(beats), dtype=bool)
    for edge in (0, len(beats) - 1):
        if onset[edge] < EDGE_ONSET_SHARE * float(np.median(onset)):
            keep[edge] = False
    beats = beats[keep]
    strength = peak_values(act.beat, beats * act.fps, max(1, round(0.02 * act.fps)))
    beat_confidence = calibration.beat_confidence(strength, profile=profile)
    tempo = round(_global_tempo(beats), 2) if len(beats) >= 2 else None
    if len(beats) < MIN_BEATS:
        return Rhythm(
            beats=tuple(round(float(b), 4) for b in beats),
            downbeats=(),
            tempo=tempo,
            time_signature=None,
            tempo_curve=_tempo_curve(beats),
            confidence=round(float(np.mean(beat_confidence)), 3) if len(beats) else 0.0,
            beat_confidence=tuple(round(float(c), 3) for c in beat_confidence),
        )
    positions, meter, raw_bar_confidence = _bars(beats, act, features, meters)
    return Rhythm(
        beats=tuple(round(float(b), 4) for b in beats),
        downbeats=tuple(round(float(b), 4) for b in beats[positions == 1]),
        tempo=tempo,
        time_signature=(meter, 8 if meter in COMPOUND_METERS else 4),
        tempo_curve=_tempo_curve(beats),
        confidence=round(float(np.mean(beat_confidence)), 3),
        beat_confidence=tuple(round(float(c), 3) for c in beat_confidence),
        bar_confidence=round(calibration.bar_confidence(raw_bar_confidence, profile=profile), 3),
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
    y = _check(y, sr)
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
