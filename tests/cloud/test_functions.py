"""Every ``functions/<stage>/main.py`` served by functions-framework, as Cloud Run would serve it.

CloudEvents are posted over HTTP to the framework's app; the adapter behind them runs on
in-process stores with two tiny stages, so these tests check the wiring, not the analyses.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from functions_framework import create_app

from performia.cloud.adapter import Adapter, RecordingPublisher
from performia.cloud.runtime import set_adapter
from performia.jobs.base import JobStatus
from performia.jobs.memory import MemoryJobStore
from performia.pipeline.graph import GRAPH, Graph, StageSpec
from performia.stages.context import StageOutcome
from performia.storage.local import LocalFolderStore
from performia.testing.documents import minimal_song_map

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _write(name):
    def run(ctx):
        ctx.write_json("out.json", {"stage": name})
        return StageOutcome(engine="test")

    return run


@pytest.fixture
def adapter(tmp_path):
    graph = Graph(
        (
            StageSpec("ingest", writes=("out.json",), impl=_write("ingest")),
            StageSpec("rhythm", needs=("ingest",), writes=("out.json",), impl=_write("rhythm")),
        )
    )
    adapter = Adapter(MemoryJobStore(), LocalFolderStore(tmp_path), RecordingPublisher(), graph)
    set_adapter(adapter)
    yield adapter
    set_adapter(None)


def post(function: str, data: dict):
    app = create_app(target="main", source=str(FUNCTIONS / function / "main.py"),
                     signature_type="cloudevent")  # fmt: skip
    headers = {
        "ce-id": "1",
        "ce-source": "//pubsub.googleapis.com/projects/p/topics/t",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-specversion": "1.0",
        "Content-Type": "application/json",
    }
    return app.test_client().post("/", data=json.dumps(data), headers=headers)


def pubsub(payload: dict, attributes: dict | None = None) -> dict:
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"message": {"data": data, "messageId": "m", "attributes": attributes or {}},
            "subscription": "projects/p/subscriptions/s"}  # fmt: skip


HTTP_FUNCTIONS = {"upload_url", "library", "save_song", "realign", "kb_query"}


def test_there_is_a_function_for_every_stage_dead_letters_and_the_frontend():
    assert {p.name for p in FUNCTIONS.iterdir() if (p / "main.py").is_file()} == {
        *GRAPH.names,
        "dead_letter",
        *HTTP_FUNCTIONS,
    }


@pytest.mark.parametrize("function", sorted({*GRAPH.names, "dead_letter"}))
def test_each_function_acknowledges_a_message_no_retry_can_fix(function, adapter):
    response = post(function, {"message": {"data": "***", "messageId": "m"}})
    assert response.status_code == 200  # acknowledged: no redelivery loop


def test_an_upload_notification_starts_the_job_and_runs_ingest(adapter):
    resource = {"bucket": "b", "name": "uploads/song.mp3", "generation": "3", "size": "10"}
    notification = pubsub(resource, {"eventType": "OBJECT_FINALIZE", "bucketId": "b"})
    assert post("ingest", notification).status_code == 200
    assert post("ingest", notification).status_code == 200  # delivered twice: one job
    (job_id,) = adapter.jobs._docs
    record = adapter.jobs.get(job_id)
    assert record.stages["ingest"].state.value == "done"
    assert [stage for stage, _ in adapter.publisher.sent] == ["rhythm", "rhythm"]  # re-reported
    _, data = adapter.publisher.sent[0]
    message = json.loads(data)
    assert post("rhythm", pubsub(message)).status_code == 200
    assert adapter.jobs.get(job_id).status is JobStatus.DONE


def test_a_dead_letter_fails_the_job(adapter):
    resource = {"bucket": "b", "name": "uploads/song.mp3", "generation": "3"}
    post("ingest", pubsub(resource, {"eventType": "OBJECT_FINALIZE"}))
    (job_id,) = adapter.jobs._docs
    from performia.pipeline import scheduler

    def tried_and_failed(record):  # a delivery took rhythm and failed (a stage never reached
        running = scheduler.mark_running(record, "rhythm")  # is published again instead)
        return scheduler.release_stage(running, "rhythm", "bucket unreachable")

    adapter.jobs.update(job_id, tried_and_failed)
    letter = pubsub({"jobId": job_id, "stage": "rhythm"},
                    {"CloudPubSubDeadLetterSourceDeliveryCount": "5"})  # fmt: skip
    assert post("dead_letter", letter).status_code == 200
    record = adapter.jobs.get(job_id)
    assert record.status is JobStatus.FAILED
    assert record.error.startswith("rhythm did not succeed after 5 attempts")


def http_client(function: str):
    app = create_app(target="main", source=str(FUNCTIONS / function / "main.py"),
                     signature_type="http")  # fmt: skip
    return app.test_client()


class Signer:
    def upload_target(self, key, *, content_type, expires, size):
        return "PUT", f"https://upload.example/{key}", {}

    def read_url(self, key, *, expires):
        return f"https://read.example/{key}?expires={int(expires.total_seconds())}"


@pytest.fixture
def signed_in(monkeypatch):
    """The local stack's sign-in: unsigned emulator tokens; ``signed_in(uid)`` → headers."""
    from performia.cloud.auth import unsigned_token

    monkeypatch.setenv("PERFORMIA_AUTH", "emulator")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    return lambda uid: {"Authorization": f"Bearer {unsigned_token(uid)}"}


@pytest.fixture
def signer():
    from performia.cloud.runtime import set_signer

    set_signer(Signer())
    yield
    set_signer(None)


def test_upload_url_answers_the_browser(adapter, signer, signed_in, monkeypatch):
    monkeypatch.setenv("PERFORMIA_ALLOWED_ORIGIN", "https://app.performia.example")
    client = http_client("upload_url")
    alice = signed_in("alice")
    preflight = client.options("/")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.performia.example"
    ok = client.post("/", json={"filename": "song.mp3", "size": 1000}, headers=alice)
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["method"] == "PUT" and body["uploadUrl"].endswith("/song.mp3")
    job = adapter.jobs.get(body["jobId"])
    assert job.stages.keys() == {"ingest", "rhythm"}
    assert job.owner == "alice"  # the uploader owns the job (and the song it becomes)
    bad = client.post("/", json={"filename": "notes.pdf", "size": 1000}, headers=alice)
    assert bad.status_code == 400 and "not a recording" in bad.get_json()["error"]
    lifted = {"filename": "song.mp3", "size": 1000, "params": {"max_duration_s": 1e7}}
    refused = client.post("/", json=lifted, headers=alice)
    assert refused.status_code == 400 and "may only lower" in refused.get_json()["error"]
    junk = client.post("/", json={**lifted, "params": {"asr_model": "/x"}}, headers=alice)
    assert junk.status_code == 400 and "decided by the server" in junk.get_json()["error"]
    assert client.get("/").status_code == 405
    assert client.post("/", data="not json", headers=alice).status_code == 400


def test_the_http_functions_need_a_signed_in_user(adapter, signer, signed_in, monkeypatch):
    client = http_client("upload_url")
    body = {"filename": "song.mp3", "size": 1000}
    anonymous = client.post("/", json=body)
    assert anonymous.status_code == 401 and "sign in" in anonymous.get_json()["error"]
    garbage = client.post("/", json=body, headers={"Authorization": "Bearer not-a-jwt"})
    assert garbage.status_code == 401
    # unsigned tokens are the local stack's only: not on Cloud Run, not with an emulator
    # elsewhere, not where no emulator is configured
    for env in ({"K_SERVICE": "upload-url"}, {"FIRESTORE_EMULATOR_HOST": "10.0.0.5:8080"}):
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            forged = client.post("/", json=body, headers=signed_in("mallory"))
            assert forged.status_code == 401, env
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST")
    forged = client.post("/", json=body, headers=signed_in("mallory"))
    assert forged.status_code == 401
    # in the cloud, no project means no audience to check: every token is refused
    monkeypatch.setenv("PERFORMIA_AUTH", "firebase")
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    unconfigured = client.post("/", json=body, headers=signed_in("mallory"))
    assert unconfigured.status_code == 401 and "not configured" in unconfigured.get_json()["error"]
    assert not adapter.jobs._docs


SONG = minimal_song_map()


def test_save_song_refuses_a_stale_edit_with_409(adapter, signed_in):
    from performia.cloud.library import publish_song
    from performia.songmap.io import parse_song_map

    doc = SONG
    base = publish_song(adapter.store, parse_song_map(doc), owner="alice")
    client = http_client("save_song")
    alice = signed_in("alice")

    def save(version, song, headers=alice):
        return client.post(
            "/", json={"songId": doc["id"], "baseVersion": version, "songMap": song},
            headers=headers,
        )  # fmt: skip

    first = save(base, {**doc, "title": "A"})
    assert first.status_code == 200 and first.get_json()["version"] != base
    stale = save(base, {**doc, "title": "B"})
    assert stale.status_code == 409 and "someone else" in stale.get_json()["error"]
    assert save(base, {}).status_code == 400
    current = first.get_json()["version"]
    theirs = save(current, {**doc, "title": "Mine now"}, headers=signed_in("bob"))
    assert theirs.status_code == 403 and "not one of yours" in theirs.get_json()["error"]
    assert save(current, {**doc, "title": "C"}, headers={}).status_code == 401
    assert save(current, {**doc, "title": "C"}).status_code == 200


def test_library_lists_and_opens_the_callers_songs_only(adapter, signer, signed_in):
    """Nothing in the bucket is public: the Library and songs come from ``library``, each user's
    own, with short-lived read URLs for the song's files only."""
    from performia.cloud.library import publish_song
    from performia.songmap.io import parse_song_map

    audio = {"src": f"songs/{SONG['id']}/media/recording/take.mp3", "mimeType": "audio/mpeg",
             "sampleRate": 44100, "channels": 2, "duration": 30.0}  # fmt: skip
    stems = [{"name": "vocals", "src": f"songs/{SONG['id']}/media/stems/vocals.flac",
              "mimeType": "audio/flac"}]  # fmt: skip
    base = publish_song(adapter.store, parse_song_map({**SONG, "audio": audio, "stems": stems}),
                        owner="alice")  # fmt: skip
    theirs = minimal_song_map(id="bbbbbbbbbbbbbbbb", title="Bob's")
    publish_song(adapter.store, parse_song_map(theirs), owner="bob")
    client = http_client("library")
    alice, bob = signed_in("alice"), signed_in("bob")

    listed = client.post("/", json={"op": "list"}, headers=alice)
    assert listed.status_code == 200
    assert [e["songId"] for e in listed.get_json()["songs"]] == [SONG["id"]]
    opened = client.post("/", json={"op": "open", "songId": SONG["id"]}, headers=alice)
    assert opened.status_code == 200, opened.get_json()
    body = opened.get_json()
    assert body["version"] == base and body["songMap"]["title"] == SONG["title"]
    assert body["media"] == {
        audio["src"]: f"https://read.example/{audio['src']}?expires=10800",
        stems[0]["src"]: f"https://read.example/{stems[0]['src']}?expires=10800",
    }
    # another user's song, a song that does not exist and a path trick answer alike: 403
    for song_id in (SONG["id"], "ffffffffffffffff", "../songs/index.json", ".libraries"):
        refused = client.post("/", json={"op": "open", "songId": song_id}, headers=bob)
        assert refused.status_code == 403 and "not one of yours" in refused.get_json()["error"]
    assert [e["title"] for e in client.post("/", json={"op": "list"}, headers=bob).get_json()[
        "songs"]] == ["Bob's"]  # fmt: skip
    assert client.post("/", json={"op": "list"}).status_code == 401
    assert client.post("/", json={"op": "delete"}, headers=alice).status_code == 400
    assert client.post("/", json={"op": "open"}, headers=alice).status_code == 400


def test_library_imports_a_chordpro_chart_into_the_callers_library_only(adapter, signer, signed_in):
    client = http_client("library")
    alice, bob = signed_in("alice"), signed_in("bob")
    chart = "{title: Borrowed Chart}\n{key: D}\n[D]Hello [G]world\n"
    made = client.post(
        "/", json={"op": "import", "chordpro": chart, "songId": "../x"}, headers=alice
    )
    assert made.status_code == 200, made.get_json()
    song_id = made.get_json()["songId"]
    assert song_id.startswith("chart-") and len(song_id) == 22  # the server names it
    listed = client.post("/", json={"op": "list"}, headers=alice).get_json()["songs"]
    assert [e["title"] for e in listed] == ["Borrowed Chart"]
    opened = client.post("/", json={"op": "open", "songId": song_id}, headers=alice).get_json()
    assert opened["songMap"]["key"] == "D" and opened["media"] == {}
    assert client.post("/", json={"op": "open", "songId": song_id}, headers=bob).status_code == 403
    assert client.post("/", json={"op": "list"}, headers=bob).get_json()["songs"] == []
    assert client.post("/", json={"op": "import", "chordpro": chart}).status_code == 401
    bad = client.post("/", json={"op": "import", "chordpro": "{title: x}"}, headers=alice)
    assert bad.status_code == 400 and "ChordPro" in bad.get_json()["error"]
    assert client.post("/", json={"op": "import", "chordpro": 3}, headers=alice).status_code == 400


@pytest.mark.parametrize("function", ["library", "save_song", "realign", "upload_url"])
def test_a_deployment_missing_its_settings_answers_500_with_cors(function, signed_in, monkeypatch):
    """Nothing is built before the request's answer(): a missing bucket setting is a logged
    500 the browser can read (CORS headers on), not an exception out of the function."""
    from performia.cloud.runtime import set_adapter

    set_adapter(None)
    monkeypatch.delenv("PERFORMIA_BUCKET", raising=False)
    monkeypatch.setenv("PERFORMIA_ALLOWED_ORIGIN", "https://app.example")
    reply = http_client(function).post("/", json={"op": "list"}, headers=signed_in("alice"))
    assert reply.status_code == 500
    assert reply.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "PERFORMIA_BUCKET" not in reply.get_json()["error"]  # no details leak


def test_a_dead_lettered_upload_fails_its_job(adapter):
    from performia.jobs.base import StageState

    def broken(ctx):
        raise TimeoutError("bucket unreachable")

    adapter.graph = Graph((StageSpec("ingest", writes=("out.json",), impl=broken),))
    resource = {"bucket": "b", "name": "uploads/song.mp3", "generation": "3"}
    attributes = {"eventType": "OBJECT_FINALIZE", "bucketId": "b"}
    assert post("ingest", pubsub(resource, attributes)).status_code == 500  # retried
    letter = pubsub(resource, {**attributes, "CloudPubSubDeadLetterSourceDeliveryCount": "5"})
    assert post("dead_letter", letter).status_code == 200
    (job_id,) = adapter.jobs._docs
    record = adapter.jobs.get(job_id)
    assert record.status is JobStatus.FAILED
    assert record.stages["ingest"].state is StageState.FAILED
    assert record.error == "ingest did not succeed after 5 attempts: bucket unreachable"


def test_save_song_answers_400_for_a_bad_song_id_or_document(adapter, signed_in):
    client = http_client("save_song")
    alice = signed_in("alice")
    for song_id, song in (("../escape", SONG), (".hidden", SONG), (SONG["id"], [SONG])):
        answer = client.post(
            "/", json={"songId": song_id, "baseVersion": "1", "songMap": song}, headers=alice
        )
        assert answer.status_code == 400, (song_id, answer.get_json())


def test_behind_the_gateway_the_user_comes_from_the_forwarded_header(adapter, signer, signed_in):
    """API Gateway calls the function as itself and forwards the user's own token."""
    client = http_client("upload_url")
    user = signed_in("carol")["Authorization"]
    headers = {"Authorization": "Bearer gateway-service-token", "X-Forwarded-Authorization": user}
    ok = client.post("/", json={"filename": "song.mp3", "size": 1000}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert adapter.jobs.get(ok.get_json()["jobId"]).owner == "carol"


def test_realign_answers_the_song_owner_only(adapter, signed_in, monkeypatch, tmp_path):
    """The function's wiring: sign-in, owner, the statuses; the alignment is the fake's."""
    import numpy as np

    import performia.cloud.realign as realign
    from performia.cloud.library import publish_song, song_key
    from performia.songmap.io import parse_song_map
    from performia.testing import write_audio

    class Aligner:
        def align_words(self, y, *, sr, words, language):
            return [(0.5 * i, 0.5 * i + 0.4, 0.9) for i in range(len(words))]

    monkeypatch.setattr(realign, "_recognizer", lambda language: Aligner())
    t = np.arange(8 * 16000) / 16000
    stem = write_audio(tmp_path / "v.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype("f4"), 16000)
    adapter.store.put(song_key(SONG["id"], "media/vocals.wav"), stem.read_bytes())

    def line(words, at):
        syllables = [{"text": w, "startTime": at + i, "duration": 0.5} for i, w in enumerate(words)]
        return {"startTime": at, "endTime": at + len(words), "text": " ".join(words),
                "syllables": syllables}  # fmt: skip

    doc = {
        **SONG,
        "duration": 8.0,
        "stems": [{"name": "vocals", "src": song_key(SONG["id"], "media/vocals.wav"),
                   "mimeType": "audio/wav"}],
        "sections": [{"name": "Verse", "startTime": 0, "endTime": 8,
                      "lines": [line(["one", "two"], 0.5), line(["three", "four"], 5.0)]}],
    }  # fmt: skip
    publish_song(adapter.store, parse_song_map(doc), owner="alice")
    client = http_client("realign")
    body = {"songId": SONG["id"], "songMap": doc, "from": {"section": 0, "line": 0}}
    assert client.post("/", json=body).status_code == 401
    theirs = client.post("/", json=body, headers=signed_in("bob"))
    assert theirs.status_code == 403 and "not one of yours" in theirs.get_json()["error"]
    bad = client.post("/", json={**body, "from": {}}, headers=signed_in("alice"))
    assert bad.status_code == 400
    ok = client.post("/", json=body, headers=signed_in("alice"))
    assert ok.status_code == 200
    (timing,) = ok.get_json()["lines"]
    assert (timing["section"], timing["line"]) == (0, 1)
    assert timing["syllables"][0]["startTime"] >= 1.5  # after the fixed line's end


def test_a_body_over_10_mb_is_refused_before_it_is_parsed(adapter, signed_in):
    client = http_client("save_song")
    huge = b'{"songId": "' + b"x" * (12 * 2**20) + b'"}'
    answer = client.post("/", data=huge, headers={**signed_in("alice"),
                                                  "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 413 and "larger than 10 MB" in answer.get_json()["error"]
    # a body just under the limit reaches the function (and is refused for what it says)
    small = client.post("/", json={"songId": "x" * 1000}, headers=signed_in("alice"))
    assert small.status_code == 400


def test_a_user_over_the_upload_quota_gets_429_and_no_job(adapter, signer, signed_in):
    """20 upload requests an hour a user (performia.cloud.quotas.LIMITS): the 21st, and the
    41st the issue names, are 429 with Retry-After and create nothing; others may go on."""
    from performia.cloud.quotas import LIMITS

    client = http_client("upload_url")
    body = {"filename": "song.mp3", "size": 1000}
    for _ in range(LIMITS["upload"].count):
        ok = client.post("/", json=body, headers=signed_in("alice"))
        assert ok.status_code == 200
        _finish(adapter, ok.get_json()["jobId"])  # so the analyses-at-once limit stays out of it
    jobs = len(adapter.jobs._docs)
    for _ in range(21):
        refused = client.post("/", json=body, headers=signed_in("alice"))
        assert refused.status_code == 429
    assert "limit of 20 uploads an hour" in refused.get_json()["error"]
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert len(adapter.jobs._docs) == jobs
    assert client.post("/", json=body, headers=signed_in("bob")).status_code == 200


def _finish(adapter, job_id: str) -> None:
    from performia.jobs.base import JobStatus

    adapter.jobs.update(job_id, lambda r: r.model_copy(update={"status": JobStatus.DONE}))


def test_a_user_may_have_three_analyses_at_once(adapter, signer, signed_in):
    """The fourth upload while three jobs run is 429 (and creates no job); a finished job, or
    one never uploaded whose URL has expired, frees its slot."""
    from datetime import UTC, datetime, timedelta

    client = http_client("upload_url")
    body = {"filename": "song.mp3", "size": 1000}
    started = [client.post("/", json=body, headers=signed_in("alice")) for _ in range(3)]
    assert [r.status_code for r in started] == [200, 200, 200]
    ids = [r.get_json()["jobId"] for r in started]
    jobs = len(adapter.jobs._docs)
    fourth = client.post("/", json=body, headers=signed_in("alice"))
    assert fourth.status_code == 429 and "3 analyses running at once" in fourth.get_json()["error"]
    assert fourth.headers["Retry-After"] == "60" and len(adapter.jobs._docs) == jobs
    assert client.post("/", json=body, headers=signed_in("bob")).status_code == 200
    _finish(adapter, ids[0])
    assert client.post("/", json=body, headers=signed_in("alice")).status_code == 200
    assert client.post("/", json=body, headers=signed_in("alice")).status_code == 429
    # a job whose upload never came holds its slot only while its upload URL could be used
    old = (datetime.now(UTC) - timedelta(minutes=25)).isoformat()
    adapter.jobs.update(ids[1], lambda r: r.model_copy(update={"created_at": old}))
    assert client.post("/", json=body, headers=signed_in("alice")).status_code == 200


def test_anonymous_uploads_are_also_counted_per_address(adapter, signer, monkeypatch):
    """Anonymous sign-ins cost nothing to make again, so their uploads count per address too:
    the address is the one the nearest trusted proxy saw, not what the caller claims."""
    from performia.cloud.auth import unsigned_token
    from performia.cloud.quotas import LIMITS

    monkeypatch.setenv("PERFORMIA_AUTH", "emulator")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    client = http_client("upload_url")
    body = {"filename": "song.mp3", "size": 1000}
    limit = LIMITS["upload_address"].count
    for n in range(limit):  # a fresh anonymous account each time, a forged first hop each time
        headers = {"Authorization": f"Bearer {unsigned_token(f'anon-{n}', anonymous=True)}",
                   "X-Forwarded-For": f"10.9.{n}.1, 203.0.113.7, 172.16.0.2"}  # fmt: skip
        ok = client.post("/", json=body, headers=headers)
        assert ok.status_code == 200, (n, ok.get_json())
        # the job keeps the address: ingest charges its minutes to it too
        assert adapter.jobs.get(ok.get_json()["jobId"]).input["address"] == "203.0.113.7"
        _finish(adapter, ok.get_json()["jobId"])
    refused = client.post("/", json=body, headers={
        "Authorization": f"Bearer {unsigned_token('anon-new', anonymous=True)}",
        "X-Forwarded-For": "198.51.100.1, 203.0.113.7, 172.16.0.2"})  # fmt: skip
    assert refused.status_code == 429 and "from one address" in refused.get_json()["error"]
    # someone else behind another address, and a user with an account, are not affected
    other = {"Authorization": f"Bearer {unsigned_token('anon-x', anonymous=True)}",
             "X-Forwarded-For": "203.0.113.8, 172.16.0.2"}  # fmt: skip
    assert client.post("/", json=body, headers=other).status_code == 200
    account = {"Authorization": f"Bearer {unsigned_token('carol')}",
               "X-Forwarded-For": "203.0.113.7, 172.16.0.2"}  # fmt: skip
    signed_up = client.post("/", json=body, headers=account)
    assert signed_up.status_code == 200
    assert "address" not in adapter.jobs.get(signed_up.get_json()["jobId"]).input


def test_a_stage_message_for_a_job_that_does_not_exist_is_acknowledged(adapter):
    """No retry can create the job: the message is dropped (200), not retried five times."""
    answer = post("rhythm", pubsub({"jobId": "ffffffffffffffff", "stage": "rhythm"}))
    assert answer.status_code == 200
