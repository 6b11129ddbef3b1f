"""Assembling a whole Song Map from ingest metadata and hand-built analysis results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from performia import __version__
from performia.analysis.results import (
    Chord,
    Harmony,
    Melody,
    MelodyNote,
    Rhythm,
    Transcript,
    Word,
)
from performia.songmap.assemble import Analyses, assemble_song_map
from performia.songmap.io import dump_song_map, parse_song_map
from performia.songmap.model import SongMap, StageProvenance
from performia.songmap.schema import SCHEMA_PATH

SHA = "0123456789abcdef" * 4


def _metadata() -> dict[str, Any]:
    """Shaped like the ingest stage's metadata.json (extra keys included, as it writes them)."""
    return {
        "title": "Hello Song",
        "artist": "The Testers",
        "album": "Demo",
        "nameSources": {"title": "tag", "artist": "tag", "album": "tag"},
        "duration": 30.0004,
        "sampleRate": 44100,
        "source": {
            "filename": "hello.mp3",
            "key": "uploads/job-1/hello.mp3",
            "sha256": SHA,
            "sampleRate": 48000,
            "channels": 2,
        },
    }


def _absent(note: str) -> StageProvenance:
    return StageProvenance(status="absent", version=0, note=note)


def _all_absent() -> dict[str, StageProvenance]:
    return {
        "separate": _absent("skipped"),
        "transcribe": _absent("skipped"),
        "rhythm": _absent("not built"),
        "harmony": _absent("not built"),
        "melody": _absent("not built"),
    }


def _validate_with_committed_schema(song: SongMap) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(_json(song))]
    assert errors == []


def _json(song: SongMap) -> dict[str, Any]:
    return json.loads(dump_song_map(song))


# --- metadata only -----------------------------------------------------------------------------


def test_metadata_only_gives_no_analyses() -> None:
    stages = _all_absent()
    song = assemble_song_map(
        song_id="job-1",
        metadata=_metadata(),
        audio_src="uploads/job-1/hello.mp3",
        analyses=Analyses(),
        stages=stages,
        language="de",
    )
    assert (song.id, song.title, song.artist, song.album) == (
        "job-1",
        "Hello Song",
        "The Testers",
        "Demo",
    )
    assert song.duration == 30.0
    assert song.language == "de"
    assert song.lyrics_source is None
    assert song.key is None
    assert song.key_segments == []
    assert song.tuning_cents is None
    assert song.tempo is None
    assert song.time_signature is None
    assert song.beats == []
    assert song.downbeats == []
    assert song.chords == []
    assert song.melody == []
    assert song.stems == []
    assert song.syllables() == []
    assert [(s.name, s.kind, s.start_time, s.end_time, s.lines) for s in song.sections] == [
        ("Song", "section", 0.0, 30.0, [])
    ]
    assert song.audio is not None
    assert song.audio.model_dump() == {
        "src": "uploads/job-1/hello.mp3",
        "mimeType": "audio/mpeg",
        "sampleRate": 48000,
        "channels": 2,
        "duration": 30.0,
    }
    prov = song.provenance
    assert prov.source_sha256 == SHA
    assert prov.performia_version == __version__
    assert prov.stages == stages
    assert {name: s.status for name, s in prov.stages.items()} == dict.fromkeys(stages, "absent")
    assert prov.stages["rhythm"].note == "not built"
    created = datetime.fromisoformat(prov.created_at)
    assert created.utcoffset() is not None

    data = _json(song)
    assert data["provenance"]["stages"]["transcribe"] == {
        "status": "absent",
        "version": 0,
        "engine": None,
        "engineVersion": None,
        "seconds": None,
        "confidence": None,
        "note": "skipped",
        "profile": None,
        "engines": [],
    }
    _validate_with_committed_schema(song)


def test_album_may_be_missing_and_sha_optional() -> None:
    metadata = _metadata()
    del metadata["album"]
    del metadata["source"]["sha256"]
    song = assemble_song_map(
        song_id="job-2",
        metadata=metadata,
        audio_src="https://example.com/a/b/song.mp3",
        analyses=Analyses(),
        stages={},
        language="en",
    )
    assert song.album is None
    assert song.provenance.source_sha256 is None
    assert song.provenance.stages == {}
    assert song.audio is not None
    assert song.audio.src == "https://example.com/a/b/song.mp3"


# --- every analysis ----------------------------------------------------------------------------


def _analyses() -> Analyses:
    transcript = Transcript(
        words=(
            Word("hello", 6.0, 7.0, 0.9),
            Word("world", 7.0, 7.4, 0.8),
            Word("singing", 7.6, 8.5, 0.7),
            Word("loud", 8.5, 9.0, 0.95),
            Word("beautiful", 20.0, 21.0, 0.6),
            Word("day", 21.0, 21.5, 0.5),
        ),
        language="en",
        source="given",
        line_starts=(0, 2, 4),
    )
    rhythm = Rhythm(
        beats=tuple(round(i * 0.5 + 0.0004, 4) for i in range(60)),
        downbeats=tuple(round(i * 2.0 + 0.0004, 4) for i in range(15)),
        tempo=119.996,
        time_signature=(4, 4),
    )
    harmony = Harmony(
        key="C major",
        chords=(
            Chord(0.0, 6.0, "N"),
            Chord(6.0, 7.5, "C", 0.8, "Am"),
            Chord(7.5, 9.0, "G", 0.7),
            Chord(9.0, 20.0, "Am"),
            Chord(20.0, 21.0, "F"),
            Chord(21.0, 30.0, "F"),  # the same chord again: not printed again
        ),
        tuning_cents=-3.2,
        key_segments=((0.0, 30.0, "C major"),),
    )
    melody = Melody(
        notes=(
            MelodyNote(6.0, 6.5, 60.0, 0.9),
            MelodyNote(6.5, 7.4, 62.0),
            MelodyNote(7.6, 8.5, 64.0),
            MelodyNote(8.5, 9.0, 65.04),
            MelodyNote(20.0, 20.4, 67.0),
            MelodyNote(20.4, 21.5, 69.0),
        )
    )
    return Analyses(
        transcript=transcript,
        rhythm=rhythm,
        harmony=harmony,
        melody=melody,
        stems={"vocals": "stems/vocals.mp3", "accompaniment": "stems/accompaniment.mp3"},
    )


def _stages_done() -> dict[str, StageProvenance]:
    return {
        name: StageProvenance(status="done", version=1, engine=engine, seconds=1.5)
        for name, engine in [
            ("separate", "demucs"),
            ("transcribe", "whisperx"),
            ("rhythm", "beat_this"),
            ("harmony", "chordino"),
            ("melody", "basic_pitch"),
        ]
    }


def _assembled(analyses: Analyses | None = None) -> SongMap:
    return assemble_song_map(
        song_id="job-1",
        metadata=_metadata(),
        audio_src="uploads/job-1/hello.mp3",
        analyses=analyses or _analyses(),
        stages=_stages_done(),
        language="en",
    )


def test_rhythm_fields() -> None:
    song = _assembled()
    assert song.tempo == 120.0
    assert song.time_signature is not None
    assert (song.time_signature.numerator, song.time_signature.denominator) == (4, 4)
    assert song.beats == [i * 0.5 for i in range(60)]
    assert song.downbeats == [i * 2.0 for i in range(15)]
    data = _json(song)
    assert data["timeSignature"] == {"numerator": 4, "denominator": 4}
    assert data["beats"][:4] == [0.0, 0.5, 1.0, 1.5]


def test_harmony_fields() -> None:
    song = _assembled()
    assert song.key == "C major"
    assert song.tuning_cents == -3.2
    assert [(k.start_time, k.end_time, k.key) for k in song.key_segments] == [
        (0.0, 30.0, "C major")
    ]
    assert [
        (c.start_time, c.end_time, c.symbol, c.confidence, c.alternative) for c in song.chords
    ] == [
        (0.0, 6.0, "N", None, None),
        (6.0, 7.5, "C", 0.8, "Am"),
        (7.5, 9.0, "G", 0.7, None),
        (9.0, 20.0, "Am", None, None),
        (20.0, 21.0, "F", None, None),
        (21.0, 30.0, "F", None, None),
    ]


def test_melody_fields() -> None:
    song = _assembled()
    assert [(n.start_time, n.duration, n.pitch, n.confidence) for n in song.melody] == [
        (6.0, 0.5, 60.0, 0.9),
        (6.5, 0.9, 62.0, None),
        (7.6, 0.9, 64.0, None),
        (8.5, 0.5, 65.04, None),
        (20.0, 0.4, 67.0, None),
        (20.4, 1.1, 69.0, None),
    ]


def test_lyrics_chart_with_chords_and_pitch() -> None:
    song = _assembled()
    assert song.lyrics_source == "given"
    assert song.language == "en"
    assert [line.text for line in song.lines()] == ["hello world", "singing loud", "beautiful day"]
    got = [
        (s.text, s.start_time, s.duration, s.chord, s.pitch, s.ends_word) for s in song.syllables()
    ]
    assert got == [
        ("hel", 6.0, 0.5, "C", 60.0, False),  # C starts with the singing (N is not on a syllable)
        ("lo", 6.5, 0.5, None, 62.0, True),
        ("world", 7.0, 0.4, None, 62.0, True),
        ("sing", 7.6, 0.491, "G", 64.0, False),  # G started at 7.5, between syllables
        ("ing", 8.091, 0.409, None, 64.0, True),
        ("loud", 8.5, 0.5, None, 65.04, True),
        ("beau", 20.0, 0.4, "F", 67.0, False),  # boundary snapped to the note at 20.4
        ("ti", 20.4, 0.337, None, 69.0, False),
        ("ful", 20.737, 0.263, None, 69.0, True),
        ("day", 21.0, 0.5, None, 69.0, True),  # F repeated at 21.0: no new mark
    ]
    assert [s.confidence for s in song.syllables()] == [
        0.9,
        0.9,
        0.8,
        0.7,
        0.7,
        0.95,
        0.6,
        0.6,
        0.6,
        0.5,
    ]


def test_sections_from_pauses() -> None:
    song = _assembled()
    assert [(s.name, s.kind, s.start_time, s.end_time, len(s.lines)) for s in song.sections] == [
        ("Intro", "intro", 0.0, 6.0, 0),
        ("Section 1", "section", 6.0, 9.0, 2),
        ("Instrumental", "instrumental", 9.0, 20.0, 0),
        ("Section 2", "section", 20.0, 21.5, 1),
        ("Outro", "outro", 21.5, 30.0, 0),
    ]


def test_stems_and_provenance() -> None:
    song = _assembled()
    assert [(s.name, s.src, s.mime_type) for s in song.stems] == [
        ("vocals", "stems/vocals.mp3", "audio/mpeg"),
        ("accompaniment", "stems/accompaniment.mp3", "audio/mpeg"),
    ]
    assert song.provenance.stages == _stages_done()
    assert song.provenance.stages["harmony"].engine == "chordino"


def test_recognised_lyrics_without_language_fall_back_to_the_requested_one() -> None:
    a = _analyses()
    assert a.transcript is not None
    transcript = Transcript(words=a.transcript.words)  # recognised, no language, no line breaks
    song = _assembled(
        Analyses(transcript=transcript, rhythm=a.rhythm, harmony=a.harmony, melody=a.melody)
    )
    assert song.lyrics_source == "recognised"
    assert song.language == "en"
    # lines from pauses: 0.2 s between "world" and "singing" is no line break
    assert [line.text for line in song.lines()] == [
        "hello world singing loud",
        "beautiful day",
    ]


def test_results_read_back_from_their_json_artifacts_give_the_same_song() -> None:
    a = _analyses()
    assert a.transcript and a.rhythm and a.harmony and a.melody
    from_json = Analyses(
        transcript=Transcript.from_dict(json.loads(json.dumps(a.transcript.to_dict()))),
        rhythm=Rhythm.from_dict(json.loads(json.dumps(a.rhythm.to_dict()))),
        harmony=Harmony.from_dict(json.loads(json.dumps(a.harmony.to_dict()))),
        melody=Melody.from_dict(json.loads(json.dumps(a.melody.to_dict()))),
        stems=a.stems,
    )
    assert from_json == a
    first, second = _assembled(a), _assembled(from_json)
    assert second.model_copy(update={"provenance": first.provenance}) == first


def test_assembled_song_validates_and_round_trips() -> None:
    song = _assembled()
    _validate_with_committed_schema(song)
    assert parse_song_map(dump_song_map(song)) == song
    data = _json(song)
    assert data["lyricsSource"] == "given"
    assert data["timeSignature"] == {"numerator": 4, "denominator": 4}
    assert data["sections"][1]["lines"][0]["syllables"][0]["chord"] == "C"
    assert data["sections"][1]["lines"][0]["syllables"][0]["endsWord"] is False
