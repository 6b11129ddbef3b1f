"""Demucs (Hybrid Transformer Demucs, ``htdemucs``): four stems, the production separator.

The model comes from a checkpoint on disk and never from the network: ``demucs`` 4.1's
``get_model(name)`` without a ``repo`` fetches from the Hugging Face hub or Meta's servers, and
with a ``repo`` it wants the bag's ``.yaml`` beside the weights. Here a name resolves in the
configured folder (``PERFORMIA_DEMUCS_REPO``, else torch's hub cache, where ``demucs`` itself
would have stored a download) through demucs's own ``LocalRepo``, which checks each file's
checksum, with the bag definitions (``htdemucs.yaml`` → signature ``955717e8``) taken from that
folder or, when it has none, from the copies demucs ships. A path to a ``.th`` file
(``PERFORMIA_DEMUCS_MODEL=/models/htdemucs.th``) is loaded directly. Missing weights raise a
:class:`~performia.errors.ModelError` naming the file and the setting to change.

Long songs go through ``demucs.apply.apply_model`` in the model's own segments (7.8 s for
``htdemucs``), overlapped by a quarter and cross-faded, with no time-shift averaging
(``shifts=0``: each shift is another full pass for about 0.2 dB). The whole song stays in CPU
memory and only one segment at a time goes to the GPU, so GPU memory does not grow with length.
The input is standardised as the demucs command line does (zero mean, unit deviation of the
mono mix) and the stems scaled back.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from performia.analysis.backends import engine_version
from performia.errors import ModelError
from performia.separation.base import Progress, check_audio, check_stems
from performia.settings import engine_threads

__all__ = ["DEFAULT_OVERLAP", "DemucsSeparator", "load_demucs_model"]

#: Share of each segment overlapping the next (the demucs command line's default).
DEFAULT_OVERLAP = 0.25
_FIX = (
    "set PERFORMIA_DEMUCS_REPO to the folder holding the checkpoint files, or "
    "PERFORMIA_DEMUCS_MODEL to a .th file; Performia never downloads weights"
)


def _model_folder(repo: str) -> Path:
    if repo:
        folder = Path(repo).expanduser()
        if not folder.is_dir():
            raise ModelError(f"PERFORMIA_DEMUCS_REPO={repo!r} is not a folder ({_FIX})")
        return folder
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def _from_folder(name: str, folder: Path) -> Any:
    """A model or bag by name or signature from ``folder``, without any download."""
    import yaml
    from demucs.pretrained import REMOTE_ROOT
    from demucs.repo import AnyModelRepo, BagOnlyRepo, LocalRepo, ModelLoadingError

    if not folder.is_dir():
        raise ModelError(f"no Demucs model {name!r}: {folder} does not exist ({_FIX})")
    try:
        models = LocalRepo(folder)
    except ModelLoadingError as exc:
        raise ModelError(f"cannot use {folder} as a Demucs model folder: {exc}") from None
    bag_folder = folder if (folder / f"{name}.yaml").is_file() else Path(REMOTE_ROOT)
    repo = AnyModelRepo(models, BagOnlyRepo(bag_folder, models))
    if not repo.has_model(name):
        raise ModelError(f"no Demucs model or bag {name!r} in {folder} ({_FIX})")
    if not models.has_model(name):  # a bag: every signature it lists must be here
        bag = yaml.safe_load((bag_folder / f"{name}.yaml").read_text())
        missing = [sig for sig in bag["models"] if not models.has_model(sig)]
        if missing:
            files = ", ".join(f"{sig}-*.th" for sig in missing)
            raise ModelError(
                f"Demucs model {name!r} needs {files} in {folder}, which is missing ({_FIX})"
            )
    try:
        return repo.get_model(name)
    except Exception as exc:  # a checksum that does not match the file name, a damaged file
        raise ModelError(f"cannot load Demucs model {name!r} from {folder}: {exc}") from exc


def load_demucs_model(model: str, *, repo: str = "") -> tuple[Any, str]:
    """Load ``model`` (a name in ``repo`` or a ``.th`` path); returns ``(model, short name)``.

    Raises
    ------
    ModelError
        The file or folder is missing, the weights are absent or damaged.
    """
    from demucs.states import load_model

    if model.endswith(".th") or "/" in model or "\\" in model:
        path = Path(model).expanduser()
        if not path.is_file():
            raise ModelError(f"PERFORMIA_DEMUCS_MODEL={model!r}: no such file ({_FIX})")
        try:
            loaded = load_model(path)  # a pickled model package: only configured, trusted files
        except Exception as exc:
            raise ModelError(f"cannot load the Demucs model {path}: {exc}") from exc
        return loaded.eval(), path.stem
    return _from_folder(model, _model_folder(repo)).eval(), model


def _segment_count(model: Any, n: int, overlap: float) -> int:
    """How many segments ``apply_model`` runs (over every model of a bag), for progress."""
    members = getattr(model, "models", None) or [model]
    total = 0
    for member in members:
        length = int(member.samplerate * float(member.segment))
        stride = max(1, int((1 - overlap) * length))
        total += len(range(0, n, stride))
    return max(total, 1)


class DemucsSeparator:
    """A loaded Demucs model (or bag of models) and where it runs.

    Build it with :meth:`load`; ``stems`` follows the model's ``sources``
    (``drums, bass, other, vocals`` for ``htdemucs``).
    """

    name = "demucs"

    def __init__(
        self, model: Any, *, short_name: str, device: str = "cpu", overlap: float = DEFAULT_OVERLAP
    ):
        import torch

        self.stems = check_stems(list(model.sources), engine=f"Demucs model {short_name!r}")
        self.label = f"demucs {short_name}"
        self.sample_rate = int(model.samplerate)
        self.channels = int(model.audio_channels)
        self.device = device
        self.overlap = overlap
        self.version = f"demucs {engine_version('demucs')}, torch {torch.__version__}"
        self._model = model.to(device)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model: str, *, repo: str = "", device: str = "cpu") -> DemucsSeparator:
        """Load by name from ``repo`` (or torch's cache) or from a ``.th`` path."""
        loaded, short = load_demucs_model(model, repo=repo)
        return cls(loaded, short_name=short, device=device)

    def separate(
        self, audio: np.ndarray, *, progress: Progress | None = None
    ) -> dict[str, np.ndarray]:
        """Split ``audio`` (``(channels, samples)`` at ``sample_rate``) into the model's stems."""
        import torch
        from demucs.apply import apply_model

        if self.device == "cpu":
            torch.set_num_threads(engine_threads())
        audio = check_audio(audio, channels=self.channels)
        wav = torch.from_numpy(audio)
        ref = wav.mean(0)
        mean = float(ref.mean())
        std = float(ref.std()) if ref.numel() > 1 else 0.0
        if std < 1e-8:  # digital silence (or one sample): nothing to standardise
            std = 1.0
        total = _segment_count(self._model, audio.shape[1], self.overlap)
        done = [0]

        def callback(info: dict[str, Any]) -> None:
            if info.get("state") == "end" and progress is not None:
                done[0] += 1
                progress(min(done[0] / total, 1.0))

        with self._lock, torch.inference_mode():
            estimate = apply_model(
                self._model,
                ((wav - mean) / std)[None],
                shifts=0,
                split=True,
                overlap=self.overlap,
                device=self.device,
                progress=False,
                callback=callback,
            )[0]
        out = (estimate * std + mean).numpy()
        return {stem: np.ascontiguousarray(out[k]) for k, stem in enumerate(self.stems)}
