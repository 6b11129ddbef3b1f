"""Defaults defined once, and the environment read once into a frozen object.

Every limit the CLI, the stages and the cloud functions share lives here, so a default is never
written twice. Environment variables override them (``PERFORMIA_MAX_DURATION_S=600``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache

__all__ = ["ANALYSIS_SR", "Settings", "get_settings"]

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
    #: A recording whose peak stays below this level (dBFS) is treated as silence.
    silence_dbfs: float = -60.0
    #: Peak level the analysis signal is normalised to (dBFS).
    normalise_peak_dbfs: float = -1.0
    #: Language for hyphenation and recognition (ISO 639-1, or a pyphen locale such as ``en_US``).
    language: str = "en"
    #: Stages the embedded runner runs at once.
    workers: int = max(2, min(4, os.cpu_count() or 2))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``PERFORMIA_<FIELD>`` variables, converted to each field's type."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"PERFORMIA_{f.name.upper()}")
            if raw is not None:
                values[f.name] = type(getattr(cls, f.name))(raw)
        return cls(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
