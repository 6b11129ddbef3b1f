"""The package stage's ``run(ctx)``: every analysis of the chain joined into one Song Map, checked
against the committed JSON Schema, the upstream artifacts and the song's truth."""

from __future__ import annotations

import json

import mir_eval
import pytest
from jsonschema import Draft202012Validator

from performia.analysis.chordnames import to_harte
from performia.analysis.results import Harmony, Melody, Rhythm, Structure
from performia.pipeline.graph import GRAPH
from performia.songmap.io import parse_song_map
from performia.songmap.schema import SCHEMA_PATH
from performia.stages import package
from performia.storage.base import NotFoundError
from stage_chain import SEPARATE_SKIPPED, UPLOAD_KEY, without

pytestmark = pytest.mark.slow

VALIDATOR = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def _song_map(ctx):
    document = json.loads(ctx.store.get(ctx.key("song_map.json")))
    VALIDATOR.validate(document)  # the committed schema the frontend's types come from
    return parse_song_map(document)


@pytest.fixture(scope="module")
def packaged(chain):
    ctx, outcome = chain.run(package)
    return ctx, outcome, _song_map(ctx)


def _syllables(song):
    return [(line, s) for sec in song.sections for line in sec.lines for s in line.syllables]


def _at(spans, t):
    """The truth span (chord or note) sounding at ``t``, else ``None``."""
    return next((x for x in spans if x.start - 1e-6 <= t < x.end), None)


def test_the_song_map_carries_each_analysis_as_its_stage_wrote_it(chain, packaged):
    ctx, outcome, song = packaged
    rhythm = Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))
    harmony = Harmony.from_dict(ctx.read_json("harmony", "harmony.json"))
    melody = Melody.from_dict(ctx.read_json("melody", "melody.json"))
    structure = Structure.from_dict(ctx.read_json("structure", "structure.json"))
    metadata = ctx.read_json("ingest", "metadata.json")
    assert (song.id, song.title, song.artist) == ("job", "Verse and Chorus", "The Fixtures")
    assert song.duration == pytest.approx(metadata["duration"])
    assert song.audio.src == UPLOAD_KEY and song.stems == []
    assert song.beats == [round(b, 3) for b in rhythm.beats] and len(song.beats) >= 120
    assert song.downbeats == [round(b, 3) for b in rhythm.downbeats]
    assert (song.time_signature.numerator, song.time_signature.denominator) == (4, 4)
    assert song.tempo == pytest.approx(chain.truth.tempo_bpm, rel=0.02)
    assert [(c.symbol, c.start_time) for c in song.chords] == [
        (c.symbol, round(c.start, 3)) for c in harmony.chords
    ]
    assert song.key == "C major" and song.tuning_cents == harmony.tuning_cents
    assert len(song.melody) == len(melody.notes) > 0
    # the structure's sections, the first from the top and the last to the end of the audio
    assert [(s.name, s.kind) for s in song.sections] == [
        (s.name, s.kind) for s in structure.sections
    ]
    starts = [s.start_time for s in song.sections]
    assert starts == [0.0, *(pytest.approx(s.start, abs=1e-3) for s in structure.sections[1:])]
    assert song.sections[-1].end_time == song.duration
    assert outcome.engine == "performia" and outcome.note is None
    assert ctx.written == ["song_map.json"]


def test_the_given_lyrics_become_syllables_with_the_chord_and_pitch_sung(chain, packaged):
    _, _, song = packaged
    truth = chain.truth
    assert song.lyrics_source == "given" and song.language == "en"
    syllables = _syllables(song)
    heard = "".join(s.text + (" " if s.ends_word else "") for _, s in syllables).split()
    assert heard == [w.text for w in chain.transcript.words]
    for section in song.sections:  # each line sits in its section
        for line in section.lines:
            assert section.start_time - 1e-3 <= line.start_time < section.end_time
    # the pitch printed on a syllable is the note sung there
    pitched = [(s, _at(truth.melody, s.start_time + 0.01)) for _, s in syllables]
    close = [abs(s.pitch - note.pitch_midi) <= 1 for s, note in pitched if s.pitch is not None]
    # the chord printed over a syllable is the chord played there (major/minor vocabulary)
    marks = [(s.chord, _at(truth.chords, s.start_time + 0.01)) for _, s in syllables if s.chord]
    right = mir_eval.chord.majmin([to_harte(c.symbol) for _, c in marks],
                                  [to_harte(m) for m, _ in marks])  # fmt: skip
    print(f"{len(syllables)} syllables, {len(close)} pitched ({sum(close)} within a semitone), "
          f"{len(marks)} chord marks ({int(right.sum())} right)")  # fmt: skip
    assert len(close) >= 0.9 * len(syllables) and sum(close) >= 0.9 * len(close)
    assert len(marks) >= 16 and right.mean() >= 0.8


def test_provenance_names_each_stage_and_why_separation_is_absent(chain, packaged):
    _, _, song = packaged
    stages = song.provenance.stages
    assert set(stages) == set(GRAPH["package"].upstream)
    assert stages["separate"].status == "absent" and stages["separate"].note == SEPARATE_SKIPPED
    for name, outcome in chain.outcomes.items():
        if name in stages:
            assert stages[name].status == "done", name
            assert stages[name].version == GRAPH[name].version, name
            assert stages[name].engine == outcome.engine, name
    licences = {e.engine for e in stages["rhythm"].engines}
    assert licences and all(e.code_licence for e in stages["rhythm"].engines), licences
    assert (
        song.provenance.source_sha256
        == chain.context("package").read_json("ingest", "metadata.json")["source"]["sha256"]
    )


def test_without_the_structure_stage_sections_come_from_lyric_pauses(chain, packaged):
    ctx = chain.context("package", skip=("structure",), fingerprint="fp-no-structure")
    outcome = package.run(ctx)
    song = _song_map(ctx)
    assert outcome.note == "sections from lyric pauses (no structure stage)"
    assert song.provenance.stages["structure"].status == "absent"
    assert len(_syllables(song)) == len(_syllables(packaged[2]))


def test_with_every_analysis_absent_nothing_is_invented(chain, packaged):
    absent = [d for d in GRAPH["package"].upstream if d != "ingest"]
    ctx = chain.context("package", skip=absent, fingerprint="fp-ingest-only")
    package.run(ctx)
    song = _song_map(ctx)
    assert (song.beats, song.chords, song.melody, song.key, song.tempo) == ([], [], [], None, None)
    assert song.lyrics_source is None and not _syllables(song)
    assert {n for n, s in song.provenance.stages.items() if s.status == "absent"} == set(absent)
    assert song.title == "Verse and Chorus" and song.duration > 50


@pytest.mark.parametrize(
    ("stage", "artifact"),
    [("ingest", "metadata.json"), ("harmony", "harmony.json"), ("melody", "_done.json")],
    ids=["ingest metadata", "a done stage's result", "a done stage's marker"],
)
def test_an_upstream_artifact_missing_is_a_not_found_error(packaged, stage, artifact):
    lost = without(packaged[0], stage, artifact)
    with pytest.raises(NotFoundError, match=rf"{stage}/fp-{stage}/{artifact}"):
        package.run(lost)
    assert lost.written == []
