"""infra/firestore.rules on the Firestore emulator: who reads and writes jobs and songs.

The emulator enforces the rules it was started with (``--rules``) on end-user requests: a
request with ``Authorization: Bearer <unsigned JWT>`` acts as that token's user, one without a
token as a visitor, and ``Bearer owner`` (what the server libraries send, and what the functions'
service accounts amount to in the cloud) bypasses the rules to set the scene.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import pytest

from performia.deploy.plan import INFRA_DIR
from performia.jobs.base import JobRecord
from performia.testing.emulators import FirestoreEmulator
from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

PROJECT = "demo-performia-rules"
RULES = INFRA_DIR / "firestore.rules"


def _b64(doc: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def user_token(uid: str) -> str:
    """An unsigned Firebase ID token for ``uid``, as the emulator accepts one."""
    now = int(time.time())
    claims = {
        "iss": f"https://securetoken.google.com/{PROJECT}",
        "aud": PROJECT,
        "sub": uid,
        "user_id": uid,
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "firebase": {"sign_in_provider": "password", "identities": {}},
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.fixture(scope="module")
def firestore():
    with running(FirestoreEmulator(rules=RULES)) as emulator:
        yield emulator


def call(fs, method: str, path: str, token: str | None, body: dict | None = None) -> int:
    url = f"http://{fs.host}/v1/projects/{PROJECT}/databases/(default)/documents{path}"
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def fields(doc: dict) -> dict:
    """A JSON document in the REST API's typed form (strings, numbers, null, maps)."""

    def value(v):
        if v is None:
            return {"nullValue": None}
        if isinstance(v, bool):
            return {"booleanValue": v}
        if isinstance(v, int | float):
            return {"doubleValue": v}
        if isinstance(v, dict):
            return {"mapValue": {"fields": {k: value(x) for k, x in v.items()}}}
        return {"stringValue": str(v)}

    return {"fields": {k: value(v) for k, v in doc.items()}}


def query(owner: str | None) -> dict:
    q: dict = {"from": [{"collectionId": "jobs"}]}
    if owner is not None:
        q["where"] = {
            "fieldFilter": {
                "field": {"fieldPath": "owner"},
                "op": "EQUAL",
                "value": {"stringValue": owner},
            }
        }
    return {"structuredQuery": q}


@pytest.fixture(scope="module")
def seeded(firestore):
    """Alice's and Bob's jobs (the shape the job store writes) and songs, written as the server."""
    for job_id, owner in (("job-alice", "alice"), ("job-bob", "bob")):
        doc = JobRecord(job_id=job_id, owner=owner).to_doc()
        assert call(firestore, "PATCH", f"/jobs/{job_id}", "owner", fields(doc)) == 200
        song = {"owner": owner, "title": f"{owner}'s song"}
        assert call(firestore, "PATCH", f"/songs/song-{owner}", "owner", fields(song)) == 200
    return firestore


def test_a_user_reads_their_own_job_and_song(seeded):
    alice = user_token("alice")
    assert call(seeded, "GET", "/jobs/job-alice", alice) == 200
    assert call(seeded, "GET", "/songs/song-alice", alice) == 200


def test_nobody_reads_anyone_elses(seeded):
    alice = user_token("alice")
    assert call(seeded, "GET", "/jobs/job-bob", alice) == 403
    assert call(seeded, "GET", "/songs/song-bob", alice) == 403
    assert call(seeded, "GET", "/jobs/job-alice", None) == 403  # not signed in


def test_queries_must_ask_for_the_users_own_jobs(seeded):
    alice = user_token("alice")
    assert call(seeded, "POST", ":runQuery", alice, query("alice")) == 200
    assert call(seeded, "POST", ":runQuery", alice, query("bob")) == 403
    assert call(seeded, "POST", ":runQuery", alice, query(None)) == 403


def test_nobody_writes_jobs_or_songs_from_a_browser(seeded):
    alice = user_token("alice")
    mine = fields(JobRecord(job_id="job-alice", owner="alice", status="DONE").to_doc())
    assert call(seeded, "PATCH", "/jobs/job-alice", alice, mine) == 403  # not even their own
    assert call(seeded, "PATCH", "/jobs/job-new", alice, mine) == 403
    assert call(seeded, "DELETE", "/jobs/job-alice", alice) == 403
    assert call(seeded, "PATCH", "/songs/song-alice", alice, fields({"owner": "alice"})) == 403
    assert call(seeded, "PATCH", "/jobs/job-x", None, mine) == 403
    assert call(seeded, "PATCH", "/anything/else", alice, fields({"owner": "alice"})) == 403
    # the server (what the functions are) still writes
    assert call(seeded, "PATCH", "/jobs/job-alice", "owner", mine) == 200


def test_the_emulator_refuses_a_missing_rules_file(tmp_path):
    from performia.testing.emulators import EmulatorError

    with pytest.raises(EmulatorError, match="does not exist"):
        FirestoreEmulator(rules=tmp_path / "none.rules").start()
