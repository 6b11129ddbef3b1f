"""The song library on every store: published Song Maps, the listing, and safe edits."""

from __future__ import annotations

import json
import threading
import time

import pytest

from performia.cloud.library import (
    LIBRARY_KEY,
    StaleEditError,
    library_entry,
    listing_key,
    publish_song,
    read_library,
    rebuild_listing,
    save_song,
    song_key,
)
from performia.errors import BadInputError, SongMapError
from performia.songmap.io import dump_song_map, parse_song_map
from performia.storage.base import NotFoundError, PreconditionFailedError, VersionedStore


def song(song_id: str = "0123456789abcdef", title: str = "Morning Light", **extra) -> dict:
    return {
        "id": song_id,
        "title": title,
        "artist": "The Fixtures",
        "duration": 30.0,
        "key": "C major",
        "sections": [],
        "provenance": {"createdAt": "2026-11-25T12:00:00Z", "performiaVersion": "0.1.0"},
        **extra,
    }


def test_every_store_tells_an_objects_size_without_reading_it(any_store):
    any_store.put("uploads/a/song.mp3", b"x" * 1234)
    assert any_store.size("uploads/a/song.mp3") == 1234
    with pytest.raises(NotFoundError):
        any_store.size("uploads/a/missing.mp3")


def test_every_store_offers_versioned_writes(any_store):
    assert isinstance(any_store, VersionedStore)
    version = any_store.write_if("a.json", b"1", version=None)
    with pytest.raises(PreconditionFailedError):
        any_store.write_if("a.json", b"2", version=None)  # it exists now
    assert any_store.read_versioned("a.json") == (b"1", version)
    newer = any_store.write_if("a.json", b"2", version=version)
    with pytest.raises(PreconditionFailedError):
        any_store.write_if("a.json", b"3", version=version)  # stale
    assert any_store.read_versioned("a.json") == (b"2", newer)


def test_publishing_lists_the_song_and_publishing_again_changes_nothing(any_store):
    first = publish_song(any_store, parse_song_map(song()))
    again = publish_song(any_store, parse_song_map(song()))  # a redelivered package message
    assert first == again
    (entry,) = read_library(any_store)
    assert (entry["songId"], entry["title"], entry["key"]) == (
        "0123456789abcdef",
        "Morning Light",
        "C major",
    )
    assert not list(any_store.list("songs/0123456789abcdef/revisions/"))


@pytest.mark.slow
def test_twenty_jobs_finishing_at_once_all_land_in_the_listing(any_store):
    songs = [parse_song_map(song(f"{i:016x}", f"Song {i:02d}")) for i in range(20)]
    errors: list[BaseException] = []

    def finish(s):
        try:
            publish_song(any_store, s)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(s,)) for s in songs]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert time.monotonic() - started < 60 and not errors
    assert sorted(e["songId"] for e in read_library(any_store)) == sorted(s.id for s in songs)


def test_an_edit_keeps_the_previous_revision(any_store):
    base = publish_song(any_store, parse_song_map(song()))
    before = any_store.get(song_key("0123456789abcdef"))
    edited = song(title="Morning Light (live)")
    new = save_song(any_store, "0123456789abcdef", json.dumps(edited), base_version=base)
    assert new != base
    assert (
        parse_song_map(any_store.get(song_key("0123456789abcdef"))).title == "Morning Light (live)"
    )
    (kept,) = any_store.list("songs/0123456789abcdef/revisions/")
    assert kept.endswith(f"-{base}.json") and any_store.get(kept) == before
    assert read_library(any_store)[0]["title"] == "Morning Light (live)"


def test_revisions_are_capped_and_the_oldest_pruned(make_local_store):
    """Saving every few seconds must not grow a song without bound: the newest MAX_REVISIONS
    earlier versions are kept, oldest pruned first."""
    from performia.cloud.library import MAX_REVISIONS

    store = make_local_store()
    versions = [publish_song(store, parse_song_map(song()))]
    for n in range(MAX_REVISIONS + 3):
        versions.append(
            save_song(store, "0123456789abcdef", song(title=f"Take {n}"), base_version=versions[-1])
        )
    kept = list(store.list("songs/0123456789abcdef/revisions/"))
    assert len(kept) == MAX_REVISIONS
    # the versions kept are the newest earlier ones, in order
    assert [k.rsplit("-", 1)[1].removesuffix(".json") for k in kept] == versions[
        -MAX_REVISIONS - 1 : -1
    ]


def test_a_stale_edit_is_refused_and_overwrites_nothing(any_store):
    base = publish_song(any_store, parse_song_map(song()))
    save_song(any_store, "0123456789abcdef", song(title="Theirs"), base_version=base)
    current = any_store.get(song_key("0123456789abcdef"))
    with pytest.raises(StaleEditError, match="changed by someone else"):
        save_song(any_store, "0123456789abcdef", song(title="Mine"), base_version=base)
    assert any_store.get(song_key("0123456789abcdef")) == current


def test_invalid_edits_are_refused_with_the_field_named(any_store):
    base = publish_song(any_store, parse_song_map(song()))
    with pytest.raises(SongMapError, match="duration"):
        save_song(any_store, "0123456789abcdef", song(duration=-1), base_version=base)
    # the recording and stems are not the editor's to point elsewhere
    moved = song(audio={"src": "https://evil.example/x.mp3", "mimeType": "audio/mpeg",
                        "sampleRate": 44100, "channels": 2, "duration": 30.0})  # fmt: skip
    with pytest.raises(BadInputError, match="cannot change the song's recording or stems"):
        save_song(any_store, "0123456789abcdef", moved, base_version=base)
    # a 1,000,000-character title is refused, not copied into the listing
    with pytest.raises(SongMapError, match="title: String should have at most 200"):
        save_song(any_store, "0123456789abcdef", song(title="t" * 10**6), base_version=base)
    with pytest.raises(BadInputError, match="not 'ffffffffffffffff'"):
        save_song(any_store, "ffffffffffffffff", song(), base_version=base)
    assert json.loads(any_store.get(LIBRARY_KEY))["songs"][0]["title"] == "Morning Light"
    assert dump_song_map(parse_song_map(any_store.get(song_key("0123456789abcdef"))))


def test_only_the_recorded_owner_saves_and_a_song_without_one_is_nobodys(any_store):
    """The owner check fails closed: a song with no ownership record (as one written by an
    operator, or before its publish lands) may be saved by no signed-in user, rather than any;
    the record is the backend's, not the listing's."""
    from performia.cloud.library import NotYourSongError, owner_key

    doc = parse_song_map(song())
    key = song_key("0123456789abcdef")
    base = any_store.write_if(key, dump_song_map(doc).encode(), version=None)  # no owner record
    with pytest.raises(NotYourSongError, match="not one of yours"):
        save_song(any_store, "0123456789abcdef", song(title="Mine now"), base_version=base,
                  user="mallory")  # fmt: skip
    base = publish_song(any_store, doc, owner="alice")
    assert json.loads(any_store.get(owner_key("0123456789abcdef"))) == {"owner": "alice"}
    with pytest.raises(NotYourSongError):
        save_song(any_store, "0123456789abcdef", song(title="Mine now"), base_version=base,
                  user="mallory")  # fmt: skip
    # a listing entry is not ownership: mallory listing the song changes nothing
    any_store.put(listing_key("mallory"), json.dumps({"songs": [{"songId": doc.id}]}).encode())
    with pytest.raises(NotYourSongError):
        save_song(any_store, "0123456789abcdef", song(title="Mine now"), base_version=base,
                  user="mallory")  # fmt: skip
    assert save_song(any_store, "0123456789abcdef", song(title="Ours"), base_version=base,
                     user="alice")  # fmt: skip
    assert read_library(any_store, "alice")[0]["title"] == "Ours"  # the owner's listing follows
    # publishing the same song again as someone else never takes it over
    with pytest.raises(NotYourSongError, match="belongs to someone else"):
        publish_song(any_store, doc, owner="mallory")
    assert json.loads(any_store.get(owner_key("0123456789abcdef"))) == {"owner": "alice"}


def test_each_owner_lists_only_their_own_songs(any_store):
    publish_song(any_store, parse_song_map(song("aaaaaaaaaaaaaaaa", "Alice's")), owner="alice")
    publish_song(any_store, parse_song_map(song("bbbbbbbbbbbbbbbb", "Bob's")), owner="bob")
    publish_song(any_store, parse_song_map(song("cccccccccccccccc", "Nobody's")))
    assert [e["title"] for e in read_library(any_store, "alice")] == ["Alice's"]
    assert [e["title"] for e in read_library(any_store, "bob")] == ["Bob's"]
    # the embedded viewer's one user (no uid) has the plain listing; no entry names an owner
    assert [e["title"] for e in read_library(any_store)] == ["Nobody's"]
    assert all("owner" not in e for e in read_library(any_store, "alice"))
    # a uid cannot name another folder
    assert listing_key("../songs/index") == "songs/.libraries/..%2Fsongs%2Findex.json"
    assert read_library(any_store, "../songs/index") == []


def sung(*lines: str, start: float = 0.0) -> list[dict]:
    """Sections of lines written with hyphens between syllables ("riv-er flows")."""
    out, t = [], start
    for text in lines:
        syllables = []
        for word in text.split():
            parts = word.split("-")
            for i, part in enumerate(parts):
                syllables.append(
                    {"text": part, "startTime": t, "duration": 0.2, "endsWord": i == len(parts) - 1}
                )
                t += 0.25
        out.append(
            {
                "text": text.replace("-", ""),
                "startTime": start,
                "endTime": t,
                "syllables": syllables,
            }
        )
    return [{"name": "Verse 1", "startTime": start, "endTime": t, "lines": out}]


def test_the_listing_searches_whole_words_from_the_whole_song():
    # A long song: the chorus line "Hold on" comes after well over 200 characters.
    filler = [f"line num-ber {i} of the long-est ver-ses ev-er writ-ten" for i in range(12)]
    doc = song(
        sections=sung("Down by the riv-er, sil-ver moon", *filler, "Hold on, hold ON to-night")
    )
    entry = library_entry(parse_song_map(doc))
    assert entry["lyricsStart"].startswith("Down by the river, silver moon line number 0")
    assert len(entry["lyricsStart"]) <= 200 and not entry["lyricsStart"].endswith(" ")
    words = entry["lyricsIndex"].split(" ")
    assert words[:6] == ["down", "by", "the", "river", "silver", "moon"]  # punctuation off
    assert {"hold", "on", "tonight"} <= set(words)
    assert len(words) == len(set(words)), "each word once"


def test_accents_fold_as_the_library_search_folds_them():
    entry = library_entry(parse_song_map(song(sections=sung("Ca-fé NOC-TURNE"))))
    assert entry["lyricsIndex"] == "cafe nocturne"
    assert entry["lyricsStart"] == "Café NOCTURNE"


def test_the_viewer_listing_is_rebuilt_from_the_songs_in_the_folder(make_local_store):
    store = make_local_store()
    publish_song(store, parse_song_map(song("aaaaaaaaaaaaaaaa", "B song", sections=sung("riv-er"))))
    store.put(song_key("bbbbbbbbbbbbbbbb"), json.dumps(song("bbbbbbbbbbbbbbbb", "A song")).encode())
    store.put(song_key("cccccccccccccccc"), b"{not a song map")
    # An old listing: the first song without its word index.
    store.put(
        LIBRARY_KEY,
        json.dumps({"songs": [{"songId": "aaaaaaaaaaaaaaaa", "title": "B song"}]}).encode(),
    )
    ids = ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"]
    assert rebuild_listing(store, ids) == 2
    listed = read_library(store)
    assert [s["title"] for s in listed] == ["A song", "B song"]
    assert listed[1]["lyricsIndex"] == "river"
