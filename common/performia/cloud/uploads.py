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
from typing import Any
from uuid import uuid4

from performia.cloud.messages import UPLOADS_PREFIX
from performia.cloud.signing import UrlSigner
from performia.cloud.upload_params import check_upload_params
from performia.errors import BadInputError
from performia.jobs.base import JobRecord, JobStore
from performia.pipeline import scheduler
from performia.pipeline.graph import GRAPH, Graph
from performia.settings import Settings, get_settings, output_params

__all__ = ["AUDIO_TYPES", "UploadTicket", "create_upload"]

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
        """The answer's JSON (:class:`~performia.wire.UploadReply`, typed in the frontend)."""
        from performia.wire import UploadReply

        return UploadReply(
            job_id=self.job_id,
            upload_url=self.url,
            method=self.method,
            headers={"Content-Type": self.content_type, **dict(self.headers)},
            object_name=self.key,
            expires_at=self.expires_at,
        ).to_dict()


def _safe_name(name: str) -> str:
    name = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    return _UNSAFE.sub("_", name).strip(" .")[:120]


def create_upload(
    request: dict[str, Any],
    *,
    jobs: JobStore,
    signer: UrlSigner,
    owner: str | None = None,
    address: str | None = None,
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
    # the name as the uploader knows it, for messages: without control or format characters (a
    # right-to-left override, NUL) that would make an error read as something else
    filename = "".join(c for c in filename if unicodedata.category(c) not in ("Cc", "Cf")).strip()[
        :200
    ]
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
        raise BadInputError(
            f"{filename} says it is {given[:60]}, but a {suffix} file is {expected}"
        )
    params = check_upload_params(request.get("params"), settings)

    job_id = uuid4().hex[:16]
    key = f"{UPLOADS_PREFIX}{job_id}/{name}"
    record: JobRecord = scheduler.new_job(
        graph,
        job_id,
        # an anonymous uploader's address: their audio minutes are also counted per address
        input={
            "key": key,
            "filename": name,
            "sizeBytes": size,
            **({"address": address} if address else {}),
        },
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
