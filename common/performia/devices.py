"""Which processor a model engine runs on: the one rule for ``PERFORMIA_DEVICE``.

``auto`` picks a CUDA GPU when the engine sees one, else the CPU; ``cuda`` without a GPU and
any other value are configuration errors (:class:`~performia.errors.ModelError`), raised
before a model loads. Each engine counts its own GPUs (torch, CTranslate2), so the rule takes
the count."""

from __future__ import annotations

from performia.errors import ModelError

__all__ = ["DEVICES", "resolve_device", "torch_gpus"]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str, *, gpus: int) -> str:
    """``"cpu"`` or ``"cuda"`` for the setting ``device`` where ``gpus`` CUDA GPUs are visible.

    >>> [resolve_device(d, gpus=n) for d, n in (("auto", 0), ("auto", 1), ("cpu", 1))]
    ['cpu', 'cuda', 'cpu']
    """
    if device not in DEVICES:
        raise ModelError(f"PERFORMIA_DEVICE must be 'auto', 'cpu' or 'cuda', got {device!r}")
    if device == "auto":
        return "cuda" if gpus > 0 else "cpu"
    if device == "cuda" and gpus == 0:
        raise ModelError(
            "PERFORMIA_DEVICE is 'cuda' but no CUDA GPU is visible (set it to 'auto' or 'cpu')"
        )
    return device


def torch_gpus() -> int:
    """CUDA GPUs torch sees (0 without CUDA)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0
