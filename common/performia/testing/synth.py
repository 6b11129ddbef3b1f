"""Synthesise songs with known truth: drums on an exact beat grid, chord pads, a sung-like melody.

Every renderer places sound at sample-exact times and :func:`render_song` returns a
:class:`SongTruth` built from those same placement times, so an analysis stage can be scored
against what was really put there rather than against a hand annotation.

Words are spoken by ``espeak-ng`` (see :func:`speak`); :func:`write_audio` encodes to every
container the product ingests (wav, flac, mp3, ogg, opus, m4a) with PyAV, tags included.

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

import io
import json
import math
import re
import shutil
import subprocess
import wave
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ChordTruth",
    "NoteTruth",
    "SongTruth",
    "WordTruth",
    "chord_pitches",
    "click_track",
    "render_chords",
    "render_melody",
    "render_song",
    "speak",
    "write_audio",
    "write_truth",
]

#: Silence before the first beat of a rendered song, in seconds.
LEAD_IN_S = 0.5
#: Audio kept after the end of the last bar (drum and pad decay), in seconds.
TAIL_S = 0.5
#: Stems :func:`render_song` returns and their default mix gains.
DEFAULT_LEVELS: dict[str, float] = {"drums": 0.6, "chords": 0.5, "melody": 0.6, "vocals": 0.8}


# --------------------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class WordTruth:
    """One spoken word: ``start`` is where its audio was placed, ``end`` where that audio ends."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class ChordTruth:
    """One chord span, ``start`` inclusive and ``end`` exclusive, in seconds."""

    symbol: str
    start: float
    end: float


@dataclass(frozen=True)
class NoteTruth:
    """One melody note at an exact MIDI pitch (69 = A4 = 440 Hz)."""

    pitch_midi: int
    start: float
    end: float


@dataclass(frozen=True)
class SongTruth:
    """Everything :func:`render_song` placed, in seconds from the start of the audio."""

    sr: int
    duration: float
    tempo_bpm: float
    meter: int
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    key: str
    chords: tuple[ChordTruth, ...]
    melody: tuple[NoteTruth, ...]
    words: tuple[WordTruth, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists, spans become objects)."""
        d = asdict(self)
        for name in ("beats", "downbeats"):
            d[name] = list(d[name])
        for name in ("chords", "melody", "words"):
            d[name] = [dict(item) for item in d[name]]
        return d


def write_truth(path: str | Path, truth: SongTruth) -> Path:
    """Write ``truth`` as indented JSON to ``path`` and return the path."""
    path = Path(path)
    path.write_text(json.dumps(truth.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


# -------------------------------------------------------------------------------------- chords

_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
}
_CHORD_RE = re.compile(r"^([A-G])([#b]?)(.*)$")


def chord_pitches(symbol: str) -> list[int]:
    """MIDI pitches for a chord symbol such as ``"C"``, ``"F#m"``, ``"Bbmaj7"`` or ``"Dsus4"``.

    The root sits in octave 3 (C3 = 48 … B3 = 59), the other chord tones stack above it, and a
    bass note doubles the root an octave below. Raises ``ValueError`` for anything else.
    """
    match = _CHORD_RE.match(symbol.strip()) if isinstance(symbol, str) else None
    if match is None or match.group(3) not in _QUALITIES:
        known = ", ".join(repr(q) for q in _QUALITIES)
        raise ValueError(
            f"unknown chord symbol {symbol!r}: expected a root A-G with optional #/b "
            f"and a quality among {known}"
        )
    letter, accidental, quality = match.groups()
    pc = (_PITCH_CLASS[letter] + {"": 0, "#": 1, "b": -1}[accidental]) % 12
    root = 48 + pc
    return [root - 12, *(root + interval for interval in _QUALITIES[quality])]


# -------------------------------------------------------------------------------------- helpers


def _midi_to_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def _envelope(n: int, sr: int, attack: float, release: float) -> np.ndarray:
    """Linear attack and release ramps over ``n`` samples, each at most a third of the span."""
    env = np.ones(n, dtype=np.float64)
    a = min(round(attack * sr), n // 3)
    r = min(round(release * sr), n // 3)
    if a > 0:
        env[:a] = np.linspace(0.0, 1.0, a, endpoint=False)
    if r > 0:
        env[n - r :] = np.linspace(1.0, 0.0, r)
    return env


def _add(out: np.ndarray, signal: np.ndarray, at: int) -> None:
    """Add ``signal`` into ``out`` starting at sample ``at``, cropping whatever falls outside."""
    if at >= len(out) or at + len(signal) <= 0:
        return
    lo = max(at, 0)
    hi = min(at + len(signal), len(out))
    out[lo:hi] += signal[lo - at : hi - at]


def _check_sr(sr: int) -> int:
    if int(sr) != sr or sr <= 0:
        raise ValueError(f"sample rate must be a positive integer, got {sr!r}")
    return int(sr)


# ---------------------------------------------------------------------------------------- drums


def _kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(0.4 * sr)) / sr
    freq = 55.0 + 95.0 * np.exp(-t / 0.025)  # pitch drop from ~150 Hz to ~55 Hz
    phase = 2.0 * np.pi * np.cumsum(freq) / sr
    body = np.sin(phase) * np.exp(-t / 0.18)
    click = np.zeros_like(t)
    n_click = round(0.003 * sr)
    click[:n_click] = 0.3 * rng.standard_normal(n_click) * np.linspace(1.0, 0.0, n_click)
    return body + click


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(0.25 * sr)) / sr
    noise = rng.standard_normal(len(t)) * np.exp(-t / 0.06)
    tone = np.sin(2.0 * np.pi * 190.0 * t) * np.exp(-t / 0.04)
    return 0.35 * noise + 0.5 * tone


def _hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = round(0.08 * sr)
    noise = np.diff(rng.standard_normal(n + 1))  # first difference: a crude high-pass
    return 0.15 * noise * np.exp(-np.arange(n) / sr / 0.015)


def click_track(
    *,
    bpm: float,
    n_beats: int,
    meter: int = 4,
    sr: int,
    start: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, tuple[float, ...], tuple[float, ...]]:
    """A drum pattern on an exact grid: ``(audio, beats, downbeats)``, times in seconds.

    A kick (decaying sine falling from ~150 Hz to ~55 Hz) lands on every downbeat, accented, and
    on the middle beat of even meters (beat 3 in 4/4); a noise-burst snare lands on the other
    beats; a quiet hi-hat ticks on every beat. Beat ``i`` sounds at ``start + i * 60 / bpm``.
    The audio runs to the end of the last beat plus :data:`TAIL_S`. ``seed`` fixes the noise.
    """
    sr = _check_sr(sr)
    if bpm <= 0 or meter < 1 or n_beats < 0 or start < 0:
        raise ValueError("click_track needs bpm > 0, meter >= 1, n_beats >= 0 and start >= 0")
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    beats = tuple(start + i * period for i in range(n_beats))
    downbeats = beats[::meter]
    out = np.zeros(math.ceil((start + n_beats * period + TAIL_S) * sr), dtype=np.float64)
    for i, t in enumerate(beats):
        at = round(t * sr)
        position = i % meter
        if position == 0:
            _add(out, 1.0 * _kick(sr, rng), at)
        elif meter % 2 == 0 and meter >= 4 and position == meter // 2:
            _add(out, 0.8 * _kick(sr, rng), at)
        else:
            _add(out, _snare(sr, rng), at)
        _add(out, _hat(sr, rng), at)
    return out.astype(np.float32), beats, downbeats


# ------------------------------------------------------------------------------ pads and melody


def render_chords(chords: Sequence[ChordTruth], *, sr: int, duration: float) -> np.ndarray:
    """Additive-synth pads: each chord's :func:`chord_pitches` sounds over its span.

    Each pitch has four harmonics at amplitudes 1, 1/2, 1/4, 1/8; a 10 ms attack and a 30 ms
    release that ends exactly at the span's end keep chord boundaries clear. Returns float32
    audio ``duration`` seconds long; spans past the end are cropped.
    """
    sr = _check_sr(sr)
    out = np.zeros(round(duration * sr), dtype=np.float64)
    for chord in chords:
        pitches = chord_pitches(chord.symbol)
        i0 = round(chord.start * sr)
        i1 = min(round(chord.end * sr), len(out))
        if i1 <= i0:
            continue
        t = np.arange(i1 - i0) / sr
        pad = np.zeros(i1 - i0, dtype=np.float64)
        for pitch in pitches:
            f0 = _midi_to_hz(pitch)
            for k, amp in enumerate((1.0, 0.5, 0.25, 0.125), start=1):
                if k * f0 >= sr / 2:
                    break
                phase = 2.0 * np.pi * ((pitch * 0.618 * k) % 1.0)  # fixed, spread-out phases
                pad += amp * np.sin(2.0 * np.pi * k * f0 * t + phase)
        out[i0:i1] += pad * _envelope(i1 - i0, sr, 0.01, 0.03) / len(pitches)
    return out.astype(np.float32)


def render_melody(notes: Sequence[NoteTruth], *, sr: int, duration: float) -> np.ndarray:
    """A voice-like tone for each note at exactly its MIDI pitch.

    Fundamental plus harmonics at amplitude 1/k (up to eight, below Nyquist), a 5 Hz vibrato of
    ±20 cents centred on the pitch, a 20 ms attack and a 50 ms release that ends at the note's
    end. Returns float32 audio ``duration`` seconds long.
    """
    sr = _check_sr(sr)
    out = np.zeros(round(duration * sr), dtype=np.float64)
    for note in notes:
        i0 = round(note.start * sr)
        i1 = min(round(note.end * sr), len(out))
        if i1 <= i0:
            continue
        t = np.arange(i1 - i0) / sr
        f0 = _midi_to_hz(note.pitch_midi)
        freq = f0 * 2.0 ** (20.0 * np.sin(2.0 * np.pi * 5.0 * t) / 1200.0)
        phase = 2.0 * np.pi * np.concatenate(([0.0], np.cumsum(freq[:-1]))) / sr
        tone = np.zeros_like(t)
        for k in range(1, 9):
            if k * f0 * 1.02 >= sr / 2:
                break
            tone += np.sin(k * phase) / k
        out[i0:i1] += 0.5 * tone * _envelope(i1 - i0, sr, 0.02, 0.05)
    return out.astype(np.float32)


# ---------------------------------------------------------------------------------------- speech


@lru_cache(maxsize=512)
def _espeak(text: str, voice: str, wpm: int) -> tuple[bytes, int, int]:
    """Raw espeak-ng output as (16-bit PCM bytes, sample rate, channels); cached per word."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError(
            "espeak-ng is not installed (or not on PATH); install it with "
            "`sudo apt-get install espeak-ng` (Debian/Ubuntu) or `brew install espeak-ng` (macOS)"
        )
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(wpm), "--stdout", "--", text],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if proc.returncode != 0 or not proc.stdout:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"espeak-ng failed (exit {proc.returncode}) for {text!r}: {message}")
    # espeak-ng writing to a pipe cannot seek back, so the RIFF sizes are placeholders;
    # ``wave`` then reports a huge frame count and readframes returns what is really there.
    with wave.open(io.BytesIO(proc.stdout), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise RuntimeError(f"espeak-ng wrote {8 * wav.getsampwidth()}-bit audio, expected 16")
        rate, channels = wav.getframerate(), wav.getnchannels()
        data = wav.readframes(wav.getnframes())
    return data[: len(data) - len(data) % (2 * channels)], rate, channels


def _trim_silence(y: np.ndarray, sr: int, *, threshold_db: float = -40.0) -> np.ndarray:
    """Drop leading and trailing 5 ms frames whose RMS is ``threshold_db`` below the loudest."""
    frame = max(1, round(0.005 * sr))
    n_frames = len(y) // frame
    if n_frames == 0:
        return y[:0]
    rms = np.sqrt(np.mean(y[: n_frames * frame].reshape(n_frames, frame) ** 2, axis=1))
    peak = float(rms.max())
    if peak <= 0.0:
        return y[:0]
    loud = np.flatnonzero(rms >= peak * 10.0 ** (threshold_db / 20.0))
    return y[loud[0] * frame : (loud[-1] + 1) * frame]


def speak(text: str, *, sr: int, voice: str = "en-us", wpm: int = 150) -> np.ndarray:
    """Speak ``text`` with espeak-ng: float32 mono at ``sr``, trimmed to start at the onset.

    Runs ``espeak-ng -v VOICE -s WPM --stdout TEXT``, resamples by linear interpolation (no
    anti-alias filter: fine for upsampling and mild downsampling of speech) and trims leading
    and trailing silence (5 ms frames more than 40 dB below the loudest). Empty text gives an
    empty array. Raises ``RuntimeError`` when espeak-ng is missing or fails.
    """
    sr = _check_sr(sr)
    if not text.strip():
        return np.zeros(0, dtype=np.float32)
    data, rate, channels = _espeak(text, voice, int(wpm))
    y = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    if channels > 1:
        y = y.reshape(-1, channels).mean(axis=1)
    if rate != sr and len(y) > 0:
        n_out = round(len(y) * sr / rate)
        y = np.interp(np.arange(n_out) * (rate / sr), np.arange(len(y)), y)
    return _trim_silence(y, sr).astype(np.float32)


# ------------------------------------------------------------------------------------------ song


def render_song(
    *,
    bpm: float = 120.0,
    meter: int = 4,
    bars: int = 8,
    progression: Sequence[str] = ("C", "G", "Am", "F"),
    chords_per_bar: int = 1,
    melody: Sequence[tuple[int | None, float]] | None = None,
    lyrics: str | None = None,
    sr: int = 22050,
    key: str = "C major",
    seed: int = 0,
    levels: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, SongTruth, dict[str, np.ndarray]]:
    """Render a song and the truth of where everything in it was placed.

    * Beats start after :data:`LEAD_IN_S` of silence and run for ``bars * meter`` beats; every
      ``meter``-th beat is a downbeat. Drums come from :func:`click_track`.
    * Chords cycle through ``progression``, ``chords_per_bar`` per bar (which must divide
      ``meter``, so changes fall on beats); the spans tile the bars exactly.
    * ``melody`` is a list of ``(midi, beats_long)`` laid end to end from the first beat;
      ``midi`` ``None`` is a rest. Notes are cropped at the end of the last bar.
    * ``lyrics`` are split on whitespace and each word is spoken with :func:`speak` on
      successive beats from the first beat of bar 2, skipping as many beats as a word needs so
      that words never overlap. ``ValueError`` if they do not all start within the bars.
    * ``key`` is only recorded in the truth: make it match the progression.

    Returns ``(mix, truth, stems)``. ``stems`` holds ``"drums"``, ``"chords"``, ``"melody"``
    and ``"vocals"`` exactly as they sit in the mix (scaled by ``levels`` and by the peak
    normalisation), so ``mix == sum(stems.values())``; the mix peaks at 0.9. All float32 mono.
    """
    sr = _check_sr(sr)
    if bpm <= 0 or meter < 1 or bars < 1:
        raise ValueError("render_song needs bpm > 0, meter >= 1 and bars >= 1")
    if chords_per_bar < 1 or meter % chords_per_bar != 0:
        raise ValueError(f"chords_per_bar must divide meter ({meter}), got {chords_per_bar}")
    if not progression:
        raise ValueError("progression must name at least one chord")
    for symbol in progression:
        chord_pitches(symbol)  # fail early on an unknown symbol
    gains = dict(DEFAULT_LEVELS)
    if levels is not None:
        unknown = set(levels) - set(DEFAULT_LEVELS)
        if unknown:
            raise ValueError(f"unknown stems in levels: {sorted(unknown)}; known: {sorted(gains)}")
        gains.update({name: float(gain) for name, gain in levels.items()})

    period = 60.0 / bpm
    n_beats = bars * meter
    song_end = LEAD_IN_S + n_beats * period  # end of the last bar

    # Chords: tile the bars.
    span_beats = meter // chords_per_bar
    chords = tuple(
        ChordTruth(
            progression[i % len(progression)],
            LEAD_IN_S + i * span_beats * period,
            LEAD_IN_S + (i + 1) * span_beats * period,
        )
        for i in range(bars * chords_per_bar)
    )

    # Melody: laid end to end from the first beat.
    notes: list[NoteTruth] = []
    cursor = 0.0
    for pitch, length in melody or ():
        if length <= 0:
            raise ValueError(f"melody note lengths must be positive beats, got {length!r}")
        start = LEAD_IN_S + cursor * period
        cursor += length
        if start >= song_end:
            break
        if pitch is not None:
            notes.append(NoteTruth(pitch, start, min(LEAD_IN_S + cursor * period, song_end)))

    # Words: one per beat from bar 2, never overlapping.
    words: list[WordTruth] = []
    word_audio: list[np.ndarray] = []
    beat = meter
    for text in (lyrics or "").split():
        audio = speak(text, sr=sr)
        if beat >= n_beats:
            raise ValueError(
                f"lyrics do not fit: word {len(words) + 1} ({text!r}) would start after the "
                f"last beat; use more bars, a slower tempo or fewer words"
            )
        start = LEAD_IN_S + beat * period
        words.append(WordTruth(text, start, start + len(audio) / sr))
        word_audio.append(audio)
        beat += max(1, math.ceil(len(audio) / sr / period - 1e-9))

    duration = song_end + TAIL_S
    if words:
        duration = max(duration, words[-1].end + 0.1)
    n = math.ceil(duration * sr)
    duration = n / sr

    drums, beats, downbeats = click_track(
        bpm=bpm, n_beats=n_beats, meter=meter, sr=sr, start=LEAD_IN_S, seed=seed
    )
    vocals = np.zeros(n, dtype=np.float64)
    for word, audio in zip(words, word_audio, strict=True):
        _add(vocals, audio.astype(np.float64), round(word.start * sr))

    raw = {
        "drums": np.pad(drums[:n], (0, max(0, n - len(drums)))).astype(np.float64),
        "chords": render_chords(chords, sr=sr, duration=duration).astype(np.float64),
        "melody": render_melody(notes, sr=sr, duration=duration).astype(np.float64),
        "vocals": vocals,
    }
    stems: dict[str, np.ndarray] = {}
    for name, y in raw.items():
        y = y[:n]
        peak = float(np.max(np.abs(y))) if len(y) else 0.0
        stems[name] = y * (gains[name] / peak) if peak > 0 else y
    mix = sum(stems.values(), np.zeros(n, dtype=np.float64))
    peak = float(np.max(np.abs(mix)))
    scale = 0.9 / peak if peak > 0 else 1.0
    stems = {name: (y * scale).astype(np.float32) for name, y in stems.items()}
    mix = (mix * scale).astype(np.float32)

    truth = SongTruth(
        sr=sr,
        duration=duration,
        tempo_bpm=float(bpm),
        meter=meter,
        beats=beats,
        downbeats=downbeats,
        key=key,
        chords=chords,
        melody=tuple(notes),
        words=tuple(words),
    )
    return mix, truth, stems


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
