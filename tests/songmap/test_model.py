"""The Song Map document: camelCase JSON round trip, the committed schema, field-naming errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from performia.errors import BadInputError, SongMapError
from performia.songmap.io import dump_song_map, load_song_map, parse_song_map, write_song_map
from performia.songmap.model import (
    SCHEMA_VERSION,
    AudioRef,
    ChordSegment,
    KeySegment,
    Line,
    Note,
    Provenance,
    Section,
    SongMap,
    StageProvenance,
    Stem,
    Syllable,
    TimeSignature,
)
from performia.songmap.schema import SCHEMA_PATH, song_map_schema_text


def _full_song() -> SongMap:
    """Every field of every model set to a non-default value."""
    verse = Section(
        name="Verse 1",
        kind="verse",
        start_time=0.0,
        end_time=8.0,
        lines=[
            Line(
                text="hello world",
                start_time=1.0,
                end_time=3.0,
                syllables=[
                    Syllable(
                        text="hel",
                        start_time=1.0,
                        duration=0.5,
                        chord="C",
                        pitch=60.3,
                        ends_word=False,
                        confidence=0.9,
                    ),
                    Syllable(text="lo", start_time=1.5, duration=0.5, pitch=62.0, confidence=0.9),
                    Syllable(text="world", start_time=2.0, duration=1.0, chord="G", pitch=64.0),
                ],
            )
        ],
    )
    outro = Section(name="Outro", kind="outro", start_time=8.0, end_time=12.5)
    return SongMap(
        id="f00dfeed",
        title="Hello Song",
        artist="The Testers",
        album="Demo",
        duration=12.5,
        language="en",
        lyrics_source="given",
        key="C major",
        key_segments=[KeySegment(start_time=0.0, end_time=12.5, key="C major", confidence=0.8)],
        tuning_cents=-12.5,
        tempo=120.0,
        time_signature=TimeSignature(numerator=3, denominator=4),
        beats=[0.5, 1.0, 1.5, 2.0],
        downbeats=[0.5, 2.0],
        chords=[
            ChordSegment(
                start_time=0.0, end_time=2.0, symbol="C", confidence=0.7, alternative="Am"
            ),
            ChordSegment(start_time=2.0, end_time=12.5, symbol="G"),
        ],
        melody=[
            Note(start_time=1.0, duration=0.5, pitch=60.3, confidence=0.95),
            Note(start_time=1.5, duration=1.5, pitch=63.0),
        ],
        sections=[verse, outro],
        audio=AudioRef(
            src="audio.mp3", mime_type="audio/mpeg", sample_rate=44100, channels=2, duration=12.5
        ),
        stems=[Stem(name="vocals", src="stems/vocals.ogg", mime_type="audio/ogg")],
        provenance=Provenance(
            created_at="2024-05-01T12:00:00.000+00:00",
            performia_version="0.1.0",
            source_sha256="ab" * 32,
            stages={
                "transcribe": StageProvenance(
                    status="done",
                    version=2,
                    engine="whisperx",
                    engine_version="3.1",
                    seconds=12.3,
                    confidence=0.88,
                    note="ok",
                ),
                "melody": StageProvenance(status="absent", version=0, note="not run"),
            },
        ),
    )


def _dumped() -> dict[str, Any]:
    return json.loads(dump_song_map(_full_song()))


def _keys(node: Any, skip: frozenset[str] = frozenset()) -> set[str]:
    """Every key of every object in a JSON tree (keys directly under ``skip`` keys are data)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            if k in skip and isinstance(v, dict):
                for inner in v.values():
                    out |= _keys(inner, skip)
            else:
                out |= _keys(v, skip)
    elif isinstance(node, list):
        for item in node:
            out |= _keys(item, skip)
    return out


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# --- round trip and JSON names ----------------------------------------------------------------


def test_full_song_map_round_trips_unchanged() -> None:
    song = _full_song()
    text = dump_song_map(song)
    again = parse_song_map(text)
    assert again == song
    assert dump_song_map(again) == text
    assert parse_song_map(json.loads(text)) == song  # from a decoded dict too
    assert parse_song_map(text.encode("utf-8")) == song  # and from bytes


def test_json_keys_are_camel_case() -> None:
    data = _dumped()
    keys = _keys(data, skip=frozenset({"stages"}))
    for key in (
        "startTime",
        "endTime",
        "schemaVersion",
        "timeSignature",
        "endsWord",
        "mimeType",
        "performiaVersion",
        "lyricsSource",
        "keySegments",
        "tuningCents",
        "sampleRate",
        "createdAt",
        "sourceSha256",
        "engineVersion",
    ):
        assert key in keys
    assert [k for k in keys if "_" in k] == []
    assert data["schemaVersion"] == SCHEMA_VERSION
    assert data["timeSignature"] == {"numerator": 3, "denominator": 4}
    assert data["sections"][0]["lines"][0]["syllables"][0] == {
        "text": "hel",
        "startTime": 1.0,
        "duration": 0.5,
        "chord": "C",
        "pitch": 60.3,
        "endsWord": False,
        "confidence": 0.9,
    }
    assert data["audio"]["mimeType"] == "audio/mpeg"
    assert data["provenance"]["performiaVersion"] == "0.1.0"
    assert set(data["provenance"]["stages"]) == {"transcribe", "melody"}


def test_snake_case_names_are_accepted_from_python_but_dumped_camel() -> None:
    syl = Syllable.model_validate({"text": "la", "start_time": 1.0, "duration": 0.5})
    assert syl.model_dump(mode="json") == {
        "text": "la",
        "startTime": 1.0,
        "duration": 0.5,
        "chord": None,
        "pitch": None,
        "endsWord": True,
        "confidence": None,
    }


def test_song_map_is_frozen() -> None:
    song = _full_song()
    with pytest.raises(ValueError, match="frozen"):
        song.title = "Other"  # type: ignore[misc]


def test_reading_order_helpers() -> None:
    song = _full_song()
    assert [s.text for s in song.syllables()] == ["hel", "lo", "world"]
    assert [line.text for line in song.lines()] == ["hello world"]


# --- the committed JSON Schema -----------------------------------------------------------------


def test_committed_schema_matches_the_models() -> None:
    assert SCHEMA_PATH.name == "song_map.schema.json"
    assert SCHEMA_PATH.exists(), f"{SCHEMA_PATH} is missing: run `make schema`"
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == song_map_schema_text(), (
        f"{SCHEMA_PATH.name} is out of date with the Song Map models: run `make schema`"
    )


def test_committed_schema_is_draft_2020_12_and_versioned() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://performia.dev/schema/song-map/{SCHEMA_VERSION}.json"
    assert schema["additionalProperties"] is False


def test_committed_schema_validates_a_dumped_song_map() -> None:
    validator = Draft202012Validator(_schema())
    assert list(validator.iter_errors(_dumped())) == []


def test_committed_schema_rejects_a_syllable_without_start_time() -> None:
    data = _dumped()
    del data["sections"][0]["lines"][0]["syllables"][1]["startTime"]
    errors = list(Draft202012Validator(_schema()).iter_errors(data))
    assert len(errors) == 1
    assert errors[0].validator == "required"
    assert "'startTime' is a required property" in errors[0].message
    assert list(errors[0].absolute_path) == ["sections", 0, "lines", 0, "syllables", 1]


def test_committed_schema_rejects_unknown_fields() -> None:
    data = _dumped()
    data["sections"][0]["colour"] = "red"
    assert not Draft202012Validator(_schema()).is_valid(data)


def test_schema_has_the_seed_fields() -> None:
    schema = _schema()
    defs = schema["$defs"]
    top = schema["properties"]
    for name in ("title", "artist", "album", "key", "tempo", "duration", "sections"):
        assert name in top
    assert {"title", "artist", "duration", "sections"} <= set(schema["required"])
    assert top["sections"]["items"] == {"$ref": "#/$defs/Section"}

    section = defs["Section"]
    assert {"name", "startTime", "lines"} <= set(section["properties"])
    assert {"name", "startTime"} <= set(section["required"])
    assert section["properties"]["lines"]["items"] == {"$ref": "#/$defs/Line"}

    line = defs["Line"]
    assert line["properties"]["syllables"]["items"] == {"$ref": "#/$defs/Syllable"}

    syllable = defs["Syllable"]
    assert {"text", "startTime", "duration", "chord", "pitch"} <= set(syllable["properties"])
    assert set(syllable["required"]) == {"text", "startTime", "duration"}
    assert {"type": "string", "maxLength": 32} in syllable["properties"]["chord"]["anyOf"]
    assert {"maximum": 127, "minimum": 0, "type": "number"} in syllable["properties"]["pitch"][
        "anyOf"
    ]


# --- errors that name the field ----------------------------------------------------------------


def _error(change: Any, *, source: str = "song_map.json") -> str:
    data = copy.deepcopy(_dumped())
    change(data)
    with pytest.raises(SongMapError) as info:
        parse_song_map(json.dumps(data), source=source)
    assert isinstance(info.value, BadInputError)
    return str(info.value)


def _syl(data: dict[str, Any], i: int) -> dict[str, Any]:
    return data["sections"][0]["lines"][0]["syllables"][i]


def test_wrong_type_in_a_nested_syllable() -> None:
    msg = _error(lambda d: _syl(d, 2).update(startTime="soon"))
    assert msg == (
        "song_map.json: sections[0].lines[0].syllables[2].startTime: "
        "Input should be a valid number, unable to parse string as a number"
    )


def test_unknown_extra_field() -> None:
    msg = _error(lambda d: d["sections"][1].update(colour="red"))
    assert msg == "song_map.json: sections[1].colour: Extra inputs are not permitted"
    msg = _error(lambda d: d.update(bpm=120))
    assert msg == "song_map.json: bpm: Extra inputs are not permitted"


def test_section_ending_before_it_starts() -> None:
    msg = _error(lambda d: d["sections"][0].update(startTime=5.0, endTime=4.0))
    assert msg == "song_map.json: sections[0]: Value error, endTime 4.0 is before startTime 5.0"


def test_beats_out_of_order() -> None:
    msg = _error(lambda d: d.update(beats=[0.5, 1.5, 1.0]))
    assert msg == "song_map.json: beats: Value error, must be in increasing time order"
    msg = _error(lambda d: d.update(downbeats=[2.0, 0.5]))
    assert msg == "song_map.json: downbeats: Value error, must be in increasing time order"


def test_sections_out_of_order() -> None:
    msg = _error(lambda d: d.update(sections=d["sections"][::-1]))
    assert msg == "song_map.json: sections: Value error, must be in increasing time order"


def test_pitch_out_of_range() -> None:
    msg = _error(lambda d: _syl(d, 0).update(pitch=200))
    assert msg == (
        "song_map.json: sections[0].lines[0].syllables[0].pitch: "
        "Input should be less than or equal to 127"
    )


def test_missing_title() -> None:
    assert _error(lambda d: d.pop("title")) == "song_map.json: title: Field required"


def test_several_problems_report_the_first_and_count_the_rest() -> None:
    def change(d: dict[str, Any]) -> None:
        d.pop("title")
        d.pop("artist")
        _syl(d, 0).update(pitch=-1)

    msg = _error(change, source="x.json")
    assert msg == "x.json: title: Field required (and 2 more problems)"


def test_default_source_and_invalid_json() -> None:
    with pytest.raises(SongMapError, match=r"^Song Map: \(document\): Invalid JSON"):
        parse_song_map("{not json")
    with pytest.raises(SongMapError, match=r"^Song Map: \(document\): Input should be an object"):
        parse_song_map("[]")


# --- files -------------------------------------------------------------------------------------


def test_load_missing_file_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(SongMapError, match=r"^cannot read .*nope\.json: No such file"):
        load_song_map(path)


def test_load_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken_map.json"
    data = _dumped()
    del data["title"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SongMapError) as info:
        load_song_map(path)
    assert str(info.value) == "broken_map.json: title: Field required"


def test_write_song_map_is_atomic_and_loadable(tmp_path: Path) -> None:
    song = _full_song()
    target = tmp_path / "deep" / "folder" / "song_map.json"
    assert write_song_map(song, target) == target
    assert sorted(p.name for p in target.parent.iterdir()) == ["song_map.json"]
    text = target.read_text(encoding="utf-8")
    assert text == dump_song_map(song) + "\n"
    assert load_song_map(target) == song

    # overwriting replaces the document whole and leaves no temp file behind
    other = song.model_copy(update={"title": "Second Take"})
    write_song_map(other, target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["song_map.json"]
    assert load_song_map(target).title == "Second Take"


def test_write_song_map_failure_leaves_old_document_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import performia.songmap.io as io_module

    song = _full_song()
    target = tmp_path / "song_map.json"
    write_song_map(song, target)
    before = target.read_bytes()

    def boom(_song: SongMap) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(io_module, "dump_song_map", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_song_map(song.model_copy(update={"title": "Never"}), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song_map.json"]
    assert target.read_bytes() == before
