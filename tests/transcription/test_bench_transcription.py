"""The recognition benchmark's scoring, material and speed harness."""

from __future__ import annotations

import math

import pytest
from rich.console import Console

from performia.analysis.results import Transcript, Word
from performia.bench.lyrics import LYRIC_SONGS
from performia.bench.transcription import (
    CONDITIONS,
    bench_lines,
    render_condition,
    run_transcription_bench,
    run_transcription_speed,
    score_words,
    speed_song,
    transcription_table,
)
from performia.testing.truth import WordTruth
from performia.transcription.base import WHISPER_SR

#: The shortest lyric song (43 s, 60 words).
SONG = "waltz_of_the_harbour_120"

TRUTH = (
    WordTruth("Twenty-one", 1.0, 1.4),
    WordTruth("candles", 2.0, 2.5),
    WordTruth("burning,", 3.0, 3.5),
    WordTruth("low", 4.0, 4.3),
)


def heard(*words: tuple[str, float]) -> Transcript:
    return Transcript(tuple(Word(text, start, start + 0.3, 0.9) for text, start in words))


def test_score_words_exact():
    scores = score_words(
        TRUTH, heard(("21", 1.0), ("candles", 2.1), ("burning", 3.0), ("low.", 4.2))
    )
    assert scores["wer"] == 0.0
    assert scores["n_words"] == 4 and scores["n_tokens"] == 5  # twenty-one is two tokens
    assert scores["onset_mae"] == pytest.approx((0.0 + 0.1 + 0.0 + 0.2) / 4)
    assert scores["onset_within"] == 1.0


def test_score_words_misses_and_late_onsets_count_against_it():
    scores = score_words(
        TRUTH, heard(("twenty", 1.0), ("one", 1.2), ("handles", 2.0), ("low", 4.5))
    )
    assert scores["wer"] == pytest.approx(2 / 5)  # candles → handles, burning missing
    assert scores["n_onsets"] == 2  # "twenty one" (first token) and "low"
    assert scores["onset_mae"] == pytest.approx((0.0 + 0.5) / 2)
    assert scores["onset_within"] == pytest.approx(1 / 4)


def test_conditions_and_the_speed_songs_lines_come_from_the_lyric_songs():
    assert CONDITIONS == ("vocals", "mix 1.2", "mix 0.8", "mix 0.5")
    lines = bench_lines()
    assert len(lines) == len(set(lines)) > 8  # each chorus once
    sung = {line for song in LYRIC_SONGS for line in song.given.splitlines()}
    assert set(lines) == sung
    with pytest.raises(ValueError, match="unknown condition"):
        render_condition(LYRIC_SONGS[0], "mix 2")


@pytest.mark.slow
def test_render_condition_sets_the_voice_against_the_band():
    song = next(s for s in LYRIC_SONGS if s.name == SONG)
    loud, words, loud_db = render_condition(song, "mix 1.2")
    soft, soft_words, soft_db = render_condition(song, "mix 0.5")
    voice, voice_words, none = render_condition(song, "vocals")
    assert [w.text for w in words] == song.lyrics.split()
    assert soft_words == words == voice_words and none is None
    assert len(loud) == len(soft) == len(voice) == 43 * WHISPER_SR  # at the recogniser's rate
    assert loud_db - soft_db == pytest.approx(20 * math.log10(1.2 / 0.5), abs=0.01)


@pytest.mark.slow
def test_bench_on_one_song():
    """Measured on waltz_of_the_harbour_120 with tiny.en: WER 0.283 and 65 % of onsets within
    0.3 s on the voice alone; 0.233 and 68 % in the mix at the bench's own level (−2.6 dB)."""
    rows = []
    report = run_transcription_bench(
        models=("tiny.en",),
        songs=(SONG,),
        conditions=("vocals", "mix 0.8"),
        speed=False,
        on_row=rows.append,
    )
    assert rows == report["rows"] and len(rows) == 2
    voice, mix = rows
    assert voice["song"] == SONG and voice["vad_filter"] is False
    assert voice["n_words"] == report["words"] == 60
    assert voice["wer"] <= 0.35 and voice["onset_within"] >= 0.55
    assert mix["wer"] <= 0.35 and mix["onset_within"] >= 0.55
    assert mix["vocal_to_band_db"] == pytest.approx(-2.55, abs=0.05)
    assert report["conditions"] == {"vocals": None, "mix 0.8": mix["vocal_to_band_db"]}
    first = report["summary"][0]
    assert first["condition"] == "vocals"
    assert first["wer"] == pytest.approx(voice["errors"] / voice["n_tokens"])
    assert report["speed"] == [] and report["target_wer"] == 0.25
    console = Console(record=True, width=200)
    console.print(transcription_table(report))
    text = console.export_text()
    assert "mix 0.8" in text and "-2.6" in text and f"{voice['wer']:.3f}" in text
    with pytest.raises(ValueError, match="unknown songs"):
        run_transcription_bench(songs=("nope",), speed=False)


@pytest.mark.slow
def test_speed_in_a_fresh_pinned_process():
    """Measured on 29 s (41 words): RTF 0.06, peak 316 MB, WER 0.39 on the mix."""
    mix, words = speed_song(seconds=30.0)
    assert 28.0 <= len(mix) / 22050 <= 33.0 and len(words) >= 30
    entry = run_transcription_speed("tiny.en", seconds=30.0, threads=2)
    assert entry["status"] == "ok", entry["status"]
    assert entry["threads"] <= 2
    assert 0.0 < entry["rtf"] < 0.5
    assert 100.0 < entry["peak_rss_mb"] < 2000.0
    assert entry["wer"] <= 0.5
