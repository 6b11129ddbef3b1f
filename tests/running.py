"""Starting an emulator (or the whole dev stack) for a test session, one way for every fixture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from performia.testing.emulators import EmulatorNotInstalledError


@contextmanager
def running(service: Any) -> Iterator[Any]:
    """``service`` started, with the environment its clients need set while it runs; the test
    is skipped when its software is not installed, and the service always stops."""
    try:
        service.start()
    except EmulatorNotInstalledError as exc:
        pytest.skip(str(exc))
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in service.env.items():
                mp.setenv(name, value)
            yield service
    finally:
        service.stop()
