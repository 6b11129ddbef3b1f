"""What the cloud chain costs over running the same stages in one process.

The local stack (:class:`~performia.devstack.DevStack`: the Firestore and Pub/Sub emulators,
fake-gcs-server and one functions host) runs the real chain: an object written into
``uploads/`` is announced by the bucket, ingest runs in that delivery, and every later stage is
a Pub/Sub push to its function, launched from a Firestore transaction. The same song is analysed
by the embedded runner (:func:`performia.embedded.analyze_file`, stages in threads of one
process) and the two wall times are compared.

Both sides are warmed first with a short song, so models are loaded, as on a warm Cloud Run
instance and in a musician's running app; runs alternate between the two, and medians are
reported. Two numbers come out:

* **per-hop latency**: from the moment the join queued a stage (``queuedAt``, written inside the
  transaction that decided it) to the moment a delivery took it (``startedAt``, inside the
  function's own transaction): a Firestore commit, a publish, a push and a transaction. The first
  hop, upload → ingest, runs from the end of the object write to ingest's start, through the
  bucket's notification.
* **chain overhead**: chain wall time (start of the upload → the last stage's finish) over the
  embedded wall time for the same song, minus one.

Everything is local: the emulators are not Google's network, so the hop figures measure the
chain's own machinery (transactions, publishes, pushes), not a datacenter's round trips.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["ChainReport", "ChainRun", "chain_table", "run_chain_bench"]


@dataclass(frozen=True)
class ChainRun:
    """One song through one runner."""

    runner: str  # "chain" or "embedded"
    seconds: float
    stage_seconds: dict[str, float]
    #: chain only: ``"upload→ingest"`` and each queued stage → its latency (s)
    hops: dict[str, float] = field(default_factory=dict)


@dataclass
class ChainReport:
    song_seconds: float
    runs: list[ChainRun]

    def _seconds(self, runner: str) -> list[float]:
        return [r.seconds for r in self.runs if r.runner == runner]

    @property
    def chain_s(self) -> float:
        return statistics.median(self._seconds("chain"))

    @property
    def embedded_s(self) -> float:
        return statistics.median(self._seconds("embedded"))

    @property
    def ratio(self) -> float:
        return self.chain_s / self.embedded_s

    @property
    def hops_ms(self) -> list[float]:
        return [1000 * s for r in self.runs for s in r.hops.values()]

    def hop_stats(self) -> dict[str, float]:
        hops = sorted(self.hops_ms)
        if not hops:
            return {}
        return {
            "count": len(hops),
            "median_ms": round(statistics.median(hops), 1),
            "p95_ms": round(hops[min(len(hops) - 1, int(0.95 * len(hops)))], 1),
            "max_ms": round(hops[-1], 1),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "song_seconds": self.song_seconds,
            "chain_s": round(self.chain_s, 2),
            "embedded_s": round(self.embedded_s, 2),
            "ratio": round(self.ratio, 3),
            "overhead": round(self.ratio - 1.0, 3),
            "hops": self.hop_stats(),
            "runs": [asdict(r) for r in self.runs],
        }


def _embedded(song: Path, work: Path) -> tuple[ChainRun, float]:
    from performia.embedded import analyze_file

    out = Path(tempfile.mkdtemp(dir=work, prefix="embedded-"))
    started = time.perf_counter()
    result = analyze_file(song, out)
    seconds = time.perf_counter() - started
    stages = {n: r.seconds or 0.0 for n, r in result.job.stages.items()}
    return ChainRun("embedded", round(seconds, 3), stages), result.song.duration


def _chain(stack: Any, jobs: Any, song: Path, name: str, timeout: float) -> ChainRun:
    from performia.jobs.base import JobStatus, parse_time, wait_for

    data = song.read_bytes()
    began = datetime.now(UTC)
    job_id = stack.upload(name, data)
    uploaded = datetime.now(UTC)
    record = wait_for(jobs, job_id, timeout=timeout, poll=0.1)
    if record.status is not JobStatus.DONE:
        raise RuntimeError(f"job {job_id} failed in {record.failed_stage}: {record.error}")
    finished = max(parse_time(r.finished_at) for r in record.stages.values() if r.finished_at)
    ingest = record.stages["ingest"]
    if ingest.started_at is None:
        raise RuntimeError(f"job {job_id} is done but its ingest stage has no start time")
    hops = {"upload→ingest": (parse_time(ingest.started_at) - uploaded).total_seconds()}
    for stage, run in record.stages.items():
        if stage != "ingest" and run.queued_at and run.started_at:
            hops[stage] = (parse_time(run.started_at) - parse_time(run.queued_at)).total_seconds()
    stages = {n: r.seconds or 0.0 for n, r in record.stages.items()}
    return ChainRun("chain", round((finished - began).total_seconds(), 3), stages, hops)


def run_chain_bench(
    *,
    bars: int = 30,
    runs: int = 3,
    timeout: float = 900.0,
    on_run: Callable[[ChainRun], None] | None = None,
) -> ChainReport:
    """Analyse a rendered ``bars``-bar song (the example song: drums, chords, sung lyrics)
    ``runs`` times through the chain and through the embedded runner; see the module docstring.
    """
    from performia.devstack import DevStack
    from performia.testing.example import write_example_song

    with tempfile.TemporaryDirectory(prefix="performia-chain-bench-") as tmp:
        work = Path(tmp)
        warm, song = work / "warm.mp3", work / "song.mp3"
        write_example_song(warm, bars=16)
        write_example_song(song, bars=bars)
        report = ChainReport(song_seconds=0.0, runs=[])
        with DevStack(log_dir=work / "logs") as stack, stack.clients():
            jobs = stack.job_store()
            _embedded(warm, work)  # load every model in this process
            _chain(stack, jobs, warm, "warm.mp3", timeout)  # and in the functions host
            for i in range(runs):
                embedded, duration = _embedded(song, work)
                report.song_seconds = round(duration, 2)
                for run in (embedded, _chain(stack, jobs, song, f"song-{i}.mp3", timeout)):
                    report.runs.append(run)
                    if on_run is not None:
                        on_run(run)
            jobs.client.close()
        return report


def chain_table(report: ChainReport) -> Any:
    """A rich table: each stage's latency and time, the two wall times, their ratio."""
    from rich.table import Table

    chain = [r for r in report.runs if r.runner == "chain"]
    embedded = [r for r in report.runs if r.runner == "embedded"]
    table = Table(title=f"chain vs embedded, {report.song_seconds:.0f} s song (medians)")
    table.add_column("stage")
    table.add_column("hop ms", justify="right")
    table.add_column("chain s", justify="right")
    table.add_column("embedded s", justify="right")
    hop_names = ["upload→ingest", *[s for s in chain[0].stage_seconds if s != "ingest"]]
    for name in hop_names:
        stage = "ingest" if name == "upload→ingest" else name
        hops = [1000 * r.hops[name] for r in chain if name in r.hops]
        table.add_row(
            name,
            f"{statistics.median(hops):.0f}" if hops else "",
            f"{statistics.median(r.stage_seconds.get(stage, 0.0) for r in chain):.2f}",
            f"{statistics.median(r.stage_seconds.get(stage, 0.0) for r in embedded):.2f}",
        )
    stats = report.hop_stats()
    table.add_section()
    table.add_row(
        "wall",
        f"median {stats['median_ms']:.0f}",
        f"{report.chain_s:.2f}",
        f"{report.embedded_s:.2f}",
    )
    table.caption = (
        f"chain / embedded = {report.ratio:.3f} (overhead {100 * (report.ratio - 1):+.1f} %); "
        f"hops: median {stats['median_ms']:.0f} ms, p95 {stats['p95_ms']:.0f} ms, "
        f"max {stats['max_ms']:.0f} ms over {stats['count']}"
    )
    return table
