"""Sound renderers for synthetic songs: drums, chord instruments, a voice-like melody, speech.

Every renderer places sound at sample-exact times, so :func:`performia.testing.synth.render_song`
can build its truth from the same placement times. :func:`click_track` plays a drum pattern on an
exact beat grid; :func:`render_chords` plays each chord's :func:`chord_pitches` on a pad, piano,
organ or guitar (:data:`TIMBRES`); :func:`render_melody` sings MIDI notes with a voice-like tone;
:func:`speak` says words with ``espeak-ng``.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import wave
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from performia.testing.truth import ChordTruth, NoteTruth

__all__ = [
    "GROOVES",
    "TIMBRES",
    "VOICINGS",
    "chord_pitches",
    "click_track",
    "render_chords",
    "render_melody",
    "reverb",
    "speak",
    "voice_chord",
]

#: Audio kept after the end of the last bar (drum and pad decay), in seconds.
TAIL_S = 0.5
#: Instruments that can play the chords (see :func:`render_chords`).
TIMBRES = ("pad", "piano", "organ", "guitar")
#: How the chord tones are laid out (see :func:`voice_chord`).
VOICINGS = ("close", "spread")
#: Drum patterns (see :func:`_drum_grid`); all but "backbeat" and "none" need 4/4.
GROOVES = ("backbeat", "four_on_floor", "half_time", "one_drop", "none")


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


def voice_chord(symbol: str, voicing: str = "close", inversion: int = 0) -> list[int]:
    """The MIDI pitches an instrument plays for ``symbol``: the bass note first.

    * ``"close"``: :func:`chord_pitches`, root position in octave 3 over the root an octave down.
    * ``"spread"``: the bass an octave below the root (octave 2); above it the chord tones in
      their ``inversion`` (modulo their number; the lowest tones move up an octave), lifted to
      start at G3 or higher, and every second tone from the bottom raised an octave: an open
      voicing over two octaves, the way a pianist or a string section spreads a chord. What sits
      just above the bass then changes from chord to chord, as in real accompaniment.
    """
    if voicing not in VOICINGS:
        raise ValueError(f"unknown voicing {voicing!r}; known: {', '.join(VOICINGS)}")
    pitches = chord_pitches(symbol)
    if voicing == "close":
        return pitches
    bass, tones = pitches[0], pitches[1:]
    k = inversion % len(tones)
    upper = tones[k:] + [t + 12 for t in tones[:k]]
    while upper[0] < 55:
        upper = [t + 12 for t in upper]
    opened = [t + 12 if i % 2 == 1 else t for i, t in enumerate(upper)]
    return [bass, *sorted(opened)]


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
    groove: str = "backbeat",
) -> tuple[np.ndarray, tuple[float, ...], tuple[float, ...]]:
    """:func:`click_track`, plus what a song's sections and feel need.

    ``compound`` plays 6/8 over eighth-note beats: kick on 1, snare on 4, hi-hat on every
    eighth. ``gains[i]`` scales everything struck on beat ``i`` (sections differ in loudness);
    ``offbeats[i]`` adds a softer hi-hat after beat ``i``, half a beat later plus ``swing``
    times half a beat (``swing = 1/3`` puts it on the last triplet: a shuffle). Noise is drawn
    beat by beat in a fixed order, so without off-beats the audio equals :func:`click_track`'s.

    ``groove`` (:data:`GROOVES`) picks the pattern; every one keeps a hi-hat on each beat, and
    the grid (the truth) is the same whatever it is:

    * ``"backbeat"``: the pattern above;
    * ``"four_on_floor"``: a kick on every beat, the snare with it on 2 and 4, off-beat hats
      (disco, house);
    * ``"half_time"``: a kick on 1, the snare only on 3 (a half-time rock feel, which a tracker
      can take for half the tempo);
    * ``"one_drop"``: nothing on 1 but the hat, kick and snare together on 3, off-beat hats
      (reggae: the accent sits in the middle of the bar, not on its downbeat);
    * ``"none"``: silence (a ballad with no drums).
    """
    if groove not in GROOVES:
        raise ValueError(f"unknown groove {groove!r}; known: {', '.join(GROOVES)}")
    if groove not in ("backbeat", "none") and (meter != 4 or compound):
        raise ValueError(f"groove {groove!r} needs 4/4, got meter {meter}")
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    beats = tuple(start + i * period for i in range(n_beats))
    downbeats = beats[::meter]
    out = np.zeros(math.ceil((start + n_beats * period + TAIL_S) * sr), dtype=np.float64)
    if groove == "none":
        return out.astype(np.float32), beats, downbeats
    if groove in ("four_on_floor", "one_drop"):
        offbeats = [True] * n_beats
    for i, t in enumerate(beats):
        at = round(t * sr)
        gain = 1.0 if gains is None else float(gains[i])
        position = i % meter
        if groove == "backbeat":
            if position == 0:
                _add(out, gain * _kick(sr, rng), at)
            elif compound:
                if position == meter // 2:
                    _add(out, gain * _snare(sr, rng), at)
            elif meter % 2 == 0 and meter >= 4 and position == meter // 2:
                _add(out, gain * 0.8 * _kick(sr, rng), at)
            else:
                _add(out, gain * _snare(sr, rng), at)
        elif groove == "four_on_floor":
            _add(out, gain * _kick(sr, rng), at)
            if position in (1, 3):
                _add(out, gain * 0.8 * _snare(sr, rng), at)
        elif groove == "half_time":
            if position == 0:
                _add(out, gain * _kick(sr, rng), at)
            elif position == 2:
                _add(out, gain * _snare(sr, rng), at)
        elif position == 2:  # one drop
            _add(out, gain * _kick(sr, rng), at)
            _add(out, gain * 0.7 * _snare(sr, rng), at)
        _add(out, gain * _hat(sr, rng), at)
        if offbeats is not None and offbeats[i]:
            off = t + period * 0.5 * (1.0 + swing)
            _add(out, gain * 0.7 * _hat(sr, rng), round(off * sr))
    return out.astype(np.float32), beats, downbeats


def reverb(y: np.ndarray, *, sr: int, rt60_s: float, seed: int = 0, wet: float = 0.5) -> np.ndarray:
    """``y`` in a room: plus its convolution with a synthetic impulse response.

    The response is Gaussian noise under an exponential decay that falls 60 dB in ``rt60_s``,
    after a 15 ms pre-delay, scaled to unit energy; ``wet`` scales it against the dry signal.
    Tails cross every note, chord and section boundary, as in a real room. Returns float64
    audio as long as ``y``.
    """
    from scipy.signal import fftconvolve

    if rt60_s <= 0:
        return np.asarray(y, dtype=np.float64).copy()
    rng = np.random.default_rng(seed)
    t = np.arange(round(1.2 * rt60_s * sr)) / sr
    response = rng.standard_normal(t.size) * 10.0 ** (-3.0 * t / rt60_s)
    response = np.concatenate((np.zeros(round(0.015 * sr)), response))
    response /= np.sqrt(np.sum(response**2))
    dry = np.asarray(y, dtype=np.float64)
    return dry + wet * fftconvolve(dry, response)[: dry.size]


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
    voicing: str = "close",
) -> np.ndarray:
    """Each chord's :func:`voice_chord` sounding over its span, on one of :data:`TIMBRES`.

    * ``"pad"``: four harmonics at amplitudes 1, 1/2, 1/4, 1/8, sustained; a 10 ms attack and
      a 30 ms release that ends exactly at the span's end keep chord boundaries clear.
    * ``"organ"``: eight sustained harmonics, odd and even, all strong: a bright steady tone.
    * ``"piano"``: struck, slightly inharmonic partials, each decaying, the higher ones faster.
    * ``"guitar"``: a strum (12 ms between strings, low first) of plucked sawtooth-like tones
      whose upper partials die quickly.

    Struck timbres sound again every ``restrike`` seconds within a span (comping), the previous
    strike damped over 0.25 s. ``tuning_cents`` moves every frequency by that many cents;
    ``octave_up`` doubles the chord tones (not the bass) an octave higher, louder and brighter.
    ``voicing`` (:data:`VOICINGS`) lays the tones out; with ``"spread"`` each chord takes the
    next inversion. Returns float32 audio ``duration`` seconds long; spans past the end are
    cropped.
    """
    sr = _check_sr(sr)
    if timbre not in TIMBRES:
        raise ValueError(f"unknown timbre {timbre!r}; known: {', '.join(TIMBRES)}")
    if voicing not in VOICINGS:
        raise ValueError(f"unknown voicing {voicing!r}; known: {', '.join(VOICINGS)}")
    out = np.zeros(round(duration * sr), dtype=np.float64)
    _render_chords_into(
        out,
        chords,
        sr=sr,
        timbre=timbre,
        ratio=2.0 ** (tuning_cents / 1200.0),
        octave_up=octave_up,
        restrike=restrike,
        voicing=voicing,
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
    voicing: str = "close",
    first_inversion: int = 0,
) -> None:
    cache: dict[tuple[tuple[int, ...], int], np.ndarray] = {}
    for index, chord in enumerate(chords):
        base = voice_chord(chord.symbol, voicing, first_inversion + index)
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
