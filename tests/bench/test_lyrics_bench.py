"""The lyric bench's song set and its scoring helpers (the bench itself runs in
``tests/bench/test_bench_cli.py`` through ``performia bench lyrics``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from performia.bench.lyrics import (
    GAP_S,
    LYRIC_SONGS,
    SR,
    _gaps,
    _in_gaps,
    _onset_scores,
    _song_form,
    render_lyric_song,
)
from performia.bench.transcription import vocal_to_band_db
from performia.testing.truth import WordTruth


def test_song_form_repeats_the_chorus_with_rest_bars():
    form = _song_form(["v1 a", "v2 b"], "chorus", bridge="bridge", rest=2)
    assert form == "\n\n\n".join(["v1 a", "chorus", "v2 b", "chorus", "bridge", "chorus"])
    # one verse is sung twice; one rest bar is one blank line
    assert _song_form(["only"], "ch") == "only\n\nch\n\nonly\n\nch\n\nch"


def test_songs_are_distinct_and_given_as_lines():
    assert len({s.name for s in LYRIC_SONGS}) == len(LYRIC_SONGS) == 8
    assert {s.meter for s in LYRIC_SONGS} == {3, 4}
    assert {s.band for s in LYRIC_SONGS} == {"quiet", "normal", "loud"}
    for song in LYRIC_SONGS:
        lines = song.given.splitlines()
        assert all(line and line == line.strip() for line in lines), song.name
        assert " ".join(lines).split() == song.lyrics.split(), song.name


def test_gaps_are_the_long_silences_between_words():
    words = [WordTruth("a", 1.0, 1.5), WordTruth("b", 1.6, 2.0), WordTruth("c", 5.0, 5.5)]
    assert GAP_S == 2.0
    assert _gaps(words, 10.0) == [(2.0, 5.0), (5.5, 10.0)]  # not the 1 s before "a"
    placed = [WordTruth("x", 3.0, 3.2), WordTruth("y", 2.2, 2.4), WordTruth("z", 9.0, 9.2)]
    assert _in_gaps(placed, _gaps(words, 10.0)) == 2  # 2.2 s is within 0.5 s of the edge


def test_onset_scores():
    mae, within = _onset_scores([1.0, 2.0, 3.0], [1.1, 2.5, 3.0])
    assert mae == pytest.approx(0.2) and within == pytest.approx(2 / 3)
    mae, within = _onset_scores([], [])
    assert math.isnan(mae) and within == 0.0


@pytest.mark.slow
def test_vocal_gain_moves_the_voice_against_the_band_only():
    song = min(LYRIC_SONGS, key=lambda s: len(s.lyrics))
    mix, truth, stems = render_lyric_song(song)
    same, same_truth, _ = render_lyric_song(song, vocal_gain=0.8)
    assert np.array_equal(mix, same) and truth == same_truth  # 0.8 is the default level
    soft, soft_truth, soft_stems = render_lyric_song(song, vocal_gain=0.4)
    assert soft_truth.words == truth.words and not np.array_equal(soft, mix)
    drop = vocal_to_band_db(stems, truth.words, SR) - vocal_to_band_db(soft_stems, truth.words, SR)
    assert drop == pytest.approx(20 * math.log10(2), abs=0.01)  # half the voice: 6.02 dB
