"""One behavioural contract for every artifact store: the local folder, Cloud Storage and S3.

The cloud stores run against real emulators on 127.0.0.1 (fake-gcs-server, moto's server; see
conftest.py), so requests, status codes and preconditions go over HTTP as they do in production.
"""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import numpy as np
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY

from performia.errors import TransientError
from performia.storage import ArtifactStore, NotFoundError
from performia.storage.base import PreconditionFailedError
from performia.storage.gcs import GCSStore
from performia.storage.s3 import DEFAULT_CONFIG, S3Store

INVALID_KEYS = ["", "/abs", "a/../b", "a//b", "./a", "a/.", "a/"]


def test_every_store_follows_the_protocol(any_store):
    assert isinstance(any_store, ArtifactStore)


def test_round_trip_and_replace(any_store):
    payload = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    any_store.put("jobs/j1/ingest/f/audio.npy", payload)
    any_store.put("jobs/j1/ingest/f/empty.bin", b"")
    assert any_store.get("jobs/j1/ingest/f/audio.npy") == payload
    assert any_store.get("jobs/j1/ingest/f/empty.bin") == b""
    assert any_store.exists("jobs/j1/ingest/f/audio.npy")
    any_store.put("jobs/j1/ingest/f/audio.npy", b"replaced")
    assert any_store.get("jobs/j1/ingest/f/audio.npy") == b"replaced"


def test_missing_key_raises_not_found(any_store):
    assert not any_store.exists("jobs/none/x.json")
    with pytest.raises(NotFoundError, match=r"no artifact 'jobs/none/x\.json'"):
        any_store.get("jobs/none/x.json")
    with pytest.raises(KeyError):  # NotFoundError is also a KeyError, for mapping-style callers
        any_store.get("jobs/none/x.json")


def test_list_by_prefix_is_sorted_and_does_not_leak(any_store):
    keys = ["jobs/ab/1.json", "jobs/a/z.json", "jobs/a/b/2.json", "jobs/a/1.json", "songs/s/m.json"]
    for key in keys:
        any_store.put(key, b"{}")
    assert list(any_store.list("jobs/a/")) == ["jobs/a/1.json", "jobs/a/b/2.json", "jobs/a/z.json"]
    assert list(any_store.list("jobs/ab/")) == ["jobs/ab/1.json"]
    assert list(any_store.list("")) == sorted(keys)
    assert list(any_store.list("nothing/")) == []


def test_delete_is_idempotent(any_store):
    any_store.put("a/b.json", b"1")
    any_store.put("a/c.json", b"2")
    any_store.delete("a/b.json")
    any_store.delete("a/b.json")
    any_store.delete("never/was.json")
    assert not any_store.exists("a/b.json")
    assert list(any_store.list("a/")) == ["a/c.json"]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_are_rejected(any_store, key):
    for call in (
        lambda: any_store.put(key, b"x"),
        lambda: any_store.get(key),
        lambda: any_store.exists(key),
        lambda: any_store.delete(key),
    ):
        with pytest.raises(ValueError, match="invalid artifact key"):
            call()
    assert list(any_store.list("")) == []


def test_prefixes_isolate_stores_sharing_a_root(make_store):
    root, tenant_a, tenant_ab = make_store(), make_store("tenant/a"), make_store("tenant/ab")
    tenant_a.put("x/1.json", b"a")
    tenant_ab.put("x/1.json", b"ab")
    assert tenant_a.get("x/1.json") == b"a"
    assert tenant_ab.get("x/1.json") == b"ab"
    assert list(tenant_a.list("")) == ["x/1.json"]
    assert list(root.list("")) == ["tenant/a/x/1.json", "tenant/ab/x/1.json"]
    tenant_a.delete("x/1.json")
    assert tenant_ab.exists("x/1.json")
    assert not root.exists("tenant/a/x/1.json")


# --- bucket-backed stores only --------------------------------------------------------------


@pytest.mark.parametrize("bad", ["/abs", "..", "a//b", "a/../b", "./a"])
def test_invalid_prefixes_are_rejected(cloud_store, bad):
    bucket = cloud_store.bucket if isinstance(cloud_store, S3Store) else cloud_store.bucket.name
    with pytest.raises(ValueError, match="invalid store prefix"):
        type(cloud_store)(bucket, prefix=bad, client=cloud_store.client)


def test_content_types_are_kept_or_guessed(cloud_store):
    cloud_store.put("songs/s/map.json", b"{}", content_type="application/vnd.performia+json")
    cloud_store.put("songs/s/default.json", b"{}")
    cloud_store.put("songs/s/stem.npy", b"\x93NUMPY")
    assert cloud_store.content_type("songs/s/map.json") == "application/vnd.performia+json"
    assert cloud_store.content_type("songs/s/default.json") == "application/json"
    assert cloud_store.content_type("songs/s/stem.npy") == "application/octet-stream"
    with pytest.raises(NotFoundError):
        cloud_store.content_type("songs/s/absent.json")


def _read_versioned(store, key):
    """(bytes or None, the token a conditional write needs) for either cloud store."""
    try:
        if isinstance(store, GCSStore):
            return store.get_with_generation(key)
        return store.get_with_etag(key)
    except NotFoundError:
        return None, (0 if isinstance(store, GCSStore) else None)


def _write_if(store, key, data, token):
    if isinstance(store, GCSStore):
        return store.put_if_generation(key, data, generation=token)
    return store.put_if_etag(key, data, etag=token)


def test_conditional_writes_detect_a_changed_or_existing_object(cloud_store):
    key = "library/index.json"
    data, token = _read_versioned(cloud_store, key)
    assert data is None
    first = _write_if(cloud_store, key, b"[1]", token)
    with pytest.raises(PreconditionFailedError, match="changed since it was read"):
        _write_if(cloud_store, key, b"[2]", token)  # "must not exist", but it does now
    data, current = _read_versioned(cloud_store, key)
    assert (data, current) == (b"[1]", first)
    second = _write_if(cloud_store, key, b"[1,2]", current)
    assert second != first
    with pytest.raises(PreconditionFailedError):
        _write_if(cloud_store, key, b"[1,3]", first)  # stale
    assert cloud_store.get(key) == b"[1,2]"
    cloud_store.delete(key)
    with pytest.raises(PreconditionFailedError):
        _write_if(cloud_store, key, b"[1,2,4]", second)  # deleted since it was read


@pytest.mark.slow  # about 1 s on fake-gcs-server, 3 s on moto (hundreds of lost races)
def test_concurrent_read_modify_write_loses_no_update(cloud_store):
    """20 threads each add 2 entries to one JSON list with preconditions and retry."""
    key, writers, per_writer, max_attempts = "library/index.json", 20, 2, 200
    conflicts = [0] * writers
    start = threading.Barrier(writers)

    def add_entries(writer: int) -> None:
        start.wait(timeout=30)
        for n in range(per_writer):
            for _attempt in range(max_attempts):
                data, token = _read_versioned(cloud_store, key)
                entries = json.loads(data) if data is not None else []
                entries.append(f"{writer:02d}-{n}")
                try:
                    _write_if(cloud_store, key, json.dumps(entries).encode(), token)
                    break
                except PreconditionFailedError:
                    conflicts[writer] += 1
            else:
                raise AssertionError(f"writer {writer} gave up after {max_attempts} conflicts")

    began = time.monotonic()
    with ThreadPoolExecutor(writers) as pool:
        for future in [pool.submit(add_entries, w) for w in range(writers)]:
            future.result(timeout=120)
    elapsed = time.monotonic() - began

    entries = json.loads(cloud_store.get(key))
    expected = sorted(f"{w:02d}-{n}" for w in range(writers) for n in range(per_writer))
    assert sorted(entries) == expected, f"lost {len(expected) - len(set(entries))} updates"
    assert len(entries) == len(expected)  # and none applied twice
    assert elapsed < 60


@pytest.mark.emulator
def test_gcs_json_documents_are_not_cached(gcs_client, gcs_bucket):
    """Song Maps and the listing change in place; a public cache must not hide a save."""
    store = GCSStore(gcs_bucket, client=gcs_client)
    store.put("songs/index.json", b"{}")
    store.put("songs/x/media/vocals.flac", b"fLaC")
    bucket = gcs_client.bucket(gcs_bucket)
    assert bucket.get_blob("songs/index.json").cache_control == "no-cache"
    assert bucket.get_blob("songs/x/media/vocals.flac").cache_control is None


# --- default clients from the environment --------------------------------------------------


@pytest.mark.emulator
def test_gcs_default_client_follows_the_emulator_variable(monkeypatch, gcs_emulator, gcs_bucket):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator)
    store = GCSStore(gcs_bucket, prefix="p")
    store.put("k.json", b"{}")
    assert store.get("k.json") == b"{}"


@pytest.mark.emulator
def test_s3_default_client_uses_the_endpoint_url(monkeypatch, s3_emulator, s3_bucket):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = S3Store(s3_bucket, prefix="p", endpoint_url=s3_emulator)
    store.put("k.json", b"{}")
    assert store.get("k.json") == b"{}"


# --- transient errors are retried ----------------------------------------------------------


class _FlakyProxy:
    """An HTTP proxy to an emulator that answers 503 to the first try of every request."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.failures = 0
        seen: set[tuple[str, str]] = set()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if (self.command, self.path) not in seen:
                    seen.add((self.command, self.path))
                    proxy.failures += 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request(self.command, self.path, body=body, headers=dict(self.headers))
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for name, value in resp.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.emulator
def test_gcs_retries_transient_errors(gcs_emulator, gcs_bucket):
    proxy = _FlakyProxy(gcs_emulator)
    try:
        client = storage.Client(
            project="performia-test",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": proxy.url},
        )
        retry = DEFAULT_RETRY.with_delay(initial=0.01, maximum=0.05)
        store = GCSStore(gcs_bucket, client=client, retry=retry)
        store.put("a/b.json", b"{}")
        assert store.get("a/b.json") == b"{}"
        assert list(store.list("a/")) == ["a/b.json"]
        store.delete("a/b.json")
        assert not store.exists("a/b.json")
        assert proxy.failures >= 5  # every call above met a 503 first and succeeded anyway
    finally:
        proxy.close()


@pytest.mark.emulator
def test_gcs_gives_up_with_a_transient_error(gcs_emulator, gcs_bucket):
    closed = _free_port_url()
    client = storage.Client(
        project="performia-test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": closed},
    )
    store = GCSStore(gcs_bucket, client=client, retry=DEFAULT_RETRY.with_timeout(0.5))
    with pytest.raises(TransientError, match="Cloud Storage failed"):
        store.get("a/b.json")


@pytest.mark.emulator
def test_s3_retries_transient_errors(s3_emulator, s3_bucket):
    proxy = _FlakyProxy(s3_emulator)
    try:
        client = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        ).client("s3", endpoint_url=proxy.url, config=DEFAULT_CONFIG)
        store = S3Store(s3_bucket, client=client)
        store.put("a/b.json", b"{}")
        assert store.get("a/b.json") == b"{}"
        assert list(store.list("a/")) == ["a/b.json"]
        store.delete("a/b.json")
        assert not store.exists("a/b.json")
        assert proxy.failures >= 5
    finally:
        proxy.close()


def _free_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
