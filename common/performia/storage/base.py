"""The artifact store protocol every backend (local folder, Cloud Storage, S3) implements.

Keys are ``/``-separated paths such as ``jobs/{job}/ingest/{fingerprint}/audio.npy``. Writes are
atomic: a reader sees a whole object or none, which is what lets a stage's completion marker be
the last thing it writes.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from performia.errors import PerformiaError, TransientError

__all__ = [
    "ArtifactStore",
    "NotFoundError",
    "PreconditionFailedError",
    "VersionedStore",
    "check_key",
    "default_content_type",
    "is_valid_key",
    "normalise_prefix",
]


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


class PreconditionFailedError(TransientError):
    """A conditional write lost a race: the object changed (or appeared) since it was read.

    It is transient on purpose: reading again and redoing the modification is the cure, and if it
    escapes into the cloud chain, the redelivered message does exactly that.
    """


def default_content_type(key: str) -> str:
    """The content type stored when the caller gives none: guessed from the key's extension.

    Guessing matters for objects a browser fetches directly (Song Map JSON, stems).
    """
    return mimetypes.guess_type(key, strict=False)[0] or "application/octet-stream"


def normalise_prefix(prefix: str) -> str:
    """``""`` stays empty; ``"a/b"`` or ``"a/b/"`` become ``"a/b/"`` (a folder, never a stem)."""
    stripped = prefix.rstrip("/")
    if not stripped:
        return ""
    try:
        check_key(stripped)
    except ValueError:
        raise ValueError(f"invalid store prefix {prefix!r}") from None
    return stripped + "/"


def is_valid_key(key: str) -> bool:
    """Whether :func:`check_key` accepts ``key`` (listings skip objects it would reject)."""
    try:
        check_key(key)
    except ValueError:
        return False
    return True


@runtime_checkable
class ArtifactStore(Protocol):
    """Byte objects under string keys."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key`` atomically, replacing any previous object."""

    def get(self, key: str) -> bytes:
        """The object's bytes; ``NotFoundError`` when absent."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's size in bytes, without reading it; ``NotFoundError`` when absent (what
        ingest checks an upload against before reading a byte)."""

    def list(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, in sorted order."""

    def delete(self, key: str) -> None:
        """Remove the object; absent objects are ignored (deletes are idempotent)."""


@runtime_checkable
class VersionedStore(ArtifactStore, Protocol):
    """A store that can refuse a write when the object changed since it was read.

    ``version`` is opaque (a GCS generation, an S3 ETag, a content hash locally). It is what
    keeps an edit from overwriting a newer one and many finishing jobs from losing each other's
    entries in the library listing.
    """

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        """The object's bytes and their version; ``NotFoundError`` when absent."""
        ...

    def write_if(
        self, key: str, data: bytes, *, version: str | None, content_type: str | None = None
    ) -> str:
        """Write only if the object is still at ``version`` (``None``: only if it does not
        exist); return the new version. ``PreconditionFailedError`` otherwise."""
        ...
