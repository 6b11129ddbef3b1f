"""The embedded viewer as a WSGI app: the frontend, the store root and the two API calls.

Routes (the contract the frontend is written against, ``frontend_contract``):

- ``/config.json``: embedded mode, where the data and the API are, which song to open;
- ``/data/<key>``: the store root's files (Song Maps, audio, stems) with HTTP Range support,
  because Chromium seeks audio with Range requests and cannot seek a source served without it.
  ``songs/*/song_map.json`` carries its version in ``X-Performia-Version`` (the editor's
  ``baseVersion``) and is never cached, so a reload sees the last save;
- ``POST /api/save_song``: :func:`performia.cloud.library.save_song`, the cloud's code, with
  the cloud's answers (200, 400 naming the field, 409 for a stale edit);
- ``POST /api/realign``: :func:`performia.cloud.realign.realign_from_request`, "re-align
  from here" on the song's vocals stem (the Blueprint View's button);
- ``POST /api/kb_query``: the knowledge base's handler, when it is installed;
- anything else: the built frontend, falling back to ``index.html`` for the app's own routes.

Only this machine is meant to reach it: hidden files (``.performia/``, lock files) and paths
outside the root are refused, a ``Host`` other than localhost is refused while bound to
loopback (a DNS-rebinding page cannot read the songs), and writes from another origin are
refused (a page elsewhere cannot post edits).
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from performia.cloud.answer import answer
from performia.cloud.imports import import_from_request
from performia.cloud.library import StaleEditError, rebuild_listing, save_from_request
from performia.storage.base import NotFoundError, default_content_type
from performia.storage.local import LocalFolderStore
from performia.viewer.locate import song_ids

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DATA_URL",
    "KB_QUERY_URL",
    "LOCAL_HOSTS",
    "REALIGN_URL",
    "SAVE_SONG_URL",
    "SECURITY_HEADERS",
    "VERSION_HEADER",
    "KbHandler",
    "ViewerApp",
    "content_type",
    "create_app",
    "load_kb_handler",
]

log = logging.getLogger(__name__)

DATA_URL = "/data/"
SAVE_SONG_URL = "/api/save_song"
REALIGN_URL = "/api/realign"
IMPORT_URL = "/api/import_chordpro"
KB_QUERY_URL = "/api/kb_query"
VERSION_HEADER = "X-Performia-Version"
#: Host names a loopback-bound viewer answers to.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Largest request body accepted (a Song Map of a 20-minute song is well under 10 MB).
MAX_BODY_BYTES = 32 * 1024 * 1024
#: Hashed build assets never change under their name.
IMMUTABLE = "public, max-age=31536000, immutable"
#: What the app may load, and that no other site may frame it (clickjacking): its own scripts
#: only, inline styles (React's style props), audio and images from itself (blob: for exports,
#: data: for the icon). The hosted site's policy (``infra/hosting/firebase.json``) is this one
#: with the bucket, Firebase and the API added; a test keeps the two in step, and the browser
#: tests run the app under this one (a violation is a console error, which fails them).
# 'wasm-unsafe-eval' lets the pitch shifter compile its WebAssembly (nothing else: no eval, no
# inline or blob: scripts; its AudioWorklet is a file of the app).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

_SONG_MAP = re.compile(r"songs/[^/]+/song_map\.json")
#: Types the browser must get right, fixed here rather than left to the host's mime.types.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".mid": "audio/midi",
    ".midi": "audio/midi",
    ".npy": "application/octet-stream",
}

#: The knowledge base's HTTP handler: a request in, ``(body, status[, headers])`` out.
KbHandler = Callable[[Any], Any]


def content_type(name: str) -> str:
    """The ``Content-Type`` for a file name (audio and app types fixed, others guessed)."""
    return _TYPES.get(Path(name).suffix.lower()) or default_content_type(name)


def load_kb_handler() -> KbHandler | None:
    """``performia.kb.http.kb_query_request`` when the knowledge base is installed and its
    index built, else None.

    Only its absence is tolerated: a knowledge base that is installed but fails to import is a
    broken installation and the error surfaces.
    """
    try:
        module = importlib.import_module("performia.kb.http")
        config = importlib.import_module("performia.kb.config")
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == "performia.kb" or exc.name.startswith("performia.kb.")):
            return None
        raise
    # an index never built (`performia kb ingest`) has nothing to answer: no help box then
    if not (config.index_dir() / "chroma.sqlite3").is_file():
        return None
    return getattr(module, "kb_query_request", None)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def _error(message: str, status: int) -> Response:
    return _json({"error": message}, status)


class ViewerApp:
    """The viewer over one store root.

    Parameters
    ----------
    root
        The store root (what ``performia analyze SONG --out DIR`` writes).
    dist
        The built frontend (holds ``index.html``).
    open_song
        The song the Living Chart opens; None: the most recently saved one, looked up per
        request so a song analysed while the viewer runs is the one that opens.
    kb_handler
        Handles ``POST /api/kb_query``; None: no knowledge base (``kbQueryUrl`` is null).
    trusted_hosts
        Host names accepted in the ``Host`` header; None: any (bound beyond loopback).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        dist: str | Path,
        open_song: str | None = None,
        kb_handler: KbHandler | None = None,
        trusted_hosts: Iterable[str] | None = LOCAL_HOSTS,
    ) -> None:
        self.root = Path(root).resolve()
        self.dist = Path(dist).resolve()
        self.store = LocalFolderStore(self.root)
        self.open_song = open_song
        self.kb_handler = kb_handler
        self.trusted_hosts = None if trusted_hosts is None else frozenset(trusted_hosts)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES  # chunked bodies too: 413 past it
        try:
            response = self.dispatch(request)
        except HTTPException as exc:  # e.g. 416 for an unsatisfiable Range
            response = exc.get_response(environ)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response(environ, start_response)

    def config(self) -> dict[str, Any]:
        """``/config.json``: the embedded side of the contract."""
        ids = song_ids(self.root) if self.open_song is None else [self.open_song]
        return {
            "mode": "embedded",
            "dataUrl": DATA_URL,
            "versionHeader": VERSION_HEADER,
            "libraryUrl": None,
            "saveSongUrl": SAVE_SONG_URL,
            "realignUrl": REALIGN_URL,
            "importUrl": IMPORT_URL,
            "uploadUrl": None,
            "kbQueryUrl": KB_QUERY_URL if self.kb_handler is not None else None,
            "firestore": None,
            "openSong": ids[0] if ids else None,
        }

    def dispatch(self, request: Request) -> Response:
        if self.trusted_hosts is not None and not self._host_trusted(request.host):
            return Response("this viewer answers on localhost only", 403, mimetype="text/plain")
        path = request.path
        if path.startswith("/api/"):
            if path == SAVE_SONG_URL:
                return self._post(request, self._save_song)
            if path == REALIGN_URL:
                return self._post(request, self._realign)
            if path == IMPORT_URL:
                return self._post(request, self._import)
            if path == KB_QUERY_URL and (kb := self.kb_handler) is not None:
                return self._post(request, lambda r: _from_handler(kb(r)))
            return _error(f"no API {path}", 404)
        if request.method not in ("GET", "HEAD"):
            return Response("use GET", 405, headers={"Allow": "GET, HEAD"})
        if path == "/config.json":
            return _json(self.config())
        if path.startswith(DATA_URL):
            return self._data(request, path[len(DATA_URL) :])
        if path == "/data":
            return Response("not found", 404, mimetype="text/plain")
        return self._frontend(request, path.lstrip("/"))

    # -- the store root --------------------------------------------------------------------
    def _data(self, request: Request, key: str) -> Response:
        target = _inside(self.root, key)
        if isinstance(target, Response):
            return target
        if _SONG_MAP.fullmatch(key):
            # the bytes and the version come from one read, so the header matches the body
            try:
                data, version = self.store.read_versioned(key)
            except NotFoundError:
                return Response("not found", 404, mimetype="text/plain")
            response = Response(data, mimetype="application/json")
            response.headers[VERSION_HEADER] = version
            response.headers["Cache-Control"] = "no-store"
            return response
        response = _send(request, target, key)
        if response.status_code < 400:
            no_cache = key.startswith("songs/") and key.endswith(".json")
            response.headers["Cache-Control"] = "no-store" if no_cache else "no-cache"
        return response

    # -- the frontend ----------------------------------------------------------------------
    def _frontend(self, request: Request, rel: str) -> Response:
        if rel:
            target = _inside(self.dist, rel)
            if not isinstance(target, Response):
                response = _send(request, target, rel)
                if response.status_code < 400:
                    response.headers["Cache-Control"] = (
                        IMMUTABLE if rel.startswith("assets/") else "no-cache"
                    )
                return response
            if target.status_code != 404:
                return target
            last = rel.rsplit("/", 1)[-1]
            if "." in last and "text/html" not in request.headers.get("Accept", ""):
                return target  # a missing script or image, not one of the app's routes
        response = _send(request, self.dist / "index.html", "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    # -- the API ---------------------------------------------------------------------------
    def _post(self, request: Request, work: Callable[[Request], Response]) -> Response:
        if request.method != "POST":
            return _error("use POST", 405)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            return _error("requests from another site are refused", 403)
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _error(f"the request is larger than {MAX_BODY_BYTES // 2**20} MB", 413)
        try:
            return work(request)
        except HTTPException:
            raise
        except Exception:
            log.exception("%s failed", request.path)
            return _error("something went wrong on our side; try again", 500)

    def _save_song(self, request: Request) -> Response:
        """Same request, answers and code as the cloud's ``save_song`` function (one local
        user: no sign-in, no owner check)."""
        return _from_handler(
            answer(
                request,
                lambda body: save_from_request(self.store, body),
                statuses={StaleEditError: 409},
                what="save",
            )
        )

    def _import(self, request: Request) -> Response:
        """Same request, answers and code as the cloud's ``library`` function's ``import``."""
        return _from_handler(
            answer(
                request,
                lambda body: import_from_request(self.store, body, user=None),
                what="import",
            )
        )

    def _realign(self, request: Request) -> Response:
        """Same request, answers and code as the cloud's ``realign`` function."""
        from performia.cloud.realign import realign_from_request  # loads the aligner lazily

        return _from_handler(
            answer(request, lambda body: realign_from_request(self.store, body), what="re-align")
        )

    def _host_trusted(self, host: str) -> bool:
        try:
            name = urlsplit(f"//{host}").hostname
        except ValueError:
            return False
        return name is not None and name in (self.trusted_hosts or ())


def _from_handler(result: Any) -> Response:
    """A cloud-style handler's answer (``(body, status[, headers])`` or a response) as a
    response; CORS headers are dropped, the viewer answers its own origin only."""
    if isinstance(result, Response):
        return result
    body, status, *rest = result if isinstance(result, tuple) else (result, 200)
    headers = {
        k: v
        for k, v in (dict(rest[0]) if rest else {}).items()
        if not k.lower().startswith("access-control-")
    }
    if isinstance(body, dict | list):
        return _json(body, int(status), headers)
    return Response(body, int(status), headers=headers)


def _inside(base: Path, rel: str) -> Path | Response:
    """The file ``rel`` names under ``base``, or the refusal: 403 for a way out of ``base``
    (``..``, a link pointing outside), 404 for hidden, invalid or missing paths."""
    parts = rel.split("/")
    if any(p == ".." for p in parts) or "\\" in rel:
        return Response("forbidden", 403, mimetype="text/plain")
    if "\x00" in rel or any(p in ("", ".") or p.startswith(".") for p in parts):
        return Response("not found", 404, mimetype="text/plain")
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        return Response("forbidden", 403, mimetype="text/plain")
    if not target.is_file():
        return Response("not found", 404, mimetype="text/plain")
    return target


def _send(request: Request, path: Path, name: str) -> Response:
    """A file with conditional GET and byte ranges (206, ``Accept-Ranges: bytes``)."""
    try:
        # werkzeug adds the charset to text types itself
        mimetype = content_type(name).split(";")[0]
        response = send_file(path, request.environ, mimetype=mimetype, conditional=True)
    except FileNotFoundError:  # removed since it was checked
        return Response("not found", 404, mimetype="text/plain")
    response.headers["Accept-Ranges"] = "bytes"
    response.headers.pop("Date", None)  # the server sends its own; two confuse caches
    return response


def create_app(
    root: str | Path,
    *,
    dist: str | Path,
    open_song: str | None = None,
    trusted_hosts: Iterable[str] | None = LOCAL_HOSTS,
) -> ViewerApp:
    """The viewer with the knowledge base wired in when it is installed, over a listing
    rebuilt from the folder's Song Maps (so it searches every song's words as this version
    indexes them, and lists songs copied into the folder by hand)."""
    app = ViewerApp(
        root,
        dist=dist,
        open_song=open_song,
        kb_handler=load_kb_handler(),
        trusted_hosts=trusted_hosts,
    )
    rebuild_listing(app.store, song_ids(app.root))
    return app
