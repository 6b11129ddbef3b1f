"""One artifact store from one address, so a deployment chooses its backend by configuration.

``gs://bucket/prefix`` is Cloud Storage, ``s3://bucket/prefix`` an S3-compatible store (its
endpoint from ``AWS_ENDPOINT_URL`` for MinIO, R2 or moto, credentials from the usual AWS
environment), and ``file:///path`` or a plain path a local folder. The cloud functions read the
address from ``PERFORMIA_ARTIFACTS`` (:mod:`performia.cloud.runtime`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from performia.errors import BadInputError
from performia.storage.base import VersionedStore

__all__ = ["open_store"]


def open_store(address: str) -> VersionedStore:
    """The store at ``address`` (see the module docstring); :class:`BadInputError` for an
    address with another scheme or no bucket."""
    parsed = urlparse(address)
    if parsed.scheme in ("", "file"):
        from performia.storage.local import LocalFolderStore

        path = parsed.path if parsed.scheme == "file" else address
        if not path:
            raise BadInputError("give the folder of the local artifact store")
        return LocalFolderStore(Path(path))
    if parsed.scheme not in ("gs", "s3"):
        raise BadInputError(
            f"{address!r} is not a store Performia knows: use gs://, s3:// or a folder"
        )
    if not parsed.netloc:
        raise BadInputError(f"{address!r} names no bucket")
    prefix = parsed.path.lstrip("/")
    if parsed.scheme == "gs":
        from performia.storage.gcs import GCSStore

        return GCSStore(parsed.netloc, prefix=prefix)
    from performia.storage.s3 import S3Store

    return S3Store(parsed.netloc, prefix=prefix, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
