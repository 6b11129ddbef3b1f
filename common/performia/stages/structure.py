"""structure: sections from repetition in harmony and timbre (and in lyrics, once they exist).

A stage of its own rather than part of the join: it is the slowest thing the package would do, and
as a stage its result is cached, so a changed title or language re-packages without re-segmenting.
"""

from __future__ import annotations

from performia.analysis.backends import engine_version, import_librosa
from performia.analysis.results import Structure
from performia.analysis.structure import segment_structure
from performia.songmap.build import group_lines
from performia.stages.context import StageContext, StageOutcome, mean_confidence

__all__ = ["preload", "run"]


def preload() -> None:
    """Import this stage's engines before stages start in parallel threads."""
    import_librosa()


def run(ctx: StageContext) -> StageOutcome:
    y, sr = ctx.read_analysis_audio()
    rhythm, harmony, transcript = (ctx.result(s) for s in ("rhythm", "harmony", "transcribe"))
    beats = rhythm.beats if rhythm else ()
    downbeats = rhythm.downbeats if rhythm else ()
    chords = harmony.chords if harmony else ()
    lines: list[tuple[float, float, str]] = []
    if transcript:
        for words in group_lines(transcript.words, line_starts=transcript.line_starts):
            lines.append((words[0].start, words[-1].end, " ".join(w.text for w in words)))
    ctx.report(0.1, "self-similarity and boundaries")
    spans = segment_structure(
        y=y,
        sr=sr,
        beats=beats,
        downbeats=downbeats,
        chords=chords,
        lines=lines,
        profile=ctx.profile,
    )
    result = Structure(tuple(spans))
    ctx.write_json("structure.json", result.to_dict())
    return StageOutcome(
        engine="performia self-similarity segmentation",
        engine_version=f"librosa {engine_version('librosa')}",
        confidence=mean_confidence([s.confidence for s in result.sections]),
        note=None if beats else "no beats: sections on a fixed frame grid",
    )
