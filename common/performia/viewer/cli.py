"""``performia view DIR``: open a store root's Living Chart in the browser, with no cloud.

The command is a plain function (:func:`view_command`) that ``performia.cli`` mounts with
``app.command("view")(view_command)``. It imports the web server only when it runs, so the rest
of the CLI works where the viewer's dependency is not installed.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from performia.errors import PerformiaError

__all__ = ["DEFAULT_PORT", "view_command"]

#: The viewer's port unless ``--port`` says otherwise.
DEFAULT_PORT = 8765


def _say(line: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def _open_browser(url: str) -> None:
    if not webbrowser.open(url):
        _say("no browser found here: open the address above in one", err=True)


def view_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A song library folder: what `performia analyze SONG --out DIR` wrote."
        ),
    ],
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; anything but 127.0.0.1 shares your songs."),
    ] = "127.0.0.1",
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the address; do not open a browser.")
    ] = False,
    song: Annotated[
        str | None, typer.Option(help="Song id to open (default: the most recently saved).")
    ] = None,
    frontend: Annotated[
        Path | None,
        typer.Option(
            help="The built frontend (default: $PERFORMIA_FRONTEND_DIST, else frontend/dist)."
        ),
    ] = None,
) -> None:
    """Show FOLDER's songs as Living Charts in the browser, with edits saved back; Ctrl-C stops."""
    try:
        from performia.viewer.app import LOCAL_HOSTS, create_app
    except ModuleNotFoundError as exc:  # an install without the web server
        if (exc.name or "").split(".")[0] != "werkzeug":
            raise
        raise PerformiaError(
            "`performia view` needs werkzeug: pip install 'werkzeug>=3.1,<4'"
        ) from None
    from performia.viewer.locate import check_store_root, choose_song, find_frontend
    from performia.viewer.server import browse_url, is_loopback, open_server, serve_until_stopped

    root = check_store_root(folder)
    dist = find_frontend(frontend)
    if song is not None:
        choose_song(root, song)  # refuse an unknown id now, not in the browser
    local = is_loopback(host)
    app = create_app(root, dist=dist, open_song=song, trusted_hosts=LOCAL_HOSTS if local else None)
    server = open_server(app, host, port)
    url = browse_url(host, server.port)
    if not local:
        _say(f"warning: listening on {host}: anyone who can reach it can read and edit", err=True)
    _say(f"Living Chart: {url}  (Ctrl-C stops)")
    if not no_open:  # in a thread: a browser command may not return until it is closed
        threading.Thread(target=_open_browser, args=(url,), daemon=True).start()
    serve_until_stopped(server)
    _say("stopped")
