"""melody: the sung pitch contour and its notes, on the vocals stem when separation ran.

Writes ``f0.npy`` (rows: frame times, f0 in Hz with 0 where no melody sounds, confidence; see
:class:`~performia.analysis.melody.PitchTrack`) and ``melody.json`` (the notes, and which signal
they were tracked on).
"""

from __future__ import annotations

import numpy as np

from performia.analysis.backends import engine_version, import_essentia, import_librosa
from performia.analysis.melody import ENGINE, segment_notes, track_pitch
from performia.analysis.results import Melody
from performia.settings import ANALYSIS_SR
from performia.stages.context import StageContext, StageOutcome

__all__ = ["preload", "run"]


def _signal(ctx: StageContext) -> tuple[np.ndarray, str]:
    """The vocals stem when the separate stage produced one, else the mix; and which it is."""
    vocals = ctx.read_stem("vocals", sr=ANALYSIS_SR)
    if vocals is not None:
        return vocals, "vocals"
    return ctx.read_array("ingest", "audio.npy"), "mix"


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_essentia()
    import_librosa()


def run(ctx: StageContext) -> StageOutcome:
    ctx.report(0.05, "reading the signal")
    y, source = _signal(ctx)
    where = "the vocals stem" if source == "vocals" else "the mix"
    ctx.report(0.15, f"tracking the sung pitch on {where}")
    track = track_pitch(y=y, sr=ANALYSIS_SR, source=source)
    ctx.report(0.85, "segmenting notes")
    notes = segment_notes(track)
    ctx.write_array("f0.npy", track.to_array())
    ctx.write_json("melody.json", Melody(notes, source).to_dict())
    voiced = track.confidence[track.voiced]
    return StageOutcome(
        engine=ENGINE,
        engine_version=f"essentia {engine_version('essentia')}",
        confidence=round(float(voiced.mean()), 3) if voiced.size else None,
        note=f"tracked on {where}",
    )
