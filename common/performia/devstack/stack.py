"""The local cloud: emulators, topics, subscriptions and functions, wired as in the cloud.

:class:`DevStack` starts, in order:

1. the Firestore and Pub/Sub emulators (:mod:`performia.testing.emulators`);
2. the topics: one per stage of the graph (:func:`performia.cloud.runtime.topic_id`) and one
   dead-letter topic per stage topic;
3. fake-gcs-server, publishing an ``OBJECT_FINALIZE`` notification for every object written under
   ``uploads/`` in the bucket to ingest's topic (as the deployed bucket does, ``infra/``), and
   the bucket itself;
4. one functions host (:mod:`performia.devstack.host`) serving every ``functions/<name>`` at
   ``/{name}/``, with the environment :mod:`performia.cloud.runtime` reads;
5. the push subscriptions: each stage's topic to its function (ingest's carries upload
   notifications, and its stage message when a dead letter publishes it again), every
   dead-letter topic to ``dead_letter``. Each pushed subscription has a 600 s ack deadline
   (a stage may run that long), a retry policy with backoff and a dead-letter policy of
   :data:`MAX_DELIVERY_ATTEMPTS`.

With ``faults=True`` two :class:`~performia.testing.faults.FaultProxy` sit in the stack: one
between the functions and fake-gcs-server (``storage_proxy``), one between Pub/Sub and the
functions (``push_proxy``), so a test can make storage writes fail or pushes answer 500 for a
while; :meth:`DevStack.paused` stops a component (SIGSTOP) without losing what it holds.

Everything binds 127.0.0.1 on free ports, and :meth:`DevStack.stop` (also on interpreter exit)
stops every process it started, functions first so nothing is half-handled by a dying emulator.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from performia.cloud.runtime import TOPIC_PREFIX
from performia.errors import PerformiaError
from performia.pipeline.graph import GRAPH, Graph
from performia.settings import available_cores
from performia.testing.emulators import (
    FakeGCS,
    FirestoreEmulator,
    PubSubEmulator,
    _Emulator,
)
from performia.testing.faults import FaultProxy

__all__ = [
    "DEFAULT_BUCKET",
    "DEFAULT_PROJECT",
    "MAX_DELIVERY_ATTEMPTS",
    "DevStack",
    "DevStackError",
    "find_functions_dir",
]

DEFAULT_PROJECT = "performia-local"
DEFAULT_BUCKET = "performia-local"
DEFAULT_PREFIX = TOPIC_PREFIX
#: Deliveries of one message before Pub/Sub hands it to the dead-letter topic.
MAX_DELIVERY_ATTEMPTS = 5
#: Push ack deadline (s): the longest Pub/Sub allows; a stage holds its delivery while it runs.
ACK_DEADLINE_S = 600
#: Retry backoff bounds (s) for a nacked (failed) push.
MIN_BACKOFF_S, MAX_BACKOFF_S = 1, 30
#: The function a dead-letter topic pushes to, and the one that takes upload notifications.
DEAD_LETTER_FUNCTION = "dead_letter"
UPLOAD_FUNCTION = "ingest"


class DevStackError(PerformiaError):
    """The local stack could not be started or wired."""


def find_functions_dir(start: Path | None = None) -> Path:
    """The repository's ``functions/`` folder: ``PERFORMIA_FUNCTIONS_DIR``, else the first
    ``functions/`` holding ``*/main.py`` above ``start`` (the working folder) or this package."""
    configured = os.environ.get("PERFORMIA_FUNCTIONS_DIR")
    if configured:
        return Path(configured)
    here = Path(start or Path.cwd()).resolve()
    for base in (here, Path(__file__).resolve()):
        for folder in (base, *base.parents):
            candidate = folder / "functions"
            if any(candidate.glob("*/main.py")):
                return candidate
    raise DevStackError(
        "no functions/ folder found (looked above the working folder and the package); "
        "run from the repository or set PERFORMIA_FUNCTIONS_DIR"
    )


class FunctionsHost(_Emulator):
    """The functions host process (:mod:`performia.devstack.host`), started like an emulator."""

    name = "functions"
    env_var = "PERFORMIA_FUNCTIONS_URL"
    component = "performia"
    probe_path = "/healthz"

    def __init__(self, *, functions_dir: Path, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.functions_dir = functions_dir
        self._env = env

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def command(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "performia.devstack.host",
            *("--functions", str(self.functions_dir)),
            *("--host", self.bind, "--port", str(port)),
        ]

    def _process_env(self) -> dict[str, str] | None:
        return {**os.environ, **self._env}

    def kill(self) -> None:
        """SIGKILL the host's process group and reap it: no shutdown, no answers."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait(timeout=30)


@dataclass(frozen=True)
class Subscription:
    """One push subscription the stack creates."""

    name: str
    topic: str
    function: str
    dead_letter_topic: str | None


class DevStack:
    """The local emulator stack; a context manager. See the module docstring.

    Parameters
    ----------
    project, bucket, prefix
        Google Cloud project id, bucket name and topic prefix the functions are given.
    functions_dir
        The ``functions/`` folder (default: :func:`find_functions_dir`).
    log_dir
        Where each process writes its log (default: a new temporary folder).
    graph
        The stage graph whose topics are created.
    threads
        CPU threads each stage may use in the functions host (``OMP_NUM_THREADS`` …).
    lease_s
        How long a running stage's heartbeat holds it (``PERFORMIA_STAGE_LEASE_S``; default the
        adapter's): shorter makes a killed function's stage be taken over sooner.
    twin_deliveries
        Give every topic a second, identical push subscription, so Pub/Sub delivers every
        message twice: the at-least-once contract under test.
    faults
        Put fault proxies in front of storage (for the functions) and of the functions (for
        Pub/Sub's pushes): ``storage_proxy`` and ``push_proxy``.
    ack_deadline_s, max_delivery_attempts
        The push subscriptions' ack deadline and deliveries before a dead letter (defaults
        :data:`ACK_DEADLINE_S`, :data:`MAX_DELIVERY_ATTEMPTS`). The Pub/Sub emulator backs off
        only a second or three between failed pushes, so five attempts are spent in seconds
        when a function is down; the deployed subscriptions have 8-10 over minutes (``infra/``),
        and fault tests give the local ones as many.
    """

    def __init__(
        self,
        *,
        project: str = DEFAULT_PROJECT,
        bucket: str = DEFAULT_BUCKET,
        prefix: str = DEFAULT_PREFIX,
        functions_dir: Path | None = None,
        log_dir: Path | None = None,
        graph: Graph = GRAPH,
        threads: int | None = None,
        lease_s: float | None = None,
        twin_deliveries: bool = False,
        faults: bool = False,
        ack_deadline_s: int = ACK_DEADLINE_S,
        max_delivery_attempts: int = MAX_DELIVERY_ATTEMPTS,
    ) -> None:
        self.project = project
        self.bucket = bucket
        self.prefix = prefix
        self.functions_dir = functions_dir or find_functions_dir()
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="performia-devstack-"))
        self.graph = graph
        self.threads = threads or min(2, available_cores())
        self.lease_s = lease_s
        self.twin_deliveries = twin_deliveries
        self.faults = faults
        self.ack_deadline_s = ack_deadline_s
        self.max_delivery_attempts = max_delivery_attempts
        self.storage_proxy: FaultProxy | None = None
        self.push_proxy: FaultProxy | None = None
        self.firestore: FirestoreEmulator | None = None
        self.pubsub: PubSubEmulator | None = None
        self.storage: FakeGCS | None = None
        self.functions: FunctionsHost | None = None
        self.subscriptions: list[Subscription] = []
        self._bucket: Any = None

    # -- names ---------------------------------------------------------------------------------
    @property
    def uploads_topic(self) -> str:
        """Where the bucket announces uploads: ingest's own topic, as in ``infra/``."""
        from performia.cloud.runtime import topic_id

        return topic_id(UPLOAD_FUNCTION, self.prefix)

    def dead_letter_topic(self, topic: str) -> str:
        return f"{topic}-dead-letter"

    # -- what clients need ---------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """What a client (or a function) needs to reach this stack."""
        if self.functions is None or self.storage is None:
            raise DevStackError("the stack is not running")
        return {**self._backend_env(), "PERFORMIA_FUNCTIONS_URL": self.functions.url}

    @property
    def processes(self) -> dict[str, int]:
        """Name → process id (each leads its own process group) of everything running."""
        parts = {
            "firestore": self.firestore,
            "pubsub": self.pubsub,
            "storage": self.storage,
            "functions": self.functions,
        }
        return {k: p.pid for k, p in parts.items() if p is not None and p.pid is not None}

    def frontend_config(self, *, token: str | None = None) -> dict[str, Any]:
        """The frontend's ``config.json`` for this stack (its cloud mode on the emulators): the
        HTTP functions (the Library and songs through ``library``), the Firestore emulator, and
        ``token`` (a user token, e.g. :func:`performia.cloud.auth.unsigned_token`)."""
        if self.functions is None or self.storage is None or self.firestore is None:
            raise DevStackError("the stack is not running")
        return {
            "mode": "cloud",
            "uploadUrl": f"{self.functions.url}/upload_url/",
            "libraryUrl": f"{self.functions.url}/library/",
            "saveSongUrl": f"{self.functions.url}/save_song/",
            "realignUrl": f"{self.functions.url}/realign/",
            "kbQueryUrl": None,
            "firestore": {"projectId": self.project, "emulatorHost": self.firestore.host},
            "openSong": None,
            "authToken": token,
        }

    def upload(self, name: str, data: bytes, content_type: str = "audio/mpeg") -> str:
        """Write ``data`` into the bucket's ``uploads/`` as ``name`` (a plain object write, as
        ``gsutil cp`` does, so its finalize notification starts a job); that job's id."""
        from performia.cloud.messages import UploadedObject, job_id_for_upload

        if self._bucket is None:  # one client for every upload (it is safe across threads)
            self._bucket = self.storage_client().bucket(self.bucket)
        blob = self._bucket.blob(f"uploads/{name}")
        blob.upload_from_string(data, content_type=content_type)
        return job_id_for_upload(UploadedObject(self.bucket, blob.name, str(blob.generation)))

    def job_store(self) -> Any:
        """The jobs in this stack's Firestore emulator, on a client of its own (close it with
        ``.client.close()``). The process's environment must point at the emulator, as
        :attr:`env` gives it (Google's client reads ``FIRESTORE_EMULATOR_HOST`` there)."""
        from google.cloud import firestore

        from performia.jobs.firestore import FirestoreJobStore

        if self.firestore is None:
            raise DevStackError("the stack is not running")
        return FirestoreJobStore(firestore.Client(project=self.project))

    def storage_client(self) -> Any:
        """A Cloud Storage client on the emulator (anonymous)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        assert self.storage is not None, "the stack is not running"
        return storage.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.storage.url},
        )

    def publisher_client(self) -> Any:
        """A Pub/Sub publisher on the emulator (plain gRPC, no credentials)."""
        import grpc
        from google.cloud import pubsub_v1
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

        assert self.pubsub is not None, "the stack is not running"
        channel = grpc.insecure_channel(self.pubsub.host)
        return pubsub_v1.PublisherClient(transport=PublisherGrpcTransport(channel=channel))

    def subscriber_client(self) -> Any:
        """A Pub/Sub subscriber on the emulator (plain gRPC, no credentials)."""
        import grpc
        from google.cloud import pubsub_v1
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

        assert self.pubsub is not None, "the stack is not running"
        channel = grpc.insecure_channel(self.pubsub.host)
        return pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=channel))

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        """Start and wire everything; on any failure, stop what was started and raise."""
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process this stack started (functions first); safe to call twice."""
        atexit.unregister(self.stop)
        for attr in ("push_proxy", "functions", "storage_proxy", "storage", "pubsub", "firestore"):
            proc = getattr(self, attr)
            setattr(self, attr, None)
            if proc is not None:
                proc.stop()

    @contextlib.contextmanager
    def clients(self) -> Iterator[None]:
        """This stack's :attr:`env` in ``os.environ`` for the block (Google's clients read the
        emulator hosts there), restored after: for scripts and benchmarks that talk to it."""
        values = self.env
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old

    @contextlib.contextmanager
    def paused(self, component: str) -> Iterator[None]:
        """``component`` (``"firestore"``, ``"pubsub"``, ``"storage"``, ``"functions"``) does not
        answer during the block (SIGSTOP, then SIGCONT): an outage that loses nothing."""
        from performia.testing.faults import paused

        pid = self.processes.get(component)
        if pid is None:
            raise DevStackError(f"no running {component!r} to pause")
        with paused(pid):
            yield

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------------------
    def _backend_env(self) -> dict[str, str]:
        assert self.firestore and self.pubsub and self.storage
        return {
            **self.firestore.env,
            **self.pubsub.env,
            **self.storage.env,
            "GOOGLE_CLOUD_PROJECT": self.project,
            "PERFORMIA_BUCKET": self.bucket,
            "PERFORMIA_TOPIC_PREFIX": self.prefix,
        }

    def _start(self) -> None:
        self.firestore = FirestoreEmulator(log_dir=self.log_dir).start()
        self.pubsub = PubSubEmulator(log_dir=self.log_dir).start()
        self.subscriptions = self._plan()
        self._create_topics()
        self.storage = FakeGCS(
            log_dir=self.log_dir,
            event_project=self.project,
            event_topic=self.uploads_topic,
            event_prefix="uploads/",
            event_bucket=self.bucket,
            pubsub_host=self.pubsub.host,
        ).start()
        self.storage_client().create_bucket(self.bucket)
        if self.faults:
            self.storage_proxy = FaultProxy(self.storage.url).start()
        self.functions = self._functions_host().start()
        if self.faults:
            self.push_proxy = FaultProxy(self.functions.url).start()
        self._create_subscriptions()

    def _functions_host(self, port: int | None = None) -> FunctionsHost:
        threads = str(self.threads)
        env = {
            **self._backend_env(),
            **({"STORAGE_EMULATOR_HOST": self.storage_proxy.url} if self.storage_proxy else {}),
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "PYTHONUNBUFFERED": "1",
            # no Firebase here: the HTTP functions read the emulator's unsigned user tokens
            "PERFORMIA_AUTH": "emulator",
        }
        if self.lease_s is not None:
            env["PERFORMIA_STAGE_LEASE_S"] = str(self.lease_s)
        return FunctionsHost(
            functions_dir=self.functions_dir, env=env, log_dir=self.log_dir, port=port
        )

    def kill_functions(self) -> None:
        """Kill the functions host at once (SIGKILL), as a crashed Cloud Run instance dies:
        whatever it was running stops mid-stage and its deliveries go unanswered."""
        if self.functions is None:
            raise DevStackError("the stack is not running")
        self.functions.kill()

    def restart_functions(self) -> None:
        """Start the functions host again on its old port (the push endpoints stay valid)."""
        if self.functions is None:
            raise DevStackError("the stack is not running")
        port = self.functions.port
        self.functions.stop()
        self.functions = self._functions_host(port=port).start()

    def _plan(self) -> list[Subscription]:
        """The push subscriptions: one per stage topic, and one per dead-letter topic."""
        from performia.cloud.runtime import topic_id
        from performia.devstack.host import discover_functions

        served = set(discover_functions(self.functions_dir))
        pushed = [(topic_id(stage, self.prefix), stage) for stage in self.graph.names]
        missing = sorted({f for _, f in pushed} - served) + (
            [] if DEAD_LETTER_FUNCTION in served else [DEAD_LETTER_FUNCTION]
        )
        if missing:
            raise DevStackError(f"{self.functions_dir} has no function for {', '.join(missing)}")
        subs = [
            Subscription(f"{topic}-push", topic, function, self.dead_letter_topic(topic))
            for topic, function in pushed
        ]
        if self.twin_deliveries:  # a second subscription per topic: every message comes twice
            subs += [
                Subscription(f"{s.name}-twin", s.topic, s.function, s.dead_letter_topic)
                for s in list(subs)
            ]
        dead_letters = sorted({s.dead_letter_topic for s in subs if s.dead_letter_topic})
        subs += [
            Subscription(f"{topic}-push", topic, DEAD_LETTER_FUNCTION, None)
            for topic in dead_letters
        ]
        return subs

    def _create_topics(self) -> None:
        from performia.cloud.runtime import topic_id

        client = self.publisher_client()
        topics = {topic_id(stage, self.prefix) for stage in self.graph.names}
        topics |= {s.topic for s in self.subscriptions}
        for topic in sorted(topics):
            client.create_topic(name=client.topic_path(self.project, topic))

    def _create_subscriptions(self) -> None:
        assert self.functions is not None
        client = self.subscriber_client()
        pushed_to = self.push_proxy.url if self.push_proxy else self.functions.url
        # dead-letter subscriptions first: a message dead-lettered to a topic without any
        # subscription is lost
        for sub in sorted(self.subscriptions, key=lambda s: s.dead_letter_topic is not None):
            request: dict[str, Any] = {
                "name": client.subscription_path(self.project, sub.name),
                "topic": client.topic_path(self.project, sub.topic),
                "push_config": {"push_endpoint": f"{pushed_to}/{sub.function}/"},
                "ack_deadline_seconds": self.ack_deadline_s,
                "retry_policy": {
                    "minimum_backoff": {"seconds": MIN_BACKOFF_S},
                    "maximum_backoff": {"seconds": MAX_BACKOFF_S},
                },
            }
            if sub.dead_letter_topic:
                request["dead_letter_policy"] = {
                    "dead_letter_topic": client.topic_path(self.project, sub.dead_letter_topic),
                    "max_delivery_attempts": self.max_delivery_attempts,
                }
            client.create_subscription(request=request)
