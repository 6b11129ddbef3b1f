"""The declared stage graph: complete, acyclic, and every built stage importable."""

from __future__ import annotations

import pytest

from performia.pipeline.execute import load_impl
from performia.pipeline.graph import GRAPH, Graph, StageSpec

JOB_PARAMS = {
    "language",
    "lyrics",
    "title",
    "artist",
    "album",
    "max_duration_s",
    "separator",
    "asr_engine",
    "asr_model",
    "profile",
    "analysis_sr",
    "demucs_model",
    "asr_input",
}


def test_graph_declares_every_stage_in_dependency_order():
    assert set(GRAPH.names) == {
        "ingest",
        "separate",
        "transcribe",
        "melody",
        "rhythm",
        "harmony",
        "structure",
        "package",
    }
    order = GRAPH.order()
    for spec in GRAPH:
        for dep in spec.upstream:
            assert order.index(dep) < order.index(spec.name), (dep, spec.name)
    assert GRAPH.roots() == ("ingest",)
    assert GRAPH.sinks() == ("package",)


def test_gpu_exactly_where_the_design_says():
    assert {s.name for s in GRAPH if s.gpu} == {"separate", "transcribe"}


def test_every_stage_joins_into_package_and_declares_outputs():
    package = GRAPH["package"]
    assert set(package.upstream) == set(GRAPH.names) - {"package"}
    for spec in GRAPH:
        assert spec.writes, f"{spec.name} declares no outputs"
        assert set(spec.params) <= JOB_PARAMS, spec.name


def test_every_setting_that_changes_an_output_is_in_a_fingerprint():
    from performia.settings import OUTPUT_SETTINGS, Settings, output_params

    declared = {p for spec in GRAPH for p in spec.params}
    assert set(OUTPUT_SETTINGS) <= declared
    params = output_params(Settings(profile="commercial", asr_input="mix"))
    assert params["profile"] == "commercial" and params["asr_input"] == "mix"
    assert set(params) == set(OUTPUT_SETTINGS)


def test_built_stages_import_and_are_callable():
    built = [s for s in GRAPH if s.built]
    assert {s.name for s in built} >= {
        "ingest",
        "rhythm",
        "harmony",
        "melody",
        "structure",
        "package",
    }
    for spec in built:
        assert callable(load_impl(spec))


def test_unbuilt_stage_cannot_be_loaded():
    with pytest.raises(LookupError, match="not built"):
        load_impl(StageSpec("later"))


def test_cycles_and_unknown_dependencies_are_rejected():
    with pytest.raises(ValueError, match="cycle"):
        Graph((StageSpec("a", needs=("b",)), StageSpec("b", needs=("a",))))
    with pytest.raises(ValueError, match="unknown stage 'nope'"):
        Graph((StageSpec("a", uses=("nope",)),))
    with pytest.raises(ValueError, match="declared twice"):
        Graph((StageSpec("a"), StageSpec("a")))


def test_downstream_and_subset():
    assert set(GRAPH.downstream("ingest")) == set(GRAPH.names) - {"ingest"}
    assert GRAPH.downstream("package") == ()
    sub = GRAPH.subset(["ingest", "rhythm"])
    assert sub.names == ("ingest", "rhythm")
