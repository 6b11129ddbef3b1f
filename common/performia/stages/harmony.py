"""harmony: tuning, key and chords, on the beats when the rhythm stage found them."""

from __future__ import annotations

from performia.analysis.backends import engine_version, import_essentia, import_librosa
from performia.analysis.harmony import analyze_harmony
from performia.analysis.results import Rhythm
from performia.settings import ANALYSIS_SR
from performia.stages.context import StageContext, StageOutcome

__all__ = ["preload", "run"]


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_librosa()
    import_essentia()


def run(ctx: StageContext) -> StageOutcome:
    y = ctx.read_array("ingest", "audio.npy")
    beats = downbeats = None
    if ctx.has("rhythm"):
        rhythm = Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))
        beats, downbeats = rhythm.beats or None, rhythm.downbeats or None
    ctx.report(0.1, "tuning, key and chords")
    harmony = analyze_harmony(y=y, sr=ANALYSIS_SR, beats=beats, downbeats=downbeats)
    ctx.write_json("harmony.json", harmony.to_dict())
    confidences = [c.confidence for c in harmony.chords if c.confidence is not None]
    return StageOutcome(
        engine="performia chroma templates + Viterbi; essentia key",
        engine_version=(
            f"librosa {engine_version('librosa')}, essentia {engine_version('essentia')}"
        ),
        confidence=round(sum(confidences) / len(confidences), 3) if confidences else None,
        note=None if beats else "no beats from the rhythm stage: chords on a half-second grid",
    )
