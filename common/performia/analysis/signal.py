"""Checks every analysis runs on its input signal, so each one fails the same clear way."""

from __future__ import annotations

import numpy as np

from performia.settings import ANALYSIS_SR

__all__ = ["check_mono", "scaled"]


def check_mono(y: np.ndarray, sr: int, *, nonempty: bool = False) -> np.ndarray:
    """``y`` as contiguous float32 after checking it is a finite mono float signal at a valid
    sample rate (and, with ``nonempty``, has samples); ``ValueError`` naming what is wrong
    otherwise. The one check every analysis and engine runs: a bad signal here is a bug in the
    caller (ingest has already refused what a user could send), so it is a ``ValueError``, not
    a :class:`~performia.errors.BadInputError`."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"expected a mono signal, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"expected a float signal, got {y.dtype}")
    if int(sr) != sr or sr <= 0:
        raise ValueError(f"sample rate must be a positive integer, got {sr!r}")
    if nonempty and y.size == 0:
        raise ValueError("expected a signal, got no samples")
    if not np.all(np.isfinite(y)):
        raise ValueError("signal contains NaN or infinite samples")
    return np.ascontiguousarray(y, dtype=np.float32)


def scaled(samples: int, sr: int, *, reference_sr: int = ANALYSIS_SR) -> int:
    """A frame or hop length defined at ``reference_sr``, kept the same duration at ``sr``."""
    return max(1, round(samples * sr / reference_sr))
