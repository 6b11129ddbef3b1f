"""The terminal summary's chord chart: one cell per bar, repeats folded."""

from __future__ import annotations

from rich.console import Console

from performia.songmap.model import ChordSegment, Provenance, Section, SongMap
from performia.summary import _chart_rows, bar_chords, render_summary


def song(chords, downbeats, duration=16.0):
    return SongMap(
        id="s",
        title="T",
        artist="A",
        duration=duration,
        downbeats=downbeats,
        chords=[ChordSegment(start_time=a, end_time=b, symbol=c) for a, b, c in chords],
        sections=[Section(name="Verse 1", kind="verse", start_time=0, end_time=duration)],
        provenance=Provenance(created_at="now", performia_version="0"),
    )


def test_one_cell_per_bar_with_mid_bar_changes_and_no_chord():
    s = song([(0, 2, "N"), (2, 4, "C"), (4, 5, "Am"), (5, 6, "F"), (6, 16, "G")], [0, 2, 4, 6, 8])
    assert bar_chords(s, 0, 10) == ["N.C.", "C", "Am F", "G", "G"]
    assert bar_chords(s, 4, 8) == ["Am F", "G"]


def test_without_downbeats_the_segments_are_listed():
    s = song([(0, 4, "C"), (4, 8, "G")], [])
    assert bar_chords(s, 0, 8) == ["C", "G"]


def test_identical_rows_fold_into_a_repeat_count():
    cells = ["C", "G", "Am", "F"] * 5 + ["C"]
    assert _chart_rows(cells, width=4) == [(["C", "G", "Am", "F"], 5), (["C"], 1)]


def test_summary_prints_the_chart(capsys):
    s = song([(0, 8, "C"), (8, 16, "G")], [0, 4, 8, 12])
    render_summary(s, Console(soft_wrap=True, width=120))
    out = capsys.readouterr().out
    assert "Verse 1 0:00" in out and "| C     | C     | G     | G     |" in out
