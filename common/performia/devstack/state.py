"""The state file through which ``performia dev down`` finds the stack ``dev up`` started.

``dev up`` writes ``.performia/devstack.json`` in its working folder: its own process id (the
supervisor), every child's process id (each leads its own process group) with the command line
it ran, and the environment it printed. ``dev down`` asks the supervisor to stop (SIGTERM, which
stops the children in order), then stops any child still there itself. A process id is only
signalled while its command line is still the recorded one, so a recycled id is never hit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_STATE_FILE", "alive", "read_state", "remove_state", "stop_stack", "write_state"]

DEFAULT_STATE_FILE = Path(".performia") / "devstack.json"
#: Seconds ``dev down`` gives the supervisor, then each process group, before SIGKILL.
GRACE_S = 20.0


def _cmdline(pid: int) -> str | None:
    """The process's command line (Linux ``/proc``); ``None`` when unknown or gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def alive(pid: int, cmdline: str | None = None) -> bool:
    """Whether ``pid`` runs (and, where ``/proc`` tells, still runs ``cmdline``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: a recycled id, not ours
    if cmdline is None:
        return True
    now = _cmdline(pid)
    return now is None or now == cmdline


def write_state(path: Path, *, processes: dict[str, int], **extra: Any) -> None:
    """Record this process as the supervisor of ``processes`` (name → pid)."""
    state = {
        "supervisor": {"pid": os.getpid(), "cmdline": _cmdline(os.getpid())},
        "processes": {
            name: {"pid": pid, "cmdline": _cmdline(pid)} for name, pid in processes.items()
        },
        **extra,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(path)


def read_state(path: Path) -> dict[str, Any] | None:
    """The recorded state; ``None`` when there is none (or it is unreadable)."""
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def remove_state(path: Path, *, only_mine: bool = True) -> None:
    """Delete the state file (``only_mine``: only when this process wrote it)."""
    state = read_state(path)
    if state is None:
        return
    if only_mine and state.get("supervisor", {}).get("pid") != os.getpid():
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _wait_gone(pid: int, cmdline: str | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid, cmdline):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_stack(path: Path, *, grace_s: float = GRACE_S) -> list[str]:
    """Stop the stack recorded in ``path``; the names of the processes that were stopped here
    (the supervisor stops its own children). Removes the state file."""
    state = read_state(path)
    if state is None:
        return []
    stopped: list[str] = []
    sup = state.get("supervisor", {})
    pid, cmd = sup.get("pid"), sup.get("cmdline")
    if isinstance(pid, int) and pid != os.getpid() and alive(pid, cmd):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        _wait_gone(pid, cmd, grace_s)
        stopped.append("supervisor")
    for name, proc in state.get("processes", {}).items():
        pid, cmd = proc.get("pid"), proc.get("cmdline")
        if not isinstance(pid, int) or not alive(pid, cmd):
            continue
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
            if _wait_gone(pid, cmd, grace_s / 2):
                break
        stopped.append(name)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return stopped
