"""The Demucs engine through its real code path, with a small randomly initialised HTDemucs.

The model (see ``demucs_model``) is saved the way demucs saves checkpoints and loaded through
the same settings the product reads. A random model cannot separate, so quality is not asserted;
loading, the stems, their shapes, finiteness, segmenting, levels and the errors are.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from demucs_model import HTDEMUCS_SIG, SOURCES, one_torch_thread, save_model, tiny_package
from performia.errors import ModelError
from performia.separation import clear_cache, get_separator
from performia.separation.demucs_engine import DemucsSeparator, load_demucs_model
from performia.testing import render_song

torch = pytest.importorskip("torch")
pytest.importorskip("demucs")

SR = 44100


@pytest.fixture(autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    return save_model(tmp_path_factory.mktemp("demucs"), "tiny", tiny_package())


@pytest.fixture(scope="module")
def song() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Three bars at 120 BPM (7.5 s: ten 1-second segments), stereo at 44.1 kHz."""
    mix, _, stems = render_song(bars=3, sr=SR, melody=[(64, 1.0)] * 12, seed=3)
    return np.stack([mix, 0.8 * mix]), stems


def test_loads_from_a_configured_path_and_separates_in_segments(model_file, song):
    audio, _ = song
    separator = DemucsSeparator.load(str(model_file), device="cpu")
    assert separator.stems == tuple(SOURCES)
    assert (separator.sample_rate, separator.channels) == (SR, 2)
    assert separator.label == f"demucs {model_file.stem}"
    assert separator.version.startswith("demucs 4.")
    fractions: list[float] = []
    out = separator.separate(audio, progress=fractions.append)
    assert list(out) == SOURCES
    for stem in SOURCES:
        assert out[stem].shape == audio.shape and out[stem].dtype == np.float32
        assert np.all(np.isfinite(out[stem]))
    # 1 s segments overlapping by a quarter: one model call every 0.75 s
    calls = len(range(0, audio.shape[1], int(0.75 * SR)))
    assert calls > 8 and len(fractions) == calls
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_level_is_restored_after_standardising(model_file, song):
    """The engine standardises its input (as demucs's command line does) and scales the stems
    back, so a quieter recording gives the same stems, quieter by the same factor."""
    audio, _ = song
    clip = np.ascontiguousarray(audio[:, SR : 3 * SR])
    separator = DemucsSeparator.load(str(model_file), device="cpu")
    loud, quiet = separator.separate(clip), separator.separate(0.25 * clip)
    for stem in SOURCES:
        np.testing.assert_allclose(quiet[stem], 0.25 * loud[stem], atol=1e-6)
        assert np.abs(loud[stem]).max() > 1e-3


def test_htdemucs_by_name_from_a_repo_folder(tmp_path, song):
    """``htdemucs`` resolves through demucs's shipped bag file to signature 955717e8, looked up
    in the configured folder, checksum checked, without touching the network."""
    save_model(tmp_path / "models", HTDEMUCS_SIG, tiny_package())
    clear_cache()
    try:
        separator = get_separator(
            "demucs", device="cpu", demucs_model="htdemucs", demucs_repo=str(tmp_path / "models")
        )
        assert separator.label == "demucs htdemucs"
        out = separator.separate(song[0][:, : 2 * SR])
        assert set(out) == set(SOURCES)
    finally:
        clear_cache()


def test_missing_weights_name_the_setting(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=r"955717e8-\*\.th.*PERFORMIA_DEMUCS_REPO"):
        load_demucs_model("htdemucs", repo=str(tmp_path / "empty"))
    with pytest.raises(ModelError, match=r"PERFORMIA_DEMUCS_REPO=.*not a folder"):
        load_demucs_model("htdemucs", repo=str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match=r"PERFORMIA_DEMUCS_MODEL=.*no such file"):
        load_demucs_model(str(tmp_path / "htdemucs.th"))
    with pytest.raises(ModelError, match="no Demucs model or bag 'nosuch'"):
        load_demucs_model("nosuch", repo=str(tmp_path / "empty"))


def test_damaged_checkpoint_is_a_model_error(tmp_path, model_file):
    bad = tmp_path / f"{HTDEMUCS_SIG}-00000000.th"  # checksum in the name does not match
    bad.write_bytes(model_file.read_bytes())
    with pytest.raises(ModelError, match="Invalid checksum"):
        load_demucs_model("htdemucs", repo=str(tmp_path))
    (tmp_path / "junk.th").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="cannot load the Demucs model"):
        load_demucs_model(str(tmp_path / "junk.th"))
    bad.unlink()
    (tmp_path / f"{HTDEMUCS_SIG}.th").write_bytes(b"not a checkpoint either")  # no checksum
    with pytest.raises(ModelError, match="cannot load Demucs model 'htdemucs'"):
        load_demucs_model("htdemucs", repo=str(tmp_path))


def test_a_model_with_stems_a_song_map_cannot_hold_is_refused(tmp_path):
    path = save_model(tmp_path, "six", tiny_package(sources=[*SOURCES, "guitar", "piano"]))
    with pytest.raises(ModelError, match="guitar"):
        DemucsSeparator.load(str(path))


def test_silence_and_a_single_sample_stay_finite(model_file):
    separator = DemucsSeparator.load(str(model_file), device="cpu")
    for audio in (np.zeros((2, SR), np.float32), np.full((2, 1), 0.5, np.float32)):
        out = separator.separate(audio)
        assert all(v.shape == audio.shape and np.all(np.isfinite(v)) for v in out.values())


def test_loaded_once_per_process_even_from_parallel_threads(model_file):
    clear_cache()
    got: list[object] = []
    try:
        threads = [
            threading.Thread(
                target=lambda: got.append(
                    get_separator("demucs", device="cpu", demucs_model=str(model_file))
                )
            )
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 4 and all(g is got[0] for g in got)
    finally:
        clear_cache()
