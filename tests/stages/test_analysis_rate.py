"""The analysis sample rate is set in one place (ingest, from ``PERFORMIA_ANALYSIS_SR`` or the
job's ``analysis_sr``) and every stage reads it from ingest's metadata: analysing at 16 kHz
gives the same beats and chords as the default 22.05 kHz."""

from __future__ import annotations

import json
import statistics

import pytest

from performia.embedded import analyze_file
from performia.settings import ANALYSIS_SR, get_settings


@pytest.fixture
def fresh_settings():
    """Settings read again from the environment (they are read once per process)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.slow
def test_another_analysis_rate_gives_the_same_beats_and_chords(
    tmp_path, song_file, monkeypatch, fresh_settings
):
    default = analyze_file(song_file, tmp_path / "default").song
    monkeypatch.setenv("PERFORMIA_ANALYSIS_SR", "16000")
    get_settings.cache_clear()
    other = analyze_file(song_file, tmp_path / "16k").song
    metadata = {
        run: next((tmp_path / run / "jobs").rglob("metadata.json")) for run in ("default", "16k")
    }
    rates = {run: json.loads(path.read_text())["sampleRate"] for run, path in metadata.items()}
    assert rates == {"default": ANALYSIS_SR, "16k": 16000}
    assert default.beats and len(other.beats) == len(default.beats)
    assert max(abs(a - b) for a, b in zip(other.beats, default.beats, strict=True)) <= 0.05
    assert [c.symbol for c in other.chords] == [c.symbol for c in default.chords]
    for a, b in zip(other.chords, default.chords, strict=True):
        assert abs(a.start_time - b.start_time) <= 0.05, (a, b)
    assert other.duration == pytest.approx(default.duration, abs=0.05)
    # the melody in the same key (told the wrong rate, it came out 5.6 semitones flat)
    assert default.melody and other.melody
    assert statistics.median(n.pitch for n in other.melody) == pytest.approx(
        statistics.median(n.pitch for n in default.melody), abs=0.5
    )
