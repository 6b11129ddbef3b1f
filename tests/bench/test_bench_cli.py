"""``performia bench separation | transcription | lyrics``: options checked before any work,
and each command wired to its benchmark (one short song each)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from performia.bench.cli import bench_app

SONG = "waltz_of_the_harbour_120"  # the shortest lyric song: 43 s, 60 words


def _strict(text: str) -> dict:
    """JSON as a strict parser reads it: NaN or Infinity fail."""

    def refuse(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_the_commands_are_listed():
    result = CliRunner().invoke(bench_app, ["--help"])
    assert result.exit_code == 0
    for command in ("separation", "transcription", "lyrics"):
        assert command in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lyrics", "--songs", "nope"], "unknown 'nope'; known: morning_light_100"),
        (["lyrics", "--separator", "openunmix"], "unknown separator 'openunmix'"),
        (["lyrics", "--model", "huge"], "unknown speech recognition model 'huge'"),
        (["lyrics", "--engine", "kaldi"], "unknown engine 'kaldi'"),
        (["lyrics", "--model", "tiny.en,base"], "give one model"),
        (["transcription", "--engine", "kaldi"], "unknown engine 'kaldi'"),
        (["separation", "--engines", "spleeter,openunmix"], "unknown 'openunmix'"),
        (["separation", "--engines", " , "], "none given"),
        (["separation", "--seconds", "1"], "Invalid value for '--seconds'"),
        (["transcription", "--models", "tiny.en,huge"], "unknown speech recognition model"),
        (["transcription", "--conditions", "vocals,mix 2"], "unknown 'mix 2'"),
        (["transcription", "--songs", f"{SONG},nope"], "unknown 'nope'"),
    ],
)
def test_bad_options_are_refused_before_any_work(args, message):
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.replace("│", " ").split()), result.output


@pytest.mark.slow
def test_transcription_command_on_one_song(tmp_path):
    out = tmp_path / "transcription.json"
    args = ["transcription", "--songs", SONG, "--models", "tiny.en", "--conditions", "mix 0.8"]
    result = CliRunner().invoke(bench_app, [*args, "--no-speed", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert f"tiny.en mix 0.8 {SONG}: WER" in result.output  # the progress line
    report = _strict(out.read_text())
    assert report["songs"] == [SONG] and report["speed"] == []
    (row,) = report["rows"]
    assert row["n_words"] == 60 and row["wer"] <= 0.35  # measured 0.233
    assert "Recognition without lyrics" in result.output


@pytest.mark.slow
def test_lyrics_command_on_one_song(tmp_path):
    """Measured: vocals SDR 7.8 dB, WER 0.40 on the stem, given lyrics 98 % within 0.3 s."""
    out = tmp_path / "lyrics.json"
    result = CliRunner().invoke(bench_app, ["lyrics", "--songs", SONG, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{SONG} (43 s, 60 words): vocals SDR" in result.output
    assert "given words in instrumental gaps" in result.output  # the table
    report = _strict(out.read_text())
    (song,) = report["songs"]
    assert song["name"] == SONG and report["words"] == 60
    assert song["sdr_db"] > song["mix_sdr_db"] + 5
    assert song["given_within"] >= 0.8 and song["given_in_gaps"] == 0


@pytest.mark.slow
def test_separation_command_on_a_short_song(tmp_path):
    """Measured on 9 s: spleeter's vocals SDR 11.7 dB (the mix: −6.3 dB), peak 510 MB."""
    out = tmp_path / "separation.json"
    result = CliRunner().invoke(
        bench_app, ["separation", "--seconds", "8", "--engines", "spleeter", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "spleeter: ok" in result.output
    (row,) = _strict(out.read_text())["rows"]
    assert row["status"] == "ok" and row["sdr_db"] > row["mix_sdr_db"] + 10
    assert 100 < row["peak_rss_mb"] < 2000
