"""The HTTP functions the frontend calls: ``upload_url``, ``library``, ``save_song``, ``realign``.

Each takes a Flask request (what functions-framework hands an HTTP function) and returns
``(body, status, headers)``. The browser calls them from the frontend's origin, so every answer,
the CORS preflight included, carries that origin (``PERFORMIA_ALLOWED_ORIGIN``; ``*`` only when
it is unset, as on the local stack). Both need a signed-in user (:mod:`performia.cloud.auth`):
the uploader owns the job and the song it becomes, and only the owner may save a song. A user's
mistake is a 400 with a message to show (401 not signed in, 403 not the owner, 409 an edit made
on a stale copy); nothing else leaks details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from performia.cloud.admission import admit_job
from performia.cloud.answer import Response, answer
from performia.cloud.auth import Caller, NotSignedInError, current_caller
from performia.cloud.library import NotYourSongError, StaleEditError, save_from_request
from performia.cloud.quotas import caller_address, get_quotas, take
from performia.cloud.uploads import create_upload
from performia.errors import BadInputError, ModelError
from performia.storage.base import VersionedStore

__all__ = ["library_request", "realign_request", "save_song_request", "upload_url_request"]


#: The finer user mistakes and their statuses (any other BadInputError is a 400).
STATUSES: dict[type[Exception], int] = {
    NotSignedInError: 401,
    NotYourSongError: 403,
    StaleEditError: 409,
}


def _handle(request: Any, work: Callable[[Caller, dict[str, Any]], dict[str, Any]]) -> Response:
    """Sign-in, then ``work(caller, body)``; :func:`~performia.cloud.answer.answer` does the
    rest."""

    def signed_in(body: Any) -> dict[str, Any]:
        caller = current_caller(request)
        if not isinstance(body, dict):
            raise BadInputError("send a JSON object")
        return work(caller, body)

    return answer(request, signed_in, statuses=STATUSES)


def _song_store() -> VersionedStore:
    """The deployment's bucket, which every song write goes through with versioned writes.
    Built inside the request's :func:`answer`, so a deployment missing its configuration
    answers a logged 500 with the CORS headers, like any other failure."""
    from performia.cloud.runtime import get_adapter

    store = get_adapter().store
    if not isinstance(store, VersionedStore):
        raise ModelError(
            f"the song library needs a store with versioned writes, not {type(store).__name__}"
        )
    return store


def upload_url_request(request: Any) -> Response:
    """``POST {"filename", "size", "contentType", "params"?}`` → the job and where to upload.

    Limits (:mod:`performia.cloud.quotas`): uploads an hour per user, and per address for
    anonymous sign-ins; analyses running at once per user (:func:`admit_job`)."""
    from performia.cloud.runtime import get_adapter, get_signer

    def work(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        adapter = get_adapter()
        quotas = get_quotas()
        take(quotas, "upload", caller.uid)
        address = caller_address(request) if caller.anonymous else None
        if address is not None:
            take(quotas, "upload_address", address)
        ticket = create_upload(
            body,
            jobs=adapter.jobs,
            signer=get_signer(),
            owner=caller.uid,
            address=address,
            graph=adapter.graph,
        )
        admit_job(quotas, adapter.jobs, caller.uid, ticket.job_id)
        return ticket.to_dict()

    return _handle(request, work)


def library_request(request: Any) -> Response:
    """``POST {"op": "list"}`` → the caller's songs; ``{"op": "open", "songId"}`` → one of
    them with short-lived read URLs for its files (:mod:`performia.cloud.songs`)."""
    from performia.cloud.runtime import get_signer
    from performia.cloud.songs import library_from_request

    def work(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        take(get_quotas(), "library", caller.uid)
        return library_from_request(_song_store(), get_signer(), body, user=caller.uid)

    return _handle(request, work)


def save_song_request(request: Any) -> Response:
    """``POST {"songId", "baseVersion", "songMap"}`` → ``{"songId", "version"}``."""
    return _handle(
        request, lambda caller, body: save_from_request(_song_store(), body, user=caller.uid)
    )


def realign_request(request: Any) -> Response:
    """``POST {"songId", "songMap", "from": {"section", "line"}}`` → the lines after ``from``
    aligned again (:func:`performia.cloud.realign.realign_from_request`); owner only."""
    from performia.cloud.realign import realign_from_request

    def work(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        take(get_quotas(), "realign", caller.uid)
        return realign_from_request(_song_store(), body, user=caller.uid)

    return _handle(request, work)
