"""The package's docstring examples run as tests: an example that no longer holds fails here.

One test per module of ``performia`` that has examples (``doctest`` over each module, imported
by name, so the examples run exactly as a reader would type them)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import performia


def _modules_with_examples() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(performia.__path__, prefix="performia."):
        module = importlib.import_module(info.name)
        if doctest.DocTestFinder().find(module) and any(
            t.examples for t in doctest.DocTestFinder().find(module)
        ):
            found.append(info.name)
    return found


MODULES = _modules_with_examples()


def test_the_package_has_examples():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    result = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
