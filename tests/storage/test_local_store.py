"""The local-folder artifact store: atomic writes, listing, safe keys."""

from __future__ import annotations

import pytest

from performia.storage import ArtifactStore, LocalFolderStore, NotFoundError


def test_put_get_exists_list_delete(tmp_path):
    store = LocalFolderStore(tmp_path / "root")
    assert isinstance(store, ArtifactStore)
    assert list(store.list("")) == []
    store.put("jobs/a/ingest/x/audio.npy", b"123")
    store.put("jobs/a/ingest/x/metadata.json", b"{}")
    store.put("jobs/b/ingest/y/metadata.json", b"{}")
    assert store.get("jobs/a/ingest/x/audio.npy") == b"123"
    assert store.exists("jobs/a/ingest/x/metadata.json")
    assert list(store.list("jobs/a/")) == [
        "jobs/a/ingest/x/audio.npy",
        "jobs/a/ingest/x/metadata.json",
    ]
    store.put("jobs/a/ingest/x/audio.npy", b"456")  # replace
    assert store.get("jobs/a/ingest/x/audio.npy") == b"456"
    store.delete("jobs/a/ingest/x/audio.npy")
    store.delete("jobs/a/ingest/x/audio.npy")  # idempotent
    assert not store.exists("jobs/a/ingest/x/audio.npy")
    with pytest.raises(NotFoundError, match="no artifact"):
        store.get("jobs/a/ingest/x/audio.npy")


def test_no_temporary_files_are_left(tmp_path):
    store = LocalFolderStore(tmp_path)
    for i in range(5):
        store.put("k/v.bin", bytes([i]) * 1000)
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["v.bin"]


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/."])
def test_keys_cannot_escape_the_root(tmp_path, key):
    with pytest.raises(ValueError, match="invalid artifact key"):
        LocalFolderStore(tmp_path).put(key, b"x")
