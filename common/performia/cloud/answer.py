"""How every HTTP function answers the browser: CORS, the method, and an error's status.

The frontend's HTTP functions (``upload_url``, ``save_song``, ``kb_query``) take a Flask request
and return ``(body, status, headers)``. They share the rules kept here: every answer, the CORS
preflight included, carries the frontend's origin (``PERFORMIA_ALLOWED_ORIGIN``; ``*`` only when
it is unset, as on the local stack); only POST is served; a user's mistake
(:class:`~performia.errors.BadInputError`, or a finer kind the function names) is answered with
its message, and anything else is logged and answered with a message that leaks nothing. A body
over :data:`MAX_REQUEST_BYTES` is a 413 before a byte of it is parsed (a Song Map of a 20-minute
song is well under it).
Nothing heavy is imported here, so the knowledge base's function stays light.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge

from performia.cloud.logs import configure as configure_logs
from performia.cloud.quotas import QuotaExceededError
from performia.errors import BadInputError

__all__ = ["MAX_REQUEST_BYTES", "Response", "answer", "cors_headers"]

#: Largest request body any HTTP function reads.
MAX_REQUEST_BYTES = 10 * 2**20

log = logging.getLogger(__name__)
configure_logs()  # JSON lines on Cloud Run, once per instance

Response = tuple[dict[str, Any], int, dict[str, str]]


def cors_headers() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": os.environ.get("PERFORMIA_ALLOWED_ORIGIN", "*"),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization",
        "Access-Control-Max-Age": "3600",
        "Vary": "Origin",
    }


def answer(
    request: Any,
    work: Callable[[Any], dict[str, Any]],
    *,
    statuses: Mapping[type[Exception], int] | None = None,
    what: str = "request",
) -> Response:
    """Preflight and method, then ``work(body)`` (the parsed JSON, ``None`` when there is
    none). An exception of a kind in ``statuses`` (first match, in order) answers that status;
    another :class:`BadInputError` 400; anything else 500, logged as ``what`` failing."""
    cors = cors_headers()
    if request.method == "OPTIONS":
        return {}, 204, cors
    if request.method != "POST":
        return {"error": "use POST"}, 405, cors
    too_large = {"error": f"the request is larger than {MAX_REQUEST_BYTES // 2**20} MB"}, 413, cors
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return too_large
    request.max_content_length = MAX_REQUEST_BYTES  # a chunked body is cut off there too
    try:
        request.get_data(cache=True)
    except RequestEntityTooLarge:
        return too_large
    try:
        return work(request.get_json(silent=True)), 200, cors
    except Exception as exc:
        if isinstance(exc, QuotaExceededError):
            return {"error": str(exc)}, 429, {**cors, "Retry-After": str(exc.retry_after_s)}
        for kind, status in (statuses or {}).items():
            if isinstance(exc, kind):
                return {"error": str(exc)}, status, cors
        if isinstance(exc, BadInputError):
            return {"error": str(exc)}, 400, cors
        log.exception("%s failed", what)
        return {"error": "something went wrong on our side; try again"}, 500, cors
