"""harmony: tuning, key and chords, on the beats when the rhythm stage found them."""

from __future__ import annotations

from performia.analysis.backends import engine_version, import_essentia, import_librosa
from performia.analysis.harmony import analyze_harmony
from performia.settings import ANALYSIS_SR
from performia.stages.context import StageContext, StageOutcome, mean_confidence

__all__ = ["preload", "run"]


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_librosa()
    import_essentia()


def run(ctx: StageContext) -> StageOutcome:
    y = ctx.read_array("ingest", "audio.npy")
    rhythm = ctx.result("rhythm")
    beats = (rhythm.beats or None) if rhythm else None
    downbeats = (rhythm.downbeats or None) if rhythm else None
    ctx.report(0.1, "tuning, key and chords")
    harmony = analyze_harmony(y=y, sr=ANALYSIS_SR, beats=beats, downbeats=downbeats)
    ctx.write_json("harmony.json", harmony.to_dict())
    return StageOutcome(
        engine="performia chroma templates + Viterbi; essentia key",
        engine_version=(
            f"librosa {engine_version('librosa')}, essentia {engine_version('essentia')}"
        ),
        confidence=mean_confidence([c.confidence for c in harmony.chords]),
        note=None if beats else "no beats from the rhythm stage: chords on a half-second grid",
    )
