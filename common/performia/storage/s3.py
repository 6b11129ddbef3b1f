"""An S3-compatible artifact store (AWS S3, MinIO, R2, moto) for deployments outside Google Cloud.

Objects are named ``{prefix}{key}`` in one bucket. ``PutObject`` makes an object visible only when
the whole body has arrived, so writes are atomic for readers.

Conditional writes use the ETag: :meth:`S3Store.get_with_etag` returns the bytes with their ETag
and :meth:`S3Store.put_if_etag` writes only if the ETag is unchanged (``If-Match``) or, with
``etag=None``, only if the object does not exist (``If-None-Match: *``). A single-part ETag is the
content's MD5, so a value that changes and changes back (A → B → A) looks unchanged; that is
harmless for read-modify-write, because the bytes the writer modified are the bytes still there.

Retries: botocore's ``standard`` retry mode retries throttling, 5xx and connection errors with
back-off. As with Cloud Storage, a conditional write retried after a lost response can report a
precondition failure for a write that in fact landed; keep read-modify-write changes idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from performia.errors import TransientError
from performia.storage.base import (
    NotFoundError,
    PreconditionFailedError,
    check_key,
    default_content_type,
    is_valid_key,
    normalise_prefix,
)

__all__ = ["S3Store"]

#: botocore's own retry policy: throttling, 5xx and dropped connections, up to 5 attempts.
DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
# 409 ConditionalRequestConflict: another conditional write to the key was in flight.
_CONFLICT = {"412", "PreconditionFailed", "409", "ConditionalRequestConflict"}


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn botocore's exceptions into Performia's error family (``what`` names the object)."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _NOT_FOUND:
            raise NotFoundError(f"no artifact {what}") from None
        if code in _CONFLICT:
            raise PreconditionFailedError(f"{what} changed since it was read") from exc
        if code in ("SlowDown", "Throttling", "RequestTimeout") or status >= 500:
            raise TransientError(f"S3 failed for {what}: {exc}") from exc
        raise
    except (ConnectionError, HTTPClientError) as exc:
        raise TransientError(f"S3 failed for {what}: {exc}") from exc


class S3Store:
    """Artifacts in an S3 bucket, optionally under a folder-like ``prefix``.

    Parameters
    ----------
    bucket
        The bucket's name; it must exist.
    prefix
        Every key lives under this folder; stores with different prefixes never see each other's
        objects.
    client
        A boto3 S3 client (boto3 clients are safe to share between threads). The default one reads
        the usual AWS environment and retries transient errors.
    endpoint_url
        For S3-compatible services (MinIO, R2, moto); only used when ``client`` is not given.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: Any = None,
        endpoint_url: str | None = None,
    ) -> None:
        if client is None:
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, config=DEFAULT_CONFIG
            )
        self.client = client
        self.bucket = bucket
        self.prefix = normalise_prefix(prefix)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _where(self, key: str) -> str:
        return f"{key!r} in s3://{self.bucket}/{self.prefix}"

    def _put(self, key: str, data: bytes, content_type: str | None, **conditions: str) -> str:
        with _translated(self._where(key)):
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=self._name(key),
                Body=data,
                ContentType=content_type or default_content_type(key),
                **conditions,
            )
        return response["ETag"]

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._put(key, data, content_type)

    def put_if_etag(
        self, key: str, data: bytes, *, etag: str | None, content_type: str | None = None
    ) -> str:
        """Write only if the object's ETag is still ``etag``; return the new ETag.

        ``etag=None`` means "only if the object does not exist" (use :meth:`put` to write
        unconditionally). A lost race raises :class:`PreconditionFailedError`; so does an
        ``etag`` for an object that has since been deleted.
        """
        if etag is None:
            return self._put(key, data, content_type, IfNoneMatch="*")
        try:
            return self._put(key, data, content_type, IfMatch=etag)
        except NotFoundError as exc:
            raise PreconditionFailedError(
                f"{self._where(key)} was deleted since it was read"
            ) from exc

    def get(self, key: str) -> bytes:
        return self.get_with_etag(key)[0]

    def write_if(
        self, key: str, data: bytes, *, version: str | None, content_type: str | None = None
    ) -> str:
        """:class:`~performia.storage.base.VersionedStore`: the version is the ETag."""
        return self.put_if_etag(key, data, etag=version, content_type=content_type)

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        return self.get_with_etag(key)

    def get_with_etag(self, key: str) -> tuple[bytes, str]:
        """The object's bytes and the ETag those bytes belong to (one request)."""
        with _translated(self._where(key)):
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            with response["Body"] as body:
                data = body.read()
        return data, response["ETag"]

    def content_type(self, key: str) -> str:
        """The stored content type (what a browser is told when it fetches the object)."""
        with _translated(self._where(key)):
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentType"]

    def size(self, key: str) -> int:
        with _translated(self._where(key)):
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            with _translated(self._where(key)):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except NotFoundError:
            return False
        return True

    def list(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, sorted; names that are not valid keys are skipped."""
        cut = len(self.prefix)
        names: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated(f"under {prefix!r} in s3://{self.bucket}/{self.prefix}"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                names.extend(obj["Key"][cut:] for obj in page.get("Contents", ()))
        return iter(sorted(k for k in names if is_valid_key(k)))

    def delete(self, key: str) -> None:
        with _translated(self._where(key)):
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
