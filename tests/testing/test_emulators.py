"""The emulator helpers start the real JVMs, wait until they serve, and leave nothing behind."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from performia.testing.emulators import (
    EmulatorError,
    EmulatorNotInstalledError,
    FirestoreEmulator,
    PubSubEmulator,
    free_port,
    sdk_root,
)


def _installed(emulator) -> None:
    try:
        emulator.command(0)
    except EmulatorNotInstalledError as exc:
        pytest.skip(str(exc))


def _answers(host: str) -> bool:
    address, port = host.rsplit(":", 1)
    try:
        with socket.create_connection((address, int(port)), timeout=2):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.emulator
def test_pubsub_emulator_starts_serves_and_stops(tmp_path):
    emulator = PubSubEmulator(log_dir=tmp_path)
    _installed(emulator)
    with emulator as ps:
        host, pid = ps.host, ps.pid
        assert host.startswith("127.0.0.1:")
        assert ps.env == {"PUBSUB_EMULATOR_HOST": host}
        assert _answers(host)
        assert ps.startup_seconds < 60
        assert ps.log_path.parent == tmp_path

        pubsub = pytest.importorskip("google.cloud.pubsub_v1")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PUBSUB_EMULATOR_HOST", host)
            publisher = pubsub.PublisherClient()
            topic = publisher.topic_path("performia-test", f"t-{uuid.uuid4().hex[:8]}")
            publisher.create_topic(request={"name": topic})
            names = [t.name for t in publisher.list_topics(project="projects/performia-test")]
            assert topic in names
            assert publisher.publish(topic, b"hello").result(timeout=30)
    assert not ps.running
    assert not _answers(host)
    assert not _alive(pid)
    with pytest.raises(EmulatorError, match="not running"):
        _ = ps.host


def test_a_jvm_that_dies_is_reported_with_its_log(tmp_path):
    """``java`` exits at once (``false`` stands in for it): the error names the log file."""
    emulator = FirestoreEmulator(java="false", log_dir=tmp_path, port=free_port())
    _installed(emulator)
    with pytest.raises(EmulatorError, match=r"exited with code 1 .*see .*firestore-\d+\.log"):
        emulator.start()
    assert not emulator.running


@pytest.mark.emulator
def test_an_emulator_that_does_not_answer_in_time_is_stopped(tmp_path):
    emulator = FirestoreEmulator(log_dir=tmp_path, startup_timeout=0.3)
    _installed(emulator)
    with pytest.raises(EmulatorError, match=r"did not answer .* within 0 s; see .*\.log"):
        emulator.start()
    assert not emulator.running
    assert emulator.pid is None


def test_missing_sdk_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CLOUDSDK_ROOT_DIR", str(tmp_path))
    assert sdk_root() == tmp_path
    with pytest.raises(EmulatorNotInstalledError, match="cloud-firestore-emulator"):
        FirestoreEmulator().command(8080)
    with pytest.raises(EmulatorNotInstalledError, match="Java runtime"):
        PubSubEmulator(java="no-such-java").command(8080)
