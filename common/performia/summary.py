"""The terminal summary of a Song Map: what a musician checks first after an analysis."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from performia.media import format_duration
from performia.songmap.model import SongMap

__all__ = ["chord_vocabulary", "render_summary"]


def chord_vocabulary(song: SongMap, *, limit: int = 12) -> list[str]:
    """Distinct chord symbols in order of first appearance (no-chord left out)."""
    seen: list[str] = []
    for c in song.chords:
        if c.symbol not in ("N", "N.C.") and c.symbol not in seen:
            seen.append(c.symbol)
    return seen[:limit]


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
    for line in lines[:max_lines]:
        console.print(f"  [dim]{format_duration(line.start_time):>5}[/]  {line.text}")
    if len(lines) > max_lines:
        console.print(f"  [dim]… {len(lines) - max_lines} more lines[/]")
    done = [n for n, p in song.provenance.stages.items() if p.status == "done"]
    absent = [n for n, p in song.provenance.stages.items() if p.status != "done"]
    console.print(f"\n[green]Analyses:[/] {', '.join(done) or 'none'}")
    if absent:
        console.print(f"[yellow]Not in this Song Map:[/] {', '.join(absent)} (not built yet)")
