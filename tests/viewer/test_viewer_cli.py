"""``performia view``: the checks before serving, a real threaded server, the command end to end."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import typer
from typer.testing import CliRunner
from viewer_store import INDEX_HTML, SONG_ID

from performia.errors import BadInputError, PerformiaError
from performia.viewer.app import SAVE_SONG_URL, VERSION_HEADER
from performia.viewer.cli import view_command
from performia.viewer.locate import (
    FRONTEND_ENV,
    check_store_root,
    choose_song,
    find_frontend,
    song_ids,
)
from performia.viewer.server import browse_url, is_loopback, open_server

AUDIO_KEY = f"uploads/{SONG_ID}/song.mp3"


def view_app() -> typer.Typer:
    """The command mounted as ``performia.cli`` mounts it."""
    app = typer.Typer()
    app.command("view")(view_command)

    @app.command("other")
    def _other() -> None:  # a second command, so ``view`` is a subcommand as in performia
        """Unused."""

    return app


# -- checks before serving ----------------------------------------------------------------------


def test_a_missing_empty_or_old_folder_says_to_analyse_first(tmp_path):
    with pytest.raises(BadInputError, match=r"does not exist: run `performia analyze SONG --out"):
        check_store_root(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInputError, match="is a file, not a folder"):
        check_store_root(tmp_path / "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BadInputError, match=r"has no songs .* run `performia analyze SONG --out"):
        check_store_root(empty)
    (empty / "songs" / "0123").mkdir(parents=True)  # a folder without a Song Map is no song
    with pytest.raises(BadInputError, match="has no songs"):
        check_store_root(empty)
    (empty / "song_map.json").write_text("{}")  # written by analyze before it published songs/
    with pytest.raises(BadInputError, match=r"again .* to publish it"):
        check_store_root(empty)


def test_songs_newest_first_and_choosing_one(store_root, add_song):
    add_song(store_root, "feedfacefeedface", "Evening Shade")
    os.utime(store_root / "songs" / SONG_ID / "song_map.json", (1, 1))
    assert song_ids(store_root) == ["feedfacefeedface", SONG_ID]
    assert check_store_root(store_root) == store_root
    assert choose_song(store_root, None) == "feedfacefeedface"
    assert choose_song(store_root, SONG_ID) == SONG_ID
    with pytest.raises(BadInputError, match=r"no song 'abc' in .*feedfacefeedface, 0123"):
        choose_song(store_root, "abc")


def test_the_frontend_is_found_or_the_build_command_is_named(tmp_path, dist, monkeypatch):
    monkeypatch.delenv(FRONTEND_ENV, raising=False)
    assert find_frontend(dist) == dist
    with pytest.raises(BadInputError) as missing:
        find_frontend(tmp_path / "not-built")
    message = str(missing.value)
    assert "not-built" in message and "from --frontend" in message
    assert "make frontend" in message
    assert "npm --prefix frontend ci && npm --prefix frontend run build" in message
    monkeypatch.setenv(FRONTEND_ENV, str(dist))
    assert find_frontend() == dist
    monkeypatch.setenv(FRONTEND_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(BadInputError, match=f"from {FRONTEND_ENV}"):
        find_frontend()
    monkeypatch.delenv(FRONTEND_ENV)
    monkeypatch.setattr("performia.viewer.locate._repo_frontend_dist", lambda: tmp_path / "d")
    with pytest.raises(BadInputError, match=r"frontend is not built: .*d has no index.html"):
        find_frontend()


def test_the_command_refuses_before_serving(tmp_path, store_root, dist):
    runner = CliRunner()
    cases = [
        ([str(tmp_path / "nowhere"), "--frontend", str(dist)], "does not exist"),
        ([str(store_root), "--frontend", str(tmp_path / "x")], "frontend is not built"),
        ([str(store_root), "--frontend", str(dist), "--song", "nope"], "no song 'nope'"),
    ]
    for args, message in cases:
        result = runner.invoke(view_app(), ["view", *args, "--no-open"])
        assert isinstance(result.exception, BadInputError), result.output
        assert message in str(result.exception) and result.exception.exit_code == 2
    usage = runner.invoke(view_app(), ["view", str(store_root), "--port", "70000"])
    assert usage.exit_code == 2 and "70000" in usage.output
    help_text = runner.invoke(view_app(), ["view", "--help"]).output
    for option in ("--port", "--host", "--no-open", "--song", "--frontend"):
        assert option in help_text


def test_a_busy_port_is_a_clear_error(app):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(BadInputError, match=f"port {port} on 127.0.0.1 is in use"):
            open_server(app, "127.0.0.1", port)


def test_addresses():
    assert browse_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert browse_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert browse_url("::1", 9000) == "http://[::1]:9000/"
    assert is_loopback("localhost") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")


# -- a real server ------------------------------------------------------------------------------


@pytest.fixture
def served(app):
    server = open_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        thread.join(5)


def test_ranges_over_a_real_socket(served, store_root):
    audio = (store_root / AUDIO_KEY).read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
    conn.request("GET", f"/data/{AUDIO_KEY}", headers={"Range": "bytes=1000-2999"})
    response = conn.getresponse()
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes 1000-2999/{len(audio)}"
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.read() == audio[1000:3000]
    conn.request("GET", f"/data/{AUDIO_KEY}", headers={"Range": f"bytes={len(audio) - 10}-"})
    tail = conn.getresponse()  # the same kept-alive connection, as a browser seeks
    assert (tail.status, tail.read()) == (206, audio[-10:])
    conn.close()


def test_an_open_audio_connection_does_not_hold_up_a_save(served):
    """Browsers keep connections open (preconnected, or mid-request while the player waits);
    a server that handled one connection at a time would leave the editor hanging."""
    player = socket.create_connection(("127.0.0.1", served), timeout=5)
    player.sendall(f"GET /data/{AUDIO_KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    editor = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
    editor.request("GET", f"/data/songs/{SONG_ID}/song_map.json")
    loaded = editor.getresponse()
    doc, base = json.loads(loaded.read()), loaded.getheader(VERSION_HEADER)
    body = json.dumps({"songId": SONG_ID, "baseVersion": base, "songMap": dict(doc, title="Y")})
    editor.request("POST", SAVE_SONG_URL, body, {"Content-Type": "application/json"})
    saved = editor.getresponse()
    assert saved.status == 200 and json.loads(saved.read())["version"] != base
    player.sendall(b"Range: bytes=0-99\r\n\r\n")  # the player's request completes too
    assert player.recv(4096).startswith(b"HTTP/1.1 206")
    player.close()
    editor.close()


# -- the command, as a person runs it -----------------------------------------------------------


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    raise AssertionError(f"no output from the viewer: {proc.stderr.read() if proc.stderr else ''}")


def test_view_serves_opens_the_browser_and_stops_on_ctrl_c(tmp_path, store_root, dist):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser), FRONTEND_ENV: str(dist)}
    code = "import typer; from performia.viewer.cli import view_command; typer.run(view_command)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(store_root), "--port", "0", "--song", SONG_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = _read_line(proc, timeout=30)
        assert line.startswith("Living Chart: http://127.0.0.1:")
        url = line.split()[2]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/config.json")
        config = json.loads(conn.getresponse().read())
        assert (config["mode"], config["openSong"]) == ("embedded", SONG_ID)
        conn.request("GET", "/")
        assert conn.getresponse().read().decode() == INDEX_HTML
        conn.close()
        # the fake browser's shell creates the file before it writes the line: wait for both
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            opened.exists() and opened.read_text().endswith("\n")
        ):
            time.sleep(0.05)
        assert opened.read_text().strip() == url
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip() == "stopped" and "Traceback" not in err
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_without_werkzeug_the_command_says_what_to_install(store_root, dist, monkeypatch):
    for name in [m for m in sys.modules if m == "werkzeug" or m.startswith("werkzeug.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "performia.viewer.app")
    result = CliRunner().invoke(view_app(), ["view", str(store_root), "--frontend", str(dist)])
    assert isinstance(result.exception, PerformiaError)
    assert "needs werkzeug: pip install" in str(result.exception)
