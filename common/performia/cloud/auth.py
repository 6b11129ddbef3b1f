"""Who is calling an HTTP function: the signed-in user the frontend's request carries.

The frontend signs people in with Firebase Authentication and sends the user's ID token as
``Authorization: Bearer <token>``. In the cloud (``PERFORMIA_AUTH=firebase``, the default) the
token's signature, issuer, audience (the project) and expiry are checked against Google's
published keys by ``google-auth``; the user is the token's ``sub`` (the Firebase uid), which is
what jobs and songs record as their ``owner`` and what the Firestore rules compare with
``request.auth.uid``.

The local stack has no Firebase: with ``PERFORMIA_AUTH=emulator`` (set by ``performia dev up``)
tokens are read as the Firebase Auth emulator issues them, unsigned (``alg: none``), and only
their claims are checked. That mode is refused unless the process talks to an emulator on
this machine (``FIRESTORE_EMULATOR_HOST`` set to a loopback address) and does not run on Cloud
Run (``K_SERVICE`` unset), so a misconfigured cloud deployment cannot accept forged tokens. In
the cloud the token's audience must be the project: with ``GOOGLE_CLOUD_PROJECT`` unset every
token is refused rather than any project's accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from performia.errors import PerformiaError

__all__ = ["Caller", "NotSignedInError", "current_caller", "current_user", "unsigned_token"]

#: Longest user id accepted (Firebase uids are at most 128 characters).
MAX_UID = 128


class NotSignedInError(PerformiaError):
    """The request carries no valid user token: the HTTP answer is 401."""

    exit_code = 2


def _bearer(request: Any) -> str:
    """The user's token. Behind API Gateway (the deployed shape, ``infra/``) the gateway has
    checked it, replaced ``Authorization`` with its own service identity and passed the
    user's header on as ``X-Forwarded-Authorization``; it is verified here again."""
    headers = request.headers if request is not None else {}
    header = headers.get("X-Forwarded-Authorization") or headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedInError("sign in first (the request carries no user token)")
    return token.strip()


def _claims_unverified(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise NotSignedInError("the user token is not a JWT")
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        raise NotSignedInError("the user token cannot be read") from None
    if not isinstance(claims, dict):
        raise NotSignedInError("the user token cannot be read")
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp < time.time():
        raise NotSignedInError("the sign-in has expired; sign in again")
    return claims


def _verified_claims(token: str) -> dict[str, Any]:
    from google.auth.exceptions import GoogleAuthError
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token

    project = os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:  # fail closed: no audience to check is no check at all
        raise NotSignedInError("sign-in is not configured on this server (no project set)")
    try:
        return id_token.verify_firebase_token(token, google_requests.Request(), audience=project)
    except (ValueError, GoogleAuthError) as exc:
        raise NotSignedInError(f"the user token is not valid: {exc}") from None


#: Host names the local stack's emulators listen on.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _on_the_local_stack() -> bool:
    """Whether unsigned emulator tokens may be trusted: not on Cloud Run, and Firestore is an
    emulator on this machine."""
    if os.environ.get("K_SERVICE"):
        return False
    host = os.environ.get("FIRESTORE_EMULATOR_HOST", "")
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return False
    return bool(host) and name in _LOOPBACK


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the Firebase uid, and whether the sign-in is anonymous (free for
    anyone to make again, so limits also count such callers per address)."""

    uid: str
    anonymous: bool = False


def current_user(request: Any) -> str:
    """The uid of the user who sent ``request``; :class:`NotSignedInError` otherwise."""
    return current_caller(request).uid


def current_caller(request: Any) -> Caller:
    """The signed-in caller of ``request``; :class:`NotSignedInError` otherwise."""
    token = _bearer(request)
    mode = os.environ.get("PERFORMIA_AUTH", "firebase")
    if mode == "emulator":
        if not _on_the_local_stack():
            raise NotSignedInError("emulator sign-in is only accepted on the local stack")
        claims = _claims_unverified(token)
    elif mode == "firebase":
        claims = _verified_claims(token)
    else:
        raise NotSignedInError(f"PERFORMIA_AUTH={mode!r} is not a sign-in mode")
    uid = claims.get("sub") or claims.get("user_id")
    if not isinstance(uid, str) or not uid or len(uid) > MAX_UID:
        raise NotSignedInError("the user token names no user")
    firebase = claims.get("firebase")
    provider = firebase.get("sign_in_provider") if isinstance(firebase, dict) else None
    return Caller(uid, anonymous=provider == "anonymous")


def unsigned_token(
    uid: str,
    *,
    project: str = "performia-local",
    lifetime_s: int = 3600,
    anonymous: bool = False,
) -> str:
    """A token as the Firebase Auth emulator issues it (unsigned): for the local stack's
    clients and tests only; the cloud mode refuses it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {
        "iss": f"https://securetoken.google.com/{project}",
        "aud": project,
        "sub": uid,
        "user_id": uid,
        "iat": now,
        "exp": now + lifetime_s,
        "firebase": {"sign_in_provider": "anonymous" if anonymous else "password"},
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
