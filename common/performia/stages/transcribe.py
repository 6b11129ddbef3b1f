"""transcribe: the sung words with their times, or the user's own lyrics timed to the recording.

Uses the vocals stem when the separate stage produced one, else the mix. Steps:

1. Know the language: ``--language``, else Whisper's language identification where the voice
   sings, on the vocals stem and the mix together (:data:`IDENTIFY_ON`), recorded with its
   probability. ``asr_model`` ``auto`` (the default) then uses tiny.en for English and the
   multilingual base for every other language
   (:func:`~performia.transcription.models.model_for_language`), so French lyrics or a German
   song need no model named.
2. Find where a voice sings (:func:`~performia.analysis.vocal_activity.detect_vocal_activity`),
   on the vocals stem when there is one.
3. With plain given lyrics: forced alignment of the given words on the vocals stem, window by
   window (:func:`~performia.analysis.lyric_alignment.align_lines`); no recognition. Otherwise
   (no lyrics, or LRC lines with times): recognise words with timestamps on the signal
   ``Settings.asr_input`` picks (a Demucs stem, or the mix beside Spleeter, whose artefacts cost
   recognition more than the band does), given lyrics as the decoder's prompt, and find where
   the voice's notes start (:func:`~performia.analysis.word_onsets.voice_onsets`).
4. :func:`~performia.analysis.word_timing.time_words`: with given lyrics line the user's words up
   with the timed ones, so every given word is timed and spelled as written and the given line
   breaks become the chart's lines; move recognised word starts onto the voice's onsets; guard
   the times (monotonic, none in instrumental gaps, drift measured over the song). What each
   step changed goes into the provenance note.

Writes ``transcript.json`` (:class:`~performia.analysis.results.Transcript`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from performia.analysis.backends import engine_version
from performia.analysis.lyric_alignment import align_lines
from performia.analysis.lyrics import GivenLyrics, parse_lyrics
from performia.analysis.results import Transcript
from performia.analysis.vocal_activity import detect_vocal_activity
from performia.analysis.word_onsets import voice_onsets
from performia.analysis.word_timing import time_words
from performia.errors import BadInputError
from performia.settings import get_settings
from performia.stages.context import StageContext, StageOutcome, mean_confidence
from performia.transcription import Recognizer, get_recognizer
from performia.transcription.base import WHISPER_SR, language_code
from performia.transcription.models import AUTO_MODEL, MULTILINGUAL_MODEL, model_for_language

__all__ = ["IDENTIFY_ON", "force_align", "hear_stem", "preload", "run"]

#: Which signals the language is identified on, their probabilities averaged. Measured on
#: espeak-ng songs over a piano band (base, the windows where the stem is loudest): German on
#: the stem alone "la" (p 0.51; Spleeter's artefacts on a synthetic voice), on the mix "de"
#: (0.90); Spanish and English right on both (0.93-0.97). The stem keeps the band out, the mix
#: keeps the voice whole: each covers the other's failure.
IDENTIFY_ON = ("the vocals stem", "the mix")


def _recognizer(engine: str | None = None, model: str | None = None) -> Recognizer:
    settings = get_settings()
    return get_recognizer(
        engine or settings.asr_engine, model or settings.asr_model, settings.device
    )


def preload() -> None:
    """Load the configured model (with ``auto``, both it may pick) before stages start in
    parallel threads."""
    if get_settings().asr_model == AUTO_MODEL:
        for language in ("en", None):
            _recognizer(model=model_for_language(AUTO_MODEL, language))
    else:
        _recognizer()


def _separator_of(ctx: StageContext) -> str:
    """The engine that made the stems (``"spleeter 2stems"``, ``"demucs htdemucs"``)."""
    return str(ctx.report_of("separate").get("outcome", {}).get("engine", ""))


def hear_stem(asr_input: str, engine: str) -> bool:
    """Whether recognition runs on the stem (``Settings.asr_input``)."""
    if asr_input not in ("auto", "vocals", "mix"):
        raise BadInputError(f"asr_input must be auto, vocals or mix, got {asr_input!r}")
    return asr_input == "vocals" or (asr_input == "auto" and engine.startswith("demucs"))


def _language(
    ctx: StageContext,
    engine: str | None,
    model: str,
    signals: list[tuple[np.ndarray, int]],
    where: str,
) -> tuple[str | None, float | None, str | None]:
    """``(language, probability, note)``: the language asked for, else the one identified.

    Identification runs only where it decides something: with ``asr_model`` ``auto`` (which
    model to use) and no language given. An explicitly named model decodes as before (an
    English-only one in English, a multilingual one detecting as it decodes).
    """
    asked = language_code(ctx.params.get("language"))
    if asked is not None:  # the recogniser checks that it knows the code
        return asked, None, None
    if model != AUTO_MODEL:
        return None, None, None
    ctx.report(0.05, f"identifying the language on {where}")
    code, probability = _recognizer(engine, MULTILINGUAL_MODEL).identify_language(signals)
    return code, probability, f"language {code} identified on {where} (p {probability:.2f})"


def force_align(
    recognizer: Recognizer,
    given: GivenLyrics,
    activity: Sequence[tuple[float, float]],
    duration: float,
    voice: np.ndarray,
    sr: int,
    language: str | None,
) -> tuple[list[tuple[float, float, float]], int]:
    """The given words timed by :func:`~performia.analysis.lyric_alignment.align_lines` on
    ``voice``: ``(start, end, probability)`` per word, and the windows aligned."""

    def window(t0: float, t1: float, words: Sequence[str]) -> list[tuple[float, float, float]]:
        audio = voice[round(t0 * sr) : round(t1 * sr)]
        return recognizer.align_words(audio, sr=sr, words=words, language=language)

    return align_lines(given.lines, activity, duration, window)


def run(ctx: StageContext) -> StageOutcome:
    given = parse_lyrics(ctx.params["lyrics"]) if ctx.params.get("lyrics") else None
    ctx.report(0.02, "loading the speech model")
    engine = ctx.params.get("asr_engine") or None
    model = str(ctx.params.get("asr_model") or get_settings().asr_model)
    duration = float(ctx.read_json("ingest", "metadata.json")["duration"])
    stem = ctx.read_stem("vocals", sr=WHISPER_SR)
    mix, mix_sr = ctx.read_analysis_audio()
    asr_input = str(ctx.params.get("asr_input") or get_settings().asr_input)
    if stem is not None and hear_stem(asr_input, _separator_of(ctx)):
        y, sr, where = stem, WHISPER_SR, "the vocals stem"
    else:
        y, sr, where = mix, mix_sr, "the mix"
    if stem is not None:
        signals, heard_on = [(stem, WHISPER_SR), (mix, mix_sr)], " and ".join(IDENTIFY_ON)
    else:
        signals, heard_on = [(mix, mix_sr)], "the mix"
    voice, voice_sr, voice_where = (
        (stem, WHISPER_SR, "the vocals stem") if stem is not None else (y, sr, where)
    )
    ctx.report(0.04, "finding where the voice sings")
    activity = detect_vocal_activity(y=voice, sr=voice_sr)
    if activity:
        language, probability, language_note = _language(ctx, engine, model, signals, heard_on)
    else:  # nothing sung: no language to hear (an instrumental)
        language, probability = language_code(ctx.params.get("language")), None
        language_note = None if language else "no voice found: language not identified"
    recognizer = _recognizer(engine, model_for_language(model, language))
    prompt = given.prompt if given is not None else None
    if activity or stem is None:
        ctx.report(0.15, f"recognising words on {where}")
        recognised = recognizer.transcribe(y, sr=sr, language=language, prompt=prompt)
        heard = [f"{len(recognised.words)} words recognised on {where}"]
    else:  # the stem holds no voice: whatever recognition "hears" in the band is invented
        recognised = Transcript((), language)
        heard = ["nothing recognised: no voice on the vocals stem"]
    onsets = voice_onsets(y=voice, sr=voice_sr) if stem is not None else None
    forced = None
    if given is not None and not any(t is not None for t in given.line_times):
        # Plain lyrics (LRC lines carry their own times): forced alignment, window by window.
        ctx.report(0.6, f"aligning the given lyrics on {voice_where}")
        forced, windows = force_align(
            recognizer, given, activity, duration, voice, voice_sr, language or recognised.language
        )
        heard.append(f"given lyrics forced-aligned on {voice_where} in {windows} windows")
        # Recognised starts lag espeak's synthetic voices, which onset snapping corrects, but
        # not real singing: on the development set's songs snapping the heard words made them
        # earlier still (bench lyrics --set: median error 0.24 s with, 0.15 s without; 59 %
        # within 0.3 s against 69 %), while the synthetic songs stay within target without it
        # (bench lyrics: mean 0.110 s, 97.6 % within 0.3 s).
        onsets = None

    ctx.report(0.85, "aligning the given lyrics" if given else "checking word timing")
    transcript, notes = time_words(
        recognised,
        activity,
        duration,
        given=given,
        activity_from_stem=stem is not None,
        onsets=onsets,
        forced=forced,
    )
    notes[:0] = heard
    if language_note is not None:
        notes.insert(0, language_note)
        transcript = dataclasses.replace(transcript, language_probability=probability)
    ctx.write_json("transcript.json", Transcript.to_dict(transcript))
    return StageOutcome(
        engine=f"{recognizer.engine} {recognizer.model.name}",
        engine_version=f"{recognizer.engine} {engine_version(recognizer.engine)}",
        confidence=mean_confidence([w.confidence for w in recognised.words]),
        note="; ".join(notes),
    )
