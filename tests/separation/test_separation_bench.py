"""The separation benchmark: SDR, speed and memory per engine, each in a fresh process."""

from __future__ import annotations

import numpy as np
import pytest

from performia.bench.separation import (
    SeparationRow,
    render_bench_song,
    run_separation_bench,
    sdr_db,
    separation_table,
)


def test_sdr_of_known_errors():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(10_000)
    assert sdr_db(s, s + 0.1 * s) == pytest.approx(20.0)
    assert sdr_db(s, np.zeros_like(s)) == pytest.approx(0.0)
    assert sdr_db(s, s) > 150


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engines"):
        run_separation_bench(duration_s=4, engines=("openunmix",))


@pytest.mark.slow
def test_song_length_and_vocals():
    mix, vocals, duration = render_bench_song(20.0)
    assert abs(duration - 20.0) < 2.5 and len(mix) == len(vocals) == round(duration * 44100)
    assert np.abs(vocals).max() > 0.1  # words were placed


@pytest.mark.slow
def test_bench_measures_spleeter_and_reports_missing_demucs(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFORMIA_DEMUCS_REPO", str(tmp_path))  # an empty folder: no weights
    monkeypatch.setenv("PERFORMIA_DEVICE", "cpu")
    rows: list[SeparationRow] = []
    result = run_separation_bench(duration_s=16, engines=("spleeter", "demucs"), on_row=rows.append)
    spleeter, demucs = result["rows"]
    assert [r.engine for r in rows] == ["spleeter", "demucs"]
    assert spleeter["status"] == "ok" and spleeter["label"] == "spleeter 2stems"
    assert spleeter["sdr_db"] > 5.0 and spleeter["sdr_db"] > spleeter["mix_sdr_db"] + 10
    assert 0 < spleeter["rtf"] < 5 and spleeter["peak_rss_mb"] > 100
    assert demucs["status"].startswith("not available: ModelError")
    assert "PERFORMIA_DEMUCS_REPO" in demucs["status"]
    assert separation_table(result).row_count == 2
