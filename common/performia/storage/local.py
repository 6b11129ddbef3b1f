"""A local-folder artifact store: the embedded mode's storage, and the reference for the others."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from performia.storage.base import NotFoundError, check_key

__all__ = ["LocalFolderStore"]


class LocalFolderStore:
    """Objects are files under ``root``; a key's ``/`` separators become folders."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

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
