"""``performia dev up`` / ``performia dev down``: the local emulator stack from a terminal."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from performia.cloud.auth import unsigned_token
from performia.devstack.stack import DEFAULT_BUCKET, DEFAULT_PROJECT, DevStack
from performia.devstack.state import (
    DEFAULT_STATE_FILE,
    alive,
    read_state,
    remove_state,
    stop_stack,
    write_state,
)
from performia.errors import BadInputError

__all__ = ["dev_app"]

dev_app = typer.Typer(
    help="The local cloud: emulators, topics and functions, wired as in the cloud.",
    no_args_is_help=True,
)
#: Variables printed for clients, in this order.
CLIENT_ENV = (
    "FIRESTORE_EMULATOR_HOST",
    "PUBSUB_EMULATOR_HOST",
    "STORAGE_EMULATOR_HOST",
    "GOOGLE_CLOUD_PROJECT",
    "PERFORMIA_BUCKET",
    "PERFORMIA_TOPIC_PREFIX",
    "PERFORMIA_FUNCTIONS_URL",
)

#: The user the printed token signs in (owner of what it uploads).
DEV_USER = "dev-user"

StateOption = Annotated[
    Path, typer.Option("--state-file", help="Where dev up records what it started.")
]


class _StopRequestError(Exception):
    """SIGTERM or SIGHUP: leave the wait loop and stop the stack."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _StopRequestError(signal.Signals(signum).name)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dev_app.command()
def up(
    project: Annotated[str, typer.Option(help="Google Cloud project id.")] = DEFAULT_PROJECT,
    bucket: Annotated[str, typer.Option(help="The bucket uploads land in.")] = DEFAULT_BUCKET,
    log_dir: Annotated[
        Path | None, typer.Option(help="Folder for every process's log [default: a temp folder].")
    ] = None,
    state_file: StateOption = DEFAULT_STATE_FILE,
) -> None:
    """Start the stack, print what a client needs, and keep it running until Ctrl-C."""
    state = read_state(state_file)
    if state is not None:
        sup = state.get("supervisor", {})
        if isinstance(sup.get("pid"), int) and alive(sup["pid"], sup.get("cmdline")):
            raise BadInputError(
                f"a dev stack is already running here (pid {sup['pid']}, {state_file}); "
                "stop it with `performia dev down`"
            )
        stop_stack(state_file)  # left over from a stack that died: clean up its children
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.getsignal(s) for s in handled}
    # Ctrl-C stops the stack even when this process was started with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in handled[1:]:
        signal.signal(sig, _raise_stop)
    stack = DevStack(project=project, bucket=bucket, log_dir=log_dir)
    config = state_file.parent / "frontend-config.json"
    try:
        stack.start()
        env = stack.env
        write_state(state_file, processes=stack.processes, env=env, log_dir=str(stack.log_dir))
        _say(f"performia dev stack ready (logs in {stack.log_dir}; Ctrl-C stops it)")
        for name in CLIENT_ENV:
            _say(f"{name}={env[name]}")
        # the HTTP functions want a signed-in user; here an unsigned emulator token does
        token = unsigned_token(DEV_USER, project=stack.project)
        _say(f"PERFORMIA_DEV_TOKEN={token}")
        config.write_text(json.dumps(stack.frontend_config(token=token), indent=2) + "\n")
        _say(f"frontend config: {config} (serve it as the frontend's config.json)")
        _say(f"bucket: gs://{stack.bucket} (write to gs://{stack.bucket}/uploads/ to start a job)")
        _watch(stack)
    except (KeyboardInterrupt, _StopRequestError):
        pass
    finally:
        for sig in handled:  # a second Ctrl-C must not leave half the stack running
            signal.signal(sig, signal.SIG_IGN)
        try:
            stack.stop()
            remove_state(state_file)
            config.unlink(missing_ok=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    _say("performia dev stack stopped")


def _watch(stack: DevStack) -> None:
    """Wait; a process that dies takes the stack down with an error naming its log."""
    parts = {"firestore": stack.firestore, "pubsub": stack.pubsub, "storage": stack.storage,
             "functions": stack.functions}  # fmt: skip
    while True:
        time.sleep(1.0)
        for name, proc in parts.items():
            if proc is not None and not proc.running:
                raise typer.Exit(_died(name, proc.log_path))


def _died(name: str, log: Path | None) -> int:
    sys.stderr.write(f"error: the {name} process stopped; see {log}\n")
    return 1


@dev_app.command()
def down(state_file: StateOption = DEFAULT_STATE_FILE) -> None:
    """Stop the stack a `performia dev up` started from this folder."""
    if read_state(state_file) is None:
        _say(f"no dev stack recorded in {state_file}; nothing to stop")
        return
    stopped = stop_stack(state_file)
    _say("performia dev stack stopped" + (f" ({', '.join(stopped)})" if stopped else ""))
