"""Audio in and out of the separation engines: the upload at the engine's rate, stems as FLAC.

Separation needs the recording at the engine's rate (44.1 kHz) and in stereo, while
:func:`performia.media.decode_audio` gives the mono analysis signal; so the original upload is
decoded once more, by :func:`performia.media.decode_channels`, at the engine's rate and channel
count. A mono upload is decoded as mono and its one channel copied to both: FFmpeg's own
mono-to-stereo upmix lowers the level by 3 dB (centre mix level), which would make every stem
3 dB quieter than the recording. Uploads with more than two channels are downmixed to stereo by
FFmpeg.

Stems are written as 16-bit FLAC: lossless, played by every current browser, about half the size
of WAV.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from performia.media import decode_channels

__all__ = ["EngineInput", "decode_for_engine", "encode_flac", "match_channels"]


@dataclass(frozen=True)
class EngineInput:
    """The upload as an engine wants it: float32 ``(channels, samples)`` at ``sr``."""

    audio: np.ndarray
    sr: int
    #: Channels of the upload itself (1 for a mono recording).
    source_channels: int

    @property
    def duration(self) -> float:
        return self.audio.shape[1] / self.sr


def decode_for_engine(
    source: str | os.PathLike[str] | bytes,
    *,
    sr: int,
    channels: int,
    max_duration_s: float,
    name: str = "input",
) -> EngineInput:
    """Decode the first audio stream to float32 ``(channels, samples)`` at ``sr``.

    Parameters
    ----------
    source : path or bytes
        The original upload.
    sr : int
        The engine's sample rate (Hz).
    channels : {1, 2}
        The engine's channel count.
    max_duration_s : float
        Longer recordings are rejected (ingest has already checked; this bounds memory).
    name : str
        How to call the file in messages.

    Raises
    ------
    DecodeError
        Not audio, no audio stream, corrupt, or no samples.
    BadInputError
        Longer than ``max_duration_s``.
    """
    audio, source_channels = decode_channels(
        source, sr=sr, channels=channels, max_duration_s=max_duration_s, name=name
    )
    return EngineInput(audio, sr, source_channels or audio.shape[0])


def match_channels(audio: np.ndarray, channels: int) -> np.ndarray:
    """``(c, n)`` → ``(channels, n)``: average down to mono, or copy mono up."""
    if audio.shape[0] == channels:
        return audio
    if channels == 1:
        return audio.mean(axis=0, keepdims=True)
    if audio.shape[0] == 1:
        return np.repeat(audio, channels, axis=0)
    raise ValueError(f"cannot map {audio.shape[0]} channels to {channels}")


def encode_flac(audio: np.ndarray, sr: int) -> bytes:
    """16-bit FLAC of ``audio`` (float32 ``(channels, samples)`` or mono ``(samples,)``).

    Samples beyond ±1 are clipped: an engine's stem can overshoot the mix's peak slightly, and
    16-bit PCM has nowhere to put it.
    """
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    if samples.ndim != 2 or samples.shape[0] not in (1, 2) or samples.shape[1] == 0:
        raise ValueError(f"expected (1 or 2 channels, samples) audio, got shape {samples.shape}")
    samples = np.ascontiguousarray(np.clip(np.nan_to_num(samples), -1.0, 1.0))
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=sr)
        stream.layout = layout
        stream.format = "s16"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=sr)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=layout)
        frame.sample_rate = sr
        frame.pts = 0
        frame.time_base = Fraction(1, sr)
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(out))
        container.mux(stream.encode(None))
    return buf.getvalue()
