"""melody: the sung pitch contour and its notes, from the vocals stem and the mix.

When separation ran, the tracker hears the vocals stem with a little of the mix (which keeps an
instrumental solo the separator moved to the accompaniment); without it, the mix alone. Writes
``f0.npy`` (rows: frame times, f0 in Hz with 0 where no melody sounds, confidence; see
:class:`~performia.analysis.melody.PitchTrack`) and ``melody.json`` (the notes, and which signal
they were tracked on). The engine profile (``profile`` job parameter) is checked and named in the
provenance with each engine's licences.
"""

from __future__ import annotations

import numpy as np

from performia.analysis.backends import engine_version
from performia.analysis.engines import engine, licence_note
from performia.analysis.melody import melody_engines, pitch_detector, segment_notes, track_pitch
from performia.analysis.results import Melody
from performia.stages.context import StageContext, StageOutcome

__all__ = ["preload", "run"]


def _signals(ctx: StageContext) -> tuple[np.ndarray, np.ndarray | None, str, int]:
    """``(y, mix, source, sr)``: the vocals stem (decoded at the mix's rate) and the mix when
    the separate stage produced a stem, else the mix alone."""
    mix, sr = ctx.read_analysis_audio()
    vocals = ctx.read_stem("vocals", sr=sr)
    if vocals is not None:
        return vocals, mix, "vocals", sr
    return mix, None, "mix", sr


def preload() -> None:
    """Build the pitch CNN before stages start in parallel threads."""
    pitch_detector()


def run(ctx: StageContext) -> StageOutcome:
    profile = ctx.profile
    ctx.report(0.05, "reading the signal")
    y, mix, source, sr = _signals(ctx)
    where = "the vocals stem with the mix" if source == "vocals" else "the mix"
    ctx.report(0.15, f"tracking the sung pitch on {where}")
    track = track_pitch(y=y, sr=sr, source=source, mix=mix, profile=profile)
    ctx.report(0.85, "segmenting notes")
    notes = segment_notes(track)
    ctx.write_array("f0.npy", track.to_array())
    ctx.write_json("melody.json", Melody(notes, source).to_dict())
    voiced = track.confidence[track.voiced]
    keys = melody_engines(profile)
    versions = {engine(key).distribution for key in keys} - {"performia"}
    return StageOutcome(
        engine=" + ".join(engine(key).name for key in keys),
        engine_version=", ".join(f"{d} {engine_version(d)}" for d in sorted(versions)),
        confidence=round(float(voiced.mean()), 3) if voiced.size else None,
        note=f"tracked on {where}; {profile} profile: {licence_note(keys)}",
        profile=profile,
        engines=tuple(keys),
    )
