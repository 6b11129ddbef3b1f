"""Check, inside a built image, that its functions load: the last step of each Dockerfile.

For every function named, its ``functions/<name>/main.py`` is imported the way
functions-framework imports it, and a stage function also imports its engines and loads its
model (:func:`performia.pipeline.execute.preload_stage`). An extra missing from the image, or a
model that was not baked in (Demucs weights, the joined Whisper ``base``), fails the build
here, with the function's name, instead of failing a user's first song.

Usage (what the Dockerfiles run)::

    python -m performia.deploy.smoke --functions-dir /app/functions separate transcribe
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from performia.pipeline.execute import preload_stage
from performia.pipeline.graph import GRAPH, Graph

__all__ = ["check_functions", "main"]


def _import_entry(path: Path, name: str) -> None:
    spec = importlib.util.spec_from_file_location(f"performia_function_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "main", None)):
        raise ImportError(f"{path} defines no main()")


def check_functions(
    names: Iterable[str], *, functions_dir: Path, graph: Graph = GRAPH
) -> dict[str, float]:
    """Import each function and preload its stage; seconds each took. Raises ``RuntimeError``
    naming every function that failed and why."""
    seconds: dict[str, float] = {}
    failures: list[str] = []
    for name in names:
        started = time.perf_counter()
        try:
            _import_entry(functions_dir / name / "main.py", name)
            if name in graph:
                preload_stage(graph[name])
        except Exception as exc:  # every failure is reported, then the build fails
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        seconds[name] = round(time.perf_counter() - started, 2)
    if failures:
        raise RuntimeError("functions that do not load:\n  " + "\n  ".join(failures))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m performia.deploy.smoke")
    parser.add_argument("functions", nargs="+", help="function names (comma lists accepted)")
    parser.add_argument("--functions-dir", type=Path, default=Path("functions"))
    args = parser.parse_args(argv)
    names = [n for arg in args.functions for n in arg.split(",") if n]
    try:
        seconds = check_functions(names, functions_dir=args.functions_dir)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name, took in seconds.items():
        print(f"{name}: loads ({took:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
