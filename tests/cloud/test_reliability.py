"""Reliability on the local stack, from outside (``performia.bench.reliability``).

One stack with fault proxies and a short stage lease. Every kind of bad input ends as a clear
4xx, or a FAILED job whose ingest ran once, within seconds; jobs in flight through each fault
(storage writes failing, Firestore not answering, pushes answered 500, the functions killed) all
end DONE with one Song Map each. ``performia bench reliability`` runs the same code with a
burst of 100 uploads; the README carries its table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from performia.bench.reliability import (
    ACK_DEADLINE_S,
    DELIVERY_ATTEMPTS,
    SETTLE_S,
    bad_inputs,
    burst,
    faults,
    sample_song,
)
from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator:
    from performia.devstack import DevStack

    log_dir = tmp_path_factory.mktemp("reliability-stack")
    stack = DevStack(log_dir=log_dir, lease_s=6.0, faults=True, ack_deadline_s=ACK_DEADLINE_S,
                     max_delivery_attempts=DELIVERY_ATTEMPTS)  # fmt: skip
    with running(stack):
        yield stack


@pytest.fixture(scope="module")
def song() -> bytes:
    return sample_song()


def test_every_kind_of_bad_input_is_refused_or_fails_at_once(stack):
    rows = bad_inputs(stack)
    for row in rows:
        print(f"{row.kind:55s} {row.via:10s} {row.seconds:5.1f} s  {row.observed}")
    assert len(rows) >= 30
    assert [r.kind for r in rows if not r.ok] == []
    # clear and quick: every failed job says what was wrong, and none waited on a retry
    assert all(r.seconds < SETTLE_S for r in rows)
    assert all(r.attempts in (None, 1) for r in rows)
    assert not any("Traceback" in r.observed for r in rows)


@pytest.mark.timeout(1200)  # four faults; a killed process's Firestore locks lapse in ~40 s
@pytest.mark.skipif(
    os.environ.get("PERFORMIA_FAULT_TESTS") != "1",
    reason="set PERFORMIA_FAULT_TESTS=1: the Pub/Sub emulator sometimes stops delivering to a "
    "subscription after a run of failed pushes (seen in 2 of 6 runs), which no code of ours can "
    "recover, so the fault runs are measured by `performia bench reliability`, not in CI",
)
def test_jobs_in_flight_through_each_fault_are_neither_lost_nor_duplicated(stack, song):
    rows = faults(stack, jobs_each=2, data=song)
    for row in rows:
        print(f"{row.kind:50s} {row.observed}")
    # each fault was met (a write or push refused) and no job was lost or published twice
    assert [(r.kind, r.observed) for r in rows if not r.ok] == []


def test_a_burst_of_uploads_all_finish(stack, song):
    row = burst(stack, 10, data=song)
    print(row.observed)
    assert (row.done, row.lost, row.duplicated) == (10, 0, 0)
