"""Synthesise songs with known truth: drums on an exact beat grid, chords, a sung-like melody.

Every renderer places sound at sample-exact times and :func:`render_song` returns a
:class:`SongTruth` built from those same placement times, so an analysis stage can be scored
against what was really put there rather than against a hand annotation.

Songs can be detuned from A440 (``tuning_cents``), swung (off-beat hi-hats delayed), played on a
pad, piano, organ or guitar (``timbre``), in 2/4, 3/4, 4/4 or 6/8 (``meter=6`` counts eighths),
and built from a ``form`` of sections (intro, verse, chorus …) that may change key; the truth
then carries the sections, their repeat labels and the key segments.

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
    "TIMBRES",
    "ChordTruth",
    "KeyTruth",
    "NoteTruth",
    "SectionTruth",
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
#: Instruments that can play the chords (see :func:`render_chords`).
TIMBRES = ("pad", "piano", "organ", "guitar")


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
class SectionTruth:
    """One section of a song's form, ``start`` inclusive and ``end`` exclusive, in seconds.

    ``kind`` is what was asked for (``"verse"``, ``"chorus"`` …); ``label`` is a letter shared
    by every section of the same kind (the first kind heard is ``"A"``), as structure
    annotations label repeats; ``name`` is what a chart prints (``"Verse 2"``, ``"Bridge"``).
    """

    kind: str
    label: str
    start: float
    end: float
    name: str = ""


@dataclass(frozen=True)
class KeyTruth:
    """A stretch of the song in one key (``"F major"``, ``"D minor"``), in seconds."""

    key: str
    start: float
    end: float


@dataclass(frozen=True)
class SongTruth:
    """Everything :func:`render_song` placed, in seconds from the start of the audio.

    ``beats`` are the counted pulse: quarter notes in 2/4, 3/4 and 4/4, but **eighth notes in
    6/8** (``meter == 6``, ``beat_unit == 8``), so ``tempo_bpm`` is then the eighth-note rate
    (a 6/8 at ``tempo_bpm = 180`` has a dotted-quarter pulse of 60 per minute). Pitched sounds
    (chords, melody) sit ``tuning_cents`` off A440 while ``chords`` and ``melody`` keep their
    nominal names and MIDI numbers. ``key`` is the home key; ``key_segments`` tile the bars
    and say where each key sounds (one segment unless the form modulates). ``sections`` tile
    the bars in form order (empty when the song was rendered without a form).
    """

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
    beat_unit: int = 4
    tuning_cents: float = 0.0
    swing: float = 0.0
    timbre: str = "pad"
    sections: tuple[SectionTruth, ...] = ()
    key_segments: tuple[KeyTruth, ...] = ()

    @property
    def time_signature(self) -> tuple[int, int]:
        """``(meter, beat_unit)``: ``(4, 4)``, ``(3, 4)``, ``(6, 8)`` …"""
        return (self.meter, self.beat_unit)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists, spans become objects)."""
        d = asdict(self)
        for name in ("beats", "downbeats"):
            d[name] = list(d[name])
        for name in ("chords", "melody", "words", "sections", "key_segments"):
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
    return _drum_grid(bpm=bpm, n_beats=n_beats, meter=meter, sr=sr, start=start, seed=seed)


def _drum_grid(
    *,
    bpm: float,
    n_beats: int,
    meter: int,
    sr: int,
    start: float,
    seed: int,
    compound: bool = False,
    gains: Sequence[float] | None = None,
    offbeats: Sequence[bool] | None = None,
    swing: float = 0.0,
) -> tuple[np.ndarray, tuple[float, ...], tuple[float, ...]]:
    """:func:`click_track`, plus what a song's sections and feel need.

    ``compound`` plays 6/8 over eighth-note beats: kick on 1, snare on 4, hi-hat on every
    eighth. ``gains[i]`` scales everything struck on beat ``i`` (sections differ in loudness);
    ``offbeats[i]`` adds a softer hi-hat after beat ``i``, half a beat later plus ``swing``
    times half a beat (``swing = 1/3`` puts it on the last triplet: a shuffle). Noise is drawn
    beat by beat in a fixed order, so without off-beats the audio equals :func:`click_track`'s.
    """
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    beats = tuple(start + i * period for i in range(n_beats))
    downbeats = beats[::meter]
    out = np.zeros(math.ceil((start + n_beats * period + TAIL_S) * sr), dtype=np.float64)
    for i, t in enumerate(beats):
        at = round(t * sr)
        gain = 1.0 if gains is None else float(gains[i])
        position = i % meter
        if position == 0:
            _add(out, gain * _kick(sr, rng), at)
        elif compound:
            if position == meter // 2:
                _add(out, gain * _snare(sr, rng), at)
        elif meter % 2 == 0 and meter >= 4 and position == meter // 2:
            _add(out, gain * 0.8 * _kick(sr, rng), at)
        else:
            _add(out, gain * _snare(sr, rng), at)
        _add(out, gain * _hat(sr, rng), at)
        if offbeats is not None and offbeats[i]:
            off = t + period * 0.5 * (1.0 + swing)
            _add(out, gain * 0.7 * _hat(sr, rng), round(off * sr))
    return out.astype(np.float32), beats, downbeats


# ------------------------------------------------------------------------------ pads and melody


#: Struck instruments: partial amplitudes, decay of the fundamental (s), how much faster each
#: higher partial decays, inharmonicity (partial k sits at k·f0·sqrt(1 + B·k²)), and the delay
#: between successive chord tones (a strum, low string first).
_STRUCK: dict[str, dict[str, Any]] = {
    "piano": {
        "amps": (1.0, 0.6, 0.4, 0.25, 0.2, 0.12, 0.08, 0.05),
        "tau": 1.1,
        "slope": 0.6,
        "inharmonicity": 1e-4,
        "stagger": 0.0,
    },
    "guitar": {
        "amps": tuple(1.0 / k for k in range(1, 11)),  # a sawtooth's, then damped: a pluck
        "tau": 0.8,
        "slope": 0.9,
        "inharmonicity": 2e-5,
        "stagger": 0.012,
    },
}
#: Sustained instruments: harmonic amplitudes (the pad's are the original four).
_SUSTAINED: dict[str, tuple[float, ...]] = {
    "pad": (1.0, 0.5, 0.25, 0.125),
    "organ": (1.0, 0.8, 0.6, 0.5, 0.35, 0.3, 0.2, 0.15),
}


def render_chords(
    chords: Sequence[ChordTruth],
    *,
    sr: int,
    duration: float,
    timbre: str = "pad",
    tuning_cents: float = 0.0,
    octave_up: bool = False,
    restrike: float | None = None,
) -> np.ndarray:
    """Each chord's :func:`chord_pitches` sounding over its span, on one of :data:`TIMBRES`.

    * ``"pad"``: four harmonics at amplitudes 1, 1/2, 1/4, 1/8, sustained; a 10 ms attack and
      a 30 ms release that ends exactly at the span's end keep chord boundaries clear.
    * ``"organ"``: eight sustained harmonics, odd and even, all strong: a bright steady tone.
    * ``"piano"``: struck, slightly inharmonic partials, each decaying, the higher ones faster.
    * ``"guitar"``: a strum (12 ms between strings, low first) of plucked sawtooth-like tones
      whose upper partials die quickly.

    Struck timbres sound again every ``restrike`` seconds within a span (comping), the previous
    strike damped over 0.25 s. ``tuning_cents`` moves every frequency by that many cents;
    ``octave_up`` doubles the chord tones (not the bass) an octave higher, louder and brighter.
    Returns float32 audio ``duration`` seconds long; spans past the end are cropped.
    """
    sr = _check_sr(sr)
    if timbre not in TIMBRES:
        raise ValueError(f"unknown timbre {timbre!r}; known: {', '.join(TIMBRES)}")
    out = np.zeros(round(duration * sr), dtype=np.float64)
    _render_chords_into(
        out,
        chords,
        sr=sr,
        timbre=timbre,
        ratio=2.0 ** (tuning_cents / 1200.0),
        octave_up=octave_up,
        restrike=restrike,
    )
    return out.astype(np.float32)


def _render_chords_into(
    out: np.ndarray,
    chords: Sequence[ChordTruth],
    *,
    sr: int,
    timbre: str,
    ratio: float,
    octave_up: bool,
    restrike: float | None,
) -> None:
    cache: dict[tuple[tuple[int, ...], int], np.ndarray] = {}
    for chord in chords:
        base = chord_pitches(chord.symbol)
        pitches = base + [p + 12 for p in base[1:]] if octave_up else base
        i0 = round(chord.start * sr)
        i1 = min(round(chord.end * sr), len(out))
        if i1 <= i0:
            continue
        if timbre in _SUSTAINED:
            key = (tuple(pitches), i1 - i0)
            if key not in cache:  # progressions repeat: render each chord once per length
                cache[key] = _sustained(pitches, i1 - i0, sr, _SUSTAINED[timbre], ratio)
            out[i0:i1] += cache[key] * _envelope(i1 - i0, sr, 0.01, 0.03) / len(base)
            continue
        strikes = [i0]
        if restrike is not None and restrike > 0:
            step = restrike * sr
            strikes += [round(i0 + j * step) for j in range(1, math.ceil((i1 - i0) / step))]
            strikes = [s for s in strikes if s < i1 - round(0.05 * sr)] or [i0]
        damp = round(0.25 * sr)
        for j, s0 in enumerate(strikes):
            s1 = i1 if j + 1 == len(strikes) else min(strikes[j + 1] + damp, i1)
            key = (tuple(pitches), s1 - s0)
            if key not in cache:
                cache[key] = _struck(pitches, s1 - s0, sr, _STRUCK[timbre], ratio)
            release = 0.03 if s1 == i1 else 0.25
            out[s0:s1] += cache[key] * _envelope(s1 - s0, sr, 0.0, release) / len(base)


def _sustained(
    pitches: Sequence[int], n: int, sr: int, amps: Sequence[float], ratio: float
) -> np.ndarray:
    t = np.arange(n) / sr
    sound = np.zeros(n, dtype=np.float64)
    for pitch in pitches:
        f0 = _midi_to_hz(pitch) * ratio
        for k, amp in enumerate(amps, start=1):
            if k * f0 >= sr / 2:
                break
            phase = 2.0 * np.pi * ((pitch * 0.618 * k) % 1.0)  # fixed, spread-out phases
            sound += amp * np.sin(2.0 * np.pi * k * f0 * t + phase)
    return sound


def _struck(
    pitches: Sequence[int], n: int, sr: int, spec: Mapping[str, Any], ratio: float
) -> np.ndarray:
    t = np.arange(n) / sr
    sound = np.zeros(n, dtype=np.float64)
    attack = np.minimum(1.0, t / 0.002)  # 2 ms: a hammer or a pick, not a click
    decays = [
        np.exp(-t / (spec["tau"] / (1.0 + spec["slope"] * (k - 1))))
        for k in range(1, len(spec["amps"]) + 1)
    ]
    for index, pitch in enumerate(pitches):
        f0 = _midi_to_hz(pitch) * ratio
        lag = round(index * spec["stagger"] * sr)
        if lag >= n:
            break
        tone = np.zeros(n - lag, dtype=np.float64)
        for k, amp in enumerate(spec["amps"], start=1):
            fk = k * f0 * math.sqrt(1.0 + spec["inharmonicity"] * k * k)
            if fk >= sr / 2:
                break
            tone += amp * decays[k - 1][: n - lag] * np.sin(2.0 * np.pi * fk * t[: n - lag])
        sound[lag:] += tone * attack[: n - lag]
    return sound


def render_melody(
    notes: Sequence[NoteTruth], *, sr: int, duration: float, tuning_cents: float = 0.0
) -> np.ndarray:
    """A voice-like tone for each note at exactly its MIDI pitch (plus ``tuning_cents``).

    Fundamental plus harmonics at amplitude 1/k (up to eight, below Nyquist), a 5 Hz vibrato of
    ±20 cents centred on the pitch, a 20 ms attack and a 50 ms release that ends at the note's
    end. Returns float32 audio ``duration`` seconds long.
    """
    sr = _check_sr(sr)
    ratio = 2.0 ** (tuning_cents / 1200.0)
    out = np.zeros(round(duration * sr), dtype=np.float64)
    for note in notes:
        i0 = round(note.start * sr)
        i1 = min(round(note.end * sr), len(out))
        if i1 <= i0:
            continue
        t = np.arange(i1 - i0) / sr
        f0 = _midi_to_hz(note.pitch_midi) * ratio
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


#: How each kind of section is played: drum loudness, and whether the chords are doubled an
#: octave up with off-beat hi-hats (the lift a chorus gets). Unknown kinds play like a verse.
_SECTION_STYLE: dict[str, tuple[float, bool]] = {
    "intro": (0.55, False),
    "verse": (0.75, False),
    "prechorus": (0.85, False),
    "chorus": (1.0, True),
    "bridge": (0.65, False),
    "solo": (0.9, True),
    "outro": (0.55, False),
}
_KEY_RE = re.compile(r"^[A-G][#b]? (major|minor)$")

#: One section of a form: ``(kind, progression, bars)`` or ``(kind, progression, bars, key)``.
FormEntry = tuple[str, Sequence[str], int] | tuple[str, Sequence[str], int, str]


@dataclass(frozen=True)
class _Section:
    kind: str
    progression: tuple[str, ...]
    bars: int
    key: str


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ValueError(f"key must look like 'F major' or 'C# minor', got {key!r}")
    return key


def _parse_form(form: Sequence[FormEntry], key: str) -> list[_Section]:
    sections = []
    for entry in form:
        if not isinstance(entry, tuple | list) or len(entry) not in (3, 4):
            raise ValueError(
                f"form entries are (kind, progression, bars) or (kind, progression, bars, key), "
                f"got {entry!r}"
            )
        kind, progression, bars = entry[0], entry[1], entry[2]
        section_key = _check_key(entry[3]) if len(entry) == 4 else key
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"a section kind must be a non-empty string, got {kind!r}")
        if isinstance(progression, str) or not progression:
            raise ValueError(f"section {kind!r} needs a sequence of chord symbols")
        if int(bars) != bars or bars < 1:
            raise ValueError(f"section {kind!r} needs a positive whole number of bars")
        for symbol in progression:
            chord_pitches(symbol)  # fail early on an unknown symbol
        sections.append(_Section(kind.lower(), tuple(progression), int(bars), section_key))
    if not sections:
        raise ValueError("form must name at least one section")
    return sections


def _section_truth(
    sections: Sequence[_Section], *, bar_s: float
) -> tuple[tuple[SectionTruth, ...], tuple[KeyTruth, ...]]:
    """Sections labelled by kind (first kind heard is "A"), and the keys merged across them."""
    labels: dict[str, str] = {}
    totals = {kind: sum(s.kind == kind for s in sections) for kind in {s.kind for s in sections}}
    seen: dict[str, int] = {}
    spans: list[SectionTruth] = []
    keys: list[KeyTruth] = []
    bar = 0
    for section in sections:
        label = labels.setdefault(section.kind, _label(len(labels)))
        seen[section.kind] = seen.get(section.kind, 0) + 1
        title = section.kind.capitalize()
        name = title if totals[section.kind] == 1 else f"{title} {seen[section.kind]}"
        start, end = LEAD_IN_S + bar * bar_s, LEAD_IN_S + (bar + section.bars) * bar_s
        spans.append(SectionTruth(section.kind, label, start, end, name))
        if keys and keys[-1].key == section.key:
            keys[-1] = KeyTruth(section.key, keys[-1].start, end)
        else:
            keys.append(KeyTruth(section.key, start, end))
        bar += section.bars
    return tuple(spans), tuple(keys)


def _label(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA" …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def render_song(
    *,
    bpm: float = 120.0,
    meter: int = 4,
    bars: int | None = None,
    progression: Sequence[str] | None = None,
    chords_per_bar: int = 1,
    melody: Sequence[tuple[int | None, float]] | None = None,
    lyrics: str | None = None,
    sr: int = 22050,
    key: str = "C major",
    seed: int = 0,
    levels: Mapping[str, float] | None = None,
    tuning_cents: float = 0.0,
    swing: float = 0.0,
    timbre: str = "pad",
    form: Sequence[FormEntry] | None = None,
    offbeat_hats: bool | None = None,
) -> tuple[np.ndarray, SongTruth, dict[str, np.ndarray]]:
    """Render a song and the truth of where everything in it was placed.

    * Beats start after :data:`LEAD_IN_S` of silence and run for ``bars * meter`` beats; every
      ``meter``-th beat is a downbeat. Drums come from :func:`click_track`. ``meter=6`` is 6/8:
      six eighth-note beats per bar at ``bpm`` eighths per minute, kick on 1, snare on 4.
    * Chords cycle through ``progression``, ``chords_per_bar`` per bar (which must divide
      ``meter``, so changes fall on beats); the spans tile the bars exactly. ``bars`` defaults
      to 8 and ``progression`` to C G Am F.
    * ``form`` replaces ``bars`` and ``progression``: sections ``(kind, progression, bars)``
      or ``(kind, progression, bars, key)`` played in order, each restarting its progression.
      The truth's ``sections`` label repeated kinds alike and ``key_segments`` follow the
      per-section keys (``key`` is the home key and the default). Choruses are louder and
      brighter: full-level drums with off-beat hi-hats, chords doubled an octave up; intros,
      bridges and outros play softer drums than verses.
    * ``melody`` is a list of ``(midi, beats_long)`` laid end to end from the first beat;
      ``midi`` ``None`` is a rest. Notes are cropped at the end of the last bar.
    * ``lyrics`` are split on whitespace and each word is spoken with :func:`speak` on
      successive beats from the first beat of bar 2, skipping as many beats as a word needs so
      that words never overlap. ``ValueError`` if they do not all start within the bars.
    * ``key`` is only recorded in the truth: make it match the progression.
    * ``tuning_cents`` (within ±50) detunes every pitched sound from A440; the truth keeps the
      nominal chord names and MIDI pitches and records the offset.
    * ``swing`` (0 to 0.5; 1/3 is a triplet shuffle) delays the off-beat hi-hats by that
      fraction of half a beat; beats stay where they are. Off-beat hats play everywhere when
      ``offbeat_hats`` is true, nowhere when false, and by default when ``swing`` is set and in
      choruses.
    * ``timbre`` picks the chord instrument among :data:`TIMBRES`; piano re-strikes every two
      beats (every bar in 3/4, every dotted quarter in 6/8), guitar strums every beat (every
      dotted quarter in 6/8).

    Returns ``(mix, truth, stems)``. ``stems`` holds ``"drums"``, ``"chords"``, ``"melody"``
    and ``"vocals"`` exactly as they sit in the mix (scaled by ``levels`` and by the peak
    normalisation), so ``mix == sum(stems.values())``; the mix peaks at 0.9. All float32 mono.
    """
    sr = _check_sr(sr)
    if form is not None and (bars is not None or progression is not None):
        raise ValueError("give either form or bars and progression, not both")
    bars = 8 if bars is None else bars
    progression = ("C", "G", "Am", "F") if progression is None else progression
    if bpm <= 0 or meter < 1 or bars < 1:
        raise ValueError("render_song needs bpm > 0, meter >= 1 and bars >= 1")
    if chords_per_bar < 1 or meter % chords_per_bar != 0:
        raise ValueError(f"chords_per_bar must divide meter ({meter}), got {chords_per_bar}")
    if not math.isfinite(tuning_cents) or abs(tuning_cents) > 50:
        raise ValueError(f"tuning_cents must lie within ±50, got {tuning_cents!r}")
    if not 0.0 <= swing < 0.5:
        raise ValueError(f"swing must lie in [0, 0.5), got {swing!r}")
    if timbre not in TIMBRES:
        raise ValueError(f"unknown timbre {timbre!r}; known: {', '.join(TIMBRES)}")
    if form is not None:
        sections = _parse_form(form, _check_key(key))
    else:
        if not progression:
            raise ValueError("progression must name at least one chord")
        for symbol in progression:
            chord_pitches(symbol)  # fail early on an unknown symbol
        sections = [_Section("", tuple(progression), bars, key)]
    gains = dict(DEFAULT_LEVELS)
    if levels is not None:
        unknown = set(levels) - set(DEFAULT_LEVELS)
        if unknown:
            raise ValueError(f"unknown stems in levels: {sorted(unknown)}; known: {sorted(gains)}")
        gains.update({name: float(gain) for name, gain in levels.items()})

    compound = meter == 6
    period = 60.0 / bpm
    bars = sum(section.bars for section in sections)
    n_beats = bars * meter
    song_end = LEAD_IN_S + n_beats * period  # end of the last bar

    # Chords: tile each section's bars, its progression restarting with the section.
    span_beats = meter // chords_per_bar
    section_chords: list[tuple[ChordTruth, ...]] = []
    first_bar = 0
    for section in sections:
        first = first_bar * chords_per_bar
        section_chords.append(
            tuple(
                ChordTruth(
                    section.progression[i % len(section.progression)],
                    LEAD_IN_S + (first + i) * span_beats * period,
                    LEAD_IN_S + (first + i + 1) * span_beats * period,
                )
                for i in range(section.bars * chords_per_bar)
            )
        )
        first_bar += section.bars
    chords = tuple(chord for spans in section_chords for chord in spans)

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

    # Drums: per-beat loudness and off-beat hats from each beat's section.
    styles = [_SECTION_STYLE.get(s.kind, _SECTION_STYLE["verse"]) for s in sections]
    beat_style = [
        style for s, style in zip(sections, styles, strict=True) for _ in range(s.bars * meter)
    ]
    drum_gains = [g for g, _ in beat_style] if form is not None else None
    if offbeat_hats is None:
        offbeats = [swing > 0 or (form is not None and lift) for _, lift in beat_style]
    else:
        offbeats = [bool(offbeat_hats)] * n_beats
    drums, beats, downbeats = _drum_grid(
        bpm=bpm,
        n_beats=n_beats,
        meter=meter,
        sr=sr,
        start=LEAD_IN_S,
        seed=seed,
        compound=compound,
        gains=drum_gains,
        offbeats=offbeats if any(offbeats) else None,
        swing=swing,
    )

    # Chords: each section on the chosen instrument, choruses an octave fuller.
    comping = {
        "piano": 3 if compound else (2 if meter % 2 == 0 else meter),
        "guitar": 3 if compound else 1,
    }
    restrike = comping[timbre] * period if timbre in comping else None
    chord_audio = np.zeros(n, dtype=np.float64)
    ratio = 2.0 ** (tuning_cents / 1200.0)
    for spans, (_, lift) in zip(section_chords, styles, strict=True):
        _render_chords_into(
            chord_audio,
            spans,
            sr=sr,
            timbre=timbre,
            ratio=ratio,
            octave_up=form is not None and lift,
            restrike=restrike,
        )

    vocals = np.zeros(n, dtype=np.float64)
    for word, audio in zip(words, word_audio, strict=True):
        _add(vocals, audio.astype(np.float64), round(word.start * sr))

    raw = {
        "drums": np.pad(drums[:n], (0, max(0, n - len(drums)))).astype(np.float64),
        "chords": chord_audio.astype(np.float32).astype(np.float64),
        "melody": render_melody(notes, sr=sr, duration=duration, tuning_cents=tuning_cents).astype(
            np.float64
        ),
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

    if form is not None:
        section_spans, key_spans = _section_truth(sections, bar_s=meter * period)
    else:
        section_spans, key_spans = (), (KeyTruth(key, LEAD_IN_S, song_end),)
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
        beat_unit=8 if compound else 4,
        tuning_cents=float(tuning_cents),
        swing=float(swing),
        timbre=timbre,
        sections=section_spans,
        key_segments=key_spans,
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
