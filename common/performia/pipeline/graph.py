"""The stage graph, declared once.

The embedded runner, the cloud chain, the tests and the Terraform consistency checks all read
``GRAPH``. A stage lists what it ``needs`` (must be done) and what it ``uses`` (read when done,
tolerated when skipped): transcription prefers the vocals stem but can work on the mix, and the
Song Map is assembled from whatever analyses exist and says which ones are absent.

A stage whose ``impl`` is ``None`` is declared but not built in this version: runners mark it
skipped, and nothing fakes its output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

__all__ = ["GRAPH", "Graph", "StageSpec"]


@dataclass(frozen=True)
class StageSpec:
    """One stage's contract: what it waits for, what it writes, which job parameters change it.

    Attributes
    ----------
    name : str
        Stage name; also its topic, service and artifact folder name.
    needs : tuple of str
        Stages that must be done before this one starts.
    uses : tuple of str
        Stages read when done; this stage still runs when they are skipped.
    writes : tuple of str
        Artifact names this stage always writes under its own folder.
    may_write : tuple of str
        Artifact names it writes when its engine produces them (Demucs gives four stems,
        a two-stem separator gives vocals and accompaniment).
    params : tuple of str
        Job parameters that change this stage's output (part of its fingerprint).
    version : int
        Bump when the stage's output would change for the same input.
    gpu : bool
        Runs on a GPU in the cloud.
    impl : str, callable or None
        ``module:function`` running the stage, imported lazily so an image loads only its own
        stage's code (a callable is accepted for tests); ``None`` while not built.
    """

    name: str
    needs: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    may_write: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    version: int = 1
    gpu: bool = False
    impl: str | Callable[..., Any] | None = None
    description: str = ""

    @property
    def upstream(self) -> tuple[str, ...]:
        return self.needs + self.uses

    @property
    def built(self) -> bool:
        return self.impl is not None


@dataclass(frozen=True)
class Graph:
    """An acyclic set of stages; construction validates names, references and cycles."""

    stages: tuple[StageSpec, ...]
    _by_name: Mapping[str, StageSpec] = field(init=False, repr=False, compare=False)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, StageSpec] = {}
        for spec in self.stages:
            if spec.name in by_name:
                raise ValueError(f"stage {spec.name!r} declared twice")
            by_name[spec.name] = spec
        for spec in self.stages:
            for dep in spec.upstream:
                if dep not in by_name:
                    raise ValueError(f"stage {spec.name!r} depends on unknown stage {dep!r}")
        object.__setattr__(self, "_by_name", by_name)
        try:
            order = tuple(
                TopologicalSorter({s.name: s.upstream for s in self.stages}).static_order()
            )
        except CycleError as exc:
            raise ValueError(f"stage graph has a cycle: {exc.args[1]}") from None
        object.__setattr__(self, "_order", order)

    def __getitem__(self, name: str) -> StageSpec:
        return self._by_name[name]

    def __iter__(self) -> Iterator[StageSpec]:
        return iter(self.stages)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def order(self) -> tuple[str, ...]:
        """A topological order: every stage after all it depends on."""
        return self._order

    def downstream(self, name: str) -> tuple[str, ...]:
        """Stages that directly wait for ``name``."""
        return tuple(s.name for s in self.stages if name in s.upstream)

    def roots(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if not s.upstream)

    def sinks(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if not self.downstream(s.name))

    def subset(self, names: Iterable[str]) -> Graph:
        keep = set(names)
        return Graph(tuple(s for s in self.stages if s.name in keep))


GRAPH = Graph(
    (
        StageSpec(
            name="ingest",
            writes=("audio.npy", "metadata.json"),
            params=("max_duration_s", "title", "artist", "album", "analysis_sr"),
            impl="performia.stages.ingest:run",
            description="Decode, validate, read tags, normalise to the analysis signal.",
        ),
        StageSpec(
            name="separate",
            needs=("ingest",),
            writes=("stems.json", "vocals.flac"),
            may_write=("accompaniment.flac", "drums.flac", "bass.flac", "other.flac"),
            params=("separator", "demucs_model"),
            gpu=True,
            impl="performia.stages.separate:run",
            description="Split vocals from the band (Demucs four stems in production).",
        ),
        StageSpec(
            name="transcribe",
            needs=("ingest",),
            uses=("separate",),
            writes=("transcript.json",),
            params=("language", "lyrics", "asr_engine", "asr_model", "asr_input"),
            gpu=True,
            impl="performia.stages.transcribe:run",
            description="Words with timestamps; aligns given lyrics when the user has them.",
        ),
        StageSpec(
            name="melody",
            needs=("ingest",),
            uses=("separate",),
            writes=("melody.json", "f0.npy"),
            params=("profile",),
            version=2,
            impl="performia.stages.melody:run",
            description="Sung pitch contour and notes.",
        ),
        StageSpec(
            name="rhythm",
            needs=("ingest",),
            writes=("rhythm.json",),
            params=("profile",),
            version=2,
            impl="performia.stages.rhythm:run",
            description="Beats, downbeats, meter and tempo.",
        ),
        StageSpec(
            name="harmony",
            needs=("ingest",),
            uses=("rhythm",),
            writes=("harmony.json",),
            params=("profile",),
            version=2,
            impl="performia.stages.harmony:run",
            description="Tuning, key and beat-synchronous chords.",
        ),
        StageSpec(
            name="structure",
            needs=("ingest",),
            uses=("rhythm", "harmony", "transcribe"),
            writes=("structure.json",),
            params=("profile",),
            version=2,
            impl="performia.stages.structure:run",
            description="Sections (intro, verse, chorus, bridge …) from repetition.",
        ),
        StageSpec(
            name="package",
            needs=("ingest",),
            uses=("separate", "transcribe", "melody", "rhythm", "harmony", "structure"),
            writes=("song_map.json",),
            params=("language", "title", "artist", "album"),
            impl="performia.stages.package:run",
            description="Join every analysis into the Song Map.",
        ),
    )
)
