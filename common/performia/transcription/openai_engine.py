"""openai-whisper: the reference PyTorch implementation, as an optional second engine.

It is slower than faster-whisper on a CPU and its models are ``.pt`` checkpoints rather than
CTranslate2 folders, so it loads only what is already on disk: a checkpoint path, or a name whose
checkpoint openai-whisper itself downloaded earlier (``~/.cache/whisper/NAME.pt``). A checkpoint is
always loaded by path (``whisper.load_model`` given a known *name* would go to the network when
the file is missing or its checksum differs).

Word times come from the decoder's cross-attention heads through dynamic time warping. The
official checkpoints have a chosen set of alignment heads, restored here for cached names; any
other checkpoint uses whisper's default, every head of the last half of the decoder layers.

Decoding matches :mod:`.faster_engine`: beam 5, ``condition_on_previous_text=False``,
``word_timestamps=True``; there is no voice-activity filter in this engine.
"""

from __future__ import annotations

import threading

import numpy as np

from performia.devices import resolve_device
from performia.errors import ModelError
from performia.transcription.base import (
    WhisperEngine,
)
from performia.transcription.faster_engine import BEAM_SIZE
from performia.transcription.models import ModelFiles, resolve_model

__all__ = ["OpenAIWhisperRecognizer"]


class OpenAIWhisperRecognizer(WhisperEngine):
    """An openai-whisper model, loaded once; see :class:`~.base.Recognizer` for the call.

    Parameters
    ----------
    model
        A ``.pt`` checkpoint path (``{"dims": ..., "model_state_dict": ...}``), or the name of a
        checkpoint in openai-whisper's cache.
    device
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    """

    engine = "openai-whisper"

    def __init__(self, model: str, *, device: str = "auto") -> None:
        files = resolve_model(model, engine=self.engine)
        try:
            import torch
            import whisper
        except ImportError as exc:
            raise ModelError(
                f"the openai-whisper engine is not installed ({exc}); pip install openai-whisper"
            ) from exc
        self.model: ModelFiles = files
        self.device = resolve_device(device, gpus=torch.cuda.device_count())
        try:
            self._model = whisper.load_model(str(files.path), device=self.device)
        except Exception as exc:  # torch.load and load_state_dict fail in many ways on a bad file
            raise ModelError(
                f"could not load speech model {model!r} from {files.path}: {exc}"
            ) from exc
        heads = getattr(whisper, "_ALIGNMENT_HEADS", {}).get(files.name)
        if heads is not None and files.path.stem == files.name:
            self._model.set_alignment_heads(heads)
        from whisper.tokenizer import LANGUAGES

        self._languages = tuple(LANGUAGES)[: self._model.num_languages]
        self._lock = threading.Lock()

    @property
    def multilingual(self) -> bool:
        return bool(self._model.is_multilingual)

    @property
    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes the model knows (``("en",)`` for an English-only model)."""
        return self._languages if self.multilingual else ("en",)

    def _align(
        self, audio: np.ndarray, text: str, language: str
    ) -> list[tuple[float, float, float]]:
        import torch
        import whisper
        from whisper.timing import find_alignment
        from whisper.tokenizer import get_tokenizer

        tokenizer = get_tokenizer(
            self._model.is_multilingual,
            num_languages=self._model.num_languages,
            language=language if self._model.is_multilingual else None,
            task="transcribe",
        )
        mel = whisper.log_mel_spectrogram(
            torch.from_numpy(np.ascontiguousarray(audio)),
            n_mels=self._model.dims.n_mels,
            padding=whisper.audio.N_SAMPLES,
        )
        frames = min(len(audio) // whisper.audio.HOP_LENGTH, whisper.audio.N_FRAMES)
        timed = find_alignment(
            self._model,
            tokenizer,
            tokenizer.encode(text),
            whisper.audio.pad_or_trim(mel, whisper.audio.N_FRAMES).to(self._model.device),
            frames,
        )
        return [(float(w.start), float(w.end), float(w.probability)) for w in timed]

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        import torch
        import whisper

        mel = whisper.log_mel_spectrogram(
            whisper.pad_or_trim(torch.from_numpy(np.ascontiguousarray(audio))),
            n_mels=self._model.dims.n_mels,
        )
        _, probabilities = self._model.detect_language(mel.to(self._model.device))
        return {str(code): float(p) for code, p in probabilities.items()}

    def _decode(
        self, audio: np.ndarray, language: str | None, prompt: str | None
    ) -> tuple[list[tuple[str, float, float, float | None]], str | None]:
        import whisper

        result = whisper.transcribe(
            self._model,
            audio,
            verbose=None,
            language=language,
            beam_size=BEAM_SIZE,
            best_of=BEAM_SIZE,
            word_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            carry_initial_prompt=bool(prompt),  # every window, as faster-whisper's hotwords
            fp16=self.device == "cuda",
        )
        raw = [
            (w["word"], w["start"], w["end"], w.get("probability"))
            for segment in result["segments"]
            for w in segment.get("words", ())
        ]
        return raw, result.get("language")
