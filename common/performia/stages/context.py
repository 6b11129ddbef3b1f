"""What a stage sees: its job's parameters, its upstream artifacts, and a place to write.

Stages never build storage keys or touch a store directly, so the same stage code runs against a
local folder, Cloud Storage or S3.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from performia.analysis.results import Harmony, Melody, Rhythm, Structure, Transcript
from performia.jobs.base import StageRun, StageState
from performia.pipeline.graph import StageSpec
from performia.storage.base import ArtifactStore

__all__ = [
    "RESULT_ARTIFACTS",
    "StageContext",
    "StageOutcome",
    "artifact_key",
    "done_marker_key",
    "mean_confidence",
]

DONE_MARKER = "_done.json"
#: Slack over ingest's measured duration when a stage decodes audio again (a stem, or the upload
#: at another rate): encoder padding, in seconds.
DECODE_SLACK_S = 5.0

#: The typed result each analysis stage writes: stage → (artifact name, result class).
RESULT_ARTIFACTS: dict[str, tuple[str, Any]] = {
    "transcribe": ("transcript.json", Transcript),
    "rhythm": ("rhythm.json", Rhythm),
    "harmony": ("harmony.json", Harmony),
    "melody": ("melody.json", Melody),
    "structure": ("structure.json", Structure),
}


def mean_confidence(values: list[float | None] | tuple[float | None, ...]) -> float | None:
    """Mean of the known confidences, rounded for provenance; ``None`` when there are none.

    A NaN (an engine's 0/0 on a silent stretch) is not a known confidence: one of them once
    made the whole Song Map fail validation (GTZAN blues.00007, hiphop.00008).
    """
    known = [v for v in values if v is not None and math.isfinite(v)]
    return round(sum(known) / len(known), 3) if known else None


def artifact_key(job_id: str, stage: str, fingerprint: str, name: str) -> str:
    """``jobs/{job}/{stage}/{fingerprint}/{name}``: written once per distinct input."""
    return f"jobs/{job_id}/{stage}/{fingerprint}/{name}"


def done_marker_key(job_id: str, stage: str, fingerprint: str) -> str:
    return artifact_key(job_id, stage, fingerprint, DONE_MARKER)


@dataclass(frozen=True)
class StageOutcome:
    """What a stage reports about its own run, kept in its done marker and the Song Map.

    ``engines`` names every engine the stage ran (keys of
    :data:`performia.analysis.engines.ENGINES`), so the Song Map can say under which licences
    its analyses were made; ``profile`` the engine profile it ran with.
    """

    engine: str | None = None
    engine_version: str | None = None
    confidence: float | None = None
    note: str | None = None
    profile: str | None = None
    engines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v is not None and k != "engines"}
        if self.engines:
            out["engines"] = list(self.engines)
        return out


@dataclass
class StageContext:
    """The running stage's view of its job."""

    spec: StageSpec
    job_id: str
    store: ArtifactStore
    input: Mapping[str, Any]
    #: The job parameters this stage declares (and only those: they make its fingerprint).
    params: Mapping[str, Any]
    #: Fingerprints of this stage and of every upstream stage that is done.
    fingerprints: Mapping[str, str]
    #: Upstream stages' runs from the job record (to tell done from skipped, and why).
    upstream: Mapping[str, StageRun] = field(default_factory=dict)
    report: Callable[[float, str | None], None] = field(default=lambda f, m: None)
    written: list[str] = field(default_factory=list)

    @property
    def profile(self) -> str:
        """The job's engine profile (the ``profile`` parameter; the setting when a job
        predates it)."""
        from performia.analysis.engines import check_profile
        from performia.settings import get_settings

        return check_profile(self.params.get("profile") or get_settings().profile)

    # -- reading upstream --------------------------------------------------------------------
    def has(self, stage: str) -> bool:
        """Whether an upstream stage is done (its artifacts can be read)."""
        run = self.upstream.get(stage)
        return run is not None and run.state is StageState.DONE

    def result(self, stage: str) -> Any:
        """An upstream analysis stage's typed result (``Rhythm``, ``Harmony`` …), or ``None``
        when that stage was skipped."""
        if not self.has(stage):
            return None
        name, cls = RESULT_ARTIFACTS[stage]
        return cls.from_dict(self.read_json(stage, name))

    def report_of(self, stage: str) -> dict[str, Any]:
        """An upstream stage's done marker (engine, version, timing)."""
        marker: dict[str, Any] = self.read_json(stage, DONE_MARKER)
        return marker

    def key_of(self, stage: str, name: str) -> str:
        """Store key of an upstream artifact (what a Song Map references, e.g. a stem)."""
        return artifact_key(self.job_id, stage, self.fingerprints[stage], name)

    def read(self, stage: str, name: str) -> bytes:
        return self.store.get(self.key_of(stage, name))

    def read_json(self, stage: str, name: str) -> Any:
        return json.loads(self.read(stage, name))

    def read_array(self, stage: str, name: str) -> np.ndarray:
        array: np.ndarray = np.load(io.BytesIO(self.read(stage, name)), allow_pickle=False)
        return array

    def read_analysis_audio(self) -> tuple[np.ndarray, int]:
        """Ingest's analysis signal and its sample rate, as ingest wrote them: the one place a
        stage learns the rate (``PERFORMIA_ANALYSIS_SR`` or the job's ``analysis_sr`` set it
        there), so no stage can be told a different one."""
        y = self.read_array("ingest", "audio.npy")
        return y, int(self.read_json("ingest", "metadata.json")["sampleRate"])

    def read_stem(self, stem: str, *, sr: int) -> np.ndarray | None:
        """A stem the separate stage wrote (``"vocals"`` …) as mono float32 at ``sr``; ``None``
        when separation was skipped or its engine made no such stem."""
        if not self.has("separate"):
            return None
        name = self.read_json("separate", "stems.json").get(stem)
        if not name:
            return None
        from performia.media import decode_audio  # PyAV only where a stage reads a stem

        duration = float(self.read_json("ingest", "metadata.json")["duration"])
        return decode_audio(
            self.read("separate", name), sr=sr, max_duration_s=duration + DECODE_SLACK_S, name=name
        ).samples

    def read_input(self) -> bytes:
        """The original upload."""
        return self.store.get(self.input["key"])

    def input_size(self) -> int:
        """The original upload's size in bytes, without reading it."""
        return self.store.size(self.input["key"])

    # -- writing own outputs -----------------------------------------------------------------
    def key(self, name: str) -> str:
        return artifact_key(self.job_id, self.spec.name, self.fingerprints[self.spec.name], name)

    def write(self, name: str, data: bytes, *, content_type: str | None = None) -> str:
        if name not in self.spec.writes and name not in self.spec.may_write:
            raise ValueError(f"stage {self.spec.name!r} does not declare output {name!r}")
        key = self.key(name)
        self.store.put(key, data, content_type=content_type)
        self.written.append(name)
        return key

    def write_json(self, name: str, obj: Any) -> str:
        blob = json.dumps(obj, indent=1, ensure_ascii=False).encode()
        return self.write(name, blob, content_type="application/json")

    def write_array(self, name: str, array: np.ndarray) -> str:
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=False)
        return self.write(name, buf.getvalue(), content_type="application/octet-stream")
