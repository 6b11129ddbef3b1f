"""Typed results the analysis stages hand to the package stage.

Each is a frozen dataclass with ``to_dict``/``from_dict`` for its JSON artifact (camelCase keys, the
Song Map's convention). Times are seconds; pitches MIDI note numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "Chord",
    "Harmony",
    "Melody",
    "MelodyNote",
    "Rhythm",
    "SectionSpan",
    "Structure",
    "Transcript",
    "Word",
]


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(d["text"], float(d["start"]), float(d["end"]), d.get("confidence"))


@dataclass(frozen=True)
class Transcript:
    """Timed words, and the line breaks when the user gave the lyrics.

    ``line_starts`` holds the index of the first word of each given line; empty when lines must be
    inferred from pauses. ``language_probability`` is the recogniser's probability for
    ``language`` when it was identified from the audio, ``None`` when it was given.
    """

    words: tuple[Word, ...]
    language: str | None = None
    source: Literal["recognised", "given"] = "recognised"
    line_starts: tuple[int, ...] = ()
    language_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": [w.to_dict() for w in self.words],
            "language": self.language,
            "source": self.source,
            "lineStarts": list(self.line_starts),
            "languageProbability": self.language_probability,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transcript:
        return cls(
            tuple(Word.from_dict(w) for w in d["words"]),
            d.get("language"),
            d.get("source", "recognised"),
            tuple(d.get("lineStarts", ())),
            d.get("languageProbability"),
        )


@dataclass(frozen=True)
class Rhythm:
    """Beats and bars.

    ``tempo_curve`` holds ``(time, bpm)`` points (local tempo, smoothed over a few beats) so a
    chart can follow a song that speeds up; ``tempo`` is the global (median) tempo.
    ``beat_confidence`` holds one calibrated probability per beat that it lies where a listener
    taps (see :mod:`performia.analysis.calibration`); ``bar_confidence`` the probability that the
    bar starts on the reported downbeats; ``confidence`` the mean beat confidence.
    """

    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    tempo: float | None
    time_signature: tuple[int, int] | None
    tempo_curve: tuple[tuple[float, float], ...] = ()
    confidence: float | None = None
    beat_confidence: tuple[float, ...] = ()
    bar_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "beats": list(self.beats),
            "downbeats": list(self.downbeats),
            "tempo": self.tempo,
            "timeSignature": list(self.time_signature) if self.time_signature else None,
            "tempoCurve": [list(p) for p in self.tempo_curve],
            "confidence": self.confidence,
            "beatConfidence": list(self.beat_confidence),
            "barConfidence": self.bar_confidence,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rhythm:
        ts = d.get("timeSignature")
        return cls(
            tuple(d["beats"]),
            tuple(d["downbeats"]),
            d.get("tempo"),
            tuple(ts) if ts else None,
            tuple((float(t), float(b)) for t, b in d.get("tempoCurve", ())),
            d.get("confidence"),
            tuple(float(c) for c in d.get("beatConfidence", ())),
            d.get("barConfidence"),
        )


@dataclass(frozen=True)
class Chord:
    start: float
    end: float
    symbol: str
    confidence: float | None = None
    alternative: str | None = None


@dataclass(frozen=True)
class Harmony:
    """Key, chords and tuning; ``key_confidence`` is the calibrated probability the key is
    right."""

    key: str | None
    chords: tuple[Chord, ...]
    tuning_cents: float | None = None
    key_segments: tuple[tuple[float, float, str], ...] = ()
    key_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "keyConfidence": self.key_confidence,
            "tuningCents": self.tuning_cents,
            "chords": [c.__dict__ for c in self.chords],
            "keySegments": [list(k) for k in self.key_segments],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Harmony:
        return cls(
            d.get("key"),
            tuple(Chord(**c) for c in d["chords"]),
            d.get("tuningCents"),
            tuple((float(a), float(b), str(k)) for a, b, k in d.get("keySegments", ())),
            d.get("keyConfidence"),
        )


@dataclass(frozen=True)
class MelodyNote:
    start: float
    end: float
    pitch: float
    confidence: float | None = None


@dataclass(frozen=True)
class Melody:
    """Sung notes, and which signal they were tracked on (``"vocals"`` stem or ``"mix"``)."""

    notes: tuple[MelodyNote, ...]
    source: str = "mix"

    def to_dict(self) -> dict[str, Any]:
        return {"notes": [n.__dict__ for n in self.notes], "source": self.source}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Melody:
        return cls(tuple(MelodyNote(**n) for n in d["notes"]), d.get("source", "mix"))


@dataclass(frozen=True)
class SectionSpan:
    """One section of the song.

    ``label`` names the material: sections with the same letter sound alike (every chorus is
    "B", say). ``kind`` is a Song Map section kind and ``name`` what a chart prints ("Verse 1",
    "Chorus 2", "Bridge"). ``confidence`` (0–1) says how sure the boundary and label are.
    """

    start: float
    end: float
    label: str
    kind: str
    name: str
    confidence: float


@dataclass(frozen=True)
class Structure:
    """Sections tiling the song from 0 to its end."""

    sections: tuple[SectionSpan, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"sections": [s.__dict__ for s in self.sections]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Structure:
        return cls(tuple(SectionSpan(**s) for s in d["sections"]))
