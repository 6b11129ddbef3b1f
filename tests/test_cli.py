"""The ``performia`` command as a user meets it: messages, exit codes, and nothing left behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fixture_values import SR, TAGS
from performia.cli import main
from performia.pipeline.graph import GRAPH
from performia.songmap import load_song_map
from performia.testing import write_audio


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_rejected(capsys, tmp_path, song: Path, message: str, *extra: str) -> None:
    """Exit 2, one clear line naming the problem, no traceback, no output folder."""
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "analyze", song, "--out", out_dir, "-q", *extra)
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err + out
    assert err.strip().startswith("error:")
    assert len(err.strip().splitlines()) <= 2  # one line (rich may wrap a long one)
    assert not out_dir.exists(), sorted(p.name for p in out_dir.rglob("*"))


# -- bad inputs ---------------------------------------------------------------------------------


def test_missing_path(capsys, tmp_path):
    assert_rejected(capsys, tmp_path, tmp_path / "nope.mp3", "no such file")


def test_folder_instead_of_file(capsys, tmp_path):
    (tmp_path / "album").mkdir()
    assert_rejected(capsys, tmp_path, tmp_path / "album", "it is a folder")


def test_unreadable_file(capsys, tmp_path, song_file, monkeypatch):
    # CI runs as root, which can read anything: deny access where the check asks the OS
    song_file.chmod(0)
    monkeypatch.setattr("performia.embedded._can_read", lambda path: False)
    assert_rejected(capsys, tmp_path, song_file, "permission denied")


def test_empty_file(capsys, tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    assert_rejected(capsys, tmp_path, path, "empty.wav is empty (0 bytes)")


def test_text_file_named_mp3(capsys, tmp_path):
    path = tmp_path / "lyrics.mp3"
    path.write_text("Amazing grace, how sweet the sound\n" * 50)
    assert_rejected(capsys, tmp_path, path, "lyrics.mp3 is not an audio file Performia can read")


def test_truncated_file(capsys, tmp_path, audio_files):
    path = tmp_path / "cut.flac"
    data = audio_files["flac"].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_rejected(capsys, tmp_path, path, "cut.flac is truncated")


def test_silence_only(capsys, tmp_path):
    path = write_audio(tmp_path / "quiet.wav", np.zeros(SR * 5, np.float32), SR)
    assert_rejected(capsys, tmp_path, path, "quiet.wav is silent")


def test_longer_than_the_default_limit(capsys, tmp_path):
    # 20 min 30 s at a low rate; rejected from the header, before decoding
    y = np.full(8000 * (20 * 60 + 30), 0.1, np.float32)
    path = write_audio(tmp_path / "concert.wav", y, 8000)
    assert_rejected(capsys, tmp_path, path, "concert.wav is 20:30 long; the limit is 20:00")


def test_limit_is_configurable(capsys, tmp_path, song_file, monkeypatch):
    assert_rejected(capsys, tmp_path, song_file, "the limit is 0:05", "--max-duration", "5")


@pytest.mark.slow
def test_bad_input_in_an_existing_folder_keeps_what_was_there(capsys, tmp_path, song_file):
    out_dir = tmp_path / "out"
    assert cli(capsys, "analyze", song_file, "--out", out_dir, "-q")[0] == 0
    before = sorted(p.relative_to(out_dir) for p in out_dir.rglob("*"))
    bad = tmp_path / "bad.mp3"
    bad.write_text("not audio")
    code, _, err = cli(capsys, "analyze", bad, "--out", out_dir, "-q")
    assert code == 2 and "bad.mp3 is not an audio file" in err
    after = sorted(p.relative_to(out_dir) for p in out_dir.rglob("*"))
    assert [p for p in after if "-wal" not in str(p) and "-shm" not in str(p)] == [
        p for p in before if "-wal" not in str(p) and "-shm" not in str(p)
    ]
    assert load_song_map(out_dir / "song_map.json").title == TAGS["title"]


def test_missing_lyrics_file(capsys, tmp_path, song_file):
    assert_rejected(capsys, tmp_path, song_file, "lyrics file", "--lyrics", tmp_path / "no.txt")


def test_lyrics_without_words(capsys, tmp_path, song_file):
    lyrics = tmp_path / "words.txt"
    lyrics.write_text("[Chorus]\n\n[G] [D]\n")
    assert_rejected(capsys, tmp_path, song_file, "the lyrics are empty", "--lyrics", lyrics)


def test_binary_file_as_lyrics(capsys, tmp_path, song_file):
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_rejected(capsys, tmp_path, song_file, "not readable text", "--lyrics", cover)


def test_huge_lyrics_file(capsys, tmp_path, song_file):
    assert_rejected(capsys, tmp_path, song_file, "too large", "--lyrics", song_file)


def test_unknown_profile_is_a_usage_error(capsys, tmp_path, song_file):
    assert_rejected(capsys, tmp_path, song_file, "unknown engine profile", "--profile", "cheap")


def test_usage_errors_exit_2(capsys):
    code, _, err = cli(capsys, "analyze")
    assert code == 2
    assert "Missing argument" in err


# -- success ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_analyze_writes_a_valid_song_map_and_resumes(capsys, tmp_path, song_file, song_signal):
    _, truth = song_signal
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "analyze", song_file, "--out", out_dir, "-q")
    assert code == 0, err
    song = load_song_map(out_dir / "song_map.json")
    assert (song.title, song.artist, song.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
    assert abs(song.duration - truth.duration) < 0.1
    assert song.provenance.stages["ingest"].status == "done"
    built = {s.name for s in GRAPH if s.built}
    stages = song.provenance.stages
    assert {n for n, p in stages.items() if p.status == "absent"} == set(GRAPH.names) - built
    assert {n for n, p in stages.items() if p.status == "done"} == built - {"package"}
    assert (out_dir / song.audio.src).is_file()
    assert song.audio.mime_type == "audio/mpeg"
    assert "Test Song" in out and "0:17" in out  # the terminal summary
    artifacts = sorted(p.name for p in (out_dir / "jobs").rglob("*") if p.is_file())
    declared = [w for s in GRAPH if s.built for w in s.writes]
    optional = {w for s in GRAPH if s.built for w in s.may_write}
    assert set(declared) <= set(artifacts) <= {*declared, *optional, "_done.json"}
    assert artifacts.count("_done.json") == len(built)
    mtime = (out_dir / "jobs").stat().st_mtime_ns
    # a rerun reuses both stages and rewrites the same Song Map
    assert cli(capsys, "analyze", song_file, "--out", out_dir, "-q")[0] == 0
    assert load_song_map(out_dir / "song_map.json").id == song.id
    assert (out_dir / "jobs").stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_profiles_record_their_licences_and_rerun_only_the_analyses(capsys, tmp_path, song_file):
    out_dir = tmp_path / "out"
    assert cli(capsys, "analyze", song_file, "--out", out_dir, "-q")[0] == 0
    default = load_song_map(out_dir / "song_map.json")
    rhythm = default.provenance.stages["rhythm"]
    assert rhythm.profile == "default"
    assert {e.model_licence for e in rhythm.engines} >= {"CC-BY-NC-SA-4.0"}
    assert len(default.beat_confidence) == len(default.beats) > 0
    assert default.key_confidence is not None
    folders = {p.parent.parent.name: p.parent.name for p in (out_dir / "jobs").rglob("_done.json")}
    # the commercial profile changes the analyses' fingerprints (and theirs only), and every
    # engine it ran may serve a paid hosted product
    code, _, err = cli(capsys, "analyze", song_file, "--out", out_dir, "-q", "--profile",
                       "commercial")  # fmt: skip
    assert code == 0, err
    song = load_song_map(out_dir / "song_map.json")
    for name in ("rhythm", "harmony", "melody"):
        stage = song.provenance.stages[name]
        assert stage.profile == "commercial" and stage.engines, name
        assert all(e.commercial for e in stage.engines), (name, stage.engines)
    done = {}
    for marker in (out_dir / "jobs").rglob("_done.json"):
        done.setdefault(marker.parent.parent.name, set()).add(marker.parent.name)
    rerun = {name for name, fps in done.items() if len(fps) > 1}
    assert rerun == {"rhythm", "harmony", "melody", "structure", "package"}, folders


@pytest.mark.slow
def test_title_and_artist_options_override_tags(capsys, tmp_path, song_file):
    out_dir = tmp_path / "out"
    code, _, _ = cli(
        capsys, "analyze", song_file, "--out", out_dir, "-q", "--title", "Mine", "--artist", "Me"
    )
    assert code == 0
    song = load_song_map(out_dir / "song_map.json")
    assert (song.title, song.artist, song.album) == ("Mine", "Me", TAGS["album"])


@pytest.mark.slow
def test_validate_and_export(capsys, tmp_path, song_file):
    out_dir = tmp_path / "out"
    assert cli(capsys, "analyze", song_file, "--out", out_dir, "-q")[0] == 0
    song_map = out_dir / "song_map.json"
    code, out, _ = cli(capsys, "validate", song_map)
    assert code == 0 and "valid Song Map 1." in out
    code, out, _ = cli(capsys, "export", song_map, "--format", "chordpro")
    assert code == 0 and "{title: Test Song}" in out and "{artist: The Fixtures}" in out
    target = tmp_path / "song.lrc"
    code, _, _ = cli(capsys, "export", song_map, "--format", "lrc", "--output", target)
    assert code == 0 and "[ti:Test Song]" in target.read_text()
    code, _, err = cli(capsys, "export", song_map, "--format", "musicxml")
    assert code == 2 and "unknown export format 'musicxml'" in err


@pytest.mark.slow
def test_validate_names_the_bad_field(capsys, tmp_path, song_file):
    out_dir = tmp_path / "out"
    assert cli(capsys, "analyze", song_file, "--out", out_dir, "-q")[0] == 0
    doc = json.loads((out_dir / "song_map.json").read_text())
    doc["sections"][0]["startTime"] = "soon"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, _, err = cli(capsys, "validate", bad)
    assert code == 2
    assert "bad.json: sections[0].startTime: Input should be a valid number" in err
    code, _, err = cli(capsys, "validate", tmp_path / "missing.json")
    assert code == 2 and "cannot read" in err


def test_schema_command_prints_the_committed_schema(capsys):
    from performia.songmap.schema import SCHEMA_PATH

    code, out, _ = cli(capsys, "schema")
    assert code == 0 and out == SCHEMA_PATH.read_text()


@pytest.mark.parametrize(
    "command", [[], ["analyze"], ["validate"], ["export"], ["example"], ["view"]]
)
def test_help_everywhere(capsys, command):
    code, out, _ = cli(capsys, *command, "--help")
    assert code == 0 and "Usage" in out


def test_installed_entry_point_exit_codes(tmp_path):
    """The real console script, as a shell sees it."""
    exe = Path(sys.executable).with_name("performia")
    ok = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith("performia ")
    bad = subprocess.run(
        [exe, "analyze", tmp_path / "none.wav", "--out", tmp_path / "o"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "no such file" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_a_fresh_process_analyses_with_stages_in_parallel(tmp_path, song_file):
    """Cold imports of scipy, librosa and madmom from parallel stage threads once handed a
    stage a half-initialised module; the runner now preloads stages before starting threads."""
    exe = Path(sys.executable).with_name("performia")
    out = tmp_path / "out"
    done = subprocess.run(
        [exe, "analyze", song_file, "--out", out, "-q"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    song = load_song_map(out / "song_map.json")
    assert {n for n, p in song.provenance.stages.items() if p.status == "done"} >= {
        "ingest",
        "rhythm",
        "harmony",
        "melody",
        "structure",
    }
