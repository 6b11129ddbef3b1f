"""What a synthetic song is: the truth :func:`performia.testing.synth.render_song` returns.

Each type records where something was placed, in seconds from the start of the audio, so an
analysis stage can be scored against what was really put there rather than against a hand
annotation: words (:class:`WordTruth`), chord spans (:class:`ChordTruth`), melody notes
(:class:`NoteTruth`), the sections of a form (:class:`SectionTruth`), key segments
(:class:`KeyTruth`), and the whole song with its beat grid (:class:`SongTruth`). Nothing here
renders sound, so scorers and benchmarks can read a truth without the synthesiser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "ChordTruth",
    "KeyTruth",
    "NoteTruth",
    "SectionTruth",
    "SongTruth",
    "WordTruth",
]


@dataclass(frozen=True)
class WordTruth:
    """One spoken word: ``start`` is where its audio was placed, ``end`` where that audio ends."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class ChordTruth:
    """One chord span, ``start`` inclusive and ``end`` exclusive, in seconds."""

    symbol: str
    start: float
    end: float


@dataclass(frozen=True)
class NoteTruth:
    """One melody note at an exact MIDI pitch (69 = A4 = 440 Hz)."""

    pitch_midi: int
    start: float
    end: float


@dataclass(frozen=True)
class SectionTruth:
    """One section of a song's form, ``start`` inclusive and ``end`` exclusive, in seconds.

    ``kind`` is what was asked for (``"verse"``, ``"chorus"`` …); ``label`` is a letter shared
    by every section of the same kind (the first kind heard is ``"A"``), as structure
    annotations label repeats; ``name`` is what a chart prints (``"Verse 2"``, ``"Bridge"``).
    """

    kind: str
    label: str
    start: float
    end: float
    name: str = ""


@dataclass(frozen=True)
class KeyTruth:
    """A stretch of the song in one key (``"F major"``, ``"D minor"``), in seconds."""

    key: str
    start: float
    end: float


@dataclass(frozen=True)
class SongTruth:
    """Everything :func:`~performia.testing.synth.render_song` placed, in seconds from the
    start of the audio.

    ``beats`` are the counted pulse: quarter notes in 2/4, 3/4 and 4/4, but **eighth notes in
    6/8** (``meter == 6``, ``beat_unit == 8``), so ``tempo_bpm`` is then the eighth-note rate
    (a 6/8 at ``tempo_bpm = 180`` has a dotted-quarter pulse of 60 per minute). Pitched sounds
    (chords, melody) sit ``tuning_cents`` off A440 while ``chords`` and ``melody`` keep their
    nominal names and MIDI numbers. ``key`` is the home key; ``key_segments`` tile the bars
    and say where each key sounds (one segment unless the form modulates). ``sections`` tile
    the bars in form order (empty when the song was rendered without a form).
    """

    sr: int
    duration: float
    tempo_bpm: float
    meter: int
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    key: str
    chords: tuple[ChordTruth, ...]
    melody: tuple[NoteTruth, ...]
    words: tuple[WordTruth, ...]
    beat_unit: int = 4
    tuning_cents: float = 0.0
    swing: float = 0.0
    timbre: str = "pad"
    sections: tuple[SectionTruth, ...] = ()
    key_segments: tuple[KeyTruth, ...] = ()

    @property
    def time_signature(self) -> tuple[int, int]:
        """``(meter, beat_unit)``: ``(4, 4)``, ``(3, 4)``, ``(6, 8)`` …"""
        return (self.meter, self.beat_unit)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists, spans become objects)."""
        d = asdict(self)
        for name in ("beats", "downbeats"):
            d[name] = list(d[name])
        for name in ("chords", "melody", "words", "sections", "key_segments"):
            d[name] = [dict(item) for item in d[name]]
        return d
