"""Write rendered songs to files: audio in every container the product ingests, truth as JSON.

:func:`write_audio` encodes to wav, flac, mp3, ogg, opus and m4a with PyAV, tags included;
:func:`write_truth` writes a :class:`~performia.testing.truth.SongTruth` as indented JSON.

Format quirks when reading these files back (PyAV 18 and its bundled ffmpeg), all measured:

* Decoded samples start sample-aligned with the input in every format, provided the encoder is
  fed frames with ``pts = 0`` (without a pts the Ogg muxer writes bogus granule positions, so
  the container reports a ~0.1 s duration, and the m4a decodes 1024 samples late).
* ``.mp3`` (libmp3lame): the LAME/Xing header carries delay and padding and the decoder trims
  both, so the length is exact; but frame pts and ``stream.start_time`` still include the
  1105-sample encoder delay (50 ms at 22.05 kHz), so place samples by count, not by pts.
* ``.m4a`` (aac in the ``ipod`` muxer): the edit list trims the 1024 priming samples, but the
  end is padded to a whole 1024-sample frame (up to +46 ms at 22.05 kHz).
* ``.ogg`` (ffmpeg's native, experimental ``vorbis`` encoder; it only encodes stereo, so mono
  input is written as two identical channels): the end is padded by a few ms.
* ``.opus`` (libopus, always 48 kHz): the pre-skip is in the header and trimmed on decode.
* Tags: wav (RIFF INFO), flac (Vorbis comment), mp3 (ID3v2) and m4a (iTunes atoms) read back
  in ``container.metadata``; ogg and opus keep them as Vorbis comments of the audio stream, so
  they read back in ``container.streams.audio[0].metadata``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from performia.testing.instruments import _check_sr
from performia.testing.truth import SongTruth

__all__ = ["write_audio", "write_truth"]


# ------------------------------------------------------------------------------------- encoding


@dataclass(frozen=True)
class _Format:
    container: str
    codecs: tuple[str, ...]  # first one available wins
    rate: int | None = None  # fixed output rate, else the input's (or the nearest supported)
    bitrate: int | None = None  # default bit rate for lossy codecs


_FORMATS: dict[str, _Format] = {
    ".wav": _Format("wav", ("pcm_s16le",)),
    ".flac": _Format("flac", ("flac",)),
    ".mp3": _Format("mp3", ("libmp3lame",), bitrate=128_000),
    ".ogg": _Format("ogg", ("libvorbis", "vorbis", "libopus")),
    ".opus": _Format("ogg", ("libopus",), rate=48_000, bitrate=96_000),
    ".m4a": _Format("ipod", ("aac",), bitrate=128_000),
}


def _pick_rate(sr: int, supported: Sequence[int] | None) -> int:
    if not supported or sr in supported:
        return sr
    higher = [rate for rate in supported if rate >= sr]
    return min(higher) if higher else max(supported)


def write_audio(
    path: str | Path,
    y: np.ndarray,
    sr: int,
    *,
    tags: Mapping[str, str] | None = None,
    bitrate: int | None = None,
) -> Path:
    """Encode ``y`` (mono, or ``(channels, samples)`` with 1 or 2 channels) by ``path``'s suffix.

    ``.wav`` pcm_s16le, ``.flac`` flac, ``.mp3`` libmp3lame, ``.ogg`` vorbis (libvorbis when the
    bundled ffmpeg has it, else ffmpeg's native experimental encoder, which needs stereo),
    ``.opus`` libopus in Ogg at 48 kHz, ``.m4a`` aac in the ``ipod`` (M4A) muxer. Samples are
    clipped to [-1, 1]; the sample rate is kept where the codec allows it. ``tags`` (e.g.
    title, artist, album) go into the container metadata. ``bitrate`` (bits/s) applies to lossy
    codecs. Returns the path. See the module docstring for per-format quirks.
    """
    import av  # the ingest extra; imported here so the rest of this module works without it

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot write {path.suffix!r}; known suffixes: {', '.join(_FORMATS)}")
    sr = _check_sr(sr)
    samples = np.asarray(y, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    if samples.ndim != 2 or samples.shape[0] not in (1, 2) or samples.shape[1] == 0:
        raise ValueError(f"expected mono samples or (channels, samples), got shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise ValueError("audio contains NaN or infinite samples")
    samples = np.ascontiguousarray(np.clip(samples, -1.0, 1.0))
    codec_name = next((c for c in fmt.codecs if c in av.codecs_available), None)
    if codec_name is None:
        raise RuntimeError(f"this PyAV build has none of {fmt.codecs} for {path.suffix}")
    codec = av.Codec(codec_name, "w")
    rate = fmt.rate or _pick_rate(sr, codec.audio_rates)
    # ffmpeg's native vorbis encoder only takes stereo; everything else keeps the input layout.
    out_layout = "stereo" if codec_name == "vorbis" or samples.shape[0] == 2 else "mono"
    in_layout = "stereo" if samples.shape[0] == 2 else "mono"

    with av.open(str(path), "w", format=fmt.container) as container:
        for name, value in (tags or {}).items():
            container.metadata[str(name)] = str(value)
        stream = container.add_stream(codec_name, rate=rate)
        if not isinstance(stream, av.AudioStream):  # every codec in FORMATS encodes audio
            raise RuntimeError(f"{codec_name} is not an audio codec")
        stream.layout = out_layout
        if codec_name == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        chosen_bitrate = bitrate if bitrate is not None else fmt.bitrate
        if chosen_bitrate is not None and codec_name not in ("pcm_s16le", "flac"):
            stream.bit_rate = int(chosen_bitrate)
        resampler = av.AudioResampler(format=stream.format.name, layout=out_layout, rate=rate)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=in_layout)
        frame.sample_rate = sr
        frame.pts = 0  # without a pts the Ogg muxer writes wrong granule positions
        frame.time_base = Fraction(1, sr)
        for out_frame in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(out_frame))
        container.mux(stream.encode(None))
    return path


# ----------------------------------------------------------------------------------------- truth


def write_truth(path: str | Path, truth: SongTruth) -> Path:
    """Write ``truth`` as indented JSON to ``path`` and return the path."""
    path = Path(path)
    path.write_text(json.dumps(truth.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path
