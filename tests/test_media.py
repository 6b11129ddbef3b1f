"""Decoding every supported format, and every way a file can fail to be audio."""

from __future__ import annotations

import numpy as np
import pytest

from fixture_values import FORMATS, SR, TAGS
from performia.errors import BadInputError, DecodeError
from performia.media import decode_audio, decode_channels, format_duration
from performia.testing import write_audio


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_decodes_to_the_same_song_with_its_tags(audio_files, song_signal, fmt):
    mix, truth = song_signal
    decoded = decode_audio(audio_files[fmt], sr=SR, max_duration_s=1200)
    assert decoded.sr == SR
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert abs(decoded.duration - truth.duration) < 0.1
    assert {k: decoded.tags.get(k) for k in TAGS} == TAGS
    # the content survives the codec: correlation with the original over the first 5 s
    n = 5 * SR
    a, b = mix[:n], decoded.samples[:n]
    corr = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert corr > 0.8, f"{fmt}: correlation {corr:.2f}"


def test_bytes_and_paths_decode_alike(audio_files):
    path = audio_files["flac"]
    a = decode_audio(path, sr=SR, max_duration_s=1200)
    b = decode_audio(path.read_bytes(), sr=SR, max_duration_s=1200, name="song.flac")
    np.testing.assert_array_equal(a.samples, b.samples)


def test_channel_decoding_shares_the_mono_decode_and_copies_mono_up(audio_files):
    path = audio_files["flac"]  # a mono file
    mono = decode_audio(path, sr=SR, max_duration_s=1200).samples
    one, source_channels = decode_channels(path, sr=SR, channels=1, max_duration_s=1200)
    assert source_channels == 1 and one.shape == (1, mono.size) and one.dtype == np.float32
    np.testing.assert_array_equal(one[0], mono)
    two, _ = decode_channels(path.read_bytes(), sr=SR, channels=2, max_duration_s=1200)
    assert two.shape == (2, mono.size) and two.flags.c_contiguous
    np.testing.assert_array_equal(two[0], mono)  # a copy at full level, not FFmpeg's -3 dB upmix
    np.testing.assert_array_equal(two[1], mono)


def test_stereo_is_downmixed_and_resampled(tmp_path, tone):
    import av

    path = tmp_path / "stereo.wav"
    y = tone(2.0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=SR, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            (np.stack([y, y]).T * 32767).astype(np.int16).reshape(1, -1),
            format="s16",
            layout="stereo",
        )
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    decoded = decode_audio(path, sr=16000, max_duration_s=60)
    assert decoded.source_channels == 2
    assert decoded.source_sample_rate == SR
    assert abs(decoded.duration - 2.0) < 0.01
    spectrum = np.abs(np.fft.rfft(decoded.samples))
    assert abs(np.argmax(spectrum) * 16000 / len(decoded.samples) - 440) < 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text, not music\n" * 20, "not an audio file"),
        (bytes(range(256)) * 64, "not an audio file"),
        (b"", "is empty"),
    ],
)
def test_non_audio_is_rejected_whatever_the_extension(tmp_path, content, message):
    path = tmp_path / "song.mp3"
    path.write_bytes(content)
    with pytest.raises(DecodeError, match=message):
        decode_audio(path, sr=SR, max_duration_s=60)


def test_an_image_has_no_audio(tmp_path):
    import av

    path = tmp_path / "cover.png"
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 8, 8, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    renamed = path.rename(tmp_path / "cover.wav")
    with pytest.raises(DecodeError, match="has no audio in it"):
        decode_audio(renamed, sr=SR, max_duration_s=60)


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_truncated_files_are_named_truncated(tmp_path, audio_files, fmt):
    data = audio_files[fmt].read_bytes()
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DecodeError, match="truncated"):
        decode_audio(path, sr=SR, max_duration_s=60)


def test_header_only_file_is_rejected(tmp_path, audio_files):
    path = tmp_path / "header.wav"
    path.write_bytes(audio_files["wav"].read_bytes()[:44])
    with pytest.raises(DecodeError, match="looks like audio but is damaged or truncated"):
        decode_audio(path, sr=SR, max_duration_s=60)


def test_too_long_is_rejected_before_decoding(tmp_path):
    path = write_audio(tmp_path / "long.wav", np.zeros(8000 * 30, np.float32), 8000)
    with pytest.raises(BadInputError, match=r"long\.wav is 0:30 long; the limit is 0:10"):
        decode_audio(path, sr=SR, max_duration_s=10)


def test_format_duration():
    assert format_duration(0) == "0:00"
    assert format_duration(187.4) == "3:07"
    assert format_duration(3725) == "1:02:05"
