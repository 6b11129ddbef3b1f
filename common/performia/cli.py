"""The ``performia`` command: analyse, validate, export.

Exit codes: 0 success, 2 bad input (the message says what to change), 1 internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from performia import __version__
from performia.errors import BadInputError, PerformiaError, StageFailedError
from performia.jobs.base import StageState
from performia.pipeline.graph import GRAPH
from performia.pipeline.runner import StageEvent
from performia.settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="performia",
    help="Turn a song recording into a Song Map: syllable-timed lyrics, chords, beats, melody.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"performia {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn a song recording into a Song Map."""


class _StageProgress:
    """One progress row per stage, fed by the runner's events (from worker threads)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.rows = {s.name: progress.add_task(s.name, total=1.0, status="waiting") for s in GRAPH}

    def __call__(self, e: StageEvent) -> None:
        row = self.rows.get(e.stage)
        if row is None:
            return
        if e.state is StageState.DONE:
            status = "[green]reused[/]" if e.reused else f"[green]done[/] {e.seconds or 0:.1f}s"
        elif e.state is StageState.SKIPPED:
            status = f"[dim]skipped: {e.message}[/]"
        elif e.state is StageState.FAILED:
            status = "[red]failed[/]"
        else:
            status = e.message or "running"
        completed = 1.0 if e.state in (StageState.DONE, StageState.SKIPPED) else e.progress
        self.progress.update(row, completed=completed, status=status)


def _profile(name: str | None) -> str | None:
    """``--profile`` checked now, so a typo costs no decoding (``None``: the setting)."""
    if name is None:
        return None
    from performia.analysis.engines import check_profile

    try:
        return check_profile(name)
    except ValueError as exc:
        raise BadInputError(str(exc)) from None


def _read_lyrics(path: Path) -> str:
    """The lyrics file as text, checked now so a mistake costs no analysis time."""
    from performia.analysis.lyrics import MAX_LYRICS_BYTES, decode_lyrics, parse_lyrics

    try:
        if path.is_file() and path.stat().st_size > MAX_LYRICS_BYTES:
            raise BadInputError(
                f"lyrics file {path} is too large ({path.stat().st_size} bytes; at most "
                f"{MAX_LYRICS_BYTES}): give the words of one song"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInputError(f"lyrics file {path} does not exist") from None
    except IsADirectoryError:
        raise BadInputError(f"lyrics file {path} is a folder, not a text file") from None
    except OSError as exc:
        raise BadInputError(f"cannot read lyrics file {path}: {exc.strerror}") from None
    try:
        text = decode_lyrics(data)
        parse_lyrics(text)
    except BadInputError as exc:
        raise BadInputError(f"{path}: {exc}") from None
    return text


@app.command()
def analyze(
    song: Annotated[Path, typer.Argument(help="The recording (mp3, wav, flac, ogg, m4a, opus …).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: ./output/<song name>)."),
    ] = None,
    lyrics: Annotated[
        Path | None, typer.Option(help="Known lyrics (plain text, one sung line per line, or LRC).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title, overriding the file's tags.")] = None,
    artist: Annotated[str | None, typer.Option(help="Artist, overriding the file's tags.")] = None,
    album: Annotated[str | None, typer.Option(help="Album, overriding the file's tags.")] = None,
    language: Annotated[
        str | None, typer.Option(help="Lyrics language, e.g. en, de, pt_BR (default: detected).")
    ] = None,
    max_duration: Annotated[
        float | None,
        typer.Option(
            help=f"Longest recording accepted, seconds (default: {Settings.max_duration_s:g})."
        ),
    ] = None,
    separator: Annotated[
        str | None,
        typer.Option(
            help=f"Stem separator: spleeter (2 stems) or demucs (4); default {Settings.separator}."
        ),
    ] = None,
    asr_model: Annotated[
        str | None,
        typer.Option(
            help="Whisper model: auto (tiny.en for English, base for other languages), "
            f"tiny.en, base, or a model folder (default: {Settings.asr_model})."
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="Engine profile: default (most accurate) or commercial (only engines whose "
            "licences allow a paid hosted service); default: PERFORMIA_PROFILE or "
            f"{Settings.profile}."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Analyse SONG and write OUT/song_map.json plus every stage's artifacts."""
    from performia.embedded import analyze_file
    from performia.summary import render_summary

    lyrics_text = _read_lyrics(lyrics) if lyrics is not None else None
    out_dir = out or Path("output") / song.stem
    params = {
        k: v
        for k, v in {
            "title": title,
            "artist": artist,
            "album": album,
            "language": language,
            "max_duration_s": max_duration,
            "lyrics": lyrics_text,
            "separator": separator,
            "asr_model": asr_model,
            "profile": _profile(profile),
        }.items()
        if v is not None
    }
    show = (not quiet and out_console.is_terminal) or os.environ.get("PERFORMIA_PROGRESS") == "1"
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<10}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show,
        transient=False,
    )
    with progress:
        result = analyze_file(song, out_dir, params=params, on_event=_StageProgress(progress))
    render_summary(result.song, out_console)
    out_console.print(f"\nSong Map: [bold]{result.song_map_path}[/]")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A song_map.json to check against the schema.")],
) -> None:
    """Check a Song Map against the schema; the error names the field at fault."""
    from performia.songmap.io import load_song_map

    song = load_song_map(file)
    n = len(song.syllables())
    out_console.print(
        f"{file}: valid Song Map {song.schema_version} "
        f"({len(song.sections)} sections, {len(song.lines())} lines, {n} syllables)"
    )


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="A song_map.json.")],
    format: Annotated[str, typer.Option("--format", "-f", help="chordpro or lrc.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Export a Song Map as ChordPro (chords over syllables) or LRC (word-level timing)."""
    from performia.songmap.export import export_song_map
    from performia.songmap.io import load_song_map

    text = export_song_map(load_song_map(file), format)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {output}")


@app.command()
def schema(
    write: Annotated[
        bool, typer.Option("--write", help="Rewrite the committed schema file in the package.")
    ] = False,
) -> None:
    """Print the Song Map JSON Schema (or rewrite the committed copies of it and of the wire
    schema the frontend's other types come from)."""
    from performia.songmap.schema import SCHEMA_PATH, song_map_schema_text
    from performia.wire import WIRE_SCHEMA_PATH, wire_schema_text

    text = song_map_schema_text()
    if write:
        for path, content in ((SCHEMA_PATH, text), (WIRE_SCHEMA_PATH, wire_schema_text())):
            path.write_text(content, encoding="utf-8")
            err_console.print(f"wrote {path}")
    else:
        sys.stdout.write(text)


@app.command()
def example(
    path: Annotated[Path, typer.Argument(help="Where to write the song (.mp3, .flac, .ogg …).")],
    bars: Annotated[int, typer.Option(help="Length in bars of 4/4 at 100 BPM.")] = 16,
) -> None:
    """Synthesise an example song (drums, chords, a melody and spoken lyrics) with its truth."""
    from performia.testing.example import write_example_song

    truth_path = write_example_song(path, bars=bars)
    err_console.print(f"wrote {path} (truth: {truth_path})")


def _mount_bench() -> None:
    """``performia bench``: accuracy and speed against synthesised truth (needs the bench extra)."""
    try:
        from performia.bench.cli import bench_app
    except ImportError:  # an image without mir_eval simply has no bench command
        return
    app.add_typer(bench_app, name="bench")


_mount_bench()


def _mount_dev() -> None:
    """``performia dev up|down``: the local emulator stack."""
    from performia.devstack.cli import dev_app

    app.add_typer(dev_app, name="dev")


_mount_dev()


def _mount_kb() -> None:
    """``performia kb``: the knowledge base (its engines load only when a command runs)."""
    from performia.kb.cli import kb_app

    app.add_typer(kb_app, name="kb")


_mount_kb()


def _mount_view() -> None:
    """``performia view DIR``: the Living Chart over a local song library."""
    from performia.viewer.cli import view_command

    app.command("view")(view_command)


_mount_view()


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps the error family to exit codes and one-line messages."""
    debug = os.environ.get("PERFORMIA_DEBUG") == "1"
    try:
        # standalone mode: usage errors print their own message and exit 2 through SystemExit
        app(args=argv, prog_name="performia")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except StageFailedError as exc:
        if debug:
            raise
        cause = exc.cause
        if isinstance(cause, BadInputError):
            err_console.print(f"[red]error:[/] {cause}", highlight=False)
        else:
            err_console.print(
                f"[red]error:[/] the {exc.stage} stage failed: {cause}", highlight=False
            )
        return exc.exit_code
    except PerformiaError as exc:
        if debug:
            raise
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            f"[red]internal error:[/] {type(exc).__name__}: {exc} "
            "(PERFORMIA_DEBUG=1 shows the traceback)",
            highlight=False,
        )
        return 1
    return 0


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
