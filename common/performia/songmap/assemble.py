"""The whole Song Map from ingest metadata and whichever analyses exist (pure)."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from performia import __version__
from performia.analysis.results import Harmony, Melody, Rhythm, Structure, Transcript
from performia.jobs.base import utc_now
from performia.songmap.build import DEFAULT_RULES, LineRules, build_lines, sections_from_spans
from performia.songmap.model import (
    AudioRef,
    ChordSegment,
    KeySegment,
    Note,
    Provenance,
    SongMap,
    StageProvenance,
    Stem,
    TempoPoint,
    TimeSignature,
)

__all__ = ["Analyses", "assemble_song_map"]


@dataclass(frozen=True)
class Analyses:
    """What the upstream stages produced; ``None`` where a stage is absent."""

    transcript: Transcript | None = None
    rhythm: Rhythm | None = None
    harmony: Harmony | None = None
    melody: Melody | None = None
    structure: Structure | None = None
    #: Stem name → source (relative path or URL).
    stems: Mapping[str, str] = field(default_factory=dict)


def _mime(src: str) -> str:
    return mimetypes.guess_type(src)[0] or "application/octet-stream"


def assemble_song_map(
    *,
    song_id: str,
    metadata: Mapping[str, Any],
    audio_src: str,
    analyses: Analyses,
    stages: Mapping[str, StageProvenance],
    language: str,
    rules: LineRules = DEFAULT_RULES,
) -> SongMap:
    """Join every analysis into one Song Map.

    Parameters
    ----------
    metadata : mapping
        The ingest stage's ``metadata.json`` (title, artist, album, duration, source).
    audio_src : str
        Where the playable recording is, relative to the Song Map or a URL.
    stages : mapping
        Provenance of every stage in the graph, absent ones included.
    """
    a = analyses
    chords = a.harmony.chords if a.harmony else ()
    notes = a.melody.notes if a.melody else ()
    lines = []
    if a.transcript:
        lines = build_lines(
            a.transcript.words,
            language=language,
            line_starts=a.transcript.line_starts,
            chords=chords,
            notes=notes,
            rules=rules,
        )
    duration = float(metadata["duration"])
    source = metadata["source"]
    ts = a.rhythm.time_signature if a.rhythm else None
    return SongMap(
        id=song_id,
        title=metadata["title"],
        artist=metadata["artist"],
        album=metadata.get("album"),
        duration=round(duration, 3),
        language=(a.transcript.language if a.transcript else None) or language,
        lyrics_source=a.transcript.source if a.transcript else None,
        key=a.harmony.key if a.harmony else None,
        key_confidence=a.harmony.key_confidence if a.harmony else None,
        key_segments=[
            KeySegment(start_time=s, end_time=e, key=k)
            for s, e, k in (a.harmony.key_segments if a.harmony else ())
        ],
        tuning_cents=a.harmony.tuning_cents if a.harmony else None,
        tempo=round(a.rhythm.tempo, 2) if a.rhythm and a.rhythm.tempo else None,
        tempo_curve=[
            TempoPoint(time=round(t, 3), bpm=round(b, 2))
            for t, b in (a.rhythm.tempo_curve if a.rhythm else ())
        ],
        # validated: the schema takes only the note values 1 to 32 as denominator
        time_signature=(
            TimeSignature.model_validate({"numerator": ts[0], "denominator": ts[1]}) if ts else None
        ),
        beats=[round(b, 3) for b in a.rhythm.beats] if a.rhythm else [],
        beat_confidence=list(a.rhythm.beat_confidence) if a.rhythm else [],
        downbeats=[round(b, 3) for b in a.rhythm.downbeats] if a.rhythm else [],
        bar_confidence=a.rhythm.bar_confidence if a.rhythm else None,
        chords=[
            ChordSegment(
                start_time=round(c.start, 3),
                end_time=round(c.end, 3),
                symbol=c.symbol,
                confidence=c.confidence,
                alternative=c.alternative,
            )
            for c in chords
        ],
        melody=[
            Note(
                start_time=round(n.start, 3),
                duration=round(n.end - n.start, 3),
                pitch=round(n.pitch, 2),
                confidence=n.confidence,
            )
            for n in notes
        ],
        sections=sections_from_spans(
            lines, a.structure.sections if a.structure else (), duration=duration, rules=rules
        ),
        audio=AudioRef(
            src=audio_src,
            mime_type=_mime(audio_src),
            sample_rate=int(source["sampleRate"]),
            channels=int(source["channels"]),
            duration=round(duration, 3),
        ),
        # validated: a stem name the schema does not know is an error
        stems=[
            Stem.model_validate({"name": n, "src": s, "mime_type": _mime(s)})
            for n, s in a.stems.items()
        ],
        provenance=Provenance(
            created_at=utc_now(),
            performia_version=__version__,
            source_sha256=source.get("sha256"),
            stages=dict(stages),
        ),
    )
