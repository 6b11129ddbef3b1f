"""transcribe: the sung words with their times, or the user's own lyrics timed to the recording.

Uses the vocals stem when the separate stage produced one, else the mix. Steps:

1. Recognise words with timestamps (faster-whisper by default; ``asr_engine``/``asr_model``) on
   the signal ``Settings.asr_input`` picks (a Demucs stem, or the mix beside Spleeter, whose
   artefacts cost recognition more than the band does). Given lyrics are the decoder's prompt.
2. Find where a voice sings (:func:`~performia.analysis.vocal_activity.detect_vocal_activity`)
   and where its notes start (:func:`~performia.analysis.word_onsets.voice_onsets`).
3. :func:`~performia.analysis.word_timing.time_words`: with given lyrics (``lyrics``: plain
   text or LRC) align the user's words to the recognised ones, so every given word is timed and
   spelled as written and the given line breaks become the chart's lines; move word starts
   onto the voice's onsets; guard the times (monotonic, none in instrumental gaps, drift
   measured over the song). What each step changed goes into the provenance note.

Writes ``transcript.json`` (:class:`~performia.analysis.results.Transcript`).
"""

from __future__ import annotations

from performia.analysis.backends import engine_version
from performia.analysis.lyrics import parse_lyrics
from performia.analysis.results import Transcript
from performia.analysis.vocal_activity import detect_vocal_activity
from performia.analysis.word_onsets import voice_onsets
from performia.analysis.word_timing import time_words
from performia.errors import BadInputError
from performia.settings import ANALYSIS_SR, get_settings
from performia.stages.context import StageContext, StageOutcome, mean_confidence
from performia.transcription import Recognizer, get_recognizer
from performia.transcription.base import WHISPER_SR

__all__ = ["hear_stem", "preload", "run"]


def _recognizer(engine: str | None = None, model: str | None = None) -> Recognizer:
    settings = get_settings()
    return get_recognizer(
        engine or settings.asr_engine, model or settings.asr_model, settings.device
    )


def preload() -> None:
    """Load the configured model before stages start in parallel threads."""
    _recognizer()


def _separator_of(ctx: StageContext) -> str:
    """The engine that made the stems (``"spleeter 2stems"``, ``"demucs htdemucs"``)."""
    return str(ctx.report_of("separate").get("outcome", {}).get("engine", ""))


def hear_stem(asr_input: str, engine: str) -> bool:
    """Whether recognition runs on the stem (``Settings.asr_input``)."""
    if asr_input not in ("auto", "vocals", "mix"):
        raise BadInputError(f"asr_input must be auto, vocals or mix, got {asr_input!r}")
    return asr_input == "vocals" or (asr_input == "auto" and engine.startswith("demucs"))


def run(ctx: StageContext) -> StageOutcome:
    given = parse_lyrics(ctx.params["lyrics"]) if ctx.params.get("lyrics") else None
    ctx.report(0.02, "loading the speech model")
    recognizer = _recognizer(ctx.params.get("asr_engine"), ctx.params.get("asr_model"))
    duration = float(ctx.read_json("ingest", "metadata.json")["duration"])
    stem = ctx.read_stem("vocals", sr=WHISPER_SR)
    asr_input = str(ctx.params.get("asr_input") or get_settings().asr_input)
    if stem is not None and hear_stem(asr_input, _separator_of(ctx)):
        y, sr, where = stem, WHISPER_SR, "the vocals stem"
    else:
        y, sr, where = ctx.read_array("ingest", "audio.npy"), ANALYSIS_SR, "the mix"

    ctx.report(0.1, f"recognising words on {where}")
    language = ctx.params.get("language") or None
    prompt = given.prompt if given is not None else None
    recognised = recognizer.transcribe(y, sr=sr, language=language, prompt=prompt)

    ctx.report(0.8, "finding where the voice sings")
    voice, voice_sr = (stem, WHISPER_SR) if stem is not None else (y, sr)
    activity = detect_vocal_activity(y=voice, sr=voice_sr)
    onsets = voice_onsets(y=voice, sr=voice_sr) if stem is not None else None
    ctx.report(0.85, "aligning the given lyrics" if given else "checking word timing")
    transcript, notes = time_words(
        recognised,
        activity,
        duration,
        given=given,
        activity_from_stem=stem is not None,
        onsets=onsets,
    )
    notes.insert(0, f"{len(recognised.words)} words recognised on {where}")
    ctx.write_json("transcript.json", Transcript.to_dict(transcript))
    return StageOutcome(
        engine=f"{recognizer.engine} {recognizer.model.name}",
        engine_version=f"{recognizer.engine} {engine_version(recognizer.engine)}",
        confidence=mean_confidence([w.confidence for w in recognised.words]),
        note="; ".join(notes),
    )
