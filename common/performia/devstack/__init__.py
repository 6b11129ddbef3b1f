"""The local emulator stack: ``performia dev up`` and the same stack as a pytest fixture.

See :mod:`performia.devstack.stack` for what runs and how it is wired,
:mod:`performia.devstack.host` for the one process serving every function, and
:mod:`performia.devstack.state` for how ``dev down`` finds what ``dev up`` started.
"""

from __future__ import annotations

from performia.devstack.stack import (
    DEFAULT_BUCKET,
    DEFAULT_PROJECT,
    MAX_DELIVERY_ATTEMPTS,
    DevStack,
    DevStackError,
    find_functions_dir,
)

__all__ = [
    "DEFAULT_BUCKET",
    "DEFAULT_PROJECT",
    "MAX_DELIVERY_ATTEMPTS",
    "DevStack",
    "DevStackError",
    "find_functions_dir",
]
