"""Signal levels: silence detection and peak normalisation of the analysis signal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from performia.analysis.signal import check_mono

__all__ = ["LevelReport", "measure_levels", "normalise_peak"]

_FLOOR_DB = -200.0


def _db(x: float) -> float:
    return float(20.0 * np.log10(x)) if x > 0 else _FLOOR_DB


@dataclass(frozen=True)
class LevelReport:
    """Levels of a signal, in dBFS (0 dB is full scale)."""

    peak_db: float
    rms_db: float
    #: Share of 50 ms frames whose RMS is within 50 dB of the loudest frame.
    active_share: float
    #: RMS of the loudest second (dBFS): what silence is judged on, since a click or the
    #: edge of a filtered-out ultrasonic tone can peak high while nothing is audible.
    loudest_second_db: float = _FLOOR_DB


def measure_levels(*, y: np.ndarray, sr: int, frame_s: float = 0.05) -> LevelReport:
    """Peak, RMS and active share of a mono signal.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, nominally in [-1, 1].
    sr : int
        Sample rate (Hz).
    frame_s : float
        Frame length for the active share (seconds).
    """
    y = check_mono(y, sr)
    if y.size == 0:
        return LevelReport(_FLOOR_DB, _FLOOR_DB, 0.0, _FLOOR_DB)
    peak = float(np.max(np.abs(y)))
    rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    hop = max(1, int(frame_s * sr))
    n = y.size // hop
    if n == 0:
        active = 1.0 if peak > 0 else 0.0
    else:
        frames = y[: n * hop].reshape(n, hop).astype(np.float64)
        frame_rms = np.sqrt(np.mean(frames**2, axis=1))
        loudest = float(frame_rms.max())
        active = float(np.mean(frame_rms > loudest * 10 ** (-50 / 20))) if loudest > 0 else 0.0
    second = min(y.size, sr)  # half-second hops, so a loud second is never split in two
    starts = range(0, max(1, y.size - second + 1), max(1, sr // 2))
    loudest_second = max(
        float(np.sqrt(np.mean(np.square(y[s : s + second], dtype=np.float64)))) for s in starts
    )
    return LevelReport(_db(peak), _db(rms), active, _db(loudest_second))


def normalise_peak(*, y: np.ndarray, target_db: float = -1.0) -> tuple[np.ndarray, float]:
    """Scale so the peak sits at ``target_db``; returns the signal and the gain applied (dB).

    Peak rather than loudness normalisation: the analysis stages are level-invariant above their
    noise floor, and a peak target can never clip.
    """
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak <= 0:
        return y.astype(np.float32, copy=True), 0.0
    gain = 10 ** (target_db / 20) / peak
    return (y * gain).astype(np.float32), _db(gain)
