"""The deployment plan: every Cloud Run function, derived from the stage graph and measurements.

Nothing per stage is typed twice. The graph says which functions exist (one per stage, plus the
dead-letter handler and the frontend's HTTP functions), which run on a GPU (``StageSpec.gpu``),
which topics each one publishes to (the stages downstream of it: what
:meth:`performia.cloud.adapter.Adapter.handle` publishes) and which one writes the Song Map into
the library. ``infra/measured.toml`` holds what each stage costs on the benchmark song; the plan
fits to it:

- **memory**: the stage's measured process peak times a headroom, plus room for the upload for
  the stages that read it, rounded up to a size Cloud Run sells (GPU: at least the 16 GiB an L4
  requires, with 4 vCPU);
- **ack deadline and request timeout**: the safety factor times the worst case, the longest
  accepted song at the measured real-time factor plus the instance's startup (Pub/Sub's push
  maximum is 600 s);
- **max instances**: enough for a burst of ``burst_songs`` uploads to drain through the stage in
  about ``burst_drain_target_s`` (the GPU caps are further bounded by quota in Terraform);
- **delivery attempts**: enough retries, at the configured backoff, to outlast that drain, so a
  burst held back by the caps is delayed, not dead-lettered.

:mod:`performia.deploy.terraform` writes the plan as Terraform data; the tests check it against
the graph, and :mod:`performia.deploy.costs` prices it.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from performia.errors import PerformiaError
from performia.pipeline.graph import GRAPH, Graph, StageSpec

__all__ = [
    "BASE_EXTRAS",
    "INFRA_DIR",
    "L4",
    "MEASURED_PATH",
    "REPO_ROOT",
    "Access",
    "DeployError",
    "Function",
    "GpuSpec",
    "Inputs",
    "Plan",
    "build_plan",
    "burst_drain_s",
    "delivery_attempts",
    "fit_memory",
    "load_inputs",
    "retry_patience",
    "stage_reads_upload",
]

#: The repository (this file is ``common/performia/deploy/plan.py``) and its ``infra/`` folder.
REPO_ROOT = Path(__file__).resolve().parents[3]
INFRA_DIR = REPO_ROOT / "infra"
MEASURED_PATH = INFRA_DIR / "measured.toml"

#: Pub/Sub's longest push ack deadline, and the shortest this plan uses (a delivery reads an
#: upload of up to 500 MB before its stage starts).
MAX_ACK_DEADLINE_S = 600
MIN_ACK_DEADLINE_S = 60
#: Memory sizes the plan rounds up to (MiB), and the most memory Cloud Run allows per vCPU count.
MEMORY_STEPS_MIB = (512, 1024, 2048, 4096, 8192, 16384, 24576, 32768)
MAX_MEMORY_MIB_PER_CPU = {1: 4096, 2: 8192, 4: 16384, 6: 24576, 8: 32768}
#: Caps on max instances: at least two (one stuck instance does not stall a stage), at most 100.
MIN_INSTANCES_CAP, MAX_INSTANCES_CAP = 2, 100
#: Fewest deliveries before a message is dead-lettered (Pub/Sub allows 5 to 100).
MIN_DELIVERY_ATTEMPTS, MAX_DELIVERY_ATTEMPTS = 5, 100

Trigger = Literal["upload", "stage", "dead_letter", "http"]
Image = Literal["cpu", "gpu"]


class DeployError(PerformiaError):
    """The plan cannot be built: a missing function folder, measurement or extra."""


@dataclass(frozen=True)
class GpuSpec:
    """A Cloud Run GPU and the smallest instance it may be attached to."""

    accelerator: str
    min_cpu: int
    min_memory_mib: int


#: Cloud Run's NVIDIA L4: at least 4 vCPU and 16 GiB of memory per instance.
L4 = GpuSpec(accelerator="nvidia-l4", min_cpu=4, min_memory_mib=16384)

#: Extras whose packages cover what each stage imports when it runs (measured: each stage run
#: in a fresh process, its imported distributions listed). transcribe also takes ``separate``:
#: it decodes the vocal stem with the separation package's audio helpers, and the GPU image
#: carries torch anyway.
STAGE_EXTRAS: Mapping[str, tuple[str, ...]] = {
    "ingest": ("cloud", "ingest"),
    "separate": ("cloud", "separate"),
    "transcribe": ("cloud", "transcribe", "separate"),
    "melody": ("cloud", "melody"),
    "rhythm": ("cloud", "rhythm"),
    "harmony": ("cloud", "harmony"),
    "structure": ("cloud", "structure"),
    "package": ("cloud", "package"),
}
DEAD_LETTER_FUNCTION = "dead_letter"
#: The artifact whose stage publishes to the library (``Adapter._publish_song``).
SONG_MAP = "song_map.json"
#: What every image installs, whatever it serves.
BASE_EXTRAS: tuple[str, ...] = ("cloud",)


@dataclass(frozen=True)
class Access:
    """What a function's service account may touch; Terraform grants exactly this.

    The bucket's prefixes are managed folders with their own IAM: ``uploads/`` (originals),
    ``jobs/`` (stage artifacts), ``songs/`` (the library: Song Maps, revisions, listing).
    """

    firestore: bool = False
    uploads: Literal["", "read", "create"] = ""
    jobs: Literal["", "read_write"] = ""
    songs: Literal["", "read", "read_write"] = ""
    #: Stage topics it publishes to.
    publishes: tuple[str, ...] = ()
    #: Signs URLs with its own service account (the IAM signBlob API).
    signs_urls: bool = False


@dataclass(frozen=True)
class _Declared:
    """A function that is not a stage: its trigger, extras, size and access."""

    trigger: Trigger
    extras: tuple[str, ...]
    memory_mib: int
    concurrency: int
    max_instances: int
    timeout_s: int
    access: Access


#: The functions that are not stages. ``kb_query`` is deployed once ``functions/kb_query/main.py``
#: exists; its extra (``kb``) and index are the knowledge base's.
DECLARED: Mapping[str, _Declared] = {
    DEAD_LETTER_FUNCTION: _Declared(
        "dead_letter", ("cloud",), 512, 10, 3, 60, Access(firestore=True)
    ),
    "upload_url": _Declared(
        "http",
        ("cloud",),
        512,
        20,
        10,
        30,
        Access(firestore=True, uploads="create", signs_urls=True),
    ),
    # a user's own listing and songs, with signed read URLs for their files (the bucket is private)
    "library": _Declared(
        "http", ("cloud",), 512, 20, 10, 30, Access(songs="read", signs_urls=True)
    ),
    "save_song": _Declared("http", ("cloud",), 512, 20, 5, 30, Access(songs="read_write")),
    # "Re-align from here": reads a song's vocals stem and runs the forced aligner (Whisper base
    # on CPU: about 20 s for a 3-minute song), one request an instance, so 2 GiB holds it.
    "realign": _Declared("http", ("cloud", "transcribe"), 2048, 1, 5, 300, Access(songs="read")),
    "kb_query": _Declared("http", ("cloud", "kb"), 2048, 4, 5, 60, Access()),
}


@dataclass(frozen=True)
class Function:
    """One Cloud Run service: what runs, on what, how far it scales, what it may touch."""

    name: str
    trigger: Trigger
    image: Image
    extras: tuple[str, ...]
    cpu: int
    memory_mib: int
    gpu: GpuSpec | None
    concurrency: int
    max_instances: int
    timeout_s: int
    #: Request-based billing (CPU only while requests run); GPU services bill the instance.
    request_billing: bool
    access: Access
    #: Pushed functions only: the subscription's ack deadline and delivery attempts.
    ack_deadline_s: int | None = None
    max_delivery_attempts: int | None = None
    #: Seconds one song keeps an instance busy, and the startup of a new instance (cost model).
    busy_s: float = 0.0
    startup_s: float = 0.0
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The function's entry point, relative to the repository (``FUNCTION_SOURCE``)."""
        return f"functions/{self.name}/main.py"

    def to_json(self) -> dict[str, Any]:
        """The Terraform data for this function (``local.plan.functions[name]``)."""
        a = self.access
        return {
            "trigger": self.trigger,
            "image": self.image,
            "source": self.source,
            "extras": list(self.extras),
            "cpu": str(self.cpu),
            "memory": f"{self.memory_mib}Mi",
            "gpu": self.gpu is not None,
            "accelerator": self.gpu.accelerator if self.gpu else "",
            "concurrency": self.concurrency,
            "max_instances": self.max_instances,
            "timeout_s": self.timeout_s,
            "request_billing": self.request_billing,
            "ack_deadline_s": self.ack_deadline_s,
            "max_delivery_attempts": self.max_delivery_attempts,
            "firestore": a.firestore,
            "uploads": a.uploads,
            "jobs": a.jobs,
            "songs": a.songs,
            "publishes": list(a.publishes),
            "signs_urls": a.signs_urls,
            # a list of pairs, so every function's data has one shape in Terraform
            "env": [{"name": k, "value": v} for k, v in sorted(self.env.items())],
        }


@dataclass(frozen=True)
class Inputs:
    """``infra/measured.toml``, parsed: the measurements, assumptions, plan targets and prices."""

    song_s: float
    stages: Mapping[str, Mapping[str, Any]]
    assumptions: Mapping[str, float]
    plan: Mapping[str, float]
    prices: Mapping[str, Any]
    whole_song: Mapping[str, Any]

    def stage(self, name: str) -> Mapping[str, Any]:
        try:
            return self.stages[name]
        except KeyError:
            raise DeployError(f"infra/measured.toml has no [stages.{name}]") from None


def load_inputs(path: Path = MEASURED_PATH) -> Inputs:
    """Read the measurements file; :class:`DeployError` naming it when absent or incomplete."""
    try:
        doc = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DeployError(f"{path} is missing (run from the repository)") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeployError(f"{path}: {exc}") from None
    try:
        return Inputs(
            song_s=float(doc["song"]["seconds"]),
            stages=doc["stages"],
            assumptions=doc["assumptions"],
            plan=doc["plan"],
            prices=doc["prices"],
            whole_song=doc["whole_song"],
        )
    except KeyError as exc:
        raise DeployError(f"{path} has no {exc.args[0]!r} section") from None


@dataclass(frozen=True)
class Plan:
    """Every function to deploy, and the CPU sizes of the GPU stages (``gpu_mode = "cpu"``)."""

    functions: Mapping[str, Function]
    cpu_fallback: Mapping[str, Function]
    graph: Graph
    inputs: Inputs

    def image_extras(self, image: Image) -> tuple[str, ...]:
        """The extras an image installs: the union of those of the functions it serves."""
        extras = {e for f in self.functions.values() if f.image == image for e in f.extras}
        return tuple(sorted(extras | set(BASE_EXTRAS)))

    def image_functions(self, image: Image) -> tuple[str, ...]:
        """The functions one image serves (a Cloud Run service each)."""
        return tuple(sorted(n for n, f in self.functions.items() if f.image == image))


def fit_memory(needed_mib: float, *, cpu: int, gpu: GpuSpec | None = None) -> tuple[int, int]:
    """The smallest (memory MiB, vCPU) Cloud Run sells holding ``needed_mib`` with at least
    ``cpu`` vCPU (and what ``gpu`` requires): memory rounds up to a step, and the vCPU count rises
    when the memory needs more than that many vCPU may have."""
    if gpu is not None:
        needed_mib, cpu = max(needed_mib, gpu.min_memory_mib), max(cpu, gpu.min_cpu)
    memory = next((m for m in MEMORY_STEPS_MIB if m >= needed_mib), None)
    if memory is None:
        raise DeployError(f"{needed_mib:.0f} MiB is more memory than a Cloud Run instance has")
    limits = MAX_MEMORY_MIB_PER_CPU
    cpu = next(c for c in sorted(limits) if c >= cpu and memory <= limits[c])
    return memory, cpu


def retry_patience(attempts: int, *, min_backoff_s: float, max_backoff_s: float) -> float:
    """Seconds a message waits between its first and last delivery: ``attempts - 1`` backoffs,
    each twice the one before, from ``min_backoff_s`` up to ``max_backoff_s``."""
    return sum(min(max_backoff_s, min_backoff_s * 2.0**k) for k in range(attempts - 1))


def burst_drain_s(songs: int, busy_s: float, instances: int) -> float:
    """Seconds ``songs`` arriving at once take through a stage that keeps an instance busy
    ``busy_s`` per song and runs at most ``instances`` (one song per instance at a time)."""
    return math.ceil(songs / instances) * busy_s


def delivery_attempts(wait_s: float, *, min_backoff_s: float, max_backoff_s: float) -> int:
    """The fewest delivery attempts whose retries outlast ``wait_s`` (5 to 100)."""
    for n in range(MIN_DELIVERY_ATTEMPTS, MAX_DELIVERY_ATTEMPTS + 1):
        if retry_patience(n, min_backoff_s=min_backoff_s, max_backoff_s=max_backoff_s) >= wait_s:
            return n
    return MAX_DELIVERY_ATTEMPTS


_READS_UPLOAD = re.compile(r"\bread_input\(")


def stage_reads_upload(spec: StageSpec, root: Path = REPO_ROOT) -> bool:
    """Whether the stage reads the original upload (``StageContext.read_input``), from its
    module's source: only those stages may read ``uploads/``."""
    if not isinstance(spec.impl, str):
        raise DeployError(f"stage {spec.name!r} has no module to deploy")
    module = spec.impl.partition(":")[0]
    path = root / "common" / Path(*module.split(".")).with_suffix(".py")
    try:
        return bool(_READS_UPLOAD.search(path.read_text()))
    except FileNotFoundError:
        raise DeployError(f"stage {spec.name!r}: {path} is missing") from None


def _ceil_to(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def _thread_env(cpu: int, concurrency: int) -> dict[str, str]:
    threads = str(cpu)
    return {
        "PERFORMIA_ENGINE_THREADS": threads,
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        # functions-framework's gunicorn threads: as many as the requests an instance takes
        "THREADS": str(concurrency),
    }


class _Fitter:
    """Turns one stage's measurements into a :class:`Function`."""

    def __init__(self, inputs: Inputs, graph: Graph) -> None:
        self.inputs = inputs
        self.graph = graph
        p = inputs.plan
        self.backoff = {"min_backoff_s": p["min_backoff_s"], "max_backoff_s": p["max_backoff_s"]}

    def seconds_on(self, name: str, *, gpu: bool) -> float:
        """Seconds of work on the benchmark song where the function runs."""
        m, a = self.inputs.stage(name), self.inputs.assumptions
        if not gpu:
            return float(m.get("cpu_seconds", m["seconds"]))
        if m["measured_on"] == "H100":
            return float(m["seconds"]) * a["l4_slowdown_vs_h100"]
        return float(m["seconds"]) / a["l4_speedup_vs_2_cores"]

    def stage(self, spec: StageSpec, *, gpu: bool) -> Function:
        m, a, p = self.inputs.stage(spec.name), self.inputs.assumptions, self.inputs.plan
        # the stage that publishes the Song Map also copies the recording and stems under
        # songs/ (Adapter._with_library_media): it reads the upload too, one file at a time
        reads_upload = stage_reads_upload(spec) or SONG_MAP in spec.writes
        needed = float(m["process_peak_mb"]) * p["memory_headroom"]
        if reads_upload:
            needed += 2 * p["max_upload_mb"]  # the upload's bytes and what decoding makes of them
        gpu_spec = L4 if gpu else None
        # a GPU stage on CPU gets the two cores its CPU time was measured on
        wanted = 2 if spec.gpu and not gpu else int(m.get("threads", 1))
        memory, cpu = fit_memory(needed, cpu=wanted, gpu=gpu_spec)
        work = self.seconds_on(spec.name, gpu=gpu)
        busy = work + a["per_stage_overhead_s"]
        start = a["container_start_gpu_s"] + a["gpu_model_load_s"] if gpu else None
        startup = float(m["startup_s"]) + (start or a["container_start_cpu_s"])
        worst = startup + a["per_stage_overhead_s"] + work / self.inputs.song_s * p["max_song_s"]
        deadline = _ceil_to(p["deadline_safety"] * worst, 10)
        deadline = min(MAX_ACK_DEADLINE_S, max(MIN_ACK_DEADLINE_S, deadline))
        cap = math.ceil(p["burst_songs"] * busy / p["burst_drain_target_s"])
        cap = min(MAX_INSTANCES_CAP, max(MIN_INSTANCES_CAP, cap))
        if gpu:
            cap = min(cap, int(p["gpu_quota"]))
        drain = burst_drain_s(int(p["burst_songs"]), busy, cap)
        attempts = delivery_attempts(drain * p["retry_patience_factor"], **self.backoff)
        concurrency = 1  # every stage is sized for one song at a time
        env = _thread_env(cpu, concurrency)
        if spec.gpu:
            env["PERFORMIA_DEVICE"] = "cuda" if gpu else "cpu"
        trigger: Trigger = "upload" if spec.name in self.graph.roots() else "stage"
        return Function(
            name=spec.name,
            trigger=trigger,
            image="gpu" if spec.gpu else "cpu",
            extras=_checked_extras(spec.name, STAGE_EXTRAS),
            cpu=cpu,
            memory_mib=memory,
            gpu=gpu_spec,
            concurrency=concurrency,
            max_instances=cap,
            timeout_s=deadline,
            request_billing=not gpu,
            access=Access(
                firestore=True,
                uploads="read" if reads_upload else "",
                jobs="read_write",
                songs="read_write" if SONG_MAP in spec.writes else "",
                publishes=self.graph.downstream(spec.name),
            ),
            ack_deadline_s=deadline,
            max_delivery_attempts=attempts,
            busy_s=round(busy, 3),
            startup_s=round(startup, 3),
            env=env,
        )

    def declared(self, name: str, d: _Declared) -> Function:
        memory, cpu = fit_memory(d.memory_mib, cpu=1)
        pushed = d.trigger == "dead_letter"
        access = d.access
        if pushed:
            # a dead letter for a stage still alive in another delivery publishes that stage
            # again (Adapter.dead_letter), so the dead-letter function may publish every stage
            access = replace(access, publishes=tuple(self.graph.names))
        return Function(
            name=name,
            trigger=d.trigger,
            image="cpu",
            extras=d.extras,
            cpu=cpu,
            memory_mib=memory,
            gpu=None,
            concurrency=d.concurrency,
            max_instances=d.max_instances,
            timeout_s=d.timeout_s,
            request_billing=True,
            access=access,
            ack_deadline_s=d.timeout_s if pushed else None,
            max_delivery_attempts=None,  # a dead letter is retried until it expires, not dropped
            startup_s=self.inputs.assumptions["container_start_cpu_s"],
            env=_thread_env(cpu, d.concurrency),
        )


def _checked_extras(name: str, table: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    try:
        return table[name]
    except KeyError:
        raise DeployError(
            f"stage {name!r} has no extras in performia.deploy.plan.STAGE_EXTRAS"
        ) from None


def build_plan(
    inputs: Inputs | None = None, *, graph: Graph = GRAPH, root: Path = REPO_ROOT
) -> Plan:
    """The plan for ``graph``: one function per stage (each must have ``functions/<stage>/``),
    the declared functions whose folder exists, and the CPU sizes of the GPU stages."""
    inputs = inputs or load_inputs()
    fitter = _Fitter(inputs, graph)
    functions: dict[str, Function] = {}
    for spec in graph:
        if not (root / "functions" / spec.name / "main.py").is_file():
            raise DeployError(f"stage {spec.name!r} has no functions/{spec.name}/main.py")
        functions[spec.name] = fitter.stage(spec, gpu=spec.gpu)
    for name, declared in DECLARED.items():
        if (root / "functions" / name / "main.py").is_file():
            functions[name] = fitter.declared(name, declared)
    if DEAD_LETTER_FUNCTION not in functions:
        raise DeployError(f"functions/{DEAD_LETTER_FUNCTION}/main.py is missing")
    fallback = {s.name: fitter.stage(s, gpu=False) for s in graph if s.gpu}
    return Plan(functions=functions, cpu_fallback=fallback, graph=graph, inputs=inputs)
