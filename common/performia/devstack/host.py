"""One local process serving every function of ``functions/`` at ``/{function}/``.

Cloud Run gives each function its own service; locally one process is enough and starts once.
Each ``functions/<name>/main.py`` is loaded by ``functions_framework.create_app`` exactly as the
Cloud Run image loads it, and the apps are mounted side by side with werkzeug's
``DispatcherMiddleware``. Pub/Sub push requests (``{"message": …, "subscription": …}``, no
CloudEvent headers) reach the cloud_event functions through functions-framework's own
conversion, which wraps the pushed message as a ``messagePublished`` CloudEvent whose data is
``{"message": {...}}``: what :func:`performia.cloud.messages.parse_pushed` reads. A function that
raises answers 500, which Pub/Sub takes as a nack and redelivers with backoff.

Run as ``python -m performia.devstack.host --functions DIR --port N``; ``GET /healthz`` answers
``ok`` with the served functions once every app is built.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["build_app", "discover_functions", "main"]

HEALTH_PATH = "/healthz"


def discover_functions(functions_dir: Path) -> list[str]:
    """The functions in ``functions_dir``: every sub-folder holding a ``main.py``, sorted."""
    return sorted(p.parent.name for p in Path(functions_dir).glob("*/main.py"))


def build_app(functions_dir: Path, names: Iterable[str] | None = None) -> Any:
    """A WSGI app serving each function at ``/{name}/`` and a health check at ``/healthz``."""
    import flask
    from functions_framework import create_app
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    functions_dir = Path(functions_dir)
    names = list(names) if names is not None else discover_functions(functions_dir)
    if not names:
        raise FileNotFoundError(f"no functions (*/main.py) in {functions_dir}")
    mounts = {}
    for name in names:
        # Every main.py defines ``main``; functions-framework reads the signature type from its
        # registry right after loading the module, so loading them one by one is unambiguous.
        mounts[f"/{name}"] = create_app(target="main", source=str(functions_dir / name / "main.py"))
    root = flask.Flask("performia-devstack")

    @root.get(HEALTH_PATH)
    def health() -> dict[str, Any]:
        return {"status": "ok", "functions": names}

    return DispatcherMiddleware(root, mounts)


def main(argv: list[str] | None = None) -> None:
    """Serve the functions until killed (threaded: Pub/Sub pushes several messages at once)."""
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(prog="python -m performia.devstack.host")
    parser.add_argument("--functions", type=Path, required=True, help="the functions/ folder")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("PERFORMIA_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    app = build_app(args.functions)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
