"""Fresh child processes for the benchmarks, and the peak resident memory they report.

Each benchmark runs the code it measures in a fresh Python process so the peak memory is that
code's own. ``resource.getrusage(...).ru_maxrss`` cannot say it: Linux folds the parent's
high-water mark into the child's when the child calls ``execve`` (see ``getrusage(2)``: the
value survives ``execve``), so a child started by a 400 MB benchmark process reports at least
400 MB whatever it does itself. ``VmHWM`` in ``/proc/self/status`` is the high-water mark of the
current address space only, which ``execve`` replaces, so it is the child's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["peak_rss_mb", "run_child"]

_STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MiB (``VmHWM``), or ``None`` where the kernel does
    not report it (no ``/proc``: not Linux).

    Memory of child processes is not included: the analyses measured run in-process.
    """
    try:
        text = _STATUS.read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            if unit != "kB":  # the kernel has always written kB; refuse to guess otherwise
                return None
            return int(value) / 1024.0
    return None


def run_child(
    script: str, request: dict[str, Any], *, mark: str, timeout: float
) -> tuple[dict[str, Any] | None, str, float]:
    """Run ``python -c script REQUEST_JSON`` and read the JSON it prints after ``mark``.

    Returns ``(result, status, seconds)``: the result or ``None``; ``"ok"`` or ``"error: …"``
    naming the timeout, or the exit code and the last line of stderr; the child's wall time.
    """
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"error: timed out after {timeout:g} s", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(mark):
            return json.loads(line[len(mark) :]), "ok", elapsed
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return None, f"error: exit {proc.returncode}: {tail}", elapsed
