"""The cost and scale model: what each way of running the pipeline costs per song, and how long.

Every number comes from ``infra/measured.toml`` (what each stage costs on the 181 s benchmark
song, the assumptions the measurements could not settle, the list prices and the date they were
read) and from the deployment plan (:mod:`performia.deploy.plan`: each function's vCPU, memory,
billing and max-instances cap). The model:

- A **CPU function** uses request-based billing: it pays while a request runs, container start
  included, rounded up to 100 ms; an idle instance costs nothing.
- A **GPU function** uses instance-based billing: it pays for the instance's whole life, and
  Cloud Run keeps an idle instance for ``idle_instance_s`` (15 minutes) before removing it.
- An **isolated song** starts every instance cold. A **burst** of ``burst_songs`` uploads starts
  every instance up to its cap once, keeps it busy, and (GPU) pays one idle tail per instance.
- A **Cloud Run job** (one execution per song) pays its instance only while the task runs; a
  **worker pool** pulls from a subscription and is scaled to zero by an autoscaler after
  ``worker_pool_scale_down_s``. Neither is built; both are priced for the comparison.

:mod:`performia.deploy.costs_report` lays the numbers out as ``infra/COSTS.md``; running this
module runs its command-line entry point.

Usage::

    python -m performia.deploy.costs --write     # regenerate infra/COSTS.md
    python -m performia.deploy.costs --check     # exit 1 when it is out of date
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from performia.deploy.plan import Function, Plan, burst_drain_s

__all__ = [
    "TARGET_PER_SONG",
    "Scenario",
    "critical_path_s",
    "instance_rate",
    "scenarios",
]

#: The issue's target: processing one 3-minute song at list prices.
TARGET_PER_SONG = 0.01
_GIB = 1024.0


def instance_rate(f: Function, prices: Mapping[str, float], *, job: bool = False) -> float:
    """Dollars per second one instance of ``f`` costs while billed (CPU, memory, GPU)."""
    gib = f.memory_mib / _GIB
    if f.request_billing and not job:
        return f.cpu * prices["request_cpu_vcpu_s"] + gib * prices["request_memory_gib_s"]
    rate = f.cpu * prices["instance_cpu_vcpu_s"] + gib * prices["instance_memory_gib_s"]
    return rate + (prices["l4_no_zonal_redundancy_s"] if f.gpu else 0.0)


def _billed(seconds: float) -> float:
    """Cloud Run rounds billed time up to 100 ms."""
    return math.ceil(seconds * 10 - 1e-9) / 10


def critical_path_s(plan: Plan, functions: Mapping[str, Function], *, cold: bool) -> float:
    """Seconds from upload to Song Map for one song: each stage starts when everything it
    needs or uses is done (its own startup first when ``cold``)."""
    finish: dict[str, float] = {}
    for name in plan.graph.order():
        f = functions[name]
        start = max((finish[u] for u in plan.graph[name].upstream), default=0.0)
        finish[name] = start + f.busy_s + (f.startup_s if cold else 0.0)
    return max(finish.values())


@dataclass(frozen=True)
class Scenario:
    """One way to run the pipeline under one traffic pattern, priced per song."""

    pattern: str
    gpu_stages: str
    per_song: float
    latency_s: float
    built: bool

    @property
    def meets_target(self) -> bool:
        return self.per_song <= TARGET_PER_SONG


class _Model:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.inputs = plan.inputs
        self.prices = plan.inputs.prices
        self.a = plan.inputs.assumptions
        self.songs = int(plan.inputs.plan["burst_songs"])
        self.stages = plan.graph.names
        self.gpu_stages = tuple(s for s in self.stages if plan.graph[s].gpu)
        cpu_mode = dict(plan.functions)
        cpu_mode.update(plan.cpu_fallback)
        self.modes: dict[str, Mapping[str, Function]] = {"gpu": plan.functions, "cpu": cpu_mode}

    # -- per song, whatever runs the stages --------------------------------------------------
    def fixed_per_song(self) -> dict[str, float]:
        """Requests, Firestore, Cloud Storage operations and the gateway call of one song."""
        p, a = self.prices, self.a
        requests = len(self.stages) + 1  # a push per stage, and the upload_url call
        return {
            "Cloud Run requests": requests * p["request_per_million"] / 1e6,
            "Firestore": a["firestore_writes_per_song"] * p["firestore_writes_100k"] / 1e5
            + a["firestore_reads_per_song"] * p["firestore_reads_100k"] / 1e5,
            "Cloud Storage operations": a["storage_writes_per_song"] * p["storage_class_a_1k"] / 1e3
            + a["storage_reads_per_song"] * p["storage_class_b_1k"] / 1e3,
            "API Gateway": p["api_gateway_per_million"] / 1e6,
        }

    def fixed(self) -> float:
        return sum(self.fixed_per_song().values())

    def busy_cost(self, f: Function) -> float:
        return _billed(f.busy_s) * instance_rate(f, self.prices)

    def cold_cost(self, f: Function) -> float:
        return _billed(f.startup_s) * instance_rate(f, self.prices)

    def tail_cost(self, f: Function) -> float:
        """What an instance costs idling until Cloud Run removes it (instance billing only)."""
        return (
            0.0 if f.request_billing else self.a["idle_instance_s"] * instance_rate(f, self.prices)
        )

    # -- scenarios ---------------------------------------------------------------------------
    def isolated(self, mode: str) -> float:
        fs = self.modes[mode]
        return self.fixed() + sum(
            self.cold_cost(fs[s]) + self.busy_cost(fs[s]) + self.tail_cost(fs[s])
            for s in self.stages
        )

    def burst(self, mode: str) -> float:
        fs, n = self.modes[mode], self.songs
        total = 0.0
        for s in self.stages:
            f = fs[s]
            total += n * self.busy_cost(f) + f.max_instances * (
                self.cold_cost(f) + self.tail_cost(f)
            )
        return self.fixed() + total / n

    def _cpu_part(self, cold: bool) -> float:
        """The CPU stages of the default plan, cold (isolated) or warm (burst)."""
        fs = self.plan.functions
        return sum(
            self.busy_cost(fs[s]) + (self.cold_cost(fs[s]) if cold else 0.0)
            for s in self.stages
            if s not in self.gpu_stages
        )

    def job_gpu_cost(self, f: Function) -> float:
        """A Cloud Run job execution per song: the instance is billed while its task runs."""
        return _billed(f.startup_s + f.busy_s) * instance_rate(f, self.prices, job=True)

    def isolated_jobs(self) -> float:
        fs = self.plan.functions
        return (
            self.fixed()
            + self._cpu_part(True)
            + sum(self.job_gpu_cost(fs[s]) for s in self.gpu_stages)
        )

    def burst_jobs(self) -> float:
        fs = self.plan.functions
        warm_cpu = self._cpu_part(False) + sum(
            fs[s].max_instances * self.cold_cost(fs[s]) / self.songs
            for s in self.stages
            if s not in self.gpu_stages
        )
        return self.fixed() + warm_cpu + sum(self.job_gpu_cost(fs[s]) for s in self.gpu_stages)

    def pool_gpu_cost(self, f: Function, songs: int) -> float:
        """A worker pool of ``f.max_instances`` pulling ``songs``; scaled to zero after."""
        k = min(f.max_instances, songs)
        rate = instance_rate(f, self.prices, job=True)
        return (songs * f.busy_s + k * (f.startup_s + self.a["worker_pool_scale_down_s"])) * rate

    def isolated_pool(self) -> float:
        fs = self.plan.functions
        return (
            self.fixed()
            + self._cpu_part(True)
            + sum(self.pool_gpu_cost(fs[s], 1) for s in self.gpu_stages)
        )

    def burst_pool(self) -> float:
        fs, n = self.plan.functions, self.songs
        warm_cpu = self._cpu_part(False) + sum(
            fs[s].max_instances * self.cold_cost(fs[s]) / n
            for s in self.stages
            if s not in self.gpu_stages
        )
        return (
            self.fixed() + warm_cpu + sum(self.pool_gpu_cost(fs[s], n) / n for s in self.gpu_stages)
        )

    def burst_time_s(self, mode: str) -> float:
        """A burst's last Song Map: the slowest stage's drain plus one song's path."""
        fs = self.modes[mode]
        drain = max(
            burst_drain_s(self.songs, fs[s].busy_s, fs[s].max_instances) for s in self.stages
        )
        return drain + critical_path_s(self.plan, fs, cold=True)

    def sporadic_gpu(self, gap_s: float, mode: str = "gpu") -> float:
        """GPU stages' cost per song when songs arrive ``gap_s`` apart, one at a time."""
        total = 0.0
        for s in self.gpu_stages:
            f = self.modes[mode][s]
            rate = instance_rate(f, self.prices)
            if f.request_billing:
                total += (_billed(f.startup_s) if gap_s > self.a["idle_instance_s"] else 0.0) * rate
                total += _billed(f.busy_s) * rate
            elif gap_s <= self.a["idle_instance_s"]:
                total += max(gap_s, f.busy_s) * rate  # the instance never leaves
            else:
                total += (f.startup_s + f.busy_s + self.a["idle_instance_s"]) * rate
        return total


def scenarios(plan: Plan) -> list[Scenario]:
    """Each way of running the GPU stages under each traffic pattern."""
    m = _Model(plan)
    job_start = m.a["job_start_latency_s"]
    cold_gpu = critical_path_s(plan, plan.functions, cold=True)
    cold_cpu = critical_path_s(plan, m.modes["cpu"], cold=True)
    return [
        Scenario(
            "isolated song", 'GPU services (gpu_mode = "gpu")', m.isolated("gpu"), cold_gpu, True
        ),
        Scenario(
            "isolated song", 'CPU services (gpu_mode = "cpu")', m.isolated("cpu"), cold_cpu, True
        ),
        Scenario(
            "isolated song",
            "Cloud Run GPU job per song",
            m.isolated_jobs(),
            cold_gpu + job_start,
            False,
        ),
        Scenario(
            "isolated song", "GPU worker pool + autoscaler", m.isolated_pool(), cold_gpu, False
        ),
        Scenario(
            "burst of 1,000",
            'GPU services (gpu_mode = "gpu")',
            m.burst("gpu"),
            m.burst_time_s("gpu"),
            True,
        ),
        Scenario(
            "burst of 1,000",
            'CPU services (gpu_mode = "cpu")',
            m.burst("cpu"),
            m.burst_time_s("cpu"),
            True,
        ),
        Scenario(
            "burst of 1,000",
            "Cloud Run GPU job per song",
            m.burst_jobs(),
            m.burst_time_s("gpu") + job_start,
            False,
        ),
        Scenario(
            "burst of 1,000",
            "GPU worker pool + autoscaler",
            m.burst_pool(),
            m.burst_time_s("gpu"),
            False,
        ),
    ]


if __name__ == "__main__":
    # The documented command (and COSTS.md's header) runs this module; the report writes the file.
    from performia.deploy.costs_report import main

    sys.exit(main())
