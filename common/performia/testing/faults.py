"""Faults injected into the local stack, for the reliability tests and ``bench reliability``.

:class:`FaultProxy` is a reverse proxy on 127.0.0.1 that passes requests to a service and, when
told, answers an error instead for a while: put in front of fake-gcs-server for the functions
(a storage write failing mid-stage) or in front of the functions for Pub/Sub (a push endpoint
answering 500). :func:`paused` stops a process group (SIGSTOP) and resumes it (SIGCONT): an
emulator that does not answer for a while, without losing what it holds.

Written here rather than taken from a library: the proxies the registries offer (mitmproxy,
toxiproxy) are large or a separate binary, and this needs thirty lines of ``http.server``.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

__all__ = ["FaultProxy", "paused"]

#: Headers that belong to one connection, not to the request passed on.
_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (Pub/Sub, a stopping stack) is not an error worth a traceback."""

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FaultProxy:
    """Forwards every request to ``target`` (``http://host:port``), except while :meth:`fail`
    is in force: then requests (of the given methods) are answered ``status`` at once."""

    def __init__(self, target: str, *, timeout_s: float = 600.0) -> None:
        parts = urlsplit(target)
        self.target_host, self.target_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout_s = timeout_s
        self._until = 0.0
        self._status = 500
        self._methods: frozenset[str] | None = None
        self._lock = threading.Lock()
        #: Requests answered with an injected error so far, and requests passed on.
        self.refused = 0
        self.forwarded = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the proxy first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, status: int, seconds: float, methods: set[str] | None = None) -> None:
        """Answer ``status`` to every request (or those of ``methods``) for ``seconds``."""
        with self._lock:
            self._status, self._until = status, time.monotonic() + seconds
            self._methods = frozenset(m.upper() for m in methods) if methods else None

    def _injected(self, method: str) -> int | None:
        with self._lock:
            if time.monotonic() >= self._until:
                return None
            if self._methods is not None and method not in self._methods:
                return None
            self.refused += 1
            return self._status

    def start(self) -> Self:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status = proxy._injected(self.command)
                if status is not None:
                    reply = b'{"error": "injected fault"}'
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                with proxy._lock:
                    proxy.forwarded += 1
                conn = http.client.HTTPConnection(
                    proxy.target_host, proxy.target_port, timeout=proxy.timeout_s
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                    headers["Host"] = f"{proxy.target_host}:{proxy.target_port}"
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    status, reason, data = answer.status, answer.reason, answer.read()
                    passed = [
                        (k, v)
                        for k, v in answer.getheaders()
                        if k.lower() not in _HOP and k.lower() != "content-length"
                    ]
                except (OSError, http.client.HTTPException):
                    # the service died mid-request: answer as a front end would, 502
                    status, reason, data, passed = 502, "Bad Gateway", b"", []
                finally:
                    conn.close()
                self.send_response(status, reason)
                for name, value in passed:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            # http.server dispatches on these names
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _relay  # noqa: N815

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def paused(pid: int) -> Iterator[None]:
    """Stop process group ``pid`` (SIGSTOP) for the block, then let it go on (SIGCONT): it
    neither answers nor loses anything meanwhile."""
    os.killpg(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pid, signal.SIGCONT)
