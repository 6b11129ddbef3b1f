"""performia.deploy.smoke: the check each image runs last, on this machine's environment."""

from __future__ import annotations

import pytest

from performia.deploy.plan import REPO_ROOT, build_plan
from performia.deploy.smoke import check_functions, main

FUNCTIONS = REPO_ROOT / "functions"


def test_the_light_functions_load():
    seconds = check_functions(
        ["dead_letter", "upload_url", "save_song", "ingest", "package"], functions_dir=FUNCTIONS
    )
    assert set(seconds) == {"dead_letter", "upload_url", "save_song", "ingest", "package"}


def test_a_function_that_does_not_load_fails_the_check(tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.py").write_text("import performia_no_such_module\n")
    (tmp_path / "nomain").mkdir()
    (tmp_path / "nomain" / "main.py").write_text("x = 1\n")
    with pytest.raises(RuntimeError) as info:
        check_functions(["broken", "nomain", "missing"], functions_dir=tmp_path)
    text = str(info.value)
    assert "broken: ModuleNotFoundError" in text
    assert "nomain: ImportError" in text and "missing:" in text
    assert main(["--functions-dir", str(tmp_path), "broken"]) == 1
    assert "broken" in capsys.readouterr().err


@pytest.mark.slow
def test_the_cpu_images_stage_functions_load_their_engines():
    functions = build_plan().image_functions("cpu")
    assert main(["--functions-dir", str(FUNCTIONS), ",".join(functions)]) == 0
