"""``performia bench``: accuracy against the synthesised suite, and speed on a three-minute song.

Mounted by :mod:`performia.cli` as a sub-command; also runs alone as
``python -m performia.bench.cli accuracy --quick``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from performia.bench import parse_tasks
from performia.settings import ANALYSIS_SR

__all__ = ["bench_app"]

bench_app = typer.Typer(
    name="bench",
    help="Score the analyses against synthesised songs with known truth, and time them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_console = Console(soft_wrap=True)

_Only = Annotated[
    str | None,
    typer.Option(
        "--only", help="Comma-separated analyses: rhythm,harmony,melody,structure [default: all]."
    ),
]
_Json = Annotated[
    Path | None, typer.Option("--json", help="Also write every number to this JSON file.")
]


def _tasks(only: str | None) -> tuple[str, ...]:
    try:
        return parse_tasks(only)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--only") from exc


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    _console.print(f"wrote {path}")


@bench_app.command()
def accuracy(
    quick: Annotated[bool, typer.Option("--quick", help="Six songs instead of 24.")] = False,
    only: _Only = None,
    json_path: _Json = None,
    songs: Annotated[
        str | None, typer.Option("--songs", help="Comma-separated suite song names to run.")
    ] = None,
    sr: Annotated[int, typer.Option("--sr", help="Sample rate the analyses get (Hz).")] = (
        ANALYSIS_SR
    ),
) -> None:
    """Run every available analysis and its baseline on the suite and score them with mir_eval."""
    from performia.bench.accuracy import accuracy_table, run_accuracy, status_lines

    tasks = _tasks(only)
    names = [s.strip() for s in songs.split(",") if s.strip()] if songs else None

    def progress(entry) -> None:
        ours = entry.scores.get("performia", {})
        shown = ", ".join(f"{k} {v:.2f}" for k, v in list(ours.items())[:4])
        _console.print(f"[dim]{entry.song.name}[/] ({entry.duration:.0f} s) {shown}")

    try:
        report = run_accuracy(quick=quick, tasks=tasks, sr=sr, songs=names, on_song=progress)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--songs") from exc
    _console.print(accuracy_table(report))
    for line in status_lines(report):
        _console.print(f"[yellow]{line}[/]")
    if json_path is not None:
        _write_json(json_path, report.to_dict())


@bench_app.command()
def speed(
    only: _Only = None,
    json_path: _Json = None,
    bars: Annotated[int, typer.Option("--bars", min=1, help="Length of the song in bars.")] = 90,
    bpm: Annotated[float, typer.Option("--bpm", min=20, max=400, help="Its tempo.")] = 120.0,
    baseline: Annotated[bool, typer.Option("--baseline", help="Time the baselines too.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds one analysis may take.")
    ] = 600.0,
) -> None:
    """Time each analysis in a fresh process on a rendered song: wall, real-time factor, RSS."""
    from performia.bench.speed import run_speed, speed_table, status_lines

    def progress(row) -> None:
        took = "" if row.seconds is None else f" {row.seconds:.2f} s"
        _console.print(f"[dim]{row.system} {row.task}[/]: {row.status.split(':')[0]}{took}")

    report = run_speed(
        bars=bars,
        bpm=bpm,
        tasks=_tasks(only),
        baseline=baseline,
        timeout=timeout,
        on_row=progress,
    )
    _console.print(speed_table(report))
    for line in status_lines(report):
        _console.print(f"[yellow]{line}[/]")
    if json_path is not None:
        _write_json(json_path, report.to_dict())


@bench_app.command()
def suite(
    quick: Annotated[bool, typer.Option("--quick", help="The quick suite only.")] = False,
) -> None:
    """List the benchmark songs: tempo, meter, keys, tuning, timbre and what each exercises."""
    from performia.testing.suite import benchmark_suite

    table = Table(title=f"Benchmark suite ({'quick' if quick else 'full'})")
    for column in ("song", "BPM", "meter", "keys", "tuning ¢", "timbre", "length s", "features"):
        table.add_column(column, no_wrap=column == "song")
    for s in benchmark_suite(quick=quick):
        table.add_row(
            s.name,
            f"{s.tempo:g}",
            s.meter,
            " → ".join(s.keys),
            f"{s.tuning_cents:+.0f}",
            s.timbre,
            f"{s.duration:.0f}",
            ", ".join(s.features),
        )
    _console.print(table)


if __name__ == "__main__":
    bench_app()
