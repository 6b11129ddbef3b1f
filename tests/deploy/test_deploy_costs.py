"""The cost model: infra/COSTS.md is what the script writes, and its arithmetic holds."""

from __future__ import annotations

import dataclasses

import pytest

from performia.deploy import costs, costs_report
from performia.deploy.plan import build_plan, load_inputs


@pytest.fixture(scope="module")
def plan():
    return build_plan()


def test_costs_md_is_up_to_date():
    assert costs_report.COSTS_PATH.read_text() == costs_report.render(), (
        "infra/COSTS.md is out of date: run python -m performia.deploy.costs --write"
    )


def test_rates_are_the_list_prices(plan):
    prices = load_inputs().prices
    gpu = plan.functions["separate"]  # L4, 4 vCPU, 16 GiB, instance billing
    assert costs.instance_rate(gpu, prices) == pytest.approx(
        0.0001867 + 4 * 0.000018 + 16 * 0.000002
    )
    rhythm = plan.functions["rhythm"]  # 2 vCPU, 4 GiB, request billing
    assert costs.instance_rate(rhythm, prices) == pytest.approx(2 * 0.000024 + 4 * 0.0000025)
    # a job is billed at the instance rates
    assert costs.instance_rate(rhythm, prices, job=True) == pytest.approx(
        2 * 0.000018 + 4 * 0.000002
    )


def test_an_isolated_song_pays_the_gpu_idle_tail(plan):
    model = costs._Model(plan)
    a = load_inputs().assumptions
    tail = sum(
        a["idle_instance_s"] * costs.instance_rate(plan.functions[s], model.prices)
        for s in model.gpu_stages
    )
    assert model.isolated("gpu") > tail > 0.5  # two L4 services idling 15 minutes
    assert model.isolated("cpu") < model.isolated("gpu") / 20
    # a burst shares the tails: far cheaper per song than isolated songs
    assert model.burst("gpu") < model.isolated("gpu") / 50


def test_sporadic_songs_pay_the_gap_below_the_idle_period(plan):
    model = costs._Model(plan)
    rate = sum(costs.instance_rate(plan.functions[s], model.prices) for s in model.gpu_stages)
    assert model.sporadic_gpu(300.0) == pytest.approx(300.0 * rate)
    assert model.sporadic_gpu(3600.0) > model.sporadic_gpu(900.0)


def test_scenarios_and_target(plan):
    items = costs.scenarios(plan)
    assert {s.pattern for s in items} == {"isolated song", "burst of 1,000"}
    assert all(s.per_song > 0 and s.latency_s > 0 for s in items)
    cheap = dataclasses.replace(items[0], per_song=costs.TARGET_PER_SONG)
    assert cheap.meets_target
    assert not dataclasses.replace(items[0], per_song=costs.TARGET_PER_SONG * 1.01).meets_target


def test_critical_path_follows_the_graph(plan):
    fs = plan.functions
    warm = costs.critical_path_s(plan, fs, cold=False)
    # ingest, then separate, transcribe, structure and package one after another at least
    chain = sum(fs[s].busy_s for s in ("ingest", "separate", "transcribe", "structure", "package"))
    assert warm >= chain
    assert costs.critical_path_s(plan, fs, cold=True) > warm
