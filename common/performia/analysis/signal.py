"""What every analysis shares about its input signal: one check, so each fails the same clear
way; frame lengths kept in seconds across sample rates; one windowed short-time band power."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from performia.settings import ANALYSIS_SR

__all__ = ["band_power", "check_mono", "scaled"]


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


def band_power(
    y: np.ndarray,
    *,
    sr: int,
    centres: np.ndarray,
    n_fft: int,
    band_hz: tuple[float, float],
) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Power spectra, inside a band, of Hann-windowed frames centred on given samples.

    The one short-time power spectrum the spectral measures share (the voice-band level of
    :mod:`~performia.analysis.vocal_activity`, the harmonic measures of
    :mod:`~performia.analysis.melody`). Frames are taken a chunk at a time, so memory stays
    bounded on a 20-minute recording.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal; zero beyond its ends.
    sr : int
        Sample rate (Hz).
    centres : np.ndarray of int, shape (m,)
        The sample each frame is centred on, within ``[0, n]``.
    n_fft : int
        Frame length (samples), also the transform's length.
    band_hz : (float, float)
        Lowest and highest frequency kept (Hz), both inclusive.

    Yields
    ------
    chunk : np.ndarray of int
        Positions in ``centres`` of this chunk's frames (512 to 1023 of them, fewer in all).
    power : np.ndarray, shape (len(chunk), bins), float32
        ``|X|^2`` of each frame's bins inside the band. Single precision halves the time of
        the transforms; the measures built on them moved by under 1e-5.
    lo : int
        The first kept bin (its frequency is ``lo * sr / n_fft``).

    Examples
    --------
    >>> sr = 8000
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr)
    >>> spectra = band_power(y, sr=sr, centres=np.array([4000]), n_fft=512, band_hz=(500, 2000))
    >>> [(chunk, power, lo)] = spectra
    >>> float((lo + power[0].argmax()) * sr / 512)  # the strongest bin: the sine's
    1000.0
    """
    from scipy import fft

    half = n_fft // 2
    # Every frame start as a view (no copy): taking the wanted rows copies only those frames,
    # ten times faster than gathering them sample by sample.
    padded = np.pad(np.asarray(y, dtype=np.float32), (half, n_fft - half))
    framed = sliding_window_view(padded, n_fft)
    window = np.hanning(n_fft).astype(np.float32)
    bin_hz = sr / n_fft
    lo = int(np.ceil(band_hz[0] / bin_hz))
    hi = min(int(band_hz[1] / bin_hz) + 1, half + 1)
    centres = np.asarray(centres)
    for chunk in np.array_split(np.arange(centres.size), max(1, centres.size // 512)):
        spectrum = fft.rfft(framed[centres[chunk]] * window, axis=1)[:, lo:hi]
        yield chunk, spectrum.real**2 + spectrum.imag**2, lo
