"""The frontend's cloud mode on the local stack, in Chromium.

- Upload from the Library, watch the job's stages live from the Firestore emulator until done,
  open the song; a corrupt file fails with a readable message and offers a retry
  (``frontend/e2e/upload.mjs``).
- Two users each see their own library and only it: their song opens with its recording, the
  other's is "not in your library", and the page never reads a listing or another user's files
  from the bucket (``frontend/e2e/two_users.mjs``).

The browser side is playwright-core driving Debian's chromium; these tests start the stack,
hand the scripts its ``config.json`` (one per user) and check they passed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.browser]

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator:
    from performia.devstack import DevStack

    if shutil.which("node") is None or shutil.which("chromium") is None:
        pytest.skip("needs node and Debian's chromium (make system-deps)")
    if not (FRONTEND / "dist" / "index.html").is_file() or not (FRONTEND / "node_modules").is_dir():
        pytest.skip("the frontend is not built (make frontend)")
    with running(DevStack(log_dir=tmp_path_factory.mktemp("logs"))) as stack:
        yield stack


def _config(stack, user: str) -> dict:
    from performia.cloud.auth import unsigned_token

    return stack.frontend_config(token=unsigned_token(user, project=stack.project))


def _node(script: str, **env: str) -> None:
    run = subprocess.run(
        ["node", f"e2e/{script}"],
        cwd=FRONTEND,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(run.stdout[-4000:])
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]


def test_an_upload_from_the_library_is_followed_to_done_in_the_browser(stack, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_config(stack, "browser-user")))
    _node("upload.mjs", PERFORMIA_E2E_CLOUD_CONFIG=str(config))


def _publish(stack, song_id: str, title: str, owner: str) -> None:
    """A song with a one-second recording, published as the package stage does."""
    from performia.cloud.library import publish_song, song_key
    from performia.songmap.io import parse_song_map
    from performia.storage.gcs import GCSStore
    from performia.testing.documents import minimal_song_map

    store = GCSStore(stack.bucket, client=stack.storage_client())
    recording = song_key(song_id, "media/recording/take.wav")
    wav = io.BytesIO()
    sf.write(wav, 0.2 * np.sin(np.arange(22050) / 8.0), 22050, format="WAV")
    store.put(recording, wav.getvalue(), content_type="audio/wav")
    audio = {"src": recording, "mimeType": "audio/wav", "sampleRate": 22050, "channels": 1,
             "duration": 1.0}  # fmt: skip
    doc = minimal_song_map(id=song_id, title=title, duration=1.0, audio=audio)
    publish_song(store, parse_song_map(doc), owner=owner)


def test_two_users_each_see_their_own_library_and_only_it(stack, tmp_path):
    users = []
    for name, song_id, title in [("alice", "a1b2c3d4e5f60001", "Alice's Waltz"),
                                 ("bob", "b1b2c3d4e5f60002", "Bob's Blues")]:  # fmt: skip
        _publish(stack, song_id, title, owner=name)
        song = {"id": song_id, "title": title}
        users.append({"name": name, "config": _config(stack, name), "song": song})
    spec = tmp_path / "users.json"
    spec.write_text(json.dumps({"users": users}))
    _node("two_users.mjs", PERFORMIA_E2E_USERS=str(spec))
