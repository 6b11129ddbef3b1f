"""``upload_url``: check what the user wants to upload, create its job, hand back where to PUT it.

The browser uploads straight to the bucket (the function never carries the audio): it asks for
a URL, PUTs the file there, and watches the job that already exists in Firestore. The object
lands at ``uploads/{jobId}/{name}``, so the bucket's finalize notification finds that job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Protocol
from urllib.parse import urlencode
from uuid import uuid4

from performia.cloud.messages import UPLOADS_PREFIX
from performia.cloud.upload_params import check_upload_params
from performia.errors import BadInputError
from performia.jobs.base import JobRecord, JobStore
from performia.pipeline import scheduler
from performia.pipeline.graph import GRAPH, Graph
from performia.settings import Settings, get_settings, output_params

__all__ = [
    "AUDIO_TYPES",
    "EmulatorUploadSigner",
    "GCSUploadSigner",
    "UploadSigner",
    "UploadTicket",
    "create_upload",
]

#: Extensions accepted, with the content type the PUT must carry (what ingest decodes).
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
}
#: Content types browsers send for the same files, accepted as aliases.
_ALIASES = {
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/x-flac": "audio/flac",
    "audio/x-m4a": "audio/mp4",
    "audio/opus": "audio/ogg",
}
#: How long a signed URL stays valid.
URL_LIFETIME = timedelta(minutes=15)
_UNSAFE = re.compile(r"[^\w.\- ()]+")


#: The header a V4 signed PUT binds the object's length with: Cloud Storage refuses a body
#: outside the range, so a file declared as 1,000 bytes cannot be uploaded as 14 MB.
LENGTH_RANGE_HEADER = "x-goog-content-length-range"


class UploadSigner(Protocol):
    """Makes a request (method, URL and the headers it must carry) that lets whoever holds it
    write one object of at most ``size`` bytes, for a while: a signed PUT on Cloud Storage, the
    emulator's media upload locally."""

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]: ...


@dataclass(frozen=True)
class GCSUploadSigner:
    """V4 signed PUT URLs for one bucket. On Cloud Run the runtime's credentials cannot sign
    locally, so the service account's email and token are passed and the IAM API signs."""

    bucket: Any  # google.cloud.storage.Bucket
    #: Credentials that sign (default: the environment's, e.g. the Cloud Run service account).
    credentials: Any = None

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]:
        import google.auth
        from google.auth.transport.requests import Request

        credentials = self.credentials or google.auth.default()[0]
        extra: dict[str, Any] = {}
        if not hasattr(credentials, "sign_bytes"):
            credentials.refresh(Request())
            extra = {
                "service_account_email": credentials.service_account_email,
                "access_token": credentials.token,
            }
        headers = {LENGTH_RANGE_HEADER: f"0,{size}"}  # signed: the client cannot change it
        url = self.bucket.blob(key).generate_signed_url(
            version="v4",
            expiration=expires,
            method="PUT",
            content_type=content_type,
            headers=dict(headers),  # the library adds Content-Type and Host to what it gets
            credentials=credentials,
            **extra,
        )
        return "PUT", url, headers


@dataclass(frozen=True)
class EmulatorUploadSigner:
    """The local stack's Cloud Storage emulator takes uploads without signatures, as a media
    upload (it has no XML-API PUT), and binds no length: ingest's size check is what refuses an
    upload larger than declared there."""

    endpoint: str  # e.g. http://127.0.0.1:4443
    bucket: str

    def upload_target(
        self, key: str, *, content_type: str, expires: timedelta, size: int
    ) -> tuple[str, str, dict[str, str]]:
        query = urlencode({"uploadType": "media", "name": key})
        url = f"{self.endpoint.rstrip('/')}/upload/storage/v1/b/{self.bucket}/o?{query}"
        return "POST", url, {}


@dataclass(frozen=True)
class UploadTicket:
    """What the browser gets back: the job to watch and where to PUT the file."""

    job_id: str
    method: str
    url: str
    key: str
    content_type: str
    expires_at: str
    #: Headers the upload must carry besides its content type (the signed length range).
    headers: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "uploadUrl": self.url,
            "method": self.method,
            "headers": {"Content-Type": self.content_type, **dict(self.headers)},
            "objectName": self.key,
            "expiresAt": self.expires_at,
        }


def _safe_name(name: str) -> str:
    name = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    return _UNSAFE.sub("_", name).strip(" .")[:120]


def create_upload(
    request: dict[str, Any],
    *,
    jobs: JobStore,
    signer: UploadSigner,
    owner: str | None = None,
    graph: Graph = GRAPH,
    settings: Settings | None = None,
) -> UploadTicket:
    """Validate ``{"filename", "size", "contentType", "params"?}``, create the job, sign a PUT.

    Raises :class:`~performia.errors.BadInputError` with a message for the person uploading:
    no name, an extension Performia does not read, an empty or too large file, a content type
    that contradicts the name, or a parameter outside the allow-list
    (:func:`~performia.cloud.upload_params.check_upload_params`).
    """
    settings = settings or get_settings()
    filename = request.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        raise BadInputError("give the file's name")
    name = _safe_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in AUDIO_TYPES:
        known = ", ".join(sorted(AUDIO_TYPES))
        raise BadInputError(f"{filename} is not a recording Performia reads ({known})")
    size = request.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise BadInputError(f"{filename} is empty or its size is unknown")
    if size > settings.max_file_mb * 1e6:
        raise BadInputError(
            f"{filename} is {size / 1e6:.0f} MB; the limit is {settings.max_file_mb:.0f} MB"
        )
    expected = AUDIO_TYPES[suffix]
    given = str(request.get("contentType") or expected).split(";")[0].strip().lower()
    if _ALIASES.get(given, given) != expected and given != "application/octet-stream":
        raise BadInputError(f"{filename} says it is {given}, but a {suffix} file is {expected}")
    params = check_upload_params(request.get("params"), settings)

    job_id = uuid4().hex[:16]
    key = f"{UPLOADS_PREFIX}{job_id}/{name}"
    record: JobRecord = scheduler.new_job(
        graph,
        job_id,
        input={"key": key, "filename": name, "sizeBytes": size},
        # the server's engines and limits, then what the client may set (an allow-list:
        # performia.cloud.upload_params); the profile is the server's (the engines' licences)
        params={**output_params(settings), **params, "profile": settings.profile},
        owner=owner,
    )
    jobs.create(record)
    expires = datetime.now(UTC) + URL_LIFETIME
    method, url, headers = signer.upload_target(
        key, content_type=expected, expires=URL_LIFETIME, size=size
    )
    when = expires.isoformat(timespec="seconds")
    return UploadTicket(job_id, method, url, key, expected, when, tuple(headers.items()))
