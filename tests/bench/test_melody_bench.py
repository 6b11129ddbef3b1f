"""``performia bench melody``: its scoring, its anchors on a known pitch, and its command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from performia.bench import melody as bench
from performia.bench.cli import bench_app
from performia.testing import NoteTruth, render_melody
from performia.testing.melody_cases import HOP_S, CaseTruth

SR = 22050


def _truth(f0: np.ndarray) -> CaseTruth:
    times = np.arange(len(f0)) * HOP_S
    who = tuple("voice" if f > 0 else "" for f in f0)
    return CaseTruth(times, f0, who, None, (), SR, len(f0) * HOP_S)


def test_scoring_on_a_tiny_case():
    f0 = np.zeros(100)
    f0[20:80] = 220.0  # 60 voiced frames, 40 unvoiced
    truth = _truth(f0)
    perfect = bench.score_melody(truth, truth.times, f0)
    assert perfect == {"oa": 1.0, "rpa": 1.0, "rca": 1.0, "vr": 1.0, "vfa": 0.0}
    octave = bench.score_melody(truth, truth.times, 2 * f0)
    assert octave["rpa"] == 0.0 and octave["rca"] == 1.0 and octave["oa"] == pytest.approx(0.4)
    half = f0.copy()
    half[50:80] = 0.0  # half the voiced frames missed
    missed = bench.score_melody(truth, truth.times, half)
    assert missed["vr"] == pytest.approx(0.5) and missed["oa"] == pytest.approx(0.7)
    chatter = np.full(100, 220.0)  # every frame voiced
    assert bench.score_melody(truth, truth.times, chatter)["vfa"] == 1.0
    # Another grid is resampled onto the truth's; a single frame scores as all unvoiced.
    coarse = np.arange(0, 1.0, 0.016)
    assert bench.score_melody(truth, coarse, np.interp(coarse, truth.times, f0))["oa"] > 0.9
    assert bench.score_melody(truth, np.array([0.0]), np.array([220.0]))["vr"] == 0.0


@pytest.mark.parametrize("anchor", [bench._melodia, bench._swift])
def test_the_anchors_recover_a_known_pitch(anchor):
    y = render_melody([NoteTruth(57, 0.2, 1.6)], sr=SR, duration=1.8)
    times, f0 = anchor(y, SR)
    steady = (times > 0.4) & (times < 1.4)
    assert np.median(f0[steady]) == pytest.approx(220.0, rel=0.01)
    assert (f0[steady] > 0).mean() > 0.9


@pytest.mark.slow  # the first pyin call compiles librosa's numba kernels
def test_pyin_anchor_recovers_a_known_pitch():
    y = render_melody([NoteTruth(64, 0.2, 1.2)], sr=SR, duration=1.4)
    times, f0 = bench._pyin(y, SR)
    steady = (times > 0.4) & (times < 1.0)
    assert np.median(f0[steady]) == pytest.approx(329.6, rel=0.01)


def test_the_command_refuses_an_unknown_case_before_any_work():
    result = CliRunner().invoke(bench_app, ["melody", "--cases", "belted_tenor,nope"])
    assert result.exit_code == 2, result.output
    assert "unknown 'nope'; known: loud_band_baritone" in " ".join(
        result.output.replace("│", " ").split()
    )


@pytest.mark.slow  # renders, separates and tracks a 19 s case with six systems
def test_the_command_on_one_case(tmp_path):
    out = tmp_path / "melody.json"
    args = ["melody", "--cases", "belted_tenor", "--json", str(out)]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    (row,) = report["cases"]
    assert row["name"] == "belted_tenor" and set(row["systems"]) == set(bench.SYSTEMS)
    for system in bench.SYSTEMS:
        scores = row["systems"][system]
        assert scores["status"] == "ok" and set(bench.METRICS) <= set(scores)
    assert row["systems"]["default"]["oa"] == row["systems"]["commercial"]["oa"]
    # Measured 0.840 for the default profile and 0.306 for Melodia on the mix.
    assert row["systems"]["default"]["oa"] > 0.8
    assert row["checks"]["not_below_melodia_mix"] is True
    assert set(report["means"]) == set(bench.SYSTEMS)
