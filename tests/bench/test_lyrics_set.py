"""``performia bench lyrics --set`` on a one-song set written here from a synthesised sung song.

The real songs (``../shared/devset``) are absent in CI, so the test writes a set in the same
layout (audio, a ``start,end,word`` CSV, the lyrics text, a manifest entry with task "lyrics")
from an espeak-ng song whose word starts are exact, and checks the harness analyses it with the
lyrics given and scores every word.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from performia.bench.cli import bench_app
from performia.bench.devset import LYRICS_TASKS, DevSetError, load_clips, read_words
from performia.bench.lyrics_set import onset_scores, reliability, run_lyrics_set
from performia.testing import sung_song

SR = 44100
LYRICS = """Morning light is falling softly on the river
Every voice is singing gently through the valley

Hold the moment carry it along the water
Sing it louder let the echo bring it home"""


def make_set(root: Path, *, lyrics: str = LYRICS) -> Path:
    mix, truth = sung_song(lyrics=LYRICS, sr=SR)
    (root / "audio").mkdir(parents=True)
    (root / "annotations" / "lyrics").mkdir(parents=True)
    soundfile.write(root / "audio" / "sung.flac", mix, SR)
    words = "start,end,word\n" + "".join(
        f"{w.start:.3f},{w.end:.3f},{w.text}\n" for w in truth.words
    )
    (root / "annotations" / "lyrics" / "sung.words.csv").write_text(words, encoding="utf-8")
    (root / "annotations" / "lyrics" / "sung.lyrics.txt").write_text(lyrics, encoding="utf-8")
    entry = {
        "id": "synth_sung",
        "task": "lyrics",
        "audio": "audio/sung.flac",
        "annotations": {
            "words": "annotations/lyrics/sung.words.csv",
            "lyrics_text": "annotations/lyrics/sung.lyrics.txt",
        },
        "duration_s": len(mix) / SR,
    }
    (root / "manifest.json").write_text(json.dumps([entry]), encoding="utf-8")
    return root


def test_onset_scores():
    s = onset_scores([1.0, 2.0, 3.0, 4.0], [1.1, 1.5, 3.0, 7.0])
    assert s["words"] == 4 and s["within"] == 0.5 and s["lost"] == 0.25
    assert s["mean"] == pytest.approx((0.1 + 0.5 + 0 + 3) / 4)
    assert s["median"] == pytest.approx(0.3) and s["bias"] == pytest.approx(0.05)
    with pytest.raises(ValueError, match="as many"):
        onset_scores([1.0], [])


def test_a_set_is_read_for_its_lyrics_clips_only(tmp_path):
    root = make_set(tmp_path / "set")
    assert load_clips(root) == []  # no music task
    (clip,) = load_clips(root, tasks=LYRICS_TASKS)
    starts, words, text = read_words(clip)
    assert words[:3] == ("Morning", "light", "is") and len(starts) == len(text.split())
    assert np.all(np.diff(starts) > 0)


def test_lyrics_that_do_not_match_the_words_are_refused(tmp_path):
    root = make_set(tmp_path / "set", lyrics=LYRICS.replace("river", "sea and sky"))
    (clip,) = load_clips(root, tasks=LYRICS_TASKS)
    with pytest.raises(DevSetError, match="does not hold exactly the words"):
        read_words(clip)


@pytest.mark.slow
def test_the_set_is_analysed_with_its_lyrics_and_every_word_scored(tmp_path):
    root = make_set(tmp_path / "set")
    report = run_lyrics_set(root, work=tmp_path / "work")
    (row,) = report["clips"]
    assert row["language"] == "en" and row["scores"]["words"] == len(LYRICS.split())
    assert "language en identified" in row["note"]
    # measured on this song: every word within 0.3 s, mean 0.05-0.1 s (the synthetic target)
    assert row["scores"]["within"] >= 0.9 and row["scores"]["mean"] <= 0.15
    assert report["pooled"]["words"] == row["scores"]["words"]
    assert report["checks"]["within"] is True
    # every word carries a timing confidence, and the reliability table counts each once
    assert len(row["confidence"]) == row["scores"]["words"]
    assert all(0.0 <= c <= 1.0 for c in row["confidence"])
    assert sum(b["words"] for b in report["reliability"]) == row["scores"]["words"]
    assert row["squeezed_lines"] == 0 and row["lines"] >= 4


def test_reliability_bins_words_by_confidence():
    table = reliability([0.9, 0.85, 0.6, 0.1, None], [0.1, -0.5, 0.2, 3.0, 0.0])
    by_bin = {b["bin"]: b for b in table}
    assert by_bin["0.8-1.0"]["words"] == 2 and by_bin["0.8-1.0"]["within"] == 0.5
    assert by_bin["0.5-0.7"]["within"] == 1.0 and by_bin["0.0-0.5"]["within"] == 0.0
    assert by_bin["0.7-0.8"] == {"bin": "0.7-0.8", "words": 0, "confidence": None, "within": None}


def test_the_command_names_a_set_without_lyrics_clips(tmp_path):
    def said(args: list[str]) -> tuple[int, str]:
        result = CliRunner().invoke(bench_app, args)
        return result.exit_code, " ".join(result.output.replace("│", " ").split())

    (tmp_path / "manifest.json").write_text("[]", encoding="utf-8")
    code, output = said(["lyrics", "--set", str(tmp_path)])
    assert code == 2 and "has no lyrics clips" in output
    code, output = said(["lyrics", "--set", str(tmp_path / "nowhere")])
    assert code == 2 and "no manifest.json" in output
