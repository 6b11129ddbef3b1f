"""The real-recordings benchmark on a tiny development set written here from synthesised songs.

The real set (``../shared/devset``) is research material outside the project and absent in CI,
so these tests build a two-clip set in the same layout — FLAC audio, annotation files in the set's
formats, a manifest — from songs whose truth is exact, and check the harness reads it, runs
Performia and the anchors, scores with mir_eval and caches what it should.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from performia.bench import anchors as anchors_module
from performia.bench import scoring
from performia.bench.accuracy import to_harte
from performia.bench.anchors import AnchorResult
from performia.bench.cli import bench_app
from performia.bench.devset import DevSetError, load_clips, read_reference
from performia.bench.realset import real_table, run_realset, score_layers
from performia.testing import render_song

SR = 22050


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def make_set(root: Path) -> Path:
    """Two clips: a 4/4 pop clip with beats, tempo and key, and a 3/4 song with chords and
    sections too (as GTZAN and Beatles entries look)."""
    form = [("verse", ["Am", "F", "C", "G"], 4), ("chorus", ["C", "G", "F", "C"], 4)] * 2
    songs = {
        "gtzan_pop.00001": render_song(bpm=112, meter=4, bars=10, key="C major", seed=3),
        "beatles_test": render_song(bpm=96, meter=3, form=form, key="C major", seed=4),
    }
    entries = []
    for clip_id, (mix, truth, _) in songs.items():
        audio = root / "audio" / f"{clip_id}.flac"
        audio.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(audio, mix, SR)
        a = root / "annotations"
        beats = "".join(f"{t:.4f}\t{1 + i % truth.meter}\n" for i, t in enumerate(truth.beats))
        notes = {
            "beats": _write(a / "beats" / f"{clip_id}.beats.txt", beats),
            "downbeats": _write(
                a / "downbeats" / f"{clip_id}.downbeats.txt",
                "".join(f"{t:.4f}\n" for t in truth.downbeats),
            ),
            "meter": _write(a / "meter" / f"{clip_id}.meter.txt", f"{truth.meter}\n"),
            "tempo_bpm": _write(a / "tempo" / f"{clip_id}.bpm.txt", f"{truth.tempo_bpm}\n"),
        }
        key = {"key": _write(a / "key" / f"{clip_id}.key.txt", f"{truth.key}\n")}
        relative = {k: str(Path(v).relative_to(root)) for k, v in notes.items()}
        entries.append({"id": clip_id, "task": "beats", "audio": str(audio.relative_to(root)),
                        "annotations": relative, "duration_s": truth.duration})  # fmt: skip
        entries.append({"id": clip_id, "task": "key", "audio": str(audio.relative_to(root)),
                        "annotations": {"key": str(Path(key["key"]).relative_to(root))},
                        "duration_s": truth.duration})  # fmt: skip
        if truth.sections:
            lab = "".join(
                f"{c.start:.4f}\t{c.end:.4f}\t{to_harte(c.symbol)}\n" for c in truth.chords
            )
            chords = _write(a / "chords" / f"{clip_id}.chords.lab", lab)
            sections = _write(
                a / "sections" / f"{clip_id}.sections.lab",
                "".join(f"{s.start:.4f}\t{s.end:.4f}\t{s.label}\n" for s in truth.sections),
            )
            entries.append({"id": clip_id, "task": "chords", "audio": str(audio.relative_to(root)),
                            "annotations": {"chords": str(Path(chords).relative_to(root))},
                            "duration_s": truth.duration})  # fmt: skip
            entries.append({"id": clip_id, "task": "sections",
                            "audio": str(audio.relative_to(root)),
                            "annotations": {"sections": str(Path(sections).relative_to(root))},
                            "duration_s": truth.duration})  # fmt: skip
    entries.append({"id": "song", "task": "lyrics", "audio": "audio/none.mp3", "annotations": {}})
    _write(root / "manifest.json", json.dumps(entries))
    return root


@pytest.fixture(scope="module")
def devset(tmp_path_factory) -> Path:
    return make_set(tmp_path_factory.mktemp("devset"))


def test_clips_merge_their_tasks_and_references_parse(devset):
    clips = load_clips(devset)
    assert [c.id for c in clips] == ["gtzan_pop.00001", "beatles_test"]  # lyrics are not here
    pop, song = clips
    assert pop.tasks == ("beats", "key") and pop.collection == "gtzan"
    assert song.tasks == ("beats", "key", "chords", "sections")
    ref = read_reference(song)
    assert ref.meter == 3 and ref.tempo == 96.0 and ref.key == "C major"
    assert ref.chords[0][2] == "A:min" and ref.sections[0][2] == "A"  # the form's labels
    assert len(ref.downbeats) * 3 == len(ref.beats)
    assert load_clips(devset, ids=["beatles_test"])[0].id == "beatles_test"
    with pytest.raises(DevSetError, match="no clips nope"):
        load_clips(devset, ids=["nope"])


def test_a_folder_without_a_manifest_or_with_a_bad_annotation_is_refused(tmp_path, devset):
    with pytest.raises(DevSetError, match=r"no manifest\.json"):
        load_clips(tmp_path)
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(DevSetError, match="cannot read"):
        load_clips(tmp_path)
    clip = load_clips(devset)[0]
    broken = tmp_path / "broken.bpm.txt"
    broken.write_text("fast\n", encoding="utf-8")
    clip.annotations["tempo_bpm"] = broken
    with pytest.raises(DevSetError, match="expected a number"):
        read_reference(clip)


def test_scores_reward_the_truth_and_charge_what_is_missing(devset):
    clip = load_clips(devset)[1]
    ref = read_reference(clip)
    truth = AnchorResult(
        beats=list(ref.beats),
        downbeats=list(ref.downbeats),
        tempo=ref.tempo,
        meter=ref.meter,
        key=ref.key,
        chords=list(ref.chords),
        sections=list(ref.sections),
    )
    layers = {"beats", "downbeats", "key", "chords", "sections"}
    perfect = score_layers(ref, truth, clip.duration, layers)
    assert perfect == pytest.approx(
        {
            "beat_f": 1,
            "tempo_acc": 1,
            "downbeat_f": 1,
            "meter_acc": 1,
            "key": 1,
            "chord_majmin": 1,
            "chord_sevenths": 1,
            "boundary_f_0.5": 1,
            "boundary_f_3": 1,
            "pairwise_f": 1,
        }
    )
    nothing = score_layers(ref, AnchorResult(), clip.duration, layers)
    assert set(nothing) == set(perfect)
    # one unlabelled span still "repeats" everywhere the reference does: pairwise F is not 0
    assert max(v for k, v in nothing.items() if k != "pairwise_f") < 0.1
    assert nothing["pairwise_f"] < 0.7
    # only the layers a system produces are scored
    assert set(score_layers(ref, truth, clip.duration, {"key"})) == {"key"}
    assert scoring.key_weighted("C major", "G major") == 0.5
    assert scoring.key_weighted("C major", "A minor") == 0.3
    assert scoring.key_weighted("C major", None) == 0.0


@pytest.mark.slow
def test_the_harness_runs_performia_and_anchors_and_caches_anchors(devset, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    report = run_realset(devset, profiles=("default",), anchors=["librosa family"],
                         cache_dir=cache)  # fmt: skip
    ours = report.means("performia default")
    assert ours["beat_f"] >= 0.9 and ours["downbeat_f"] >= 0.8 and ours["meter_acc"] == 1.0
    assert ours["key"] >= 0.8 and ours["chord_majmin"] >= 0.7
    assert {"boundary_f_3", "pairwise_f"} <= set(ours)
    assert report.best_anchor("beat_f")[0] == "librosa family"
    assert report.means("performia default", "beatles").keys() >= {"chord_majmin", "key"}
    assert list(cache.glob("librosa_family/*.json")), "anchor results are cached"
    # a second run reads the anchor from the cache: the engine is not called again
    monkeypatch.setitem(
        anchors_module.ANCHORS,
        "librosa family",
        anchors_module.Anchor(
            "librosa family", ("beats", "downbeats", "key", "chords", "sections"), "ISC",
            lambda y: pytest.fail("cached anchor ran again"), "librosa",
        ),
    )  # fmt: skip
    again = run_realset(devset, profiles=("default",), anchors=["librosa family"],
                        cache_dir=cache)  # fmt: skip
    assert again.means("librosa family") == report.means("librosa family")
    data = report.to_dict()
    assert data["targets"]["beat_f"] == 0.88
    assert len(data["clips"]) == 2 and data["clips"][1]["estimates"]["performia default"]["key"]
    assert data["worst"]["performia default"]["beat_f"][0][0] in ("gtzan_pop.00001", "beatles_test")
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(real_table(report))
    text = console.export_text()
    assert "beat_f" in text and "librosa family" in text and "0.88" in text


def test_a_failing_anchor_is_reported_and_an_unknown_one_refused(devset, monkeypatch):
    def broken(y: np.ndarray) -> AnchorResult:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        anchors_module.ANCHORS, "broken", anchors_module.Anchor("broken", ("key",), "-", broken)
    )
    report = run_realset(devset, profiles=(), anchors=["broken"], clips=["gtzan_pop.00001"])
    assert report.problems() == ["gtzan_pop.00001 · broken: error: RuntimeError: boom"]
    with pytest.raises(KeyError, match="unknown anchors"):
        run_realset(devset, profiles=(), anchors=["nope"])


def test_cli_refuses_a_missing_set_and_an_unknown_profile(tmp_path):
    runner = CliRunner()
    result = runner.invoke(bench_app, ["accuracy", "--set", str(tmp_path)])
    assert result.exit_code == 2 and "no manifest.json" in result.output
    result = runner.invoke(bench_app, ["accuracy", "--set", str(tmp_path), "--profile", "x"])
    assert result.exit_code == 2 and "unknown profile" in result.output
