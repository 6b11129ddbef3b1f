"""The Firestore emulator, started once per session for the job-store tests that need it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from performia.testing.emulators import FirestoreEmulator
from running import running


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory) -> Iterator[FirestoreEmulator]:
    """A running Firestore emulator with ``FIRESTORE_EMULATOR_HOST`` set for the session.

    Skips when the emulator or Java is not installed; fails, naming the log file, when it is
    installed but does not answer within the start-up timeout.
    """
    with running(FirestoreEmulator(log_dir=tmp_path_factory.mktemp("firestore"))) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def firestore_client(request):
    """One client for the session (it reads ``FIRESTORE_EMULATOR_HOST`` when built)."""
    firestore = pytest.importorskip("google.cloud.firestore")  # before paying for the JVM
    request.getfixturevalue("firestore_emulator")
    client = firestore.Client(project="performia-test")
    yield client
    client.close()


@pytest.fixture
def firestore_store(firestore_client):
    """A ``FirestoreJobStore`` on a collection no other test uses."""
    from performia.jobs.firestore import FirestoreJobStore

    return FirestoreJobStore(firestore_client, collection=f"jobs-{uuid.uuid4().hex[:12]}")
