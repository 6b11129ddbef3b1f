"""The HTTP functions the frontend calls: ``upload_url`` and ``save_song``.

Each takes a Flask request (what functions-framework hands an HTTP function) and returns
``(body, status, headers)``. The browser calls them from the frontend's origin, so every answer,
the CORS preflight included, carries that origin (``PERFORMIA_ALLOWED_ORIGIN``; ``*`` only when
it is unset, as on the local stack). Both need a signed-in user (:mod:`performia.cloud.auth`):
the uploader owns the job and the song it becomes, and only the owner may save a song. A user's
mistake is a 400 with a message to show (401 not signed in, 403 not the owner, 409 an edit made
on a stale copy); nothing else leaks details.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from performia.cloud.auth import NotSignedInError, current_user
from performia.cloud.library import NotYourSongError, StaleEditError, save_song
from performia.cloud.uploads import create_upload
from performia.errors import BadInputError

__all__ = ["save_song_request", "upload_url_request"]

log = logging.getLogger(__name__)

Response = tuple[dict[str, Any], int, dict[str, str]]


def _cors() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": os.environ.get("PERFORMIA_ALLOWED_ORIGIN", "*"),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization",
        "Access-Control-Max-Age": "3600",
        "Vary": "Origin",
    }


def _json(request: Any) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInputError("send a JSON object")
    return body


def _handle(request: Any, work: Callable[[str, dict[str, Any]], dict[str, Any]]) -> Response:
    """Preflight, method, sign-in, then ``work(user, body)``, each failure its status."""
    if request.method == "OPTIONS":
        return {}, 204, _cors()
    if request.method != "POST":
        return {"error": "use POST"}, 405, _cors()
    try:
        user = current_user(request)
        return work(user, _json(request)), 200, _cors()
    except NotSignedInError as exc:
        return {"error": str(exc)}, 401, _cors()
    except NotYourSongError as exc:
        return {"error": str(exc)}, 403, _cors()
    except StaleEditError as exc:
        return {"error": str(exc)}, 409, _cors()
    except BadInputError as exc:
        return {"error": str(exc)}, 400, _cors()
    except Exception:
        log.exception("request failed")
        return {"error": "something went wrong on our side; try again"}, 500, _cors()


def upload_url_request(request: Any) -> Response:
    """``POST {"filename", "size", "contentType", "params"?}`` → the job and where to upload."""
    from performia.cloud.runtime import get_adapter, get_signer

    adapter = get_adapter()
    return _handle(
        request,
        lambda user, body: create_upload(
            body, jobs=adapter.jobs, signer=get_signer(), owner=user, graph=adapter.graph
        ).to_dict(),
    )


def save_song_request(request: Any) -> Response:
    """``POST {"songId", "baseVersion", "songMap"}`` → ``{"songId", "version"}``."""
    from performia.cloud.runtime import get_adapter

    store = get_adapter().store

    def work(user: str, body: dict[str, Any]) -> dict[str, Any]:
        song_id, base, doc = body.get("songId"), body.get("baseVersion"), body.get("songMap")
        if not isinstance(song_id, str) or not isinstance(base, str) or doc is None:
            raise BadInputError("send songId, baseVersion and songMap")
        version = save_song(store, song_id, doc, base_version=base, user=user)  # type: ignore[arg-type]
        return {"songId": song_id, "version": version}

    return _handle(request, work)
