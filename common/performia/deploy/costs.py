"""The cost and scale model: ``infra/COSTS.md``, from measured stage times and list prices.

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

Usage::

    python -m performia.deploy.costs --write     # regenerate infra/COSTS.md
    python -m performia.deploy.costs --check     # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from performia.deploy.plan import (
    INFRA_DIR,
    Function,
    Plan,
    build_plan,
    burst_drain_s,
    retry_patience,
)

__all__ = [
    "COSTS_PATH",
    "TARGET_PER_SONG",
    "Scenario",
    "critical_path_s",
    "instance_rate",
    "main",
    "render",
    "scenarios",
]

COSTS_PATH = INFRA_DIR / "COSTS.md"
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


# -- rendering ---------------------------------------------------------------------------------
def _usd(x: float, digits: int = 4) -> str:
    return f"${x:,.{digits}f}"


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _choice(items: list[Scenario], pattern: str) -> Scenario:
    built = [s for s in items if s.pattern == pattern and s.built]
    meeting = [s for s in built if s.meets_target]
    return min(meeting or built, key=lambda s: (s.per_song, s.latency_s))


def _verdict(iso: Scenario, burst: Scenario) -> str:
    def how(s: Scenario) -> str:
        off = (s.per_song / TARGET_PER_SONG - 1) * 100
        word = "meets it" if s.meets_target else "misses it"
        return f"{_usd(s.per_song)}, {word} ({abs(off):.0f} % {'under' if off <= 0 else 'over'})"

    return (
        f"**Verdict on the {_usd(TARGET_PER_SONG, 2)} target:** a burst, {how(burst)}; an "
        f"isolated song, {how(iso)}. A burst's cost hangs most on Demucs' speed on an L4 "
        "(measured on an H100 only); an isolated song's on Demucs' measured CPU time. The free "
        "tiers, not subtracted here, cover the first few thousand songs a month."
    )


def _abuse_section(m: _Model, song_s: float) -> list[str]:
    """What one account, and one address, can cost a day under the quotas
    (``performia.cloud.quotas.LIMITS``): the daily audio minutes bind before the upload rate."""
    from performia.cloud.quotas import LIMITS
    from performia.settings import Settings

    upload, at_once = LIMITS["upload"], LIMITS["concurrent_jobs"]
    minutes, by_address = LIMITS["audio_minutes"], LIMITS["audio_minutes_address"]
    longest = Settings().max_duration_s
    per_minute = {mode: m.burst(mode) * 60 / song_s for mode in ("cpu", "gpu")}
    rows = [
        [
            mode,
            _usd(per_minute[mode] * longest / 60, 3),
            _usd(per_minute[mode] * minutes.count, 2),
            _usd(per_minute[mode] * by_address.count, 2),
        ]
        for mode in ("cpu", "gpu")
    ]
    return [
        "## The worst abuser under the quotas",
        "",
        f"One account may ask for {upload.count} uploads an hour, run {at_once.count} "
        f"analyses at once and have {minutes.count} minutes of audio analysed a day; anonymous "
        f"sign-ins (free to make) are also held to {by_address.count} minutes a day per "
        "address (`performia.cloud.quotas.LIMITS`). A song may be up to "
        f"{longest / 60:g} minutes (the server's limit; an upload may only lower it). The "
        "minutes bind first: at the burst rate (stage times scaled from the "
        f"{song_s:g} s song), one account or one address can cost a day:",
        "",
        *_table(
            [
                "separate and transcribe on",
                f"per {longest / 60:g}-minute song",
                "per account per day",
                "per address per day",
            ],
            rows,
        ),
        "",
        "Beyond that, an abuser needs many addresses (each also held to "
        f"{LIMITS['upload_address'].count} anonymous uploads an hour); the functions' "
        "instance caps bound the total, at the price of a slower queue for everyone.",
        "",
    ]


def _header(m: _Model) -> list[str]:
    """Title, where the numbers come from, and the prices' date and sources."""
    p = m.prices
    return [
        "# What Performia costs on Google Cloud",
        "",
        "Generated by `python -m performia.deploy.costs --write` from `infra/measured.toml` (stage "
        "times measured on a 181 s song, the assumptions they could not settle, and Cloud Run "
        f"list prices read on {p['date']}) and the deployment plan (`infra/stages.tf.json`). "
        "Do not edit; change those and regenerate. Prices are Tier 1 list prices in USD beyond "
        "the free tiers (which are not subtracted); sources: "
        f"<{p['cloud_run_url']}>, <{p['storage_url']}>, <{p['firestore_url']}>.",
        "",
    ]


def _per_song_section(m: _Model, items: list[Scenario]) -> list[str]:
    """Every scenario against the target, the choice per traffic pattern and the verdict."""
    rows = [
        [
            s.pattern,
            s.gpu_stages + ("" if s.built else " (not built)"),
            _usd(s.per_song),
            _usd(s.per_song * 1000, 2),
            _duration(s.latency_s),
            "yes" if s.meets_target else "no",
        ]
        for s in items
    ]
    iso, burst = _choice(items, "isolated song"), _choice(items, "burst of 1,000")
    return [
        "## Per 3-minute song",
        "",
        f"Target: at most {_usd(TARGET_PER_SONG, 2)} per 3-minute song at list prices.",
        "",
        *_table(
            [
                "traffic",
                "separate and transcribe run on",
                "per song",
                "per 1,000 songs",
                "done after",
                "≤ $0.01",
            ],
            rows,
        ),
        "",
        "\"done after\": an isolated song's Song Map, every instance starting cold; a burst's last "
        "Song Map. A GPU service bills its instance for life, so an isolated song pays the "
        f"{m.a['idle_instance_s'] / 60:.0f}-minute idle tail of both GPU services; a burst shares "
        "each instance's tail among hundreds of songs.",
        "",
        "**Choice per traffic pattern** (of what is built; `gpu_mode` in Terraform):",
        "",
        f"- **Sporadic, isolated songs: {iso.gpu_stages}**, {_usd(iso.per_song)} per song "
        f"({'meets' if iso.meets_target else 'misses'} the target), first result after "
        f"{_duration(iso.latency_s)}.",
        f"- **A burst of {m.songs:,}: {burst.gpu_stages}**, {_usd(burst.per_song)} per song "
        f"({'meets' if burst.meets_target else 'misses'} the target), all done after "
        f"{_duration(burst.latency_s)}.",
        f"- GPU services for isolated songs cost {_usd(items[0].per_song)} each: "
        f"{items[0].per_song / TARGET_PER_SONG:.0f} times the target, nearly all of it idle GPU.",
        "",
        _verdict(iso, burst),
        "",
    ]


def _stage_row(m: _Model, name: str) -> list[str]:
    """One stage of the default plan: where it runs, what it costs, how it drains and retries."""
    inp, f = m.inputs, m.plan.functions[name]
    drain = burst_drain_s(m.songs, f.busy_s, f.max_instances)
    patience = retry_patience(
        f.max_delivery_attempts or 0,
        min_backoff_s=inp.plan["min_backoff_s"],
        max_backoff_s=inp.plan["max_backoff_s"],
    )
    return [
        name,
        "L4 GPU" if f.gpu else "CPU",
        str(f.cpu),
        f"{f.memory_mib / _GIB:g} GiB",
        "request" if f.request_billing else "instance",
        f"{f.busy_s:.1f}",
        f"{f.startup_s:.1f}",
        _usd(m.busy_cost(f), 5),
        str(f.max_instances),
        _duration(drain),
        f"{f.max_delivery_attempts} ({_duration(patience)})",
        f"{f.ack_deadline_s} s",
    ]


def _per_stage_section(m: _Model) -> list[str]:
    """Each stage of the default plan, how its times were measured, and the fixed costs."""
    a, fixed = m.a, m.fixed_per_song()
    return [
        '## Per stage (default plan, `gpu_mode = "gpu"`)',
        "",
        *_table(
            [
                "stage",
                "runs on",
                "vCPU",
                "memory",
                "billing",
                "busy s/song",
                "startup s",
                "$/song busy",
                "max instances",
                f"drains {m.songs:,} in",
                "attempts (patience)",
                "ack deadline",
            ],
            [_stage_row(m, name) for name in m.plan.graph.names],
        ),
        "",
        "Busy time is the stage's work on the 181 s song plus "
        f"{a['per_stage_overhead_s']:.0f} s per delivery (Cloud Storage, Firestore, Pub/Sub). "
        "Separate on the L4 is Demucs' H100 time times "
        f"{a['l4_slowdown_vs_h100']:g}; transcribe is tiny.en's 2-core time divided by "
        f"{a['l4_speedup_vs_2_cores']:g}. Startup is the measured import and model load in a "
        f"fresh process plus {a['container_start_cpu_s']:g} s container start "
        f"({a['container_start_gpu_s']:g} s and {a['gpu_model_load_s']:g} s model load on a GPU).",
        "",
        "Per song, whatever runs the stages: "
        + ", ".join(f"{k} {_usd(v, 6)}" for k, v in fixed.items())
        + f" ({_usd(sum(fixed.values()), 5)} together).",
        "",
    ]


def _idle_section(m: _Model) -> list[str]:
    """What the deployment costs with no songs: images and stored files."""
    p, a = m.prices, m.a
    return [
        "## Idle cost",
        "",
        "- Compute: **$0**. Every service has min instances 0; a GPU instance leaves "
        f"{a['idle_instance_s'] / 60:.0f} minutes after its last request.",
        f"- Images in Artifact Registry: about {a['images_gb']:g} GB (estimated) × "
        f"{_usd(p['artifact_registry_gb_month'], 2)}/GB-month = "
        f"**{_usd(a['images_gb'] * p['artifact_registry_gb_month'], 2)} a month** "
        "(10 versions are kept; older ones are deleted after 30 days).",
        f"- Each song's files (about {a['stored_mb_per_song']:g} MB: original, analysis signal, "
        f"four FLAC stems): {_usd(a['stored_mb_per_song'] / 1000 * p['storage_gb_month'], 4)} per "
        "song-month while kept (uploads/ and jobs/ expire after 30 days by default; the library "
        "keeps kilobytes per song).",
        "- Firestore, Pub/Sub, API Gateway and Firebase Hosting cost nothing at rest at this "
        "scale (their free tiers cover the stored data).",
        "",
    ]


def _burst_row(m: _Model, mode: str) -> list[str]:
    """A burst in one ``gpu_mode``: its slowest stage, when it is done, instances at peak."""
    names, fs = m.plan.graph.names, m.modes[mode]
    slowest = max(names, key=lambda s: burst_drain_s(m.songs, fs[s].busy_s, fs[s].max_instances))
    f = fs[slowest]
    return [
        f'gpu_mode = "{mode}"',
        f"{slowest} ({f.max_instances} × {f.busy_s:.1f} s)",
        _duration(burst_drain_s(m.songs, f.busy_s, f.max_instances)),
        _duration(m.burst_time_s(mode)),
        str(sum(fs[s].max_instances for s in names)),
    ]


def _burst_section(m: _Model) -> list[str]:
    """How the instance caps drain a burst, and how long it takes in each mode."""
    plan = m.inputs.plan
    return [
        f"## A burst of {m.songs:,} uploads",
        "",
        "Every stage's max-instances cap is fitted so the burst drains through it in about "
        f"{_duration(plan['burst_drain_target_s'])} (plan.burst_drain_target_s); the GPU "
        f"caps are bounded by the L4 quota ({int(plan['gpu_quota'])} instances per service, "
        "plan.gpu_quota). Uploads beyond the caps wait in their subscription: Cloud Run answers "
        "429 and Pub/Sub retries with backoff "
        f"({plan['min_backoff_s']}–{plan['max_backoff_s']} s). Each subscription's "
        f"delivery attempts outlast {plan['retry_patience_factor']:g}× its stage's drain, "
        "so a burst is delayed, never dead-lettered for waiting.",
        "",
        *_table(
            [
                "mode",
                "slowest stage",
                "its drain",
                "all Song Maps after",
                "instances at peak (all stages)",
            ],
            [_burst_row(m, mode) for mode in ("gpu", "cpu")],
        ),
        "",
    ]


def _idle_tail_section(m: _Model) -> list[str]:
    """The GPU stages' cost per song when songs arrive one at a time, by the gap between them."""
    job = _usd(sum(m.job_gpu_cost(m.plan.functions[s]) for s in m.gpu_stages))
    rows = [
        [_duration(gap), _usd(m.sporadic_gpu(gap, "gpu")), _usd(m.sporadic_gpu(gap, "cpu")), job]
        for gap in (60.0, 300.0, 900.0, 3600.0)
    ]
    return [
        "## The GPU idle tail",
        "",
        "Cost of the two GPU stages per song when songs arrive one at a time, a fixed gap apart:",
        "",
        *_table(
            ["gap between songs", "GPU services", "same stages on CPU", "GPU job per song"], rows
        ),
        "",
        "Below the idle period a GPU instance never leaves and each song pays the whole gap; "
        "above it, each song pays a cold start and the full tail.",
        "",
    ]


def _gpu_hosting_section(m: _Model, items: list[Scenario]) -> list[str]:
    """GPU services against the two ways not built: a job per song and a worker pool."""
    a = m.a
    rows = [
        [
            s.pattern,
            s.gpu_stages,
            _usd(s.per_song),
            _duration(s.latency_s),
            "yes" if s.built else "no",
        ]
        for s in items
        if "CPU services" not in s.gpu_stages
    ]
    return [
        "## GPU service, Cloud Run job or worker pool",
        "",
        *_table(["traffic", "GPU stages as", "per song", "done after", "built"], rows),
        "",
        "- **Service** (built): Pub/Sub pushes straight to it; the instance is billed for life, "
        "the idle tail included. Cheapest per song in a burst, dearest for isolated songs.",
        "- **Job** (not built): a CPU trampoline subscribed to the topic starts one execution per "
        "song (`run_job` with the job id as an override) and returns; the execution runs the stage "
        "and publishes what comes next. No tail, but every song pays the GPU start and model "
        f"load, and an execution takes about {a['job_start_latency_s']:g} s more to start. Retries "
        "move from Pub/Sub to the job's own retry count.",
        "- **Worker pool** (not built): pulls from a subscription, so a burst waits in the queue "
        "without spending delivery attempts. It does not scale itself: an external autoscaler "
        f"(assumed to scale to zero {a['worker_pool_scale_down_s']:g} s after the queue empties) "
        "sets its size.",
        "",
    ]


def _not_counted_section(m: _Model) -> list[str]:
    """Listening, free tiers and builds: real costs the per-song figure leaves out."""
    p, inp = m.prices, m.inputs
    return [
        "## Not in the per-song cost",
        "",
        "- Listening: the browser fetches the stems from Cloud Storage at "
        f"{_usd(p['egress_gb'], 2)}/GB. Four 3-minute FLAC stems are about 80 MB: "
        f"{_usd(0.08 * p['egress_gb'], 4)} per full listen, more than the processing. "
        "Compressed stems (Opus, ~10 MB for four) would cut it eightfold.",
        "- Free tiers (Cloud Run: 180,000 vCPU-s, 360,000 GiB-s and 2 million requests a month "
        "for request-based billing) would make the first few thousand songs a month cheaper.",
        "- Cloud Build minutes. For comparison, the whole song on one machine (`performia "
        f"analyze`, every stage side by side) took {inp.whole_song['seconds']:g} s for the "
        f"{inp.song_s:g} s song.",
        "",
    ]


def _assumptions_section(m: _Model) -> list[str]:
    """Every assumption the model used, by name."""
    return [
        "## Assumptions",
        "",
        *(f"- `{k}` = {v:g}" for k, v in m.a.items()),
        "",
        "Each is explained in `infra/measured.toml`; change one there and regenerate.",
        "",
    ]


def render(plan: Plan | None = None) -> str:
    """The text of ``infra/COSTS.md``: one section after another."""
    plan = plan or build_plan()
    m = _Model(plan)
    items = scenarios(plan)
    sections = [
        _header(m),
        _per_song_section(m, items),
        _per_stage_section(m),
        _idle_section(m),
        _burst_section(m),
        _idle_tail_section(m),
        _gpu_hosting_section(m, items),
        _abuse_section(m, plan.inputs.song_s),
        _not_counted_section(m),
        _assumptions_section(m),
    ]
    return "\n".join(line for section in sections for line in section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m performia.deploy.costs")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {COSTS_PATH.name}")
    group.add_argument("--check", action="store_true", help="exit 1 when it is out of date")
    args = parser.parse_args(argv)
    text = render()
    path = Path(COSTS_PATH)
    if args.write:
        path.write_text(text)
        print(f"wrote {path}")
    elif args.check:
        if not path.is_file() or path.read_text() != text:
            print(f"{path} is out of date: run python -m performia.deploy.costs --write")
            return 1
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
