"""separate: split the recording into stems (vocals and the band) for transcription and practice.

Reads the original upload (not ingest's mono 22 kHz signal: the engines want 44.1 kHz stereo),
runs the configured engine (``separator``: Spleeter's two stems by default, Demucs's four in
production) and writes each stem as 16-bit FLAC at the engine's rate, then ``stems.json`` last,
mapping stem name → artifact name (``{"vocals": "vocals.flac", ...}``), which the melody,
transcribe and package stages read. A mono recording gives mono stems; anything else stereo.
"""

from __future__ import annotations

import time

from performia.separation import (
    Separator,
    decode_for_engine,
    encode_flac,
    get_separator,
    match_channels,
)
from performia.settings import get_settings
from performia.stages.context import DECODE_SLACK_S, StageContext, StageOutcome

__all__ = ["preload", "run"]


def _separator(name: str | None = None, demucs_model: str | None = None) -> Separator:
    # the device and Demucs' model and folder default to the settings inside get_separator
    return get_separator(name or get_settings().separator, demucs_model=demucs_model or None)


def preload() -> None:
    """Load the configured engine's weights before stages start in parallel threads."""
    _separator()


def run(ctx: StageContext) -> StageOutcome:
    ctx.report(0.02, "loading the separation model")
    separator = _separator(ctx.params.get("separator"), ctx.params.get("demucs_model"))
    duration = float(ctx.read_json("ingest", "metadata.json")["duration"])
    ctx.report(0.05, f"decoding at {separator.sample_rate} Hz")
    decoded = decode_for_engine(
        ctx.read_input(),
        sr=separator.sample_rate,
        channels=separator.channels,
        max_duration_s=duration + DECODE_SLACK_S,
        name=ctx.input.get("filename", "input"),
    )
    ctx.report(0.1, f"separating {', '.join(separator.stems)}")
    started = time.perf_counter()
    stems = separator.separate(
        decoded.audio, progress=lambda f: ctx.report(0.1 + 0.8 * f, "separating")
    )
    seconds = time.perf_counter() - started
    channels = 1 if decoded.source_channels == 1 else separator.channels
    written = {}
    for i, (stem, audio) in enumerate(stems.items()):
        ctx.report(0.9 + 0.1 * i / len(stems), f"writing {stem}")
        name = f"{stem}.flac"
        flac = encode_flac(match_channels(audio, channels), separator.sample_rate)
        ctx.write(name, flac, content_type="audio/flac")
        written[stem] = name
    ctx.write_json("stems.json", written)
    return StageOutcome(
        engine=separator.label,
        engine_version=separator.version,
        note=f"{len(written)} stems on {separator.device}, {seconds:.1f} s",
    )
