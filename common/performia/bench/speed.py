"""How fast each analysis runs, and how much memory it takes, on a three-minute song.

A song is rendered (by default 90 bars at 120 BPM: 180 s of drums, piano chords and a melody in
an intro / verse / chorus / bridge / outro form) and written to a temporary ``.npy``. Each analysis
then runs in a fresh Python process, as a pipeline worker would start it, so no model or cache is
shared and its peak memory is its own. For each it reports:

* ``seconds``: wall time of the analysis call alone (lazily loaded models included);
* ``rtf``: real-time factor, ``seconds`` over the song's duration (0.1 = ten times faster than
  real time);
* ``process_seconds``: wall time of the whole process (interpreter, imports, reading the audio);
* ``peak_rss_mb``: the process's peak resident memory (``VmHWM``, see
  :func:`performia.bench.memory.peak_rss_mb`: ``ru_maxrss`` would report at least the
  benchmark's own size, which Linux carries into the child across ``execve``).

Harmony and structure get the song's true beats (and structure its true chords) rather than an
estimate, so each number is one analysis's cost alone. The combined time is the sum over rhythm,
harmony, melody and structure: what one song costs when they run one after another. Each engine
profile (:mod:`performia.analysis.engines`) is timed on its own: its rows are labelled
``performia/default`` and ``performia/commercial``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from performia.analysis.engines import check_profile
from performia.bench import ENTRY_POINTS, TASKS
from performia.bench.memory import run_child
from performia.settings import ANALYSIS_SR
from performia.testing.suite import compose_melody
from performia.testing.synth import render_song
from performia.testing.truth import SongTruth

__all__ = ["SpeedReport", "SpeedRow", "run_speed", "speed_form", "speed_table", "status_lines"]

_MARK = "__performia_bench__"
# Runs in the child: read the request, import the analysis, time one call, report as JSON.
_CHILD = f"""
import json, sys, time
started = time.perf_counter()
request = json.loads(sys.argv[1])
import importlib
import inspect
import numpy as np
out = {{}}
try:
    module = importlib.import_module(request["module"])
    function = getattr(module, request["function"])
except Exception as exc:
    out["unavailable"] = f"{{type(exc).__name__}}: {{exc}}"
else:
    y = np.load(request["audio"])
    kwargs = {{"y": y, "sr": request["sr"], "beats": request["beats"],
              "downbeats": request["downbeats"], "source": "mix", "mix": y,
              "profile": request["profile"]}}
    if request["chords"] is not None:
        from performia.analysis.results import Chord
        kwargs["chords"] = tuple(Chord(a, b, s) for a, b, s in request["chords"])
    params = inspect.signature(function).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {{k: v for k, v in kwargs.items() if k in params}}
    out["import_seconds"] = time.perf_counter() - started
    t0 = time.perf_counter()
    function(**kwargs)
    out["seconds"] = time.perf_counter() - t0
from performia.bench.memory import peak_rss_mb
out["peak_rss_mb"] = peak_rss_mb()
print("{_MARK}", json.dumps(out), flush=True)
"""


@dataclass(frozen=True)
class SpeedRow:
    """One analysis run: its times and memory, or why it did not run (``status``)."""

    task: str
    system: str
    status: str
    seconds: float | None = None
    rtf: float | None = None
    process_seconds: float | None = None
    import_seconds: float | None = None
    peak_rss_mb: float | None = None


@dataclass(frozen=True)
class SpeedReport:
    duration: float
    sr: int
    bars: int
    bpm: float
    rows: tuple[SpeedRow, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.system for r in self.rows))

    def combined(self, system: str = "performia/default") -> dict[str, float | None]:
        """Summed call and process time over the four analyses (None unless all ran)."""
        rows = [r for r in self.rows if r.system == system and r.task in TASKS]
        ran = [r for r in rows if r.seconds is not None]
        times = [r.seconds for r in rows if r.seconds is not None]
        if len(ran) != len(TASKS):
            partial = sum(times) if times else None
            return {"seconds": None, "partial_seconds": partial, "rtf": None, "complete": False}
        seconds = sum(times)
        peaks = [r.peak_rss_mb for r in ran if r.peak_rss_mb is not None]
        return {
            "seconds": seconds,
            "process_seconds": sum(r.process_seconds or 0.0 for r in ran),
            "rtf": seconds / self.duration,
            "peak_rss_mb": max(peaks) if peaks else None,
            "complete": True,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration": self.duration,
            "sr": self.sr,
            "bars": self.bars,
            "bpm": self.bpm,
            "rows": [asdict(r) for r in self.rows],
            "combined": {system: self.combined(system) for system in self.systems},
        }


def speed_form(bars: int) -> list[tuple[str, tuple[str, ...], int]]:
    """An intro, verses and choruses with a bridge, and an outro: ``bars`` bars in C major."""
    verse, chorus = ("C", "Am", "F", "G"), ("F", "G", "C", "Am")
    if bars <= 8:
        return [("verse", verse, bars)]
    form: list[tuple[str, tuple[str, ...], int]] = [("intro", ("C", "G"), 4)]
    cycle = [
        ("verse", verse),
        ("chorus", chorus),
        ("verse", verse),
        ("chorus", chorus),
        ("bridge", ("Dm7", "G7", "Em7", "Am7")),
        ("chorus", chorus),
    ]
    left, index = bars - 4, 0
    while left > 8 + 2:
        kind, progression = cycle[index % len(cycle)]
        form.append((kind, progression, 8))
        left, index = left - 8, index + 1
    form.append(("outro", ("F", "C"), left))
    return form


def _render(bars: int, bpm: float, sr: int) -> tuple[np.ndarray, SongTruth]:
    form = speed_form(bars)
    melody = compose_melody(form, key="C major", seed=90)
    mix, truth, _ = render_song(
        bpm=bpm, form=form, melody=melody, key="C major", timbre="piano", sr=sr, seed=90
    )
    return mix, truth


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def run_speed(
    *,
    bars: int = 90,
    bpm: float = 120.0,
    sr: int = ANALYSIS_SR,
    tasks: Sequence[str] = TASKS,
    baseline: bool = False,
    profiles: Sequence[str] = ("default",),
    timeout: float = 600.0,
    on_row: Callable[[SpeedRow], None] | None = None,
) -> SpeedReport:
    """Time each analysis in ``tasks`` for each engine profile (and the baselines when
    ``baseline``), each in a fresh process.

    Never raises for a missing or failing analysis: its row's ``status`` says why.
    """
    runs = [("performia", check_profile(p)) for p in profiles]
    if baseline:
        runs.append(("baseline", "default"))
    mix, truth = _render(bars, bpm, sr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="performia-speed-") as folder:
        audio = Path(folder) / "song.npy"
        np.save(audio, mix)
        for system, profile in runs:
            label = f"performia/{profile}" if system == "performia" else system
            for task in tasks:
                module, function = ENTRY_POINTS[(task, system)]
                request = {
                    "profile": profile,
                    "module": module,
                    "function": function,
                    "audio": str(audio),
                    "sr": sr,
                    "beats": list(truth.beats),
                    "downbeats": list(truth.downbeats),
                    "chords": (
                        [[c.start, c.end, c.symbol] for c in truth.chords]
                        if task == "structure"
                        else None
                    ),
                }
                out, status, elapsed = run_child(_CHILD, request, mark=_MARK, timeout=timeout)
                if out is not None and "unavailable" in out:
                    row = SpeedRow(task, label, f"not available: {out['unavailable']}")
                elif out is None:
                    row = SpeedRow(task, label, status, process_seconds=round(elapsed, 3))
                else:
                    row = SpeedRow(
                        task,
                        label,
                        "ok",
                        seconds=round(out["seconds"], 3),
                        rtf=round(out["seconds"] / truth.duration, 4),
                        process_seconds=round(elapsed, 3),
                        import_seconds=round(out["import_seconds"], 3),
                        peak_rss_mb=_mb(out["peak_rss_mb"]),
                    )
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return SpeedReport(truth.duration, sr, bars, bpm, tuple(rows))


def speed_table(report: SpeedReport) -> Any:
    """A rich Table: one row per analysis run, then the combined time per system."""
    from rich.table import Table

    table = Table(
        title=f"Speed on a {report.duration:.0f} s song ({report.bars} bars at {report.bpm:g} "
        f"BPM, {report.sr} Hz), each analysis in a fresh process"
    )
    for column in ("analysis", "system", "seconds", "RTF", "process s", "peak RSS MB", "status"):
        left = column in ("analysis", "system", "status")
        table.add_column(column, justify="left" if left else "right", no_wrap=left)

    def cell(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    for r in report.rows:
        status = r.status.split(":")[0]  # "ok", "not available", "error"; details below it
        table.add_row(
            r.task,
            r.system,
            cell(r.seconds, ".2f"),
            cell(r.rtf, ".3f"),
            cell(r.process_seconds, ".2f"),
            cell(r.peak_rss_mb, ".0f"),
            status,
        )
    for system in report.systems:
        c = report.combined(system)
        if c["complete"]:
            table.add_row(
                "combined",
                system,
                cell(c["seconds"], ".2f"),
                cell(c["rtf"], ".3f"),
                cell(c["process_seconds"], ".2f"),
                cell(c["peak_rss_mb"], ".0f"),
                "sum",
            )
        else:
            table.add_row(
                "combined",
                system,
                cell(c["partial_seconds"], ".2f"),
                "–",
                "–",
                "–",
                "incomplete",
            )
    return table


def status_lines(report: SpeedReport) -> list[str]:
    """One line per analysis that did not run: why."""
    return [f"{r.system} {r.task}: {r.status}" for r in report.rows if r.status != "ok"]
