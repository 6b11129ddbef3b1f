"""A small randomly initialised HTDemucs, packaged and saved the way demucs saves checkpoints.

Real ``htdemucs`` weights are not available offline (and Performia never downloads), so tests use
the real ``HTDemucs`` class shrunk (8 channels, one transformer layer, a 1-second training
segment): the same code path as production, from checkpoint file to ``apply_model``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SOURCES = ["drums", "bass", "other", "vocals"]
#: Signature of ``htdemucs`` in demucs's shipped ``htdemucs.yaml``.
HTDEMUCS_SIG = "955717e8"


def tiny_package(*, segment: float = 1.0, sources: list[str] = SOURCES) -> dict[str, Any]:
    """The model as ``demucs.states.serialize_model`` packages it (that function only adds the
    training config through omegaconf, which inference does not need)."""
    import torch
    from demucs.htdemucs import HTDemucs
    from demucs.states import get_state

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # demucs's weight rescaling warns on tiny layers
        model = HTDemucs(
            sources=sources, audio_channels=2, channels=8, depth=4, t_layers=1, segment=segment
        )
    args, kwargs = model._init_args_kwargs
    return {
        "klass": HTDemucs,
        "args": args,
        "kwargs": kwargs,
        "state": get_state(model, None, half=True),
        "training_args": {},
    }


def save_model(folder: Path, stem: str, package: dict[str, Any]) -> Path:
    """Saved with demucs's checksum suffix (``stem-1a2b3c4d.th``), as its repos name files."""
    from demucs.states import save_with_checksum

    folder.mkdir(parents=True, exist_ok=True)
    save_with_checksum(package, folder / f"{stem}.th")
    [path] = folder.glob(f"{stem}-*.th")
    return path


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread: the tiny model's operations are too small to share, and on a
    busy two-core machine waiting for the second thread made these tests 10 to 40 times slower
    (0.3 s against 4.9 s for one second of audio)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
