"""The artifact store protocol every backend (local folder, Cloud Storage, S3) implements.

Keys are ``/``-separated paths such as ``jobs/{job}/ingest/{fingerprint}/audio.npy``. Writes are
atomic: a reader sees a whole object or none, which is what lets a stage's completion marker be
the last thing it writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from performia.errors import PerformiaError

__all__ = ["ArtifactStore", "NotFoundError", "check_key"]


class NotFoundError(PerformiaError, KeyError):
    """No object under that key."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain message
        return str(self.args[0]) if self.args else "not found"


def check_key(key: str) -> str:
    """Reject keys that could escape the store's root or collide with temporary files."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid artifact key {key!r}")
    return key


@runtime_checkable
class ArtifactStore(Protocol):
    """Byte objects under string keys."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key`` atomically, replacing any previous object."""

    def get(self, key: str) -> bytes:
        """The object's bytes; ``NotFoundError`` when absent."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, in sorted order."""

    def delete(self, key: str) -> None:
        """Remove the object; absent objects are ignored (deletes are idempotent)."""
