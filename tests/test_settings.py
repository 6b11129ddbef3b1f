"""Settings: each default defined once, overridden by its ``PERFORMIA_`` variable, and the
core-derived defaults computed from the cores this process may use, not the whole machine."""

from __future__ import annotations

from unittest import mock

import pytest

from performia.settings import ANALYSIS_SR, Settings, engine_threads, stage_workers


def test_environment_overrides_each_field_with_its_type():
    settings = Settings.from_env(
        {"PERFORMIA_ANALYSIS_SR": "16000", "PERFORMIA_WORKERS": "3", "PERFORMIA_DEVICE": "cpu"}
    )
    assert (settings.analysis_sr, settings.workers, settings.device) == (16000, 3, "cpu")
    assert Settings.from_env({}).analysis_sr == ANALYSIS_SR


def test_an_unknown_profile_is_refused_by_name():
    with pytest.raises(ValueError, match="PERFORMIA_PROFILE"):
        Settings.from_env({"PERFORMIA_PROFILE": "fast"})


@pytest.mark.parametrize(("cores", "workers", "threads"), [(1, 2, 1), (2, 2, 1), (8, 4, 4)])
def test_core_derived_defaults_follow_the_affinity_mask(cores, workers, threads):
    """A 2-core container on a 64-core host gets two stage workers and one engine thread."""
    with (
        mock.patch("os.sched_getaffinity", return_value=set(range(cores))),
        mock.patch("os.cpu_count", return_value=64),
    ):
        assert stage_workers(Settings()) == workers
        assert engine_threads(Settings()) == threads


def test_configured_counts_win():
    settings = Settings(workers=6, engine_threads=3)
    assert (stage_workers(settings), engine_threads(settings)) == (6, 3)
