"""``performia bench``: the analyses' accuracy against the synthesised suite and their speed on
a three-minute song; source separation, speech recognition and the whole lyrics chain against
synthesised songs whose every word is known.

Mounted by :mod:`performia.cli` as a sub-command; also runs alone as
``python -m performia.bench.cli accuracy --quick``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, overload

import typer
from rich.console import Console
from rich.table import Table

from performia.bench import parse_tasks
from performia.settings import ANALYSIS_SR, Settings
from performia.transcription.models import ENGLISH_MODEL, MULTILINGUAL_MODEL

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


@overload
def _names(value: str, known: Sequence[str], option: str) -> list[str]: ...
@overload
def _names(value: str | None, known: Sequence[str], option: str) -> list[str] | None: ...
def _names(value: str | None, known: Sequence[str], option: str) -> list[str] | None:
    """``"a,b"`` → ``["a", "b"]``, each checked against ``known``; ``None`` when not given."""
    if value is None:
        return None
    names = list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        what = f"unknown {', '.join(map(repr, unknown))}" if unknown else "none given"
        raise typer.BadParameter(f"{what}; known: {', '.join(known)}", param_hint=option)
    return names


def _models(value: str, engine: str, option: str, *, one: bool = False) -> list[str]:
    """Model names or folders for ``engine``, each resolved now so a typo costs no rendering."""
    from performia.errors import BadInputError
    from performia.transcription.models import ENGINES, resolve_model

    if engine not in ENGINES:
        raise typer.BadParameter(
            f"unknown engine {engine!r}; known: {', '.join(ENGINES)}", param_hint="--engine"
        )
    names = list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    if not names or (one and len(names) > 1):
        raise typer.BadParameter(f"give {'one model' if one else 'models'}", param_hint=option)
    for name in names:
        try:
            resolve_model(name, engine=engine)
        except BadInputError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from exc
    return names


def _finite(data: object) -> object:
    """``data`` with NaN and infinities as ``None``: JSON has no literal for them."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(data), indent=2) + "\n", encoding="utf-8")
    _console.print(f"wrote {path}")


def _fmt(value: float | None, spec: str) -> str:
    return "–" if value is None or value != value else format(value, spec)  # None or NaN


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
    dev_set: Annotated[
        Path | None,
        typer.Option(
            "--set",
            help="Score real recordings instead: a development set folder with manifest.json "
            "(e.g. ../shared/devset). Runs Performia's profiles and the anchors on each clip.",
        ),
    ] = None,
    profile: Annotated[
        str, typer.Option("--profile", help="With --set: default, commercial or both.")
    ] = "both",
    anchors: Annotated[
        str | None,
        typer.Option("--anchors", help="With --set: comma-separated anchors [default: all]."),
    ] = None,
    clips: Annotated[
        str | None, typer.Option("--clips", help="With --set: comma-separated clip ids.")
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            help="With --set: keep anchor results here between runs "
            "[default: .performia/bench-cache].",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="With --set: rerun every anchor.")
    ] = False,
) -> None:
    """Score every analysis with mir_eval: on the synthesised suite beside its baseline, or with
    --set on real annotated recordings beside the anchors (madmom, essentia, Chordino …)."""
    if dev_set is not None:
        _accuracy_real(dev_set, profile, anchors, clips, cache, no_cache, json_path)
        return
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


def _accuracy_real(
    root: Path,
    profile: str,
    anchors: str | None,
    clips: str | None,
    cache: Path | None,
    no_cache: bool,
    json_path: Path | None,
) -> None:
    from performia.analysis.engines import PROFILES
    from performia.bench.anchors import ANCHORS
    from performia.bench.devset import DevSetError
    from performia.bench.realset import real_table, run_realset

    profiles = PROFILES if profile == "both" else (profile,)
    if profile != "both" and profile not in PROFILES:
        raise typer.BadParameter(
            f"unknown profile {profile!r}; known: {', '.join(PROFILES)}, both",
            param_hint="--profile",
        )
    names = _names(anchors, list(ANCHORS), "--anchors")
    ids = [c.strip() for c in clips.split(",") if c.strip()] if clips else None
    folder = None if no_cache else (cache or Path(".performia") / "bench-cache")

    def progress(entry) -> None:
        lead = entry.scores.get(f"performia {profiles[0]}", {})
        shown = ", ".join(f"{k} {v:.2f}" for k, v in lead.items())
        _console.print(f"[dim]{entry.clip.id}[/] ({entry.clip.duration:.0f} s) {shown}")

    try:
        report = run_realset(
            root, profiles=profiles, anchors=names, clips=ids, cache_dir=folder, on_clip=progress
        )
    except DevSetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc
    _console.print(real_table(report))
    for line in report.problems():
        _console.print(f"[yellow]{line}[/]")
    if json_path is not None:
        _write_json(json_path, report.to_dict())


@bench_app.command()
def calibrate(
    dev_set: Annotated[
        Path, typer.Option("--set", help="A development set folder with manifest.json.")
    ],
    profile: Annotated[
        str, typer.Option("--profile", help="default, commercial or both.")
    ] = "both",
    clips: Annotated[
        str | None, typer.Option("--clips", help="Comma-separated clip ids [default: all].")
    ] = None,
    json_path: _Json = None,
) -> None:
    """Fit the confidence maps on real recordings and print them with their reliability."""
    from performia.analysis.engines import PROFILES
    from performia.bench.calibrate import run_calibration
    from performia.bench.devset import DevSetError

    if profile != "both" and profile not in PROFILES:
        raise typer.BadParameter(
            f"unknown profile {profile!r}; known: {', '.join(PROFILES)}, both",
            param_hint="--profile",
        )
    profiles = PROFILES if profile == "both" else (profile,)
    ids = [c.strip() for c in clips.split(",") if c.strip()] if clips else None
    try:
        report = run_calibration(
            dev_set,
            profiles=profiles,
            clips=ids,
            on_clip=lambda clip: _console.print(f"[dim]{clip.id}[/]"),
        )
    except DevSetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc
    fitted = report.fitted()
    for (quantity, prof), tables in report.tables(fitted).items():
        platt = fitted[(quantity, prof)]
        table = Table(
            title=f"{quantity} · {prof}: Platt({platt.a}, {platt.b}), "
            f"{len(report.observations[(quantity, prof)].raw)} observations"
        )
        for column in ("confidence bin", "share", "n", "mean confidence", "right"):
            table.add_column(column, justify="right")
        for row in tables:
            table.add_row(
                row["bin"], f"{row['share']:.3f}", str(row["n"]),
                f"{row['confidence']:.3f}", f"{row['right']:.3f}",
            )  # fmt: skip
        _console.print(table)
    _console.print("PLATT = {")
    for (quantity, prof), platt in fitted.items():
        _console.print(f'    ("{quantity}", "{prof}"): Platt({platt.a}, {platt.b}),')
    _console.print("}")
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
    profile: Annotated[
        str, typer.Option("--profile", help="Engine profile: default, commercial or both.")
    ] = "both",
) -> None:
    """Time each analysis in a fresh process on a rendered song: wall, real-time factor, RSS."""
    from performia.analysis.engines import PROFILES
    from performia.bench.speed import run_speed, speed_table, status_lines

    if profile != "both" and profile not in PROFILES:
        raise typer.BadParameter(
            f"unknown profile {profile!r}; known: {', '.join(PROFILES)}, both",
            param_hint="--profile",
        )

    def progress(row) -> None:
        took = "" if row.seconds is None else f" {row.seconds:.2f} s"
        _console.print(f"[dim]{row.system} {row.task}[/]: {row.status.split(':')[0]}{took}")

    report = run_speed(
        bars=bars,
        bpm=bpm,
        tasks=_tasks(only),
        baseline=baseline,
        profiles=PROFILES if profile == "both" else (profile,),
        timeout=timeout,
        on_row=progress,
    )
    _console.print(speed_table(report))
    for line in status_lines(report):
        _console.print(f"[yellow]{line}[/]")
    if json_path is not None:
        _write_json(json_path, report.to_dict())


@bench_app.command()
def chain(
    json_path: _Json = None,
    bars: Annotated[int, typer.Option("--bars", min=16, help="Length of the song in bars.")] = 30,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Songs through each runner.")] = 3,
) -> None:
    """The cloud chain on the local emulator stack against the embedded runner, same song:
    per-hop latency (queued → started) and the wall-time ratio."""
    from performia.bench.chain import chain_table, run_chain_bench

    def progress(run) -> None:
        _console.print(f"[dim]{run.runner}[/]: {run.seconds:.2f} s")

    report = run_chain_bench(bars=bars, runs=runs, on_run=progress)
    _console.print(chain_table(report))
    if json_path is not None:
        _write_json(json_path, report.to_dict())


@bench_app.command()
def reliability(
    json_path: _Json = None,
    uploads: Annotated[
        int, typer.Option("--uploads", min=1, help="Uploads written at the same moment.")
    ] = 100,
    jobs_each: Annotated[
        int, typer.Option("--jobs-per-fault", min=1, help="Jobs in flight through each fault.")
    ] = 3,
) -> None:
    """On the local stack, from outside: every kind of bad input (a 4xx or a FAILED job within
    seconds, never retried), a burst of uploads (all DONE), and faults (storage writes failing,
    Firestore away, pushes answered 500, the functions killed: nothing lost or duplicated)."""
    from performia.bench.reliability import (
        ACK_DEADLINE_S,
        DELIVERY_ATTEMPTS,
        bad_inputs,
        burst,
        faults,
        reliability_table,
    )
    from performia.devstack import DevStack

    rows = []
    with (
        DevStack(
            lease_s=6.0,
            faults=True,
            ack_deadline_s=ACK_DEADLINE_S,
            max_delivery_attempts=DELIVERY_ATTEMPTS,
        ) as stack,
        stack.clients(),
    ):
        rows += bad_inputs(stack)
        _console.print(f"[dim]bad inputs: {sum(r.ok for r in rows)}/{len(rows)} as expected[/]")
        rows += faults(stack, jobs_each=jobs_each)
        _console.print("[dim]faults done[/]")
        rows.append(burst(stack, uploads))
    _console.print(reliability_table(rows), markup=False, highlight=False)
    if json_path is not None:
        _write_json(json_path, {"rows": [r.to_dict() for r in rows]})
    if not all(r.ok for r in rows):
        raise typer.Exit(1)


@bench_app.command()
def separation(
    seconds: Annotated[
        float, typer.Option("--seconds", min=4.0, help="Length of the rendered song.")
    ] = 180.0,
    engines: Annotated[
        str, typer.Option("--engines", help="Comma-separated: spleeter,demucs,demucs-random.")
    ] = Settings.separator,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="torch threads [default: one per core].")
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, help="Seconds one engine may take.")
    ] = 1800.0,
    json_path: _Json = None,
) -> None:
    """Separate one song with each engine in a fresh process: vocals SDR, speed, peak memory."""
    from performia.bench.separation import ENGINES, run_separation_bench, separation_table

    names = _names(engines, ENGINES, "--engines")

    def progress(row) -> None:
        took = "" if row.seconds is None else f" {row.seconds:.1f} s"
        _console.print(
            f"[dim]{row.engine}[/]: {row.status.split(':')[0]}{took}, "
            f"vocals SDR {_fmt(row.sdr_db, '.1f')} dB"
        )

    result = run_separation_bench(
        duration_s=seconds, engines=names, threads=threads, timeout=timeout, on_row=progress
    )
    _console.print(separation_table(result))
    for r in result["rows"]:
        if r["status"] != "ok":
            _console.print(f"[yellow]{r['engine']}: {r['status']}[/]")
    if json_path is not None:
        _write_json(json_path, result)


@bench_app.command()
def transcription(
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated model names or folders.")
    ] = f"{ENGLISH_MODEL},{MULTILINGUAL_MODEL}",
    engine: Annotated[
        str, typer.Option("--engine", help="faster-whisper or openai-whisper.")
    ] = Settings.asr_engine,
    songs: Annotated[
        str | None, typer.Option("--songs", help="Comma-separated lyric songs [default: all].")
    ] = None,
    conditions: Annotated[
        str | None,
        typer.Option(
            "--conditions",
            help="Comma-separated: 'vocals' and 'mix <voice gain>' ones [default: all].",
        ),
    ] = None,
    speed: Annotated[
        bool, typer.Option("--speed/--no-speed", help="Also time each model on a 180 s song.")
    ] = True,
    threads: Annotated[
        int, typer.Option("--threads", min=1, help="Cores the timed process is pinned to.")
    ] = 2,
    json_path: _Json = None,
) -> None:
    """Recognise the lyric songs without their lyrics: WER and word onsets per model and
    condition (the voice alone; the mix with the voice louder or softer), and speed."""
    from performia.bench.lyrics import LYRIC_SONGS
    from performia.bench.transcription import (
        CONDITIONS,
        ONSET_TOLERANCE_S,
        run_transcription_bench,
        transcription_table,
    )

    names = _models(models, engine, "--models")
    chosen = _names(songs, [s.name for s in LYRIC_SONGS], "--songs")
    heard = _names(conditions, CONDITIONS, "--conditions")

    def progress(row) -> None:
        _console.print(
            f"[dim]{row['model']} {row['condition']} {row['song']}[/]: WER {row['wer']:.3f}, "
            f"{row['onset_within']:.0%} within {ONSET_TOLERANCE_S:g} s ({row['seconds']:.1f} s)"
        )

    report = run_transcription_bench(
        models=names,
        engine=engine,
        songs=chosen,
        conditions=heard or CONDITIONS,
        speed=speed,
        speed_threads=threads,
        on_row=progress,
    )
    _console.print(transcription_table(report))
    for entry in report["speed"]:
        if entry["status"] != "ok":
            _console.print(f"[yellow]speed {entry['model']}: {entry['status']}[/]")
    if json_path is not None:
        _write_json(json_path, report)


@bench_app.command()
def lyrics(
    songs: Annotated[
        str | None, typer.Option("--songs", help="Comma-separated lyric songs [default: all].")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="Recognition model.")] = ENGLISH_MODEL,
    engine: Annotated[
        str, typer.Option("--engine", help="faster-whisper or openai-whisper.")
    ] = Settings.asr_engine,
    separator: Annotated[
        str, typer.Option("--separator", help="spleeter or demucs.")
    ] = Settings.separator,
    speed: Annotated[
        bool,
        typer.Option(
            "--speed/--no-speed",
            help="Also time separation and recognition of a 3-minute song (fresh processes).",
        ),
    ] = True,
    set_dir: Annotated[
        Path | None,
        typer.Option(
            "--set",
            help="Score real songs instead: a development set folder whose manifest has "
            "lyrics clips (e.g. ../shared/devset), each analysed as analyze --lyrics does.",
        ),
    ] = None,
    clips: Annotated[
        str | None, typer.Option("--clips", help="With --set: comma-separated clip ids.")
    ] = None,
    stress: Annotated[
        bool,
        typer.Option(
            "--stress",
            help="Run the stress cases instead: a verse recognition misses, a shouted voice, "
            "a chorus four times, a long break, a singer ahead of and behind the beat.",
        ),
    ] = False,
    json_path: _Json = None,
) -> None:
    """The whole lyrics chain on the lyric songs: separation SDR, recognition WER and onsets,
    and word timing with the given lyrics, each scored against the words' true starts; then
    each engine's real-time factor and peak memory on a 3-minute song. With --set, real songs
    with manually timed words, analysed end to end with default settings."""
    if set_dir is not None:
        _lyrics_set(set_dir, clips, json_path)
        return
    if stress:
        _lyrics_stress(separator, json_path)
        return
    from performia.bench.lyrics import LYRIC_SONGS, WITHIN_S, lyrics_table, run_lyrics_bench
    from performia.separation import SEPARATORS

    chosen = _names(songs, [s.name for s in LYRIC_SONGS], "--songs")
    if separator not in SEPARATORS:
        raise typer.BadParameter(
            f"unknown separator {separator!r}; known: {', '.join(SEPARATORS)}",
            param_hint="--separator",
        )
    (model,) = _models(model, engine, "--model", one=True)

    def progress(row) -> None:
        _console.print(
            f"[dim]{row.name}[/] ({row.duration:.0f} s, {row.words} words): "
            f"vocals SDR {_fmt(row.sdr_db, '.1f')} dB, WER stem {_fmt(row.wer_stem, '.3f')} "
            f"/ mix {_fmt(row.wer_mix, '.3f')}, given lyrics {_fmt(row.given_within, '.0%')} "
            f"within {WITHIN_S:g} s (MAE {_fmt(row.given_mae_s, '.2f')} s)"
        )

    result = run_lyrics_bench(
        songs=chosen, separator=separator, engine=engine, model=model, on_song=progress
    )
    _console.print(lyrics_table(result))
    if speed:
        from performia.bench.lyrics import chain_speed_table
        from performia.bench.separation import run_separation_bench
        from performia.bench.transcription import run_transcription_speed

        _console.print("[dim]timing each engine on a 3-minute song …[/]")
        result["speed"] = {
            "separation": run_separation_bench(engines=(separator,)),
            "transcription": run_transcription_speed(model, engine=engine),
        }
        _console.print(chain_speed_table(result["speed"]))
    if json_path is not None:
        _write_json(json_path, result)


def _lyrics_stress(separator: str, json_path: Path | None) -> None:
    """``bench lyrics --stress``: see :mod:`performia.bench.lyrics_stress`."""
    from rich.table import Table

    from performia.bench.lyrics_stress import run_lyrics_stress

    report = run_lyrics_stress(
        separator=separator,
        on_case=lambda row: _console.print(f"[dim]{row['case']}[/] done"),
    )
    table = Table(title=f"Given lyrics under stress ({report['separator']} → {report['model']})")
    columns = ("case", "words", "mean s", "median s", "within 0.3 s", "> 2 s", "squeezed lines")
    for column in (*columns, "in gaps"):
        table.add_column(
            column, justify="left" if column == "case" else "right", no_wrap=column == "case"
        )
    for row in report["cases"]:
        table.add_row(
            row["case"],
            str(row["words"]),
            f"{row['mean']:.3f}",
            f"{row['median']:.3f}",
            f"{row['within']:.1%}",
            f"{row['lost']:.1%}",
            f"{row['squeezed_lines']} of {row['lines']}",
            str(row["in_gaps"]),
        )
    _console.print(table)
    if json_path is not None:
        _write_json(json_path, report)


def _lyrics_set(set_dir: Path, clips: str | None, json_path: Path | None) -> None:
    """``bench lyrics --set``: see :mod:`performia.bench.lyrics_set`."""
    from performia.bench.devset import DevSetError
    from performia.bench.lyrics_set import lyrics_set_table, run_lyrics_set

    def progress(row: dict) -> None:
        s = row["scores"]
        _console.print(
            f"[dim]{row['id']}[/] ({row['duration']:.0f} s, {s['words']} words, "
            f"{row['language']}, {row['seconds']:.0f} s, transcribe "
            f"{_fmt(row['transcribe_seconds'], '.0f')} s): mean {s['mean']:.2f} s, median "
            f"{s['median']:.2f} s, {s['within']:.0%} within 0.3 s, {s['lost']:.1%} over 2 s, "
            f"{row['squeezed_lines']} of {row['lines']} lines squeezed"
        )

    ids = [c.strip() for c in clips.split(",") if c.strip()] if clips else None
    try:
        report = run_lyrics_set(set_dir, ids=ids, progress=progress)
    except DevSetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from exc
    if not report["clips"]:
        raise typer.BadParameter(f"{set_dir} has no lyrics clips", param_hint="--set")
    _console.print(lyrics_set_table(report))
    bins = [
        f"{b['bin']}: {b['words']} words, right {b['within']:.0%}"
        for b in report["reliability"]
        if b["words"]
    ]
    _console.print("word confidence (share within 0.3 s per bin): " + "; ".join(bins))
    if json_path is not None:
        _write_json(json_path, report)


@bench_app.command()
def melody(
    cases: Annotated[
        str | None, typer.Option("--cases", help="Comma-separated stress cases [default: all].")
    ] = None,
    json_path: _Json = None,
) -> None:
    """The melody stress cases through the product's chain (mix → Spleeter vocals stem →
    melody analysis): both engine profiles beside Melodia on the mix and on the stem, pyin and
    SwiftF0 on the stem, scored with mir_eval on the truth's 10 ms grid."""
    from performia.bench.melody import melody_table, run_melody_bench, status_lines
    from performia.testing.melody_cases import case_names

    chosen = _names(cases, case_names(), "--cases")

    def progress(row) -> None:
        ours = row["systems"].get("default", {}).get("oa")
        melodia = row["systems"].get("melodia-mix", {}).get("oa")
        _console.print(
            f"[dim]{row['name']}[/] ({row['truth']['duration']:.0f} s): default OA "
            f"{_fmt(ours, '.3f')}, Melodia on the mix {_fmt(melodia, '.3f')}"
        )

    report = run_melody_bench(cases=chosen, on_case=progress)
    _console.print(melody_table(report))
    for line in status_lines(report):
        _console.print(f"[yellow]{line}[/]")
    if json_path is not None:
        _write_json(json_path, report)


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
