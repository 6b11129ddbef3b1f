"""A local-folder artifact store: the embedded mode's storage, and the reference for the others."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from performia.storage.base import NotFoundError, PreconditionFailedError, check_key

__all__ = ["LocalFolderStore"]


class LocalFolderStore:
    """Objects are files under ``root``; a key's ``/`` separators become folders."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        """The file behind ``key`` (it may not exist yet)."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no artifact {key!r} in {self.root}") from None

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"no artifact {key!r} in {self.root}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        keys = (
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        return iter(sorted(k for k in keys if k.startswith(prefix)))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    # -- VersionedStore: the version is the content's hash; a lock file serialises check+write
    def read_versioned(self, key: str) -> tuple[bytes, str]:
        data = self.get(key)
        return data, hashlib.sha256(data).hexdigest()

    def write_if(
        self, key: str, data: bytes, *, version: str | None, content_type: str | None = None
    ) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        lock_path = target.parent / f".{target.name}.lock"
        with self._lock, open(lock_path, "a+b") as lock:  # threads here, processes via flock
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = hashlib.sha256(target.read_bytes()).hexdigest()
            except FileNotFoundError:
                current = None
            if current != version:
                raise PreconditionFailedError(
                    f"{key!r} changed since it was read (expected {version}, found {current})"
                )
            self.put(key, data, content_type=content_type)
            return hashlib.sha256(data).hexdigest()
