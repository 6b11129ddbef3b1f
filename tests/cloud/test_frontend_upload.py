"""The frontend's cloud mode on the local stack, in Chromium: upload from the Library, watch the
job's stages live from the Firestore emulator until done, open the song; a corrupt file fails
with a readable message and offers a retry.

The browser side is ``frontend/e2e/upload.mjs`` (playwright-core driving Debian's chromium); this
test starts the stack, hands the script the stack's ``config.json`` and checks it passed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from running import running

pytestmark = [pytest.mark.emulator, pytest.mark.slow, pytest.mark.browser]

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_an_upload_from_the_library_is_followed_to_done_in_the_browser(tmp_path):
    from performia.cloud.auth import unsigned_token
    from performia.devstack import DevStack

    if shutil.which("node") is None or shutil.which("chromium") is None:
        pytest.skip("needs node and Debian's chromium (make system-deps)")
    if not (FRONTEND / "dist" / "index.html").is_file() or not (FRONTEND / "node_modules").is_dir():
        pytest.skip("the frontend is not built (make frontend)")

    with running(DevStack(log_dir=tmp_path / "logs")) as stack:
        config = tmp_path / "config.json"
        token = unsigned_token("browser-user", project=stack.project)
        config.write_text(json.dumps(stack.frontend_config(token=token)))
        run = subprocess.run(
            ["node", "e2e/upload.mjs"],
            cwd=FRONTEND,
            env={**os.environ, "PERFORMIA_E2E_CLOUD_CONFIG": str(config)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        print(run.stdout[-4000:])
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
        assert "upload e2e: ok" in run.stdout
