"""The terminal summary of a Song Map: what a musician checks first after an analysis."""

from __future__ import annotations

import itertools

from rich.console import Console
from rich.table import Table

from performia.media import format_duration
from performia.songmap.model import SongMap

__all__ = ["bar_chords", "chord_vocabulary", "render_summary"]


def chord_vocabulary(song: SongMap, *, limit: int = 12) -> list[str]:
    """Distinct chord symbols in order of first appearance (no-chord left out)."""
    seen: list[str] = []
    for c in song.chords:
        if c.symbol not in ("N", "N.C.") and c.symbol not in seen:
            seen.append(c.symbol)
    return seen[:limit]


def bar_chords(song: SongMap, start: float, end: float) -> list[str]:
    """The chord at each bar line between ``start`` and ``end``, as a musician counts them.

    A bar whose chord changes halfway shows both (``"C G"``); no-chord is ``"N.C."``. Without
    downbeats, the chord segments themselves are listed.
    """
    bars = [b for b in song.downbeats if start - 1e-3 <= b < end - 1e-3]
    if not bars:
        return [c.symbol for c in song.chords if start <= c.start_time < end]
    out = []
    for a, b in itertools.pairwise([*bars, end]):
        inside = [
            c.symbol for c in song.chords if c.end_time > a + 1e-3 and c.start_time < b - 1e-3
        ]
        names = [n for i, n in enumerate(inside) if i == 0 or n != inside[i - 1]]
        out.append(" ".join("N.C." if n == "N" else n for n in names) or "N.C.")
    return out


def _chart_rows(cells: list[str], width: int = 8) -> list[tuple[list[str], int]]:
    """Rows of ``width`` bars, with consecutive identical rows folded into a repeat count."""
    rows: list[tuple[list[str], int]] = []
    for i in range(0, len(cells), width):
        row = cells[i : i + width]
        if rows and rows[-1][0] == row:
            rows[-1] = (row, rows[-1][1] + 1)
        else:
            rows.append((row, 1))
    return rows


def render_summary(song: SongMap, console: Console, *, max_lines: int = 12) -> None:
    """Print title, length, key, tempo, chords, sections, the first lyric lines and provenance."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row("Title", song.title)
    table.add_row("Artist", song.artist)
    if song.album:
        table.add_row("Album", song.album)
    table.add_row("Duration", format_duration(song.duration))
    missing = "[dim]not analysed in this version[/]"
    table.add_row("Key", song.key or missing)
    table.add_row("Tempo", f"{song.tempo:.0f} BPM" if song.tempo else missing)
    ts = song.time_signature
    table.add_row("Meter", f"{ts.numerator}/{ts.denominator}" if ts else missing)
    chords = chord_vocabulary(song)
    table.add_row("Chords", "  ".join(chords) if chords else missing)
    table.add_row(
        "Sections",
        ", ".join(f"{s.name} {format_duration(s.start_time)}" for s in song.sections),
    )
    lines = song.lines()
    table.add_row("Lyrics", f"{len(lines)} lines" if lines else missing)
    console.print(table)
    if song.chords and song.downbeats:
        console.print("\n[bold cyan]Chart[/] [dim](one cell per bar)[/]")
        for section in song.sections:
            cells = bar_chords(song, section.start_time, section.end_time)
            if not cells:
                continue
            label = f"{section.name} {format_duration(section.start_time)}"
            for j, (row, times) in enumerate(_chart_rows(cells)):
                head = label if j == 0 else ""
                bars = " | ".join(f"{c:<5}" for c in row)
                repeat = f"  [dim]×{times}[/]" if times > 1 else ""
                console.print(f"  [bold]{head:<16}[/] | {bars} |{repeat}")
    for line in lines[:max_lines]:
        console.print(f"  [dim]{format_duration(line.start_time):>5}[/]  {line.text}")
    if len(lines) > max_lines:
        console.print(f"  [dim]… {len(lines) - max_lines} more lines[/]")
    done = [n for n, p in song.provenance.stages.items() if p.status == "done"]
    absent = [n for n, p in song.provenance.stages.items() if p.status != "done"]
    console.print(f"\n[green]Analyses:[/] {', '.join(done) or 'none'}")
    if absent:
        console.print(f"[yellow]Not in this Song Map:[/] {', '.join(absent)} (not built yet)")
