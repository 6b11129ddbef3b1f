"""The Song Map: the one document every part of Performia reads and writes.

A superset of the seed schema (title, artist, album, key, tempo, duration, sections → lines →
syllables with text, startTime, duration, chord, pitch). JSON is camelCase; Python is snake_case.
Times are seconds from the start of the recording; pitches are MIDI note numbers (fractional, so a
sung pitch 30 cents sharp stays visible). Every analysis a Song Map contains is named in
``provenance.stages``; an analysis that did not run is marked ``absent``, never filled with guesses.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal, TypeGuard, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "SCHEMA_VERSION",
    "AudioRef",
    "ChordSegment",
    "EngineLicence",
    "KeySegment",
    "Line",
    "Note",
    "Provenance",
    "Section",
    "SectionKind",
    "SongMap",
    "StageProvenance",
    "Stem",
    "Syllable",
    "TempoPoint",
    "TimeSignature",
    "is_section_kind",
]

#: Bumped on every change to the document's shape (semver: major = readers must change).
SCHEMA_VERSION = "1.1.0"

Seconds = float
SectionKind = Literal[
    "intro", "verse", "pre-chorus", "chorus", "bridge", "solo", "instrumental", "outro", "section"
]
_SECTION_KINDS = frozenset(get_args(SectionKind))


def is_section_kind(value: str) -> TypeGuard[SectionKind]:
    """Whether ``value`` is one of the :data:`SectionKind` names (a check the type checker
    trusts, so a kind read as plain text can be passed on as a ``SectionKind``)."""
    return value in _SECTION_KINDS


#: Longest names (title, artist, album, section name) and key a Song Map holds: the editor's
#: inputs are capped by the schema, so a saved 1,000,000-character title is refused rather than
#: copied into the library listing.
MAX_NAME_CHARS = 200
#: Longest lyric line and syllable, and chord symbol.
MAX_LINE_CHARS = 2000
MAX_SYLLABLE_CHARS = 100
MAX_CHORD_CHARS = 32


class _Model(BaseModel):
    """camelCase JSON, snake_case Python, unknown fields rejected, instances immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        serialize_by_alias=True,
    )


class _Span(_Model):
    """Anything with a start time and an end time."""

    start_time: Seconds = Field(ge=0, description="Start, seconds from the beginning of the audio.")
    end_time: Seconds = Field(ge=0, description="End, seconds from the beginning of the audio.")

    @model_validator(mode="after")
    def _end_after_start(self) -> _Span:
        if self.end_time < self.start_time:
            raise ValueError(f"endTime {self.end_time} is before startTime {self.start_time}")
        return self


class Syllable(_Model):
    """One sung syllable: the unit the Living Chart highlights."""

    text: str = Field(min_length=1, max_length=MAX_SYLLABLE_CHARS)
    start_time: Seconds = Field(ge=0)
    duration: Seconds = Field(ge=0)
    chord: str | None = Field(
        default=None,
        max_length=MAX_CHORD_CHARS,
        description="Chord symbol, present only where the chord changes.",
    )
    pitch: float | None = Field(
        default=None, ge=0, le=127, description="Sung pitch, MIDI note number (69 = A4)."
    )
    ends_word: bool = Field(
        default=True, description="False when the next syllable continues the same word."
    )
    confidence: float | None = Field(default=None, ge=0, le=1)


class Line(_Span):
    """A lyric line as the performer reads it."""

    text: str = Field(max_length=MAX_LINE_CHARS)
    syllables: list[Syllable] = Field(default_factory=list)


class Section(_Span):
    """A part of the song (verse, chorus …) holding its lyric lines."""

    name: str = Field(max_length=MAX_NAME_CHARS)
    kind: SectionKind = "section"
    confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Calibrated probability that the section starts where a listener hears a "
        "new part (within 3 s); none for placeholder sections.",
    )
    lines: list[Line] = Field(default_factory=list)


class TempoPoint(_Model):
    """Local tempo at a moment (beats per minute), for songs that speed up or slow down."""

    time: Seconds = Field(ge=0)
    bpm: float = Field(gt=0)


class TimeSignature(_Model):
    numerator: int = Field(ge=1, le=32)
    denominator: Literal[1, 2, 4, 8, 16, 32]


class ChordSegment(_Span):
    """One chord over a span of time, with the engine's confidence and runner-up."""

    symbol: str = Field(description="Chord symbol spelt for the key, e.g. 'Bb', 'F#m7', 'N'.")
    confidence: float | None = Field(default=None, ge=0, le=1)
    alternative: str | None = Field(default=None, description="The runner-up chord symbol.")


class KeySegment(_Span):
    key: str = Field(description="Key name, e.g. 'F major', 'D minor'.")
    confidence: float | None = Field(default=None, ge=0, le=1)


class Note(_Model):
    """A melody note."""

    start_time: Seconds = Field(ge=0)
    duration: Seconds = Field(ge=0)
    pitch: float = Field(ge=0, le=127, description="MIDI note number.")
    confidence: float | None = Field(default=None, ge=0, le=1)


class AudioRef(_Model):
    """Where the playable audio is, relative to the Song Map's folder or as a URL."""

    src: str
    mime_type: str
    sample_rate: int = Field(gt=0)
    channels: int = Field(gt=0)
    duration: Seconds = Field(ge=0)


class Stem(_Model):
    name: Literal["vocals", "drums", "bass", "other", "accompaniment"]
    src: str
    mime_type: str


class EngineLicence(_Model):
    """One engine a stage ran and the terms its code and trained weights come under."""

    engine: str
    code_licence: str
    model_licence: str = Field(description='Licence of the trained weights; "none" for none.')
    commercial: bool = Field(description="Whether both licences allow a paid hosted service.")


class StageProvenance(_Model):
    """What produced one analysis, or why it is not in this Song Map."""

    status: Literal["done", "absent", "failed"]
    version: int = Field(ge=0, description="Version of the stage's code.")
    engine: str | None = None
    engine_version: str | None = None
    profile: Literal["default", "commercial"] | None = Field(
        default=None, description="Engine profile the stage ran with."
    )
    engines: list[EngineLicence] = Field(
        default_factory=list, description="Every engine the stage ran, with its licences."
    )
    seconds: float | None = Field(default=None, ge=0, description="Wall time of the stage.")
    confidence: float | None = Field(default=None, ge=0, le=1)
    note: str | None = None


class Provenance(_Model):
    created_at: str = Field(description="ISO 8601 time the Song Map was assembled.")
    performia_version: str
    source_sha256: str | None = Field(default=None, description="Checksum of the original file.")
    stages: dict[str, StageProvenance] = Field(default_factory=dict)


class SongMap(_Model):
    """A whole song: metadata, rhythm, harmony, melody and the lyric chart."""

    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^1\.\d+\.\d+$")
    id: str = Field(
        min_length=1, max_length=200, description="Song id: stable for the same recording."
    )
    title: str = Field(max_length=MAX_NAME_CHARS)
    artist: str = Field(max_length=MAX_NAME_CHARS)
    album: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    duration: Seconds = Field(ge=0)
    language: str | None = Field(default=None, max_length=16)
    lyrics_source: Literal["recognised", "given"] | None = None
    key: str | None = Field(default=None, max_length=40)
    key_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Calibrated probability that the key is right."
    )
    key_segments: list[KeySegment] = Field(default_factory=list)
    tuning_cents: float | None = Field(default=None, ge=-50, le=50)
    tempo: float | None = Field(default=None, gt=0, description="Global tempo, beats per minute.")
    tempo_curve: list[TempoPoint] = Field(default_factory=list)
    time_signature: TimeSignature | None = None
    beats: list[Seconds] = Field(default_factory=list)
    beat_confidence: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=list,
        description="Per beat, the calibrated probability that it lies where a listener taps "
        "(same length as beats, or empty).",
    )
    downbeats: list[Seconds] = Field(default_factory=list)
    bar_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Calibrated probability that the bars start on the downbeats given.",
    )
    chords: list[ChordSegment] = Field(default_factory=list)
    melody: list[Note] = Field(default_factory=list)
    sections: list[Section]
    audio: AudioRef | None = None
    stems: list[Stem] = Field(default_factory=list)
    provenance: Provenance

    @field_validator("beats", "downbeats", "sections", "chords")
    @classmethod
    def _in_time_order(cls, items: list[Any]) -> list[Any]:
        """A chart that jumps back in time cannot be followed; reject it at load, not on stage."""
        times = [getattr(x, "start_time", x) for x in items]
        if any(b < a for a, b in itertools.pairwise(times)):
            raise ValueError("must be in increasing time order")
        return items

    @model_validator(mode="after")
    def _one_confidence_per_beat(self) -> SongMap:
        if self.beat_confidence and len(self.beat_confidence) != len(self.beats):
            raise ValueError(
                f"beatConfidence has {len(self.beat_confidence)} values for {len(self.beats)} beats"
            )
        return self

    def syllables(self) -> list[Syllable]:
        """All syllables in reading order."""
        return [syl for sec in self.sections for line in sec.lines for syl in line.syllables]

    def lines(self) -> list[Line]:
        return [line for sec in self.sections for line in sec.lines]
