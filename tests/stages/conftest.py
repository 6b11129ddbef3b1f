"""The stage tests' chain: one song, each stage run once per session (``tests/stage_chain.py``)."""

from __future__ import annotations

import pytest

from stage_chain import Chain, make_chain


@pytest.fixture(scope="session")
def chain(tmp_path_factory) -> Chain:
    """The song ingested; ``chain.run(module)`` runs a stage after what it reads, once."""
    return make_chain(tmp_path_factory.mktemp("chain"))
