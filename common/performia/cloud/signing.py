"""Short-lived URLs that let a browser touch one object of the private bucket, and nothing else.

Nothing in the bucket is public (``infra/storage.tf``): the browser uploads a recording through
a signed PUT (``upload_url``) and plays a song's recording and stems through signed GETs that
the ``library`` function hands its owner (:mod:`performia.cloud.songs`). On Cloud Storage both
are V4 signed URLs; the local stack's emulator has no signatures, so there they are plain
emulator URLs (the emulator is reachable from this machine only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlencode

__all__ = ["LENGTH_RANGE_HEADER", "EmulatorUrlSigner", "GCSUrlSigner", "UrlSigner"]

#: The header a V4 signed PUT binds the object's length with: Cloud Storage refuses a body
#: outside the range, so a file declared as 1,000 bytes cannot be uploaded as 14 MB.
LENGTH_RANGE_HEADER = "x-goog-content-length-range"


class UrlSigner(Protocol):
    """Makes requests that let whoever holds them write one object of at most ``size`` bytes
    (:meth:`upload_target`) or read one object (:meth:`read_url`), until ``expires``."""

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]: ...

    def read_url(self, key: str, *, expires: timedelta) -> str: ...


@dataclass(frozen=True)
class GCSUrlSigner:
    """V4 signed URLs for one bucket. On Cloud Run the runtime's credentials cannot sign
    locally, so the service account's email and token are passed and the IAM API signs."""

    bucket: Any  # google.cloud.storage.Bucket
    #: Credentials that sign (default: the environment's, e.g. the Cloud Run service account).
    credentials: Any = None

    def _signing(self) -> dict[str, Any]:
        import google.auth
        from google.auth.transport.requests import Request

        credentials = self.credentials or google.auth.default()[0]
        if hasattr(credentials, "sign_bytes"):
            return {"credentials": credentials}
        credentials.refresh(Request())
        # a service account's credentials (Cloud Run's) name it, and the IAM API signs for it
        email = getattr(credentials, "service_account_email", None)
        if not isinstance(email, str):
            raise RuntimeError(
                f"{type(credentials).__name__} credentials can neither sign URLs nor name a "
                "service account to sign them with: run as a service account"
            )
        return {
            "credentials": credentials,
            "service_account_email": email,
            "access_token": credentials.token,
        }

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]:
        headers = {LENGTH_RANGE_HEADER: f"0,{size}"}  # signed: the client cannot change it
        url = self.bucket.blob(key).generate_signed_url(
            version="v4",
            expiration=expires,
            method="PUT",
            content_type=content_type,
            headers=dict(headers),  # the library adds Content-Type and Host to what it gets
            **self._signing(),
        )
        return "PUT", url, headers

    def read_url(self, key: str, *, expires: timedelta) -> str:
        return self.bucket.blob(key).generate_signed_url(
            version="v4", expiration=expires, method="GET", **self._signing()
        )


@dataclass(frozen=True)
class EmulatorUrlSigner:
    """The local stack's Cloud Storage emulator takes uploads without signatures, as a media
    upload (it has no XML-API PUT), and binds no length: ingest's size check is what refuses an
    upload larger than declared there. Reads are the JSON API's media downloads."""

    endpoint: str  # e.g. http://127.0.0.1:4443
    bucket: str

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]:
        query = urlencode({"uploadType": "media", "name": key})
        url = f"{self.endpoint.rstrip('/')}/upload/storage/v1/b/{self.bucket}/o?{query}"
        return "POST", url, {}

    def read_url(self, key: str, *, expires: timedelta) -> str:
        name = quote(key, safe="")
        return f"{self.endpoint.rstrip('/')}/storage/v1/b/{self.bucket}/o/{name}?alt=media"
