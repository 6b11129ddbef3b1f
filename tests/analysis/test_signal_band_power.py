"""The shared short-time band power: frames centred where asked, the band, each frame once."""

from __future__ import annotations

import numpy as np
import pytest

from performia.analysis.signal import band_power

SR = 8000


def _direct(y: np.ndarray, centre: int, n_fft: int, lo: int, hi: int) -> np.ndarray:
    """One frame's band power the slow, obvious way (float64)."""
    half = n_fft // 2
    padded = np.pad(y.astype(np.float64), (half, n_fft))
    frame = padded[centre : centre + n_fft] * np.hanning(n_fft)
    return np.abs(np.fft.rfft(frame)[lo:hi]) ** 2


@pytest.mark.parametrize("n_fft", [512, 511])
def test_matches_a_direct_transform_at_every_centre_including_the_ends(n_fft):
    rng = np.random.default_rng(0)
    y = rng.standard_normal(3000).astype(np.float32)
    centres = np.array([0, 1, 700, 2999, 3000])
    (chunk, power, lo), *rest = band_power(
        y, sr=SR, centres=centres, n_fft=n_fft, band_hz=(150.0, 2000.0)
    )
    assert not rest and chunk.tolist() == [0, 1, 2, 3, 4] and power.dtype == np.float32
    bin_hz = SR / n_fft
    hi = int(2000.0 / bin_hz) + 1
    assert lo == int(np.ceil(150.0 / bin_hz)) and power.shape == (5, hi - lo)
    for row, centre in enumerate(centres):
        np.testing.assert_allclose(
            power[row], _direct(y, centre, n_fft, lo, hi), rtol=1e-3, atol=1e-3
        )


def test_band_edges_are_inclusive():
    # 8000 / 400 = 20 Hz bins: 100 Hz and 200 Hz fall exactly on bins 5 and 10
    [(_, power, lo)] = band_power(
        np.zeros(1000), sr=SR, centres=np.array([500]), n_fft=400, band_hz=(100.0, 200.0)
    )
    assert (lo, power.shape[1]) == (5, 6)


def test_long_inputs_come_in_chunks_that_cover_every_frame_once():
    y = np.ones(20000, np.float32)
    centres = np.arange(0, 20000, 7)
    seen = np.concatenate(
        [
            chunk
            for chunk, _, _ in band_power(
                y, sr=SR, centres=centres, n_fft=256, band_hz=(0.0, SR / 2)
            )
        ]
    )
    assert seen.tolist() == list(range(centres.size))
