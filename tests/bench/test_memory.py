"""A benchmark child's peak memory is its own, not the large parent's that started it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from performia.bench.memory import peak_rss_mb

_CHILD = (
    "import resource\n"
    "from performia.bench.memory import peak_rss_mb\n"
    "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_child_of_a_large_parent_reports_its_own_peak():
    ballast = np.ones(400 * 2**20 // 8)  # 400 MiB, every page touched
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    own, ru_maxrss = map(float, proc.stdout.split())
    assert ballast[-1] == 1.0  # still resident while the child ran
    assert ru_maxrss >= 400  # what ru_maxrss says: the parent's size, carried across execve
    assert 5 < own < 150, own  # an interpreter that imported performia.bench
    assert peak_rss_mb() >= 400  # and this process's own high-water mark holds the ballast
