"""The ingest stage: tags or filename for names, the normalised analysis signal, metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fixture_values import SR, TAGS
from performia.embedded import analyze_file
from performia.stages.ingest import names_from_filename
from performia.testing import write_audio


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Queen - Bohemian Rhapsody.mp3", ("Queen", "Bohemian Rhapsody")),
        ("03 - The Band - The Weight (live).flac", ("The Band", "The Weight (live)")),
        ("my_demo_take_2.wav", (None, "my demo take 2")),
        ("01 Intro.m4a", (None, "Intro")),
        (".wav", (None, ".wav")),
    ],
)
def test_names_from_filename(filename, expected):
    assert names_from_filename(filename) == expected


def _ingest_outputs(out_dir):
    [meta_path] = (out_dir / "jobs").rglob("ingest/*/metadata.json")
    audio = np.load(meta_path.with_name("audio.npy"))
    return json.loads(meta_path.read_text()), audio


@pytest.mark.slow
def test_ingest_metadata_and_normalised_signal(tmp_path, audio_files, song_signal):
    _, truth = song_signal
    result = analyze_file(audio_files["flac"], tmp_path / "out")
    meta, audio = _ingest_outputs(tmp_path / "out")
    assert {k: meta[k] for k in ("title", "artist", "album")} == TAGS
    assert meta["nameSources"] == {"title": "tag", "artist": "tag", "album": "tag"}
    assert meta["sampleRate"] == SR and audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) / SR - truth.duration) < 0.05
    assert abs(20 * np.log10(np.abs(audio).max()) - (-1.0)) < 0.01  # peak at -1 dBFS
    source = meta["source"]
    assert (source["codec"], source["container"]) == ("flac", "flac")
    assert source["sha256"] == result.song.provenance.source_sha256
    assert source["sizeBytes"] == audio_files["flac"].stat().st_size


@pytest.mark.slow
def test_untagged_file_falls_back_to_its_name(tmp_path, tone):
    path = write_audio(tmp_path / "Nina Simone - Feeling Good.wav", tone(3.0), SR)
    result = analyze_file(path, tmp_path / "out")
    assert (result.song.title, result.song.artist, result.song.album) == (
        "Feeling Good",
        "Nina Simone",
        None,
    )
    meta, _ = _ingest_outputs(tmp_path / "out")
    assert meta["nameSources"] == {"title": "filename", "artist": "filename", "album": "none"}


@pytest.mark.slow
def test_quiet_but_not_silent_recording_is_accepted_and_normalised(tmp_path, tone):
    path = write_audio(tmp_path / "soft.wav", tone(3.0, level=0.002), SR)  # about -54 dBFS
    analyze_file(path, tmp_path / "out")
    meta, audio = _ingest_outputs(tmp_path / "out")
    assert meta["levels"]["peakDb"] == pytest.approx(-54, abs=0.5)
    assert meta["levels"]["gainDb"] == pytest.approx(53, abs=0.5)
    assert np.abs(audio).max() == pytest.approx(10 ** (-1 / 20), rel=1e-3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_duration_s": "nan"}, "max_duration_s must be a positive number, not 'nan'"),
        ({"max_duration_s": "abc"}, "max_duration_s must be a number, not 'abc'"),
        ({"analysis_sr": -1}, "analysis_sr must be a positive number"),
    ],
)
def test_bad_job_parameters_fail_the_job_as_bad_input(tmp_path, tone, params, message):
    """A job created with junk parameters (not through upload_url, which refuses them) fails
    at once as the job's fault: a BadInputError is never retried as a transient error."""
    from performia.errors import BadInputError, StageFailedError

    path = write_audio(tmp_path / "song.wav", tone(1.0), SR)
    with pytest.raises(StageFailedError, match=message) as failed:
        analyze_file(path, tmp_path / "out", params=params)
    assert failed.value.stage == "ingest" and isinstance(failed.value.cause, BadInputError)


def test_an_upload_larger_than_declared_or_the_limit_is_refused_before_reading():
    from performia.errors import BadInputError
    from performia.stages.ingest import _check_size

    _check_size(1000, 1000, "song.mp3", 500.0)  # as declared: accepted
    _check_size(1000, None, "song.mp3", 500.0)  # nothing declared (a direct bucket write)
    with pytest.raises(BadInputError, match=r"14,000,000 bytes, more than the 1,000 declared"):
        _check_size(14_000_000, 1000, "song.mp3", 500.0)
    with pytest.raises(BadInputError, match="is 600 MB; the limit is 500 MB"):
        _check_size(600_000_000, 600_000_000, "song.mp3", 500.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        # a 21 kHz tone vanishes at the analysis rate, leaving clicks at its edges
        (lambda t: 0.5 * np.sin(2 * np.pi * 21000 * t), "nothing audible"),
        (lambda t: np.zeros_like(t), "nothing audible"),
        (lambda t: 0.3 * np.sin(2 * np.pi * 440 * t[: len(t) // 20]), "too short to analyse"),
    ],
    ids=["ultrasonic only", "digital silence", "half a second"],
)
def test_nothing_to_analyse_fails_the_job_as_bad_input(tmp_path, make, message):
    import soundfile as sf

    from performia.errors import StageFailedError

    t = np.arange(10 * 48000) / 48000
    path = tmp_path / "take.wav"
    sf.write(path, make(t).astype(np.float32), 48000)
    with pytest.raises(StageFailedError, match=message) as failed:
        analyze_file(path, tmp_path / "out")
    assert failed.value.stage == "ingest"
