"""PERFORMIA_DEVICE: one rule for every model engine."""

from __future__ import annotations

import pytest

from performia.devices import resolve_device
from performia.errors import ModelError


def test_auto_picks_a_gpu_when_there_is_one():
    assert resolve_device("auto", gpus=0) == "cpu"
    assert resolve_device("auto", gpus=2) == "cuda"
    assert resolve_device("cpu", gpus=1) == "cpu"
    assert resolve_device("cuda", gpus=1) == "cuda"


def test_a_device_that_cannot_be_had_is_a_configuration_error():
    with pytest.raises(ModelError, match="no CUDA GPU is visible"):
        resolve_device("cuda", gpus=0)
    with pytest.raises(ModelError, match="must be 'auto', 'cpu' or 'cuda', got 'tpu'"):
        resolve_device("tpu", gpus=1)
