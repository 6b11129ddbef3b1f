"""faster-whisper: Whisper on CTranslate2, the product's recognition engine.

CTranslate2 runs Whisper with int8 weights on a CPU (float16 on a GPU): tiny.en recognises a
3-minute song in 7.6-13 s on 2 cores, base in 15-20 s, and each loads in under 2 s (see
:mod:`performia.bench.transcription`). Decoding is set for songs:

* ``word_timestamps=True``: word times from cross-attention and dynamic time warping, which the
  syllable timing starts from;
* ``condition_on_previous_text=False``: a song repeats its chorus, and a decoder conditioned on
  its own last window falls into repetition loops (the same line written again over a verse);
* beam size 5, the reference decoder's setting;
* the Silero voice-activity filter (its ONNX model ships inside faster-whisper, so it runs offline)
  is **off** by default: see :data:`VAD_FILTER` for the measurement that decided it;
* the language, when not given, is detected from up to :data:`LANGUAGE_WINDOWS` 30 s windows
  rather than the first alone, which in a song is often an instrumental intro.

The model is given as a local folder and ``HF_HUB_OFFLINE=1`` is set before faster-whisper is
imported, so nothing here can reach the Hugging Face hub.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from performia.devices import resolve_device
from performia.errors import ModelError
from performia.settings import engine_threads
from performia.transcription.base import (
    LANGUAGE_WINDOWS,
    WhisperEngine,
)
from performia.transcription.models import ModelFiles, resolve_model

__all__ = ["BEAM_SIZE", "LANGUAGE_WINDOWS", "VAD_FILTER", "FasterWhisperRecognizer"]

#: Beam width of the decoder.
BEAM_SIZE = 5
#: Seed of the sampler faster-whisper falls back to when greedy decoding fails (see ``_decode``).
SAMPLING_SEED = 0
#: Whether the Silero VAD cuts non-speech out before decoding. Measured with
#: :func:`performia.bench.transcription.run_transcription_bench` (tiny.en, on an earlier set of 10
#: songs at 70-160 BPM with one word per beat, pooled WER without → with VAD): vocals stem
#: 0.058 → 0.067, mix with a loud voice 0.152 → 0.129,
#: the default mix 0.196 → 0.242, a soft voice 0.342 → 0.630. In a mix the band keeps the speech
#: probability near the detector's threshold, so whole songs' words were cut (one song at the
#: default level came back empty); Whisper's own no-speech test does better. Off.
VAD_FILTER = False


class FasterWhisperRecognizer(WhisperEngine):
    """A faster-whisper model, loaded once; see :class:`~.base.Recognizer` for the call.

    Parameters
    ----------
    model
        ``"tiny.en"``, ``"base"`` or a CTranslate2 model folder (see :mod:`.models`).
    device
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    vad_filter
        Cut non-speech with Silero VAD before decoding (default :data:`VAD_FILTER`).
    """

    engine = "faster-whisper"

    def __init__(self, model: str, *, device: str = "auto", vad_filter: bool = VAD_FILTER) -> None:
        files = resolve_model(model, engine=self.engine)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelError(
                f"the faster-whisper engine is not installed ({exc}); pip install faster-whisper"
            ) from exc
        self.model: ModelFiles = files
        self.device = resolve_device(device, gpus=ctranslate2.get_cuda_device_count())
        self.compute_type = "float16" if self.device == "cuda" else "int8"
        self.vad_filter = bool(vad_filter)
        try:
            self._model = WhisperModel(
                str(files.path),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=engine_threads(),
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"could not load speech model {model!r} from {files.path}: {exc}"
            ) from exc
        self._lock = threading.Lock()

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    @property
    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes the model knows (``("en",)`` for an English-only model)."""
        return tuple(self._model.supported_languages)

    def _align(
        self, audio: np.ndarray, text: str, language: str
    ) -> list[tuple[float, float, float]]:
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        tokenizer = Tokenizer(
            self._model.hf_tokenizer,
            self._model.model.is_multilingual,
            task="transcribe",
            language=language if self._model.model.is_multilingual else None,
        )
        features = self._model.feature_extractor(audio)
        frames = min(features.shape[-1], 3000)
        encoded = self._model.encode(pad_or_trim(features[:, :3000]))
        (timed,) = self._model.find_alignment(tokenizer, [tokenizer.encode(text)], encoded, frames)
        return [(float(w["start"]), float(w["end"]), float(w["probability"])) for w in timed]

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        _, _, probabilities = self._model.detect_language(audio, language_detection_segments=1)
        return {str(code): float(p) for code, p in probabilities}

    def _decode(
        self, audio: np.ndarray, language: str | None, prompt: str | None
    ) -> tuple[list[tuple[str, float, float, float | None]], str | None]:
        import ctranslate2

        # Where greedy decoding fails its checks (a loop, a garbled window: metal, dense rap)
        # faster-whisper falls back to sampling at rising temperatures; an unseeded sampler made
        # the same song's words differ from run to run (one real song: 73-82 % of its words
        # within 0.3 s over three runs). Seeded, a song always gets the same chart.
        ctranslate2.set_random_seed(SAMPLING_SEED)
        segments, info = self._model.transcribe(
            audio,
            language=language,
            beam_size=BEAM_SIZE,
            word_timestamps=True,
            condition_on_previous_text=False,
            # hotwords reach every window; initial_prompt only the first (the decoder does not
            # condition on previous text here)
            hotwords=prompt or None,
            vad_filter=self.vad_filter,
            language_detection_segments=LANGUAGE_WINDOWS,
        )
        raw = [
            (w.word, w.start, w.end, w.probability)
            for segment in segments
            for w in segment.words or ()
        ]
        return raw, info.language
