"""How well and how fast each separation engine splits a three-minute song, and its memory.

A song is rendered at 44.1 kHz (by default 90 bars at 120 BPM, 180 s: drums, piano chords in an
intro / verse / chorus / bridge / outro form, and espeak-ng words from bar 2 on) with its vocals
known exactly. The synthetic melody is left out: its vibrato harmonic tone imitates a singer,
and a vocal separator rightly puts it with the voice, which would score as an error.

Each engine runs in a fresh Python process, as a pipeline worker would, so its peak memory is
its own. For each it reports:

* ``load_seconds``: building the engine (reading the weights);
* ``seconds`` and ``rtf``: the separation call alone, and over the song's duration;
* ``peak_rss_mb``: the process's peak resident memory (the song and its stems included;
  ``VmHWM``, see :func:`performia.bench.memory.peak_rss_mb`);
* ``sdr_db``: SDR of the vocals estimate (mono) against the true vocals,
  ``10 log10(|s|^2 / |s - ŝ|^2)``, and ``mix_sdr_db``, the same for the mix itself as the
  estimate (what doing nothing scores).

Engines: ``spleeter``; ``demucs`` (the configured model, ``PERFORMIA_DEMUCS_MODEL`` /
``PERFORMIA_DEMUCS_REPO``); ``demucs-random``, an ``HTDemucs`` of the released ``htdemucs``'s
size (42 M parameters, 7.8 s segments) with random weights, to time production Demucs where its
weights are absent (its SDR means nothing and is not reported).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from performia.bench.memory import run_child

__all__ = [
    "ENGINES",
    "SeparationRow",
    "main",
    "render_bench_song",
    "run_separation_bench",
    "sdr_db",
    "separation_table",
]

#: Engines the benchmark knows.
ENGINES = ("spleeter", "demucs", "demucs-random")
SR = 44100
_BPM = 120.0
_MARK = "__performia_separation_bench__"
_LYRICS = (
    "when the night is falling down I will hold you close and never let you go "
    "every road I take leads me back home to the light that you left on for me"
)

# Runs in the child: build the engine, time one separation, save the vocals, report as JSON.
_CHILD = f"""
import json, sys, time
request = json.loads(sys.argv[1])
import numpy as np
import torch
if request["threads"]:
    torch.set_num_threads(request["threads"])
from performia.separation import get_separator
from performia.settings import get_settings
out = {{}}
t0 = time.perf_counter()
try:
    if request["engine"] == "demucs-random":
        from fractions import Fraction
        from demucs.htdemucs import HTDemucs
        from performia.separation.demucs_engine import DemucsSeparator
        model = HTDemucs(sources=["drums", "bass", "other", "vocals"], dconv_mode=3,
                         bottom_channels=512, segment=Fraction(39, 5)).eval()
        out["parameters"] = sum(p.numel() for p in model.parameters())
        separator = DemucsSeparator(model, short_name="htdemucs-size, random weights",
                                    device="cuda" if torch.cuda.is_available() else "cpu")
    else:
        s = get_settings()
        separator = get_separator(request["engine"], device=s.device,
                                  demucs_model=s.demucs_model, demucs_repo=s.demucs_repo)
except Exception as exc:
    out["unavailable"] = f"{{type(exc).__name__}}: {{exc}}"
else:
    out["load_seconds"] = time.perf_counter() - t0
    out["label"], out["device"] = separator.label, separator.device
    out["threads"] = torch.get_num_threads()
    audio = np.load(request["audio"])
    t0 = time.perf_counter()
    stems = separator.separate(audio)
    out["seconds"] = time.perf_counter() - t0
    np.save(request["vocals"], stems["vocals"].mean(axis=0))
from performia.bench.memory import peak_rss_mb
out["peak_rss_mb"] = peak_rss_mb()
print("{_MARK}", json.dumps(out), flush=True)
"""


@dataclass(frozen=True)
class SeparationRow:
    """One engine's run: times, memory and SDR, or why it did not run (``status``)."""

    engine: str
    status: str
    label: str | None = None
    device: str | None = None
    threads: int | None = None
    load_seconds: float | None = None
    seconds: float | None = None
    rtf: float | None = None
    peak_rss_mb: float | None = None
    sdr_db: float | None = None
    mix_sdr_db: float | None = None


def sdr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-error ratio in dB, over the length both share."""
    n = min(len(reference), len(estimate))
    ref, err = reference[:n].astype(np.float64), reference[:n] - estimate[:n].astype(np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum(err**2), 1e-20)))


def render_bench_song(duration_s: float = 180.0) -> tuple[np.ndarray, np.ndarray, float]:
    """``(mix, vocals, duration)`` at 44.1 kHz, mono: a song of about ``duration_s`` seconds."""
    from performia.bench.speed import speed_form
    from performia.testing.synth import render_song

    bars = max(2, round(duration_s * _BPM / 240.0))
    # at most two beats per word on average, so the words always fit in the bars after the first
    n_words = max(1, int(0.4 * (bars - 1) * 4))
    words = _LYRICS.split()
    lyrics = " ".join(words[i % len(words)] for i in range(n_words))
    mix, truth, stems = render_song(
        bpm=_BPM, form=speed_form(bars), lyrics=lyrics, timbre="piano", sr=SR, seed=90
    )
    return mix, stems["vocals"], truth.duration


def run_separation_bench(
    *,
    duration_s: float = 180.0,
    engines: Sequence[str] = ("spleeter",),
    threads: int | None = None,
    timeout: float = 1800.0,
    on_row: Callable[[SeparationRow], None] | None = None,
) -> dict[str, Any]:
    """Separate one rendered song with each of ``engines``, each in a fresh process.

    Parameters
    ----------
    duration_s : float
        Length of the song (rounded to whole 2 s bars).
    engines : sequence of str
        Among :data:`ENGINES`.
    threads : int, optional
        torch threads in the child (default: torch's own choice, one per core).
    timeout : float
        Seconds allowed per engine.
    on_row : callable, optional
        Called with each row as it is done (progress display).

    Returns
    -------
    dict
        ``duration``, ``sr`` and ``rows`` (a list of :class:`SeparationRow` as dicts). Never
        raises for an engine that is missing or fails: its row's ``status`` says why.
    """
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise ValueError(f"unknown engines {unknown}; known: {', '.join(ENGINES)}")
    mix, vocals, duration = render_bench_song(duration_s)
    mix_sdr = sdr_db(vocals, mix)
    rows = []
    with tempfile.TemporaryDirectory(prefix="performia-separation-") as folder:
        audio = Path(folder) / "song.npy"
        np.save(audio, np.stack([mix, mix]))
        for engine in engines:
            estimate = Path(folder) / f"{engine}-vocals.npy"
            request = {
                "engine": engine,
                "audio": str(audio),
                "vocals": str(estimate),
                "threads": threads,
            }
            out, status, _ = run_child(_CHILD, request, mark=_MARK, timeout=timeout)
            if out is not None and "unavailable" in out:
                row = SeparationRow(engine, f"not available: {out['unavailable']}")
            elif out is None:
                row = SeparationRow(engine, status)
            else:
                random = engine == "demucs-random"
                peak = out["peak_rss_mb"]
                row = SeparationRow(
                    engine,
                    "ok",
                    label=out["label"],
                    device=out["device"],
                    threads=out["threads"],
                    load_seconds=round(out["load_seconds"], 2),
                    seconds=round(out["seconds"], 2),
                    rtf=round(out["seconds"] / duration, 4),
                    peak_rss_mb=None if peak is None else round(peak, 1),
                    sdr_db=None if random else round(sdr_db(vocals, np.load(estimate)), 2),
                    mix_sdr_db=None if random else round(mix_sdr, 2),
                )
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return {"duration": duration, "sr": SR, "rows": [asdict(r) for r in rows]}


def separation_table(result: dict[str, Any]) -> Any:
    """A rich Table: one row per engine."""
    from rich.table import Table

    table = Table(
        title=f"Separation of a {result['duration']:.0f} s song ({result['sr']} Hz stereo), "
        "each engine in a fresh process"
    )
    columns = ("engine", "model", "device", "load s", "seconds", "RTF", "peak RSS MB")
    for column in (*columns, "vocals SDR dB", "mix SDR dB", "status"):
        left = column in ("engine", "model", "device", "status")
        table.add_column(column, justify="left" if left else "right", no_wrap=left)

    def cell(value: Any, spec: str = "") -> str:
        return "–" if value is None else format(value, spec)

    for r in result["rows"]:
        device = f"{r['device']} ×{r['threads']}" if r["device"] == "cpu" else r["device"]
        table.add_row(
            r["engine"],
            cell(r["label"]),
            cell(device if r["device"] else None),
            cell(r["load_seconds"], ".1f"),
            cell(r["seconds"], ".1f"),
            cell(r["rtf"], ".3f"),
            cell(r["peak_rss_mb"], ".0f"),
            cell(r["sdr_db"], ".1f"),
            cell(r["mix_sdr_db"], ".1f"),
            r["status"].split(":")[0],
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m performia.bench.separation [seconds] [engine ...]``: print the table."""
    from rich.console import Console

    args = list(sys.argv[1:] if argv is None else argv)
    duration = float(args.pop(0)) if args and args[0].replace(".", "", 1).isdigit() else 180.0
    console = Console()
    started = time.perf_counter()
    result = run_separation_bench(duration_s=duration, engines=args or ("spleeter",))
    console.print(separation_table(result))
    for r in result["rows"]:
        if r["status"] != "ok":
            console.print(f"{r['engine']}: {r['status']}")
    console.print(f"benchmark took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
