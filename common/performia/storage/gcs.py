"""A Cloud Storage artifact store: the cloud mode's storage, and the local cloud's on the emulator.

Objects are blobs named ``{prefix}{key}`` in one bucket. A single-request or resumable upload only
becomes visible when it is complete, so writes are atomic for readers without temporary objects.

Beyond the :class:`~performia.storage.base.ArtifactStore` protocol this store offers generation
preconditions (:meth:`GCSStore.get_with_generation` / :meth:`GCSStore.put_if_generation`), which is
what lets several functions update one shared object (the library listing) without losing each
other's writes: read with its generation, modify, write only if the generation is unchanged, and
on :class:`PreconditionFailedError` read again and retry.

Retries: transient failures (429, 5xx, dropped connections) are retried by the client library's
own policy (``google.cloud.storage.retry.DEFAULT_RETRY``, exponential back-off, 120 s deadline).
Unconditional writes are retried too: writing the same bytes under the same key twice is harmless.
A conditional write whose first attempt succeeded but whose response was lost is answered with a
precondition failure on the retry; callers that retry read-modify-write loops must therefore make
their modification idempotent (adding an entry that is already there changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from google.api_core import exceptions as gexc
from google.api_core.retry import Retry
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY

from performia.errors import TransientError
from performia.storage.base import (
    NotFoundError,
    PreconditionFailedError,
    check_key,
    default_content_type,
    is_valid_key,
    normalise_prefix,
)

__all__ = ["GCSStore", "PreconditionFailedError", "default_content_type", "normalise_prefix"]

#: Errors that survive the library's retries but may still succeed later (the cloud chain retries).
_TRANSIENT = (
    gexc.TooManyRequests,
    gexc.ServerError,
    gexc.RetryError,
    requests.ConnectionError,
    requests.Timeout,
)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn the library's exceptions into Performia's error family (``what`` names the object)."""
    try:
        yield
    except gexc.NotFound:
        raise NotFoundError(f"no artifact {what}") from None
    except gexc.PreconditionFailed as exc:
        raise PreconditionFailedError(f"{what} changed since it was read") from exc
    except _TRANSIENT as exc:
        raise TransientError(f"Cloud Storage failed for {what}: {exc}") from exc


class GCSStore:
    """Artifacts in a Cloud Storage bucket, optionally under a folder-like ``prefix``.

    Parameters
    ----------
    bucket
        The bucket's name; it must exist (buckets are infrastructure, made by Terraform).
    prefix
        Every key lives under this folder; two stores with different prefixes never see each
        other's objects.
    client
        A ``google.cloud.storage.Client``. The default one reads the usual environment
        (application default credentials, or ``STORAGE_EMULATOR_HOST`` for the emulator).
    retry
        The retry policy for transient errors.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: storage.Client | None = None,
        retry: Retry = DEFAULT_RETRY,
    ) -> None:
        self.client = client if client is not None else storage.Client()
        self.bucket = self.client.bucket(bucket)
        self.prefix = normalise_prefix(prefix)
        self.retry = retry

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _where(self, key: str) -> str:
        return f"{key!r} in gs://{self.bucket.name}/{self.prefix}"

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self.put_if_generation(key, data, generation=None, content_type=content_type)

    def put_if_generation(
        self,
        key: str,
        data: bytes,
        *,
        generation: int | None,
        content_type: str | None = None,
    ) -> int:
        """Write only if the object's generation is still ``generation``; return the new one.

        ``generation=0`` means "only if the object does not exist"; ``None`` writes
        unconditionally. A lost race raises :class:`PreconditionFailedError`.
        """
        blob = self.bucket.blob(self._name(key))
        content_type = content_type or default_content_type(key)
        if content_type == "application/json":
            # documents that change in place (Song Maps, the listing) must not sit in a cache:
            # public objects are otherwise cached for an hour, hiding a save
            blob.cache_control = "no-cache"
        with _translated(self._where(key)):
            blob.upload_from_string(
                data,
                content_type=content_type,
                if_generation_match=generation,
                retry=self.retry,
            )
        return int(blob.generation)

    def write_if(
        self, key: str, data: bytes, *, version: str | None, content_type: str | None = None
    ) -> str:
        """:class:`~performia.storage.base.VersionedStore`: the version is the generation."""
        generation = int(version) if version is not None else 0
        return str(
            self.put_if_generation(key, data, generation=generation, content_type=content_type)
        )

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        data, generation = self.get_with_generation(key)
        return data, str(generation)

    def get(self, key: str) -> bytes:
        return self.get_with_generation(key)[0]

    def get_with_generation(self, key: str) -> tuple[bytes, int]:
        """The object's bytes and the generation those bytes belong to (one request)."""
        blob = self.bucket.blob(self._name(key))
        with _translated(self._where(key)):
            data = blob.download_as_bytes(retry=self.retry)
        return data, int(blob.generation)

    def content_type(self, key: str) -> str:
        """The stored content type (what a browser is told when it fetches the object)."""
        with _translated(self._where(key)):
            blob = self.bucket.get_blob(self._name(key), retry=self.retry)
        if blob is None:
            raise NotFoundError(f"no artifact {self._where(key)}")
        return blob.content_type

    def size(self, key: str) -> int:
        with _translated(self._where(key)):
            blob = self.bucket.get_blob(self._name(key), retry=self.retry)
        if blob is None:
            raise NotFoundError(f"no artifact {self._where(key)}")
        return int(blob.size)

    def exists(self, key: str) -> bool:
        blob = self.bucket.blob(self._name(key))
        with _translated(self._where(key)):
            return blob.exists(retry=self.retry)

    def list(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, sorted; names that are not valid keys are skipped."""
        cut = len(self.prefix)
        with _translated(f"under {prefix!r} in gs://{self.bucket.name}/{self.prefix}"):
            names = [
                blob.name[cut:]
                for blob in self.client.list_blobs(
                    self.bucket, prefix=self.prefix + prefix, retry=self.retry
                )
            ]
        return iter(sorted(k for k in names if is_valid_key(k)))

    def delete(self, key: str) -> None:
        blob = self.bucket.blob(self._name(key))
        try:
            with _translated(self._where(key)):
                blob.delete(retry=self.retry)
        except NotFoundError:
            pass  # absent, or a retried delete whose first attempt succeeded
