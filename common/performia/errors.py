"""One error family, so every edge (CLI exit code, Pub/Sub ack or retry, HTTP status) maps it once.

``BadInputError`` is the user's mistake: a clear one-line message, never retried, CLI exit 2.
``TransientError`` is the world's: retried by the cloud chain. Anything else is a bug or a broken
model installation: exit 1, job ``FAILED`` with the message.
"""

from __future__ import annotations

__all__ = [
    "BadInputError",
    "DecodeError",
    "ModelError",
    "PerformiaError",
    "SongMapError",
    "StageFailedError",
    "TransientError",
]


class PerformiaError(Exception):
    """Base of every error Performia raises on purpose."""

    #: CLI exit code for this family.
    exit_code = 1


class BadInputError(PerformiaError):
    """The input cannot be analysed as given; the message tells the user what to change."""

    exit_code = 2


class DecodeError(BadInputError):
    """The file is not audio, is empty, or is truncated or corrupt."""


class SongMapError(BadInputError):
    """A Song Map document does not match the schema; the message names the field."""


class ModelError(PerformiaError):
    """A model or engine is missing or failed to load; an installation problem, not the user's."""


class TransientError(PerformiaError):
    """A temporary failure (network, quota, preemption); trying again may succeed."""


class StageFailedError(PerformiaError):
    """A pipeline stage failed; carries the stage name and keeps the cause's exit code."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        self.stage = stage
        self.cause = cause
        self.exit_code = getattr(cause, "exit_code", 1)
        super().__init__(f"{stage}: {cause}")
