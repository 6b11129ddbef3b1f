"""The deployment plan against the stage graph and its own arithmetic (no cloud, no Terraform)."""

from __future__ import annotations

import math

import pytest

from performia.deploy import plan as deploy_plan
from performia.deploy.plan import (
    L4,
    DeployError,
    build_plan,
    burst_drain_s,
    delivery_attempts,
    fit_memory,
    load_inputs,
    retry_patience,
    stage_reads_upload,
)
from performia.pipeline.graph import GRAPH, Graph, StageSpec


@pytest.fixture(scope="module")
def plan():
    return build_plan()


def test_every_stage_is_a_function_fed_by_its_topic(plan):
    for spec in GRAPH:
        f = plan.functions[spec.name]
        assert f.trigger == ("upload" if spec.name in GRAPH.roots() else "stage")
        assert f.ack_deadline_s is not None and f.max_delivery_attempts is not None
    assert plan.functions["dead_letter"].trigger == "dead_letter"
    assert {"upload_url", "save_song"} <= {
        n for n, f in plan.functions.items() if f.trigger == "http"
    }


def test_gpu_exactly_where_the_graph_says(plan):
    for spec in GRAPH:
        f = plan.functions[spec.name]
        assert (f.gpu is not None) == spec.gpu, spec.name
        assert f.image == ("gpu" if spec.gpu else "cpu")
        if spec.gpu:
            assert f.gpu == L4 and f.cpu >= 4 and f.memory_mib >= 16 * 1024
            assert not f.request_billing  # Cloud Run bills GPU instances for their lifetime
        else:
            assert f.request_billing
    assert {n for n, f in plan.functions.items() if f.gpu} == {s.name for s in GRAPH if s.gpu}
    # the CPU fallback is exactly the GPU stages, on CPU
    assert set(plan.cpu_fallback) == {s.name for s in GRAPH if s.gpu}
    assert all(f.gpu is None and f.request_billing for f in plan.cpu_fallback.values())


def test_access_is_what_each_function_uses(plan):
    for spec in GRAPH:
        a = plan.functions[spec.name].access
        # a stage publishes exactly what the adapter publishes after it: its downstream stages
        assert a.publishes == GRAPH.downstream(spec.name)
        assert a.firestore and a.jobs == "read_write"
        assert a.songs == ("read_write" if "song_map.json" in spec.writes else "")
        assert a.uploads in ("", "read") and not a.signs_urls
    # only ingest and separate read the original upload (StageContext.read_input), and
    # package, which copies it under songs/ for the browser when it publishes the song
    assert {s.name for s in GRAPH if plan.functions[s.name].access.uploads} == {
        "ingest",
        "separate",
        "package",
    }
    upload = plan.functions["upload_url"].access
    assert upload.uploads == "create" and upload.signs_urls and upload.jobs == upload.songs == ""
    assert plan.functions["save_song"].access.songs == "read_write"
    assert not plan.functions["save_song"].access.firestore
    dead = plan.functions["dead_letter"].access
    assert dead.firestore and not (dead.uploads or dead.jobs or dead.songs)
    # it publishes a stage again when a dead letter's stage is alive in another delivery
    # (Adapter.dead_letter): the plan grants what the adapter does
    assert set(dead.publishes) == set(GRAPH.names)


def test_reads_upload_is_read_from_the_stage_module(tmp_path):
    module = tmp_path / "common" / "pkg"
    module.mkdir(parents=True)
    (module / "a.py").write_text("def run(ctx):\n    return ctx.read_input()\n")
    (module / "b.py").write_text("def run(ctx):\n    return ctx.read_json('ingest', 'x')\n")
    assert stage_reads_upload(StageSpec("a", impl="pkg.a:run"), root=tmp_path)
    assert not stage_reads_upload(StageSpec("b", impl="pkg.b:run"), root=tmp_path)
    with pytest.raises(DeployError, match="missing"):
        stage_reads_upload(StageSpec("c", impl="pkg.c:run"), root=tmp_path)


def test_sizes_are_cloud_run_sizes_fitted_to_measured_peaks(plan):
    inputs = load_inputs()
    headroom = inputs.plan["memory_headroom"]
    for spec in GRAPH:
        f = plan.functions[spec.name]
        m = inputs.stage(spec.name)
        assert f.memory_mib >= m["process_peak_mb"] * headroom
        assert f.memory_mib in deploy_plan.MEMORY_STEPS_MIB
        assert f.memory_mib <= deploy_plan.MAX_MEMORY_MIB_PER_CPU[f.cpu]
        assert f.concurrency == 1
        if stage_reads_upload(spec):  # room for the largest upload
            assert f.memory_mib >= 2 * inputs.plan["max_upload_mb"]
    assert plan.functions["rhythm"].cpu == 2  # measured on 2 threads


def test_deadlines_cover_the_longest_song(plan):
    inputs = load_inputs()
    for spec in GRAPH:
        f = plan.functions[spec.name]
        assert 60 <= f.ack_deadline_s <= 600 and f.timeout_s == f.ack_deadline_s
        worst = f.startup_s + f.busy_s * inputs.plan["max_song_s"] / inputs.song_s
        assert f.ack_deadline_s >= min(600, worst), spec.name
    # Demucs on CPU would need more than Pub/Sub allows for a 20-minute song: capped at 600 s
    assert plan.cpu_fallback["separate"].ack_deadline_s == 600


def test_caps_drain_a_burst_and_retries_outlast_it(plan):
    p = load_inputs().plan
    for spec in GRAPH:
        f = plan.functions[spec.name]
        assert 2 <= f.max_instances <= 100
        drain = burst_drain_s(p["burst_songs"], f.busy_s, f.max_instances)
        if f.gpu:
            assert f.max_instances <= p["gpu_quota"]
        else:  # a CPU stage drains the burst within the target (one busy period of slack)
            assert drain <= p["burst_drain_target_s"] + f.busy_s
        patience = retry_patience(
            f.max_delivery_attempts,
            min_backoff_s=p["min_backoff_s"],
            max_backoff_s=p["max_backoff_s"],
        )
        assert patience >= drain * p["retry_patience_factor"], spec.name


def test_fit_memory():
    assert fit_memory(300, cpu=1) == (512, 1)
    assert fit_memory(1025, cpu=1) == (2048, 1)
    assert fit_memory(5000, cpu=1) == (8192, 2)  # 1 vCPU holds at most 4 GiB
    assert fit_memory(1000, cpu=1, gpu=L4) == (16384, 4)
    with pytest.raises(DeployError, match="more memory"):
        fit_memory(40000, cpu=8)


def test_retry_patience_and_attempts():
    kw = {"min_backoff_s": 10, "max_backoff_s": 600}
    assert retry_patience(1, **kw) == 0
    assert retry_patience(5, **kw) == 10 + 20 + 40 + 80
    assert retry_patience(9, **kw) == 10 + 20 + 40 + 80 + 160 + 320 + 600 + 600
    assert delivery_attempts(0, **kw) == 5  # Pub/Sub's minimum
    n = delivery_attempts(3600, **kw)
    assert retry_patience(n, **kw) >= 3600 > retry_patience(n - 1, **kw)
    assert delivery_attempts(1e9, **kw) == 100
    assert burst_drain_s(1000, 10.0, 4) == 2500.0
    assert burst_drain_s(1000, 10.0, 3) == math.ceil(1000 / 3) * 10.0


def test_a_stage_without_a_function_folder_is_refused(tmp_path):
    graph = Graph((StageSpec("ingest", impl="performia.stages.ingest:run"),))
    with pytest.raises(DeployError, match=r"functions/ingest/main\.py"):
        build_plan(graph=graph, root=tmp_path)


def test_measurements_name_the_graph_stages():
    assert set(load_inputs().stages) == set(GRAPH.names)
    assert set(deploy_plan.STAGE_EXTRAS) == set(GRAPH.names)
