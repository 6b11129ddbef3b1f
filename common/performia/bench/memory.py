"""Peak resident memory of this process, for the benchmarks' fresh child processes.

Each benchmark runs the code it measures in a fresh Python process so the peak memory is that
code's own. ``resource.getrusage(...).ru_maxrss`` cannot say it: Linux folds the parent's
high-water mark into the child's when the child calls ``execve`` (see ``getrusage(2)``: the
value survives ``execve``), so a child started by a 400 MB benchmark process reports at least
400 MB whatever it does itself. ``VmHWM`` in ``/proc/self/status`` is the high-water mark of the
current address space only, which ``execve`` replaces, so it is the child's own.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["peak_rss_mb"]

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
