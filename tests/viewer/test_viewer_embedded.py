"""``performia analyze SONG --out DIR`` leaves a library that ``performia view DIR`` serves."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from fixture_values import SR
from performia.cloud.library import read_library, song_key
from performia.embedded import analyze_file
from performia.songmap.io import dump_song_map
from performia.storage.local import LocalFolderStore
from performia.testing import write_audio
from performia.viewer.app import VERSION_HEADER, ViewerApp
from performia.viewer.locate import check_store_root


@pytest.mark.slow
def test_analysis_publishes_a_library_the_viewer_serves(tmp_path, tone, dist):
    path = write_audio(tmp_path / "Nina Simone - Feeling Good.wav", tone(3.0), SR)
    out = tmp_path / "out"
    song = analyze_file(path, out).song
    store = LocalFolderStore(out)
    [entry] = read_library(store)
    assert (entry["songId"], entry["title"], entry["artist"]) == (
        song.id,
        "Feeling Good",
        "Nina Simone",
    )
    published = out / song_key(song.id)
    assert published.read_text() == dump_song_map(song)
    assert (out / "song_map.json").is_file()  # the folder's own copy stays where it was
    assert check_store_root(out) == out

    before = published.stat().st_mtime_ns
    assert analyze_file(path, out).song == song  # a rerun reuses every stage
    assert published.stat().st_mtime_ns == before
    assert not (out / "songs" / song.id / "revisions").exists()

    client = Client(ViewerApp(out, dist=dist))
    assert client.get("/config.json").get_json()["openSong"] == song.id
    loaded = client.get(f"/data/songs/{song.id}/song_map.json")
    assert loaded.headers[VERSION_HEADER] == store.read_versioned(song_key(song.id))[1]
    src = loaded.get_json()["audio"]["src"]
    audio = (out / src).read_bytes()
    part = client.get(f"/data/{src}", headers={"Range": "bytes=44-1043"})
    assert (part.status_code, part.mimetype, part.data) == (206, "audio/wav", audio[44:1044])
