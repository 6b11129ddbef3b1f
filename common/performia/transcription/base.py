"""The recogniser interface, and the one place that builds and keeps recognisers.

A recogniser turns a mono signal into timed words. Two engines implement it: faster-whisper
(CTranslate2, int8 on a CPU: the product's engine) and openai-whisper (PyTorch, optional). Both
take the same call and return the same :class:`~performia.analysis.results.Transcript`, so the
``transcribe`` stage never needs to know which one ran.

Loading a model costs a second or more and a few hundred megabytes, so :func:`get_recognizer`
builds each (engine, model, device) once per process and hands the same object to every caller;
a lock makes two stages asking at once share one load, and each recogniser serialises its own
calls (the engines' decoding state is not meant to be shared between threads, and two
concurrent decodes on two cores would only slow each other down).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.signal import resample_poly

from performia.analysis.results import Transcript, Word
from performia.analysis.signal import check_mono
from performia.devices import DEVICES, resolve_device
from performia.errors import BadInputError
from performia.settings import get_settings
from performia.transcription.models import ENGINES, ModelFiles

__all__ = [
    "DEVICES",
    "WHISPER_SR",
    "Recognizer",
    "WhisperEngine",
    "clear_recognizers",
    "finish_words",
    "get_recognizer",
    "normalise_language",
    "prepare_audio",
]

#: Sample rate every Whisper model expects (Hz).
WHISPER_SR = 16000
#: Whisper's window (samples at :data:`WHISPER_SR`: 30 s), and how many of a song's windows its
#: language is identified from. One window (faster-whisper's default) hears a song's intro:
#: German sung after a 35 s band intro was measured as "en" (p 0.27) from the first window, as
#: "de" (p 0.97) with three.
LANGUAGE_WINDOW = 30 * WHISPER_SR
LANGUAGE_WINDOWS = 4
#: Accepted ``device`` values.
#: Language values that ask the model to detect the language.
_DETECT = ("", "auto", "detect")


@runtime_checkable
class Recognizer(Protocol):
    """What the ``transcribe`` stage calls; see :func:`get_recognizer`."""

    #: ``"faster-whisper"`` or ``"openai-whisper"``.
    engine: str
    #: The model files in use.
    model: ModelFiles
    #: ``"cpu"`` or ``"cuda"``: where it really runs (``auto`` already decided).
    device: str

    @property
    def multilingual(self) -> bool:
        """Whether the model knows languages other than English."""
        ...

    @property
    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes the model knows (``("en",)`` for an English-only model)."""
        ...

    def identify_language(self, signals: Sequence[tuple[np.ndarray, int]]) -> tuple[str, float]:
        """The language sung in a recording (ISO 639-1) and the model's probability for it.

        ``signals`` are ``(y, sr)`` views of the same recording (the vocals stem, the mix).
        Whisper's language identification runs on the :data:`LANGUAGE_WINDOWS` 30 s windows
        where the first is loudest (where the voice is, not an instrumental intro), in every
        signal, and the probabilities are averaged. An English-only model answers
        ``("en", 1.0)``: it cannot tell.
        """
        ...

    def align_words(
        self, y: np.ndarray, *, sr: int, words: Sequence[str], language: str | None
    ) -> list[tuple[float, float, float]]:
        """Forced alignment: where each of ``words`` is sung in ``y`` (at most one 30 s window).

        The decoder is given the words instead of choosing them, and its cross-attention,
        warped onto the audio frames (Whisper's own word-timestamp method), says when each is
        heard. Returns ``(start, end, probability)`` per word, seconds from the start of ``y``;
        every word is placed, in order, whether it is sung there or not (see
        :mod:`performia.analysis.lyric_alignment` for how a song is cut into windows).
        """
        ...

    def transcribe(
        self,
        y: np.ndarray,
        *,
        sr: int,
        language: str | None = None,
        prompt: str | None = None,
    ) -> Transcript:
        """Recognise the words in ``y`` (mono float, any ``sr``).

        ``language`` is an ISO 639-1 code (``"en"``; a locale such as ``"en_US"`` is cut to its
        language) or ``None`` to detect it; the transcript's ``language`` is the one used.
        ``prompt`` is text the decoder sees before every 30 s window, as if it had just been
        said (known lyrics, names, spellings): a hint, not a constraint. Every window, not only
        the first: a song's lyrics are sung over minutes (on the lyrics benchmark, the given
        lyrics as a prompt take tiny.en's WER on the mix from 0.22 to 0.12). Raises
        :class:`~performia.errors.BadInputError` for a language the model does not know.
        """
        ...


_cache: dict[tuple[str, str, str], Recognizer] = {}
_cache_lock = threading.Lock()


def get_recognizer(engine: str, model: str, device: str | None = None) -> Recognizer:
    """The process's recogniser for ``engine``, ``model`` and ``device``, built on first use.

    Parameters
    ----------
    engine
        ``"faster-whisper"`` or ``"openai-whisper"`` (``Settings.asr_engine``).
    model
        A model name or path (``Settings.asr_model``); see :func:`~.models.resolve_model`.
    device
        ``"auto"`` (a GPU when the engine sees one), ``"cpu"`` or ``"cuda"``; when not given,
        ``Settings.device``.

    Raises
    ------
    BadInputError
        An unknown engine, model or device.
    ModelError
        The model's files are missing or broken, the engine is not installed, or ``cuda`` was
        asked for where there is no GPU.
    """
    if engine not in ENGINES:
        raise BadInputError(
            f"unknown speech recognition engine {engine!r}; known: {', '.join(ENGINES)}"
        )
    device = get_settings().device if device is None else device
    if device not in DEVICES:
        resolve_device(device, gpus=0)  # raises the configuration error before a model loads
    key = (engine, str(model), device)
    with _cache_lock:
        recognizer = _cache.get(key)
        if recognizer is None:
            if engine == "faster-whisper":
                from performia.transcription.faster_engine import FasterWhisperRecognizer

                recognizer = FasterWhisperRecognizer(str(model), device=device)
            else:
                from performia.transcription.openai_engine import OpenAIWhisperRecognizer

                recognizer = OpenAIWhisperRecognizer(str(model), device=device)
            _cache[key] = recognizer
        return recognizer


def clear_recognizers() -> None:
    """Forget every built recogniser (tests; a worker that must free the memory)."""
    with _cache_lock:
        _cache.clear()


def language_code(language: str | None) -> str | None:
    """The ISO 639-1 part of ``language`` (``"en_US"``, ``"EN-gb"`` → ``"en"``); ``None`` for
    ``None``, ``""``, ``"auto"`` and ``"detect"``: detect it."""
    if language is None or language.strip().lower() in _DETECT:
        return None
    return language.strip().replace("-", "_").split("_")[0].lower()


def normalise_language(
    language: str | None, *, model_name: str, multilingual: bool, known: Iterable[str]
) -> str | None:
    """``language`` as the model's code, ``None`` to detect; a clear error when it cannot be.

    ``"en_US"`` and ``"EN-gb"`` become ``"en"``; ``None``, ``""`` and ``"auto"`` mean detect.
    """
    code = language_code(language)
    if code is None:
        return None
    if not multilingual and code != "en":
        raise BadInputError(
            f"speech recognition model {model_name!r} understands English only, but the "
            f"language is {language!r}; use asr_model 'auto' (the default, which picks a "
            "multilingual model) or name one such as 'base'"
        )
    known = set(known)
    if code not in known:
        raise BadInputError(
            f"language {language!r} is not one the speech recogniser knows; use an ISO 639-1 "
            f"code such as 'en', 'de' or 'es' (known: {', '.join(sorted(known))})"
        )
    return code


def prepare_audio(y: np.ndarray, sr: int) -> np.ndarray:
    """``y`` as float32 mono at :data:`WHISPER_SR`, resampled with a polyphase filter."""
    y = check_mono(np.asarray(y, dtype=np.float32), sr)
    sr = int(sr)
    if sr != WHISPER_SR and len(y):
        g = math.gcd(WHISPER_SR, sr)
        y = resample_poly(y, WHISPER_SR // g, sr // g).astype(np.float32)
    return np.ascontiguousarray(y)


def prepare_request(
    recognizer: Recognizer, y: np.ndarray, sr: int, language: str | None
) -> tuple[str | None, np.ndarray]:
    """What every engine does first: the language code to decode in (``None``: detect) and the
    audio at :data:`WHISPER_SR`. Raises ``BadInputError`` for a language the model lacks."""
    code = normalise_language(
        language,
        model_name=recognizer.model.name,
        multilingual=recognizer.multilingual,
        known=recognizer.languages,
    )
    return code, prepare_audio(y, sr)


def empty_transcript(recognizer: Recognizer, code: str | None) -> Transcript:
    """The transcript of no audio: no words, in the language asked for (English for .en)."""
    return Transcript((), code or (None if recognizer.multilingual else "en"))


class WhisperEngine:
    """What both Whisper engines share around their decoder: the language and audio checks, one
    decode at a time per model (decoding state is not shared between threads), and the clean-up
    of the words. An engine sets the attributes, gives the two properties and implements
    :meth:`_decode`, :meth:`_align` and :meth:`_language_probabilities`; it is then a
    :class:`Recognizer`."""

    engine: str
    model: ModelFiles
    device: str
    _lock: threading.Lock

    @property
    def multilingual(self) -> bool:
        """See :attr:`Recognizer.multilingual`."""
        raise NotImplementedError

    @property
    def languages(self) -> tuple[str, ...]:
        """See :attr:`Recognizer.languages`."""
        raise NotImplementedError

    def identify_language(self, signals: Sequence[tuple[np.ndarray, int]]) -> tuple[str, float]:
        """See :meth:`Recognizer.identify_language`."""
        if not self.multilingual:
            return "en", 1.0
        audios = [prepare_audio(y, sr) for y, sr in signals]
        n = min((len(a) for a in audios), default=0)
        if n == 0:
            raise BadInputError("no audio to identify the language of")
        totals: dict[str, float] = {}
        windows, weights = loudest_windows(audios[0][:n], LANGUAGE_WINDOWS)
        with self._lock:
            for audio in audios:
                for start, weight in zip(windows, weights, strict=True):
                    chunk = audio[start : start + LANGUAGE_WINDOW]
                    for code, p in self._language_probabilities(chunk).items():
                        totals[code] = totals.get(code, 0.0) + weight * p
        code = max(totals, key=totals.__getitem__)
        return code, round(totals[code] / (len(audios) * sum(weights)), 3)

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        """Every language's probability for one window of ``audio`` (16 kHz, ≤ 30 s)."""
        raise NotImplementedError

    def align_words(
        self, y: np.ndarray, *, sr: int, words: Sequence[str], language: str | None
    ) -> list[tuple[float, float, float]]:
        """See :meth:`Recognizer.align_words`."""
        code, audio = prepare_request(self, y, sr, language)
        if not words:
            return []
        if len(audio) == 0:
            raise BadInputError("no audio to align the words to")
        audio = audio[:LANGUAGE_WINDOW]
        with self._lock:
            timed = self._align(audio, " " + " ".join(words), code or "en")
        if len(timed) != len(words):  # the tokenizer split the text otherwise: spread evenly
            spans = np.array(timed, dtype=np.float64).reshape(-1, 3) if timed else None
            if spans is None:
                edges = np.linspace(0.0, len(audio) / WHISPER_SR, len(words) + 1)
                return [(float(a), float(b), 0.0) for a, b in itertools.pairwise(edges)]
            at = np.linspace(0, len(spans) - 1, len(words))
            grid = np.arange(len(spans))
            return [
                (float(s), float(max(e, s)), 0.0)
                for s, e in zip(
                    np.interp(at, grid, spans[:, 0]), np.interp(at, grid, spans[:, 1]), strict=True
                )
            ]
        return [(float(s), float(max(e, s)), float(p)) for s, e, p in timed]

    def _align(
        self, audio: np.ndarray, text: str, language: str
    ) -> list[tuple[float, float, float]]:
        """``(start, end, probability)`` of each word of ``text`` in ``audio`` (16 kHz)."""
        raise NotImplementedError

    def transcribe(
        self, y: np.ndarray, *, sr: int, language: str | None = None, prompt: str | None = None
    ) -> Transcript:
        """Recognise the words in ``y``; see :meth:`Recognizer.transcribe`."""
        code, audio = prepare_request(self, y, sr, language)
        if len(audio) == 0:
            return empty_transcript(self, code)
        with self._lock:
            raw, detected = self._decode(audio, code, prompt)
        return Transcript(finish_words(raw, duration=len(audio) / WHISPER_SR), detected or code)

    def _decode(
        self, audio: np.ndarray, language: str | None, prompt: str | None
    ) -> tuple[list[tuple[str, float, float, float | None]], str | None]:
        """``(word, start, end, probability)`` for every word, and the language decoded in."""
        raise NotImplementedError


def loudest_windows(audio: np.ndarray, count: int) -> tuple[list[int], list[float]]:
    """Starts of the ``count`` :data:`LANGUAGE_WINDOW`-long windows of ``audio`` with the most
    energy, in time order (all of them when there are fewer), and each one's weight: its energy
    over the loudest one's. A window that holds a few words (a song's last 10 s) counts for what
    it holds, not as much as one full of singing."""
    starts = np.arange(0, max(len(audio), 1), LANGUAGE_WINDOW)
    energy = np.array(
        [np.sum(np.square(audio[s : s + LANGUAGE_WINDOW], dtype=np.float64)) for s in starts]
    )
    chosen = sorted(np.argsort(energy, kind="stable")[::-1][:count])
    top = float(energy.max())
    weights = [float(energy[i]) / top if top > 0 else 1.0 for i in chosen]
    return [int(starts[i]) for i in chosen], weights


def finish_words(
    raw: Iterable[tuple[str, float, float, float | None]], *, duration: float
) -> tuple[Word, ...]:
    """Engine words as :class:`Word`: text stripped of the space Whisper puts before a word
    (punctuation kept as recognised), times clipped to ``[0, duration]``, ``end >= start``, and
    starts never going back (a word DTW placed before its predecessor is moved up to it).

    A "word" of punctuation alone (Whisper writes `` .`` after a prompt) is appended to the word
    before it, so no lyric syllable is a full stop; empty words, and punctuation before any word,
    are dropped.
    """
    words: list[Word] = []
    last_start = 0.0
    for text, start, end, probability in raw:
        text = text.strip()
        if not text:
            continue
        start = min(max(float(start), last_start, 0.0), duration)
        end = min(max(float(end), start), duration)
        if not any(c.isalnum() for c in text):
            if words:
                last = words[-1]
                words[-1] = Word(last.text + text, last.start, max(last.end, end), last.confidence)
            continue
        confidence = None if probability is None else float(probability)
        words.append(Word(text, start, end, confidence))
        last_start = start
    return tuple(words)
