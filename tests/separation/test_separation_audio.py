"""Decoding an upload at an engine's rate and layout, and stems as 16-bit FLAC; engine lookup."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from performia.errors import BadInputError, DecodeError, ModelError
from performia.separation import (
    check_audio,
    check_stems,
    decode_for_engine,
    encode_flac,
    get_separator,
    match_channels,
)
from performia.testing import write_audio

SR = 44100
#: Half a 16-bit step: the most a FLAC round trip may change a sample.
LSB = 1.0 / 32768


def _stereo(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)]).astype(
        np.float32
    )


def test_flac_is_16_bit_at_the_rate_and_layout_given_and_round_trips():
    audio = _stereo()
    blob = encode_flac(audio, SR)
    with av.open(io.BytesIO(blob)) as container:
        stream = container.streams.audio[0]
        assert (container.format.name, stream.codec_context.name) == ("flac", "flac")
        assert stream.codec_context.format.name == "s16"
        assert (stream.rate, stream.codec_context.channels) == (SR, 2)
    back = decode_for_engine(blob, sr=SR, channels=2, max_duration_s=10)
    assert back.audio.shape == audio.shape and back.source_channels == 2
    assert np.abs(back.audio - audio).max() <= LSB
    mono = decode_for_engine(encode_flac(audio[0], SR), sr=SR, channels=1, max_duration_s=10)
    assert mono.audio.shape == (1, audio.shape[1]) and mono.source_channels == 1


def test_flac_clips_overshoot_instead_of_wrapping():
    loud = np.full((1, 1000), 1.7, np.float32)
    back = decode_for_engine(encode_flac(loud, SR), sr=SR, channels=1, max_duration_s=10)
    assert np.all(back.audio > 0.99)


def test_mono_upload_is_copied_to_both_channels_at_full_level(tmp_path):
    """FFmpeg's mono-to-stereo upmix would lower the level by 3 dB; a copy keeps it."""
    audio = _stereo()[0]
    path = write_audio(tmp_path / "mono.wav", audio, SR)
    got = decode_for_engine(path.read_bytes(), sr=SR, channels=2, max_duration_s=10)
    assert got.source_channels == 1 and got.audio.shape == (2, len(audio))
    np.testing.assert_array_equal(got.audio[0], got.audio[1])
    assert np.abs(got.audio[0] - audio).max() <= LSB


def test_resampled_to_the_engine_rate(tmp_path):
    audio = _stereo(2.0)
    path = write_audio(tmp_path / "song.flac", audio[:, ::2], SR // 2)  # 22.05 kHz upload
    got = decode_for_engine(path.read_bytes(), sr=SR, channels=2, max_duration_s=10)
    assert abs(got.audio.shape[1] - audio.shape[1]) <= 2
    assert abs(got.duration - 2.0) < 1e-3


def test_decode_errors_are_clear_and_read_as_at_ingest(tmp_path):
    junk = b"not audio at all" * 100
    with pytest.raises(DecodeError, match=r"song\.mp3 is not an audio file Performia can read"):
        decode_for_engine(junk, sr=SR, channels=2, max_duration_s=10, name="song.mp3")
    with pytest.raises(DecodeError, match=r"song\.mp3 is empty \(0 bytes\)"):
        decode_for_engine(b"", sr=SR, channels=2, max_duration_s=10, name="song.mp3")
    with pytest.raises(ValueError, match="channels must be 1 or 2"):
        decode_for_engine(junk, sr=SR, channels=3, max_duration_s=10)
    path = write_audio(tmp_path / "long.wav", _stereo(3.0), SR)
    with pytest.raises(BadInputError, match="longer than the limit of 0:01"):
        decode_for_engine(path.read_bytes(), sr=SR, channels=2, max_duration_s=1.0)


def test_match_channels():
    stereo = _stereo()
    np.testing.assert_allclose(match_channels(stereo, 1)[0], stereo.mean(axis=0))
    assert match_channels(stereo, 2) is stereo
    assert match_channels(stereo[:1], 2).shape == stereo.shape


def test_engine_input_and_stems_are_checked():
    with pytest.raises(BadInputError, match="no samples"):
        check_audio(np.zeros((2, 0)), channels=2)
    with pytest.raises(ValueError, match=r"expected audio shaped \(2, samples\)"):
        check_audio(np.zeros((1, 10)), channels=2)
    with pytest.raises(ValueError, match="NaN"):
        check_audio(np.full((2, 10), np.nan), channels=2)
    assert check_audio(np.zeros((2, 3), np.float64), channels=2).dtype == np.float32
    assert check_stems(["vocals", "accompaniment"], engine="x") == ("vocals", "accompaniment")
    with pytest.raises(ModelError, match="needs vocals"):
        check_stems(["drums", "bass"], engine="x")


def test_unknown_engine_and_device_are_refused():
    with pytest.raises(BadInputError, match=r"unknown separator 'openunmix'.*spleeter, demucs"):
        get_separator("openunmix")
    with pytest.raises(ModelError, match="PERFORMIA_DEVICE must be"):
        get_separator("spleeter", device="tpu")
