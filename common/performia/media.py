"""Decoding any common audio format into the analysis signal, with the file's own tags.

This is I/O at the edge: PyAV (FFmpeg) reads mp3, wav, flac, ogg/vorbis, opus, m4a/aac and more,
from a path or from bytes, by content rather than by extension. Every way a file can be unusable
becomes a ``DecodeError`` or ``BadInputError`` with one line a person can act on.

:func:`decode_audio` gives the mono analysis signal and checks the file against its declared
length; :func:`decode_channels` gives ``(channels, samples)`` for the separation engines. Both
open and decode through the same two steps, so a file fails the same way for each.
"""

from __future__ import annotations

import io
import os
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import av
import numpy as np

from performia.errors import BadInputError, DecodeError

__all__ = ["DecodedAudio", "decode_audio", "decode_channels", "format_duration"]

#: A file decoding to less than this share of its declared length is called truncated.
_TRUNCATION_TOLERANCE = 0.97
#: Leading bytes of the common audio containers: RIFF/WAVE, FLAC, ID3-tagged or bare MPEG audio,
#: Ogg, MP4/M4A, AIFF. Used only to word the message when FFmpeg cannot open a file.
_AUDIO_SIGNATURE = re.compile(
    rb"RIFF....WAVE|fLaC|ID3|\xff[\xe0-\xff]|OggS|....ftyp|FORM....AIF", re.DOTALL
)
_TAG_KEYS = ("title", "artist", "album", "album_artist", "date", "genre")


def format_duration(seconds: float) -> str:
    """``187.4`` → ``'3:07'``; hours when needed."""
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class DecodedAudio:
    """A mono float32 signal at ``sr`` plus what the container said about itself."""

    samples: np.ndarray
    sr: int
    source_sample_rate: int
    source_channels: int
    codec: str
    container: str
    declared_duration: float | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sr


def _tags(container: av.container.InputContainer, stream: av.audio.AudioStream) -> dict[str, str]:
    """Container tags (ID3, MP4 atoms) first, then stream tags (Vorbis comments live there)."""
    merged: dict[str, str] = {}
    for source in (stream.metadata, container.metadata):
        for key, value in source.items():
            k = key.lower()
            if k in _TAG_KEYS and value.strip():
                merged.setdefault(k, value.strip())
    return merged


def _wav_declared_duration(head: bytes) -> float | None:
    """The length a RIFF/WAVE header promises, or ``None`` when it is not a plain WAV.

    FFmpeg trims a WAV's declared length to the bytes present, which hides truncation (a copy
    interrupted halfway); the header's data-chunk size still tells the truth.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        tag, length = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if tag == b"fmt " and pos + 16 <= len(head):
            byte_rate = struct.unpack("<I", head[pos + 16 : pos + 20])[0]
        if tag == b"data":
            # 0 and 0xFFFFFFFF mean "unknown length" (streamed WAVs)
            if byte_rate <= 0 or length in (0, 0xFFFFFFFF):
                return None
            return length / byte_rate
        pos += 8 + length + (length & 1)
    return None


def _declared_duration(
    container: av.container.InputContainer, stream: av.audio.AudioStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


@dataclass(frozen=True)
class _Opened:
    """An open container, its first audio stream, the file's first bytes and its name."""

    container: av.container.InputContainer
    stream: av.audio.AudioStream
    head: bytes
    label: str


@contextmanager
def _open_audio(source: str | os.PathLike[str] | bytes, name: str | None) -> Iterator[_Opened]:
    """Open ``source`` with PyAV: the one place an upload is opened.

    Raises
    ------
    DecodeError
        Empty, not audio (whatever the extension), too damaged to open, or no audio stream.
    """
    label = name or (os.path.basename(source) if not isinstance(source, bytes) else "input")
    if isinstance(source, bytes):
        head, size = source[:4096], len(source)
        handle: str | io.BytesIO = io.BytesIO(source)
    else:
        handle = os.fspath(source)
        size = os.path.getsize(handle)
        with open(handle, "rb") as fh:
            head = fh.read(4096)
    if size == 0:
        raise DecodeError(f"{label} is empty (0 bytes)")
    try:
        container = av.open(handle, mode="r", metadata_errors="replace")
    except av.error.FFmpegError as exc:
        if _AUDIO_SIGNATURE.match(head):
            raise DecodeError(
                f"{label} looks like audio but is damaged or truncated ({exc.strerror or exc})"
            ) from None
        raise DecodeError(
            f"{label} is not an audio file Performia can read ({exc.strerror or exc})"
        ) from None
    with container:
        if not container.streams.audio:
            kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "nothing"
            raise DecodeError(f"{label} has no audio in it (found {kinds})")
        yield _Opened(container, container.streams.audio[0], head, label)


def _decode(opened: _Opened, *, sr: int, layout: str, max_duration_s: float) -> np.ndarray:
    """The stream resampled to float32 ``(channels, samples)`` at ``sr`` in ``layout``.

    Raises
    ------
    BadInputError
        More than a second longer than ``max_duration_s`` (checked as it decodes, so a file
        that hides its length cannot fill the memory).
    DecodeError
        Decoding failed part way, or gave no samples at all.
    """
    label = opened.label
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=sr)
    chunks: list[np.ndarray] = []
    n, max_samples = 0, int((max_duration_s + 1.0) * sr)
    try:
        for frame in opened.container.decode(opened.stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
                n += chunks[-1].shape[1]
            if n > max_samples:
                raise BadInputError(
                    f"{label} is longer than the limit of {format_duration(max_duration_s)}"
                )
        chunks.extend(out.to_ndarray() for out in resampler.resample(None))
    except av.error.FFmpegError as exc:
        raise DecodeError(
            f"{label} is truncated or corrupt: decoding failed after "
            f"{format_duration(n / sr)} ({exc.strerror or exc})"
        ) from None
    if not chunks or sum(c.shape[1] for c in chunks) == 0:
        raise DecodeError(f"{label} contains no audio samples (empty or truncated file)")
    return np.concatenate(chunks, axis=1).astype(np.float32, copy=False)


def _check_declared_length(opened: _Opened, max_duration_s: float) -> float | None:
    """The length the file declares (s, ``None`` when it does not), refused when too long."""
    declared = _wav_declared_duration(opened.head) or _declared_duration(
        opened.container, opened.stream
    )
    if declared is not None and declared > max_duration_s + 1.0:
        raise BadInputError(
            f"{opened.label} is {format_duration(declared)} long; the limit is "
            f"{format_duration(max_duration_s)} (PERFORMIA_MAX_DURATION_S changes it)"
        )
    return declared


def _check_complete(label: str, declared: float | None, decoded: float) -> None:
    """``DecodeError`` when noticeably less than the declared length could be decoded."""
    if declared and decoded < declared * _TRUNCATION_TOLERANCE and declared - decoded > 0.5:
        raise DecodeError(
            f"{label} is truncated: it declares {format_duration(declared)} but only "
            f"{format_duration(decoded)} could be decoded"
        )


def decode_audio(
    source: str | os.PathLike[str] | bytes,
    *,
    sr: int,
    max_duration_s: float,
    name: str | None = None,
) -> DecodedAudio:
    """Decode the first audio stream to mono float32 at ``sr``.

    Parameters
    ----------
    source : path or bytes
        The file, or its whole content.
    sr : int
        Output sample rate (Hz).
    max_duration_s : float
        Longer recordings are rejected, before decoding when the container declares its length.
    name : str, optional
        How to call the file in messages (defaults to the path's name).

    Raises
    ------
    DecodeError
        Not audio (whatever the extension), no audio stream, empty, truncated or corrupt.
    BadInputError
        Longer than ``max_duration_s``.
    """
    with _open_audio(source, name) as opened:
        declared = _check_declared_length(opened, max_duration_s)
        samples = _decode(opened, sr=sr, layout="mono", max_duration_s=max_duration_s)[0]
        _check_complete(opened.label, declared, samples.size / sr)
        stream = opened.stream
        return DecodedAudio(
            samples=samples,
            sr=sr,
            source_sample_rate=stream.codec_context.sample_rate or stream.rate or 0,
            source_channels=stream.codec_context.channels or 0,
            codec=stream.codec_context.name,
            container=opened.container.format.name,
            declared_duration=declared,
            tags=_tags(opened.container, stream),
        )


def decode_channels(
    source: str | os.PathLike[str] | bytes,
    *,
    sr: int,
    channels: int,
    max_duration_s: float,
    name: str | None = None,
) -> tuple[np.ndarray, int]:
    """Decode the first audio stream to float32 ``(channels, samples)`` at ``sr``.

    A mono file is decoded as mono and its one channel copied to each: FFmpeg's own
    mono-to-stereo upmix lowers the level by 3 dB (centre mix level). Files with more channels
    than asked for are downmixed by FFmpeg. Unlike :func:`decode_audio`, the declared length is
    not checked (the caller has decoded the file once already; ``max_duration_s`` only bounds
    memory).

    Parameters
    ----------
    source : path or bytes
        The file, or its whole content.
    sr : int
        Output sample rate (Hz).
    channels : {1, 2}
        Output channel count.
    max_duration_s : float
        Longer recordings are rejected as they decode.
    name : str, optional
        How to call the file in messages (defaults to the path's name).

    Returns
    -------
    audio : np.ndarray, shape (channels, samples)
        C-contiguous float32.
    source_channels : int
        The file's own channel count (0 when it does not say).

    Raises
    ------
    DecodeError
        Not audio, no audio stream, empty, corrupt, or no samples.
    BadInputError
        Longer than ``max_duration_s``.
    """
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    with _open_audio(source, name) as opened:
        source_channels = opened.stream.codec_context.channels or 0
        layout = "mono" if channels == 1 or source_channels == 1 else "stereo"
        audio = _decode(opened, sr=sr, layout=layout, max_duration_s=max_duration_s)
    if audio.shape[0] != channels:  # a mono file: the same on every channel, at full level
        audio = np.repeat(audio, channels, axis=0)
    return np.ascontiguousarray(audio), source_channels
