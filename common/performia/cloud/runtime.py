"""The adapter a function process uses, built once from its environment.

Cloud Run gives each function the same environment names (set by Terraform, or by
``performia dev up`` locally): ``PERFORMIA_BUCKET`` (the artifact bucket), ``GOOGLE_CLOUD_PROJECT``,
``PERFORMIA_TOPIC_PREFIX`` (topics are ``{prefix}{stage}``), ``PERFORMIA_STAGE_LEASE_S`` (how long a
stage's heartbeat holds its lease, default 60), ``PERFORMIA_ARTIFACTS`` (where artifacts and the
library live: default ``gs://{PERFORMIA_BUCKET}``, or ``s3://…`` or a folder, see
:func:`performia.storage.locate.open_store`), ``PERFORMIA_AUTH`` (:mod:`performia.cloud.auth`),
plus the emulator hosts the Google
clients read themselves (``STORAGE_EMULATOR_HOST``, ``FIRESTORE_EMULATOR_HOST``,
``PUBSUB_EMULATOR_HOST``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from performia.cloud.adapter import DEFAULT_LEASE_S, Adapter
from performia.cloud.signing import EmulatorUrlSigner, GCSUrlSigner, UrlSigner
from performia.errors import ModelError

__all__ = ["PubSubPublisher", "get_adapter", "get_signer", "set_adapter", "set_signer", "topic_id"]

_lock = threading.Lock()
_adapter: Adapter | None = None
_signer: UrlSigner | None = None


#: What every Pub/Sub topic and subscription name starts with, unless PERFORMIA_TOPIC_PREFIX says.
TOPIC_PREFIX = "performia-"


def topic_prefix() -> str:
    """The deployment's topic prefix: ``PERFORMIA_TOPIC_PREFIX``, else :data:`TOPIC_PREFIX`."""
    return os.environ.get("PERFORMIA_TOPIC_PREFIX", TOPIC_PREFIX)


def topic_id(stage: str, prefix: str | None = None) -> str:
    """The Pub/Sub topic that carries ``stage``'s messages."""
    return f"{topic_prefix() if prefix is None else prefix}{stage}"


@dataclass
class PubSubPublisher:
    """Publishes stage messages with google-cloud-pubsub, waiting for each to be accepted.

    Waiting makes a publish part of the delivery that caused it: if it fails, the delivery
    raises and is retried, and the retry re-reports (publishes again) instead of losing the
    next stage.
    """

    project: str
    prefix: str = TOPIC_PREFIX
    timeout_s: float = 30.0
    _client: Any = field(default=None, repr=False)

    def publish(self, stage: str, data: bytes) -> None:
        from google.cloud import pubsub_v1

        if self._client is None:
            self._client = pubsub_v1.PublisherClient()
        topic = self._client.topic_path(self.project, topic_id(stage, self.prefix))
        self._client.publish(topic, data).result(timeout=self.timeout_s)


def _from_environment() -> Adapter:
    from performia.jobs.firestore import FirestoreJobStore
    from performia.storage.locate import open_store

    bucket = os.environ.get("PERFORMIA_BUCKET")
    project = os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not bucket or not project:
        raise ModelError("a cloud function needs PERFORMIA_BUCKET and GOOGLE_CLOUD_PROJECT set")
    artifacts = os.environ.get("PERFORMIA_ARTIFACTS") or f"gs://{bucket}"
    prefix = topic_prefix()
    lease = os.environ.get("PERFORMIA_STAGE_LEASE_S")
    try:
        lease_s = float(lease) if lease else DEFAULT_LEASE_S
    except ValueError:
        raise ModelError(f"PERFORMIA_STAGE_LEASE_S must be seconds, not {lease!r}") from None
    return Adapter(
        FirestoreJobStore(),
        open_store(artifacts),
        PubSubPublisher(project, prefix),
        lease_s=lease_s,
    )


def get_adapter() -> Adapter:
    """This process's adapter, built from the environment on first use."""
    global _adapter
    with _lock:
        if _adapter is None:
            _adapter = _from_environment()
        return _adapter


def set_adapter(adapter: Adapter | None) -> None:
    """Use ``adapter`` in this process (tests, the in-process dev stack); ``None`` resets."""
    global _adapter
    with _lock:
        _adapter = adapter


def get_signer() -> UrlSigner:
    """Where browsers upload: the emulator when ``STORAGE_EMULATOR_HOST`` is set, else signed
    PUTs on ``PERFORMIA_BUCKET``."""
    global _signer
    with _lock:
        if _signer is None:
            bucket = os.environ.get("PERFORMIA_BUCKET")
            if not bucket:
                raise ModelError("upload_url needs PERFORMIA_BUCKET set")
            emulator = os.environ.get("STORAGE_EMULATOR_HOST")
            if emulator:
                _signer = EmulatorUrlSigner(emulator, bucket)
            else:
                from google.cloud import storage

                _signer = GCSUrlSigner(storage.Client().bucket(bucket))
        return _signer


def set_signer(signer: UrlSigner | None) -> None:
    """Use ``signer`` in this process (tests, the local stack); ``None`` resets."""
    global _signer
    with _lock:
        _signer = signer
