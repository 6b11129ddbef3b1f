"""Speech recognition: timed words from a vocal stem or a mix, for the ``transcribe`` stage.

:func:`get_recognizer` returns the process's recogniser for an engine (``faster-whisper`` or
``openai-whisper``), a model (``tiny.en``, ``base`` or a path: :mod:`.models` finds the files,
never downloading) and a device; its ``transcribe(y, sr=..., language=..., prompt=...)``
returns a :class:`~performia.analysis.results.Transcript`. :func:`normalise_words`
(:mod:`.normalise`) is the form words are compared in; :mod:`.wer` scores a recognition against
known words with jiwer, which only the ``bench`` extra installs, so it is imported from there
(``from performia.transcription.wer import wer``), not re-exported here.

The engines are imported only when a recogniser is built, so importing this package is cheap.
"""

from __future__ import annotations

from performia.transcription.base import (
    WHISPER_SR,
    Recognizer,
    clear_recognizers,
    get_recognizer,
    normalise_language,
)
from performia.transcription.models import (
    ENGINES,
    ModelFiles,
    available_models,
    cache_dir,
    resolve_model,
)
from performia.transcription.normalise import normalise_words

__all__ = [
    "ENGINES",
    "WHISPER_SR",
    "ModelFiles",
    "Recognizer",
    "available_models",
    "cache_dir",
    "clear_recognizers",
    "get_recognizer",
    "normalise_language",
    "normalise_words",
    "resolve_model",
]
