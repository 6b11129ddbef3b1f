"""package: the join. Reads every finished analysis and writes the Song Map.

An analysis whose stage was skipped or not built is recorded as ``absent`` in the Song Map's
provenance, with the reason; nothing is invented in its place.
"""

from __future__ import annotations

from performia.analysis.engines import ENGINES
from performia.jobs.base import StageState
from performia.settings import get_settings
from performia.songmap.assemble import Analyses, assemble_song_map
from performia.songmap.io import dump_song_map
from performia.songmap.model import EngineLicence, StageProvenance
from performia.stages.context import RESULT_ARTIFACTS, StageContext, StageOutcome

__all__ = ["run"]


def _provenance(ctx: StageContext) -> dict[str, StageProvenance]:
    out: dict[str, StageProvenance] = {}
    for name, run in ctx.upstream.items():
        if run.state is StageState.DONE:
            marker = ctx.report_of(name)
            outcome = marker.get("outcome", {})
            out[name] = StageProvenance(
                status="done",
                version=marker["version"],
                engine=outcome.get("engine"),
                engine_version=outcome.get("engine_version"),
                confidence=outcome.get("confidence"),
                note=outcome.get("note"),
                seconds=marker.get("seconds"),
                profile=outcome.get("profile"),
                engines=[
                    EngineLicence.model_validate(ENGINES[key].to_dict())
                    for key in outcome.get("engines", ())
                ],
            )
        else:
            out[name] = StageProvenance(status="absent", version=0, note=run.message)
    return out


def run(ctx: StageContext) -> StageOutcome:
    metadata = ctx.read_json("ingest", "metadata.json")
    results = {stage: ctx.result(stage) for stage in RESULT_ARTIFACTS}
    # hyphenation follows the language asked for, else the one recognition detected
    heard = results["transcribe"].language if results["transcribe"] else None
    language = str(ctx.params.get("language") or heard or get_settings().language)
    stems = {}
    if ctx.has("separate"):
        # stems.json maps stem name → the separate stage's artifact name (as melody reads it)
        stems = {
            stem: ctx.key_of("separate", artifact)
            for stem, artifact in ctx.read_json("separate", "stems.json").items()
        }
    stages = _provenance(ctx)
    song = assemble_song_map(
        song_id=ctx.job_id,
        metadata=metadata,
        audio_src=ctx.input["key"],
        analyses=Analyses(
            transcript=results["transcribe"],
            rhythm=results["rhythm"],
            harmony=results["harmony"],
            melody=results["melody"],
            structure=results["structure"],
            stems=stems,
        ),
        stages=stages,
        language=language,
    )
    ctx.write("song_map.json", dump_song_map(song).encode(), content_type="application/json")
    return StageOutcome(
        engine="performia",
        note=None if results["structure"] else "sections from lyric pauses (no structure stage)",
    )
