"""Benchmarks: how accurate the analyses are against known truth, and how fast they run.

:mod:`performia.bench.accuracy` scores every analysis and its baseline on the synthesised suite
(:mod:`performia.testing.suite`) with mir_eval; :mod:`performia.bench.speed` times each analysis in
a fresh process on a three-minute song; :mod:`performia.bench.separation`,
:mod:`performia.bench.transcription` and :mod:`performia.bench.lyrics` measure source separation,
speech recognition and the whole lyrics chain (the last two on the songs of
:data:`performia.bench.lyrics.LYRIC_SONGS`); :mod:`performia.bench.memory` reads a child
process's own peak memory; :mod:`performia.bench.cli` is ``performia bench``.

The analyses are looked up here by name, lazily, so the benchmark runs whichever exist and reports
the rest as not available instead of failing.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["ENTRY_POINTS", "SYSTEMS", "TASKS", "call_with", "parse_tasks", "resolve"]

#: The analyses, in pipeline order (each may feed the next).
TASKS = ("rhythm", "harmony", "melody", "structure")
#: What is compared: the product's analysis and the simpler method it is measured against.
SYSTEMS = ("performia", "baseline")
#: (task, system) → (module, function).
ENTRY_POINTS: dict[tuple[str, str], tuple[str, str]] = {
    ("rhythm", "performia"): ("performia.analysis.rhythm", "track_rhythm"),
    ("rhythm", "baseline"): ("performia.analysis.rhythm", "baseline_rhythm"),
    ("harmony", "performia"): ("performia.analysis.harmony", "analyze_harmony"),
    ("harmony", "baseline"): ("performia.analysis.harmony", "baseline_harmony"),
    ("melody", "performia"): ("performia.analysis.melody", "track_pitch"),
    ("melody", "baseline"): ("performia.analysis.melody", "baseline_melody"),
    ("structure", "performia"): ("performia.analysis.structure", "segment_structure"),
    ("structure", "baseline"): ("performia.analysis.structure", "baseline_structure"),
}


def resolve(task: str, system: str) -> tuple[Callable[..., Any] | None, str]:
    """The analysis function for ``task`` and ``system``, or ``None`` and why it is missing.

    Returns ``(function, "module.function")`` or ``(None, "not available: <reason>")``; never
    raises for a module or function that does not exist (yet) or cannot be imported.
    """
    module_name, function_name = ENTRY_POINTS[(task, system)]
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a missing module, or one whose dependencies are missing
        return None, f"not available: {module_name} ({type(exc).__name__}: {exc})"
    function = getattr(module, function_name, None)
    if not callable(function):
        return None, f"not available: {module_name} has no {function_name}()"
    return function, f"{module_name}.{function_name}"


def call_with(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call ``function`` with those of ``kwargs`` it accepts (all of them if it takes ``**``).

    The analyses share keyword names (``y``, ``sr``, ``beats`` …) but not every one takes every
    input: a baseline may ignore ``beats``, and only the product's pitch tracker takes ``source``.
    """
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return function(**kwargs)
    return function(**{name: value for name, value in kwargs.items() if name in parameters})


def parse_tasks(only: str | None) -> tuple[str, ...]:
    """``"rhythm,harmony"`` → ``("rhythm", "harmony")`` in pipeline order; ``None`` → all."""
    if not only:
        return TASKS
    names = {name.strip().lower() for name in only.split(",") if name.strip()}
    unknown = names - set(TASKS)
    if unknown:
        raise ValueError(f"unknown analyses {sorted(unknown)}; known: {', '.join(TASKS)}")
    return tuple(task for task in TASKS if task in names)
