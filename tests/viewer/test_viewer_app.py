"""The viewer's WSGI app through werkzeug's test client: config, data, saving, refusals."""

from __future__ import annotations

import importlib
import json
import os
from importlib.util import find_spec

import pytest
from viewer_store import APP_JS, INDEX_HTML, SONG_ID
from werkzeug.test import Client

from performia.cloud.library import LIBRARY_KEY, read_library, song_key
from performia.songmap.io import dump_song_map, parse_song_map
from performia.storage.local import LocalFolderStore
from performia.viewer import app as viewer_app
from performia.viewer.app import (
    KB_QUERY_URL,
    REALIGN_URL,
    SAVE_SONG_URL,
    VERSION_HEADER,
    ViewerApp,
)

SONG_MAP_URL = f"/data/songs/{SONG_ID}/song_map.json"


def load(client: Client) -> tuple[dict, str]:
    """The Song Map and its version, as the editor loads them."""
    response = client.get(SONG_MAP_URL)
    assert response.status_code == 200
    return response.get_json(), response.headers[VERSION_HEADER]


def save(client: Client, doc, base: str, song_id: str = SONG_ID, **headers):
    return client.post(
        SAVE_SONG_URL,
        json={"songId": song_id, "baseVersion": base, "songMap": doc},
        headers=headers,
    )


# -- /config.json -------------------------------------------------------------------------------


def test_config_follows_the_contract(client):
    response = client.get("/config.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "mode": "embedded",
        "dataUrl": "/data/",
        "versionHeader": "X-Performia-Version",
        "libraryUrl": None,
        "saveSongUrl": "/api/save_song",
        "realignUrl": "/api/realign",
        "importUrl": "/api/import_chordpro",
        "uploadUrl": None,
        "kbQueryUrl": None,
        "firestore": None,
        "openSong": SONG_ID,
    }


def test_open_song_is_the_newest_unless_one_was_chosen(store_root, dist, add_song):
    add_song(store_root, "feedfacefeedface", "Evening Shade")
    older = store_root / song_key(SONG_ID)
    newer = store_root / song_key("feedfacefeedface")
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))
    client = Client(ViewerApp(store_root, dist=dist))
    assert client.get("/config.json").get_json()["openSong"] == "feedfacefeedface"
    os.utime(older, (1_700_000_200, 1_700_000_200))  # saved since: it opens now
    assert client.get("/config.json").get_json()["openSong"] == SONG_ID
    chosen = Client(ViewerApp(store_root, dist=dist, open_song="feedfacefeedface"))
    assert chosen.get("/config.json").get_json()["openSong"] == "feedfacefeedface"


# -- /data/ -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "mimetype"),
    [
        (f"uploads/{SONG_ID}/song.mp3", "audio/mpeg"),
        (f"jobs/{SONG_ID}/separate/f00d/vocals.flac", "audio/flac"),
        ("songs/index.json", "application/json"),
    ],
)
def test_data_files_with_their_types(client, store_root, key, mimetype):
    response = client.get(f"/data/{key}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data == (store_root / key).read_bytes()
    assert response.headers["Accept-Ranges"] == "bytes"


def test_library_listing_and_song_maps_are_never_cached(client):
    assert client.get("/data/songs/index.json").headers["Cache-Control"] == "no-store"
    assert client.get(SONG_MAP_URL).headers["Cache-Control"] == "no-store"
    assert client.get(f"/data/uploads/{SONG_ID}/song.mp3").headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [("bytes=100-1123", 100, 1123), ("bytes=2000-", 2000, None), ("bytes=-300", -300, None)],
)
def test_audio_byte_ranges(client, store_root, range_header, start, end):
    audio = (store_root / "uploads" / SONG_ID / "song.mp3").read_bytes()
    assert len(audio) > 3000
    response = client.get(f"/data/uploads/{SONG_ID}/song.mp3", headers={"Range": range_header})
    assert response.status_code == 206
    expected = audio[start : None if end is None else end + 1]
    assert response.data == expected
    first = start % len(audio)
    assert response.headers["Content-Range"] == (
        f"bytes {first}-{first + len(expected) - 1}/{len(audio)}"
    )
    assert int(response.headers["Content-Length"]) == len(expected)
    assert response.mimetype == "audio/mpeg"


def test_unsatisfiable_range_and_conditional_get(client, store_root):
    url = f"/data/jobs/{SONG_ID}/separate/f00d/vocals.flac"
    size = (store_root / url.removeprefix("/data/")).stat().st_size
    response = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert response.status_code == 416
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == size


def test_song_map_carries_the_store_version(client, store_root):
    response = client.get(SONG_MAP_URL)
    data, version = LocalFolderStore(store_root).read_versioned(f"songs/{SONG_ID}/song_map.json")
    assert response.data == data
    assert response.headers[VERSION_HEADER] == version
    assert parse_song_map(response.data).id == SONG_ID


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/data/../outside.txt", 403),
        ("/data/songs/../../outside.txt", 403),
        ("/data/songs/%2e%2e/%2e%2e/outside.txt", 403),
        ("/data/songs\\..\\..\\outside.txt", 403),
        ("/data/.performia/jobs.sqlite", 404),
        ("/data/songs/.index.json.lock", 404),
        ("/data/songs", 404),
        ("/data/", 404),
        ("/data/nothing/here.mp3", 404),
        ("/../outside.txt", 403),
    ],
)
def test_paths_outside_or_hidden_are_refused(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert b"not for the browser" not in response.data and b"private" not in response.data


def test_a_link_out_of_the_root_is_refused(client, store_root, tmp_path):
    (store_root / "uploads" / "escape.txt").symlink_to(tmp_path / "outside.txt")
    (store_root / "uploads" / "inner.mp3").symlink_to(store_root / "uploads" / SONG_ID / "song.mp3")
    assert client.get("/data/uploads/escape.txt").status_code == 403
    assert client.get("/data/uploads/inner.mp3").status_code == 200  # a link that stays inside


def test_only_localhost_may_ask_while_bound_to_loopback(store_root, dist):
    local = Client(ViewerApp(store_root, dist=dist))
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765"):
        assert local.get("/config.json", headers={"Host": host}).status_code == 200
    rebound = local.get(SONG_MAP_URL, headers={"Host": "attacker.example:8765"})
    assert rebound.status_code == 403 and b"Morning" not in rebound.data
    shared = Client(ViewerApp(store_root, dist=dist, trusted_hosts=None))
    assert shared.get("/config.json", headers={"Host": "studio.lan:8765"}).status_code == 200


# -- the frontend -------------------------------------------------------------------------------


def test_frontend_files_and_the_single_page_fallback(client):
    root = client.get("/")
    assert root.status_code == 200 and root.mimetype == "text/html"
    assert root.headers["Content-Type"] == "text/html; charset=utf-8"
    assert root.text == INDEX_HTML and root.headers["Cache-Control"] == "no-cache"
    asset = client.get("/assets/index-3f2a1b.js")
    assert asset.status_code == 200 and asset.mimetype == "text/javascript"
    assert asset.text == APP_JS and "immutable" in asset.headers["Cache-Control"]
    assert client.get("/favicon.svg").mimetype == "image/svg+xml"
    for route in ("/songs/0123456789abcdef", "/library", "/song/abc/blueprint"):
        page = client.get(route)
        assert (page.status_code, page.text) == (200, INDEX_HTML), route
    # a navigation to a dotted route still gets the app; a missing asset does not
    assert client.get("/song/v1.2", headers={"Accept": "text/html"}).text == INDEX_HTML
    assert client.get("/assets/missing-123.js").status_code == 404
    assert client.post("/").status_code == 405


# -- POST /api/save_song ------------------------------------------------------------------------


def test_a_chordpro_chart_imports_into_the_library(client, store_root):
    chart = "{title: Borrowed Chart}\n{artist: Someone}\n[D]Hello [G]world\n"
    made = client.post("/api/import_chordpro", json={"chordpro": chart})
    assert made.status_code == 200, made.text
    song_id = made.get_json()["songId"]
    listing = client.get("/data/" + LIBRARY_KEY).get_json()["songs"]
    assert "Borrowed Chart" in [e["title"] for e in listing]
    doc = client.get(f"/data/songs/{song_id}/song_map.json").get_json()
    assert doc["sections"][0]["lines"][0]["text"] == "Hello world"
    refused = client.post("/api/import_chordpro", json={"chordpro": ""})
    assert refused.status_code == 400 and "ChordPro" in refused.get_json()["error"]
    other_site = client.post(
        "/api/import_chordpro", json={"chordpro": chart}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403


def test_save_then_the_change_is_what_loads(client, store_root):
    doc, base = load(client)
    doc["title"] = "Morning Light (live)"
    doc["sections"][0]["lines"][0]["syllables"][2]["chord"] = "G"
    response = save(client, doc, base)
    assert response.status_code == 200, response.text
    answer = response.get_json()
    assert answer["songId"] == SONG_ID and answer["version"] != base
    reloaded, version = load(client)
    assert version == answer["version"]
    assert reloaded["title"] == "Morning Light (live)"
    assert reloaded["sections"][0]["lines"][0]["syllables"][2]["chord"] == "G"
    store = LocalFolderStore(store_root)
    assert read_library(store)[0]["title"] == "Morning Light (live)"
    listing = client.get("/data/" + LIBRARY_KEY).get_json()
    assert listing["songs"][0]["title"] == "Morning Light (live)"
    # the version the editor loaded is kept as a revision
    (key,) = store.list(f"songs/{SONG_ID}/revisions/")
    assert key.endswith(f"-{base}.json")
    kept = store.get(key)
    assert parse_song_map(kept).title == "Morning Light"


def test_a_stale_edit_is_refused_and_overwrites_nothing(client, store_root):
    doc, base = load(client)
    first = dict(doc, title="First edit")
    assert save(client, first, base).status_code == 200
    current = (store_root / song_key(SONG_ID)).read_bytes()
    late = dict(doc, title="Late edit on the old copy")
    response = save(client, late, base)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_json()["error"]
    assert (store_root / song_key(SONG_ID)).read_bytes() == current
    revisions = sorted(p.name for p in (store_root / "songs" / SONG_ID / "revisions").iterdir())
    assert [r.split("-", 1)[1] for r in revisions] == [f"{base}.json"]  # kept by the first save


def test_a_schema_error_names_the_field(client, store_root):
    before = (store_root / song_key(SONG_ID)).read_bytes()
    doc, base = load(client)
    doc["sections"][0]["lines"][0]["syllables"][1]["startTime"] = "soon"
    response = save(client, doc, base)
    assert response.status_code == 400
    assert "sections[0].lines[0].syllables[1].startTime" in response.get_json()["error"]
    assert (store_root / song_key(SONG_ID)).read_bytes() == before
    assert not (store_root / "songs" / SONG_ID / "revisions").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "send a JSON object"),
        ({"songId": SONG_ID}, "send songId, baseVersion and songMap"),
        ({"songId": "../etc", "baseVersion": "x", "songMap": {}}, "is not a song id"),
        ({"songId": SONG_ID, "baseVersion": "x", "songMap": [1]}, "songMap must be"),
    ],
)
def test_malformed_requests_are_400(client, body, message):
    response = client.post(SAVE_SONG_URL, json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_another_songs_document_or_a_form_post_is_refused(client):
    doc, base = load(client)
    other = save(client, dict(doc, id="feedfacefeedface"), base)
    assert other.status_code == 400 and "not '0123456789abcdef'" in other.get_json()["error"]
    form = client.post(
        SAVE_SONG_URL,
        data=json.dumps({"songId": SONG_ID, "baseVersion": base, "songMap": doc}),
        content_type="text/plain",
    )
    assert form.status_code == 400  # what a cross-site form could send without a preflight
    assert client.get(SAVE_SONG_URL).status_code == 405
    missing = save(client, dict(doc, id="feedfacefeedface"), base, song_id="feedfacefeedface")
    assert missing.status_code == 409 and "does not exist" in missing.get_json()["error"]


def test_a_save_from_another_site_is_refused(client, store_root):
    before = (store_root / song_key(SONG_ID)).read_bytes()
    doc, base = load(client)
    evil = save(client, dict(doc, title="pwned"), base, Origin="https://evil.example")
    assert evil.status_code == 403
    assert (store_root / song_key(SONG_ID)).read_bytes() == before
    own = save(client, dict(doc, title="Mine"), base, Origin="http://localhost")
    assert own.status_code == 200


def test_saved_document_is_the_canonical_dump(client, store_root):
    doc, base = load(client)
    assert save(client, json.dumps(doc), base).status_code == 200  # a JSON string is accepted
    stored = (store_root / song_key(SONG_ID)).read_text()
    assert stored == dump_song_map(parse_song_map(doc))


# -- POST /api/kb_query -------------------------------------------------------------------------


def test_kb_query_delegates_to_the_knowledge_base_handler(store_root, dist):
    seen = []

    def kb_query_request(request):
        seen.append(request.get_json())
        results = [{"source": "a.md", "headingPath": ["A"], "text": "capo", "score": 0.9}]
        return {"results": results}, 200, {"Access-Control-Allow-Origin": "*"}

    client = Client(ViewerApp(store_root, dist=dist, kb_handler=kb_query_request))
    assert client.get("/config.json").get_json()["kbQueryUrl"] == KB_QUERY_URL
    response = client.post(KB_QUERY_URL, json={"query": "what is a capo", "k": 3})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["text"] == "capo"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert seen == [{"query": "what is a capo", "k": 3}]


def test_kb_query_is_absent_without_a_knowledge_base(client):
    response = client.post(KB_QUERY_URL, json={"query": "capo"})
    assert response.status_code == 404


def test_loading_the_knowledge_base_tolerates_only_its_absence(monkeypatch, tmp_path):
    monkeypatch.setenv("PERFORMIA_KB_INDEX", str(tmp_path / "kb"))
    if find_spec("performia.kb") is None or find_spec("performia.kb.http") is None:
        assert viewer_app.load_kb_handler() is None
    else:  # the knowledge base is installed: its handler is wired in once an index exists
        assert viewer_app.load_kb_handler() is None  # never ingested: no help box
        (tmp_path / "kb").mkdir()
        (tmp_path / "kb" / "chroma.sqlite3").write_bytes(b"")
        module = importlib.import_module("performia.kb.http")
        assert viewer_app.load_kb_handler() is getattr(module, "kb_query_request", None)

    def missing(name: str, package: str | None = None):
        raise ModuleNotFoundError(f"No module named {missing.what!r}", name=missing.what)

    monkeypatch.setattr(viewer_app.importlib, "import_module", missing)
    missing.what = "performia.kb"
    assert viewer_app.load_kb_handler() is None
    missing.what = "sentence_transformers"  # installed knowledge base, broken dependency
    with pytest.raises(ModuleNotFoundError, match="sentence_transformers"):
        viewer_app.load_kb_handler()


def test_an_oversized_body_is_refused_unread(client, store_root, monkeypatch):
    monkeypatch.setattr(viewer_app, "MAX_BODY_BYTES", 1000)
    before = (store_root / song_key(SONG_ID)).read_bytes()
    doc, base = load(client)
    response = save(client, doc, base)  # the Song Map alone is larger than 1000 bytes
    assert response.status_code == 413
    assert (store_root / song_key(SONG_ID)).read_bytes() == before


# -- POST /api/realign ------------------------------------------------------------------------


def test_realign_answers_new_times_for_the_lines_after_the_fixed_one(client, monkeypatch):
    """The viewer runs the cloud's code on its own store (no owner); the aligner is a fake."""
    import performia.cloud.realign as realign

    class Aligner:
        def align_words(self, y, *, sr, words, language):
            return [(0.1 * i, 0.1 * i + 0.08, 0.9) for i in range(len(words))]

    monkeypatch.setattr(realign, "_recognizer", lambda language: Aligner())
    doc, _ = load(client)
    line = doc["sections"][0]["lines"][0]
    later = {**line, "startTime": 2.5, "endTime": 2.9, "text": "light",
             "syllables": [{**line["syllables"][2], "startTime": 2.5}]}  # fmt: skip
    doc["sections"][0]["lines"].append(later)
    body = {"songId": SONG_ID, "songMap": doc, "from": {"section": 0, "line": 0}}
    answer = client.post(REALIGN_URL, json=body)
    assert answer.status_code == 200, answer.get_json()
    (timing,) = answer.get_json()["lines"]
    assert (timing["section"], timing["line"]) == (0, 1)
    assert timing["syllables"][0]["startTime"] >= 2.2  # after the fixed line (1.0-2.2)
    assert client.post(REALIGN_URL, json={**body, "from": None}).status_code == 400
    elsewhere = client.post(REALIGN_URL, json=body, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    assert load(client)[0]["sections"][0]["lines"] == [line]  # nothing was saved


def test_every_answer_forbids_framing_and_foreign_scripts(client):
    for url in ("/", "/config.json", SONG_MAP_URL, "/data/missing.json"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == viewer_app.CONTENT_SECURITY_POLICY, url
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"]
    policy = dict(
        part.strip().split(" ", 1) for part in viewer_app.CONTENT_SECURITY_POLICY.split(";")
    )
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"  # the pitch shifter's WASM only
