"""Running the viewer: a threaded local server that stops cleanly on Ctrl-C.

Threads matter: the browser keeps audio Range requests open while it loads the Song Map and
saves edits, and a one-request-at-a-time server would make those wait for the audio.
"""

from __future__ import annotations

import errno
import ipaddress
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server, select_address_family

from performia.errors import BadInputError

__all__ = ["browse_url", "is_loopback", "open_server", "serve_until_stopped"]


class _QuietHandler(WSGIRequestHandler):
    """Logs only server errors: a musician's terminal is no place for every audio range."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        try:
            failed = int(code) >= 500
        except (TypeError, ValueError):
            failed = False
        if failed:
            super().log_request(code, size)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the viewer on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_server(app: Callable[..., Any], host: str, port: int) -> BaseWSGIServer:
    """Bind ``host:port`` (0: a free port, read back from ``server.port``), threaded.

    Binding here rather than in werkzeug turns a busy port into a one-line error instead of
    werkzeug's printed message and ``sys.exit(1)``.

    Raises
    ------
    BadInputError
        The port is taken or the address cannot be bound.
    """
    try:
        sock = socket.create_server((host, port), family=select_address_family(host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInputError(
                f"port {port} on {host} is in use: choose another with --port "
                "(--port 0 picks a free one)"
            ) from None
        raise BadInputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        return make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, fd=sock.fileno()
        )
    finally:
        sock.close()  # the server holds its own duplicate of the socket


def browse_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to ``host:port``."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve_until_stopped(server: BaseWSGIServer) -> None:
    """Serve until Ctrl-C, SIGTERM or SIGHUP, then close the socket.

    The handlers are installed even when this process started with SIGINT ignored (as under
    some launchers), so Ctrl-C always stops it; the previous ones are restored afterwards.
    Request threads are daemons: an audio stream in flight does not hold the exit.
    """
    stops = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s]
    in_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in stops} if in_main else {}
    for s in previous:
        signal.signal(s, _interrupt)
    try:
        server.serve_forever()  # returns on KeyboardInterrupt, closing the server
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        server.server_close()
