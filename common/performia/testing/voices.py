"""Melodic voices with an exact pitch truth: sung voices, a tenor saxophone, a lead guitar.

A melody tracker is only tested by signals that behave like the real thing, so these are not
sine tones. Every renderer returns the audio *and* the instantaneous fundamental it was built
from, sample by sample (0 where the voice is silent or unvoiced), so a frame's truth is what was
synthesised, vibrato, slides and bends included.

Sung voices (:func:`sing`) are source-filter synthesis:

* **Source.** A harmonic glottal source with the singer's spectral slope (dB per octave) and
  first-harmonic level: modal about -6 dB/oct, breathy -12 dB/oct with a strong first harmonic,
  belted -3 dB/oct (Sundberg, *The Science of the Singing Voice*, 1987). Jitter
  (cycle-to-cycle period perturbation, 0.3-1 %) and shimmer (cycle-to-cycle amplitude, 0.2-0.6
  dB) are drawn per glottal cycle. Aspiration noise, pulsed with the glottal cycle, is added at
  the singer's breathiness.
* **Pitch.** Each note's pitch, plus an optional scoop from below at its onset, a portamento
  glide from the previous note when sung legato, a vibrato (delayed onset, its rate and extent
  drifting slowly around the singer's values, which vary note to note) and a slow pitch drift
  of a few cents.
* **Vocal tract.** Five formants per vowel (a cascade of resonators, Klatt 1980), scaled by the
  singer's vocal-tract length; the first formant rises above the fundamental on high notes
  (formant tuning) and is raised for belting; trained and belted singers get the singer's
  formant (F3-F5 clustered near 3 kHz). The vowel changes per syllable, cross-fading over 40 ms;
  nasal onsets (m, n) sound a murmur before the vowel.
* **Consonants.** Unvoiced onsets (s, sh, f, h, t, k, p) are noise bursts shaped like each
  consonant, placed before the vowel: the previous note's voicing stops for them.
* **Room.** :func:`reverb` convolves with a decaying-noise impulse response with early
  reflections and high frequencies dying faster.

The tenor saxophone (:func:`play_sax`) uses the same source with a bright slope, strong breath
noise and fixed body resonances instead of vowels, tongued attacks and a jazz scoop into long
notes. The lead guitar (:func:`play_guitar`) is a plucked string (pick-position comb, higher
partials decaying faster) with bends and finger vibrato, through a soft-clipping overdrive and a
speaker-cabinet filter, or clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import signal

from performia.testing.instruments import _check_sr

__all__ = [
    "CONSONANTS",
    "SINGERS",
    "VOWELS",
    "Part",
    "Singer",
    "SungNote",
    "midi_to_hz",
    "play_guitar",
    "play_sax",
    "reverb",
    "sing",
]

#: Formant frequencies and bandwidths (Hz) of an adult male singer's vowels (after Peterson &
#: Barney 1952 and Sundberg 1987); ``m`` and ``n`` are nasal murmurs and ``sax`` a tenor
#: saxophone's body resonances (broad, after Benade's bore measurements).
VOWELS: dict[str, tuple[tuple[float, float], ...]] = {
    "a": ((730, 90), (1090, 110), (2440, 160), (3400, 250), (4200, 300)),
    "e": ((530, 70), (1840, 110), (2480, 160), (3400, 250), (4200, 300)),
    "i": ((300, 60), (2250, 110), (2900, 170), (3500, 250), (4200, 300)),
    "o": ((570, 80), (840, 90), (2410, 160), (3400, 250), (4200, 300)),
    "u": ((320, 70), (800, 90), (2240, 160), (3400, 250), (4200, 300)),
    "m": ((250, 100), (1100, 300), (2300, 300), (3400, 300), (4200, 400)),
    "n": ((250, 100), (1700, 300), (2500, 300), (3400, 300), (4200, 400)),
    "sax": ((450, 250), (1250, 400), (2300, 500), (3300, 700), (4500, 900)),
}
_NASALS = ("m", "n")
#: Level of a nasal murmur relative to the vowel after it (dB).
_NASAL_DB = -10.0
#: Unvoiced onsets: duration (s), level re the voice (dB) and their noise's band (Hz). Plosives
#: (t, k, p) are a closure (silence), a burst and aspiration; ``h`` is aspiration alone.
CONSONANTS: dict[str, tuple[float, float, tuple[float, float]]] = {
    "s": (0.11, -10.0, (4500.0, 9500.0)),
    "sh": (0.11, -10.0, (2000.0, 6000.0)),
    "f": (0.09, -20.0, (1200.0, 9000.0)),
    "h": (0.07, -16.0, (500.0, 6000.0)),
    "t": (0.07, -8.0, (3000.0, 8000.0)),
    "k": (0.08, -8.0, (1500.0, 4000.0)),
    "p": (0.07, -10.0, (500.0, 3000.0)),
}
#: Vowel cross-fade (s).
_VOWEL_FADE_S = 0.04
#: A legato step sung without a requested glide still takes this long (s): a voice cannot jump.
_MIN_GLIDE_S = 0.03
#: Level (linear) of the high band (above 4 kHz) added back after the formant cascade: a cascade of
#: five resonators leaves 4-8 kHz 50-65 dB below the spectral peak, where sung voices measure
#: 30-40 dB below (Klatt's "higher-pole correction" does the same job).
_AIR_GAIN = 6.0
#: Harmonics stop at this fraction of the sample rate (0.45: a tenth below Nyquist), fading over
#: the last 5 %.
_BAND_EDGE = 0.45


def midi_to_hz(midi: np.ndarray | float) -> np.ndarray:
    """MIDI pitch (69 = A4 = 440 Hz, fractional allowed) to Hz."""
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0)


@dataclass(frozen=True)
class SungNote:
    """One note of a melodic part.

    Attributes
    ----------
    pitch : float
        MIDI pitch (fractional allowed).
    start, end : float
        Where the note's voiced sound starts and ends (seconds). An unvoiced onset consonant
        sounds *before* ``start`` and cuts the previous note short if they overlap.
    vowel : str
        A key of :data:`VOWELS` (instruments ignore it).
    onset : str
        The consonant before the vowel: ``""`` (none), a key of :data:`CONSONANTS`, or a nasal
        (``"m"``, ``"n"``). A note whose onset is not unvoiced and that starts where the previous
        one ends is sung legato: the voice goes on and glides to the new pitch. For instruments,
        ``"t"`` is a tongued or picked attack and ``""`` a slur.
    glide : float
        Legato portamento from the previous note's pitch (seconds).
    scoop : float
        Semitones below ``pitch`` the note starts at (a singer's scoop, a guitarist's bend),
        reached after ``scoop_s``.
    scoop_s : float
        How long the scoop or bend takes (seconds).
    gain_db : float
        The note's level relative to the part.
    """

    pitch: float
    start: float
    end: float
    vowel: str = "a"
    onset: str = ""
    glide: float = 0.0
    scoop: float = 0.0
    scoop_s: float = 0.1
    gain_db: float = 0.0


@dataclass(frozen=True)
class Singer:
    """How a voice (or a wind instrument using the voice model) sounds.

    Attributes
    ----------
    name : str
    formant_scale : float
        Formant frequencies relative to the adult male table (shorter vocal tract: higher).
    tilt_db : float
        Source slope (dB per octave of harmonic number).
    h1_db : float
        Extra level of the first harmonic (breathy voices: positive; pressed: negative).
    breath_db : float
        Aspiration noise relative to the harmonic source (dB).
    bandwidth_scale : float
        Formant bandwidths relative to the table (breathy phonation damps the resonances).
    jitter : float
        Standard deviation of the per-cycle frequency perturbation (fraction).
    shimmer_db : float
        Standard deviation of the per-cycle amplitude perturbation (dB).
    vibrato_hz, vibrato_cents : (float, float)
        Ranges the vibrato rate and extent (± cents) are drawn from, per note.
    vibrato_delay : float
        Seconds into a note before the vibrato starts (it then grows over 0.25 s).
    drift_cents : float
        Slow random pitch wander (standard deviation, cents).
    f1_raise : float
        First-formant factor (belting opens the jaw: about 1.2).
    ring : bool
        Singer's formant: F3-F5 clustered near 2.9 kHz (× ``formant_scale``).
    attack_s, release_s : float
        Onset and offset ramps of a sung phrase.
    """

    name: str
    formant_scale: float = 1.0
    tilt_db: float = -6.0
    h1_db: float = 0.0
    breath_db: float = -30.0
    bandwidth_scale: float = 1.0
    jitter: float = 0.004
    shimmer_db: float = 0.3
    vibrato_hz: tuple[float, float] = (5.0, 6.0)
    vibrato_cents: tuple[float, float] = (30.0, 60.0)
    vibrato_delay: float = 0.2
    drift_cents: float = 6.0
    f1_raise: float = 1.0
    ring: bool = False
    attack_s: float = 0.04
    release_s: float = 0.06


#: Singers the stress cases use: ranges male to soprano, phonation breathy to belted. Source
#: slopes and first-harmonic levels after Sundberg (1987); breathy voices also widen the formant
#: bandwidths and carry aspiration 8 dB under the harmonics (modal voices: 22-32 dB under).
SINGERS: dict[str, Singer] = {
    "baritone": Singer("baritone", tilt_db=-7.0, breath_db=-28.0, jitter=0.005, shimmer_db=0.35),
    "tenor_belt": Singer(
        "belting tenor",
        formant_scale=1.05,
        tilt_db=-3.0,
        breath_db=-32.0,
        bandwidth_scale=0.9,
        vibrato_hz=(5.5, 6.5),
        vibrato_cents=(25.0, 50.0),
        f1_raise=1.1,
        ring=True,
        attack_s=0.02,
    ),
    "alto_breathy": Singer(
        "breathy alto",
        formant_scale=1.12,
        tilt_db=-12.0,
        h1_db=6.0,
        breath_db=-8.0,
        bandwidth_scale=1.6,
        jitter=0.008,
        shimmer_db=0.6,
        vibrato_hz=(4.5, 5.5),
        vibrato_cents=(15.0, 35.0),
        vibrato_delay=0.3,
        attack_s=0.08,
        release_s=0.1,
    ),
    "soprano": Singer(
        "soprano",
        formant_scale=1.18,
        tilt_db=-8.0,
        h1_db=2.0,
        breath_db=-26.0,
        jitter=0.003,
        shimmer_db=0.25,
        vibrato_hz=(4.8, 6.5),
        vibrato_cents=(50.0, 110.0),
        vibrato_delay=0.15,
        ring=True,
        attack_s=0.05,
    ),
    "pop_female": Singer(
        "pop female",
        formant_scale=1.15,
        tilt_db=-7.0,
        h1_db=1.0,
        breath_db=-22.0,
        bandwidth_scale=1.1,
        jitter=0.005,
        shimmer_db=0.4,
        vibrato_cents=(20.0, 45.0),
    ),
    "pop_male": Singer(
        "pop male",
        formant_scale=1.03,
        breath_db=-24.0,
        jitter=0.005,
        shimmer_db=0.35,
        vibrato_cents=(20.0, 45.0),
    ),
}
#: The tenor saxophone: bright, breathy, narrow vibrato, tongued attacks.
_SAX = Singer(
    "tenor saxophone",
    tilt_db=-4.5,
    h1_db=-2.0,
    breath_db=-14.0,
    jitter=0.002,
    shimmer_db=0.2,
    vibrato_hz=(5.0, 6.0),
    vibrato_cents=(12.0, 25.0),
    vibrato_delay=0.25,
    drift_cents=4.0,
    attack_s=0.03,
    release_s=0.04,
)


@dataclass(frozen=True)
class Part:
    """A rendered melodic part.

    Attributes
    ----------
    audio : np.ndarray, shape (n,)
        Dry signal, float32 (no reverb; see :func:`reverb`).
    f0_hz : np.ndarray, shape (n,)
        The fundamental at each sample (Hz), 0 where the part is silent or unvoiced: the truth.
    """

    audio: np.ndarray
    f0_hz: np.ndarray

    def f0_at(self, times: np.ndarray, sr: int) -> np.ndarray:
        """The truth at ``times`` (seconds): the sample nearest each time, 0 past the end."""
        index = np.round(np.asarray(times) * sr).astype(int)
        out = np.zeros(len(index))
        inside = (index >= 0) & (index < len(self.f0_hz))
        out[inside] = self.f0_hz[index[inside]]
        return out


# ------------------------------------------------------------------------------------ helpers


def _smooth_noise(n: int, sr: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance noise varying at about ``rate_hz`` (random knots, cosine-interpolated)."""
    step = max(1, round(sr / rate_hz))
    knots = rng.standard_normal(n // step + 2)
    position = np.arange(n) / step
    i = position.astype(int)
    u = 0.5 - 0.5 * np.cos(np.pi * (position - i))
    return knots[i] * (1.0 - u) + knots[i + 1] * u


def _ramp(n: int, rise: int, fall: int) -> np.ndarray:
    """Raised-cosine rise over ``rise`` samples and fall over ``fall``, 1 between."""
    env = np.ones(n)
    rise, fall = min(rise, n // 2), min(fall, n // 2)
    if rise > 0:
        env[:rise] = 0.5 - 0.5 * np.cos(np.pi * np.arange(rise) / rise)
    if fall > 0:
        env[n - fall :] = 0.5 + 0.5 * np.cos(np.pi * (np.arange(fall) + 1) / fall)
    return env


def _resonators(formants: Sequence[tuple[float, float]], sr: int) -> np.ndarray:
    """Second-order sections of a cascade of unit-DC-gain resonators (Klatt's formant filter)."""
    rows = []
    for freq, bandwidth in formants:
        if freq >= 0.47 * sr:
            continue
        r = np.exp(-np.pi * bandwidth / sr)
        a1, a2 = -2.0 * r * np.cos(2.0 * np.pi * freq / sr), r * r
        rows.append([1.0 + a1 + a2, 0.0, 0.0, 1.0, a1, a2])
    return np.array(rows)


def _formants(vowel: str, singer: Singer, f0: float) -> tuple[tuple[float, float], ...]:
    """The vowel's formants for ``singer`` singing at ``f0`` Hz.

    Scaled by the vocal-tract length; F1 raised for belting and kept above the fundamental
    (singers tune F1 to f0 on high notes, else the fundamental would fall between formants);
    F3-F5 clustered for the singer's formant.
    """
    table = VOWELS[vowel]
    scale = 1.0 if vowel == "sax" else singer.formant_scale
    out = []
    for i, (freq, bandwidth) in enumerate(table):
        freq *= scale
        if i == 0 and vowel not in _NASALS and vowel != "sax":
            freq = max(freq * singer.f1_raise, 1.1 * f0)
        if singer.ring and i >= 2 and vowel not in _NASALS:
            freq = max(freq, scale * (2650.0, 2900.0, 3200.0)[i - 2])
            bandwidth *= 1.5
        out.append((freq, bandwidth * singer.bandwidth_scale))
    return tuple(out)


def _band_noise(n: int, sr: int, band: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """White noise band-passed to ``band`` (Hz, clipped below Nyquist), unit RMS."""
    lo, hi = band[0], min(band[1], 0.45 * sr)
    sos = signal.butter(2, [lo, hi], btype="bandpass", fs=sr, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n + 256))[256:]
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def _consonant(kind: str, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One unvoiced consonant at unit level (the caller sets it relative to the voice)."""
    duration, level_db, band = CONSONANTS[kind]
    n = round(duration * sr)
    gain = 10.0 ** (level_db / 20.0)
    if kind in ("t", "k", "p"):
        out = np.zeros(n)
        closure = round(0.45 * n)
        burst = round({"t": 0.008, "k": 0.012, "p": 0.006}[kind] * sr)
        tail = n - closure - burst
        out[closure : closure + burst] = _band_noise(burst, sr, band, rng) * _ramp(burst, 1, burst)
        aspiration = _band_noise(tail, sr, (800.0, 6000.0), rng) * _ramp(tail, 0, tail) * 0.3
        out[closure + burst :] = aspiration
        return gain * out
    return gain * _band_noise(n, sr, band, rng) * _ramp(n, round(0.3 * n), round(0.3 * n))


# ------------------------------------------------------------------------------ pitch contour


@dataclass(frozen=True)
class _Span:
    """A note's voiced stretch in samples and whether it continues the previous note legato."""

    note: SungNote
    a: int
    b: int
    legato: bool


def _spans(notes: Sequence[SungNote], sr: int, n: int) -> list[_Span]:
    """Voiced sample spans: each note cut short where the next note's consonant needs the time."""
    ordered = sorted(notes, key=lambda note: note.start)
    spans: list[_Span] = []
    for i, note in enumerate(ordered):
        a = round(note.start * sr)
        b = min(round(note.end * sr), n)
        if i + 1 < len(ordered):
            following = ordered[i + 1]
            if following.onset in CONSONANTS:
                cut = round((following.start - CONSONANTS[following.onset][0]) * sr)
                b = min(b, cut)
            elif b >= round(following.start * sr) - round(0.001 * sr):
                b = round(following.start * sr)  # legato: the voice goes on
        if b - a < round(0.03 * sr):
            continue
        legato = bool(spans) and spans[-1].b == a and note.onset not in CONSONANTS
        spans.append(_Span(note, a, b, legato))
    return spans


def _pitch_curve(
    spans: Sequence[_Span], singer: Singer, sr: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """MIDI pitch per sample over the voiced spans (NaN elsewhere)."""
    midi = np.full(n, np.nan)
    previous = None
    for span in spans:
        note, length = span.note, span.b - span.a
        t = np.arange(length) / sr
        curve = np.full(length, float(note.pitch))
        if note.scoop > 0:
            curve -= note.scoop * np.exp(-t / max(note.scoop_s / 3.0, 1e-3))
        if span.legato and previous is not None:
            glide = max(note.glide, _MIN_GLIDE_S)
            u = np.clip(t / glide, 0.0, 1.0)
            curve += (previous - note.pitch) * (0.5 + 0.5 * np.cos(np.pi * u))
        if length > round(0.3 * sr):
            rate = rng.uniform(*singer.vibrato_hz) * (
                1.0 + 0.06 * _smooth_noise(length, sr, 2, rng)
            )
            depth = rng.uniform(*singer.vibrato_cents) / 100.0
            extent = depth * (1.0 + 0.2 * _smooth_noise(length, sr, 1.5, rng))
            grow = np.clip((t - singer.vibrato_delay) / 0.25, 0.0, 1.0)
            phase = 2.0 * np.pi * np.cumsum(rate) / sr
            curve += grow * extent * np.sin(phase)
        midi[span.a : span.b] = curve
        previous = float(note.pitch)
    midi += singer.drift_cents / 100.0 * _smooth_noise(n, sr, 1.5, rng)
    return midi


def _chains(spans: Sequence[_Span]) -> list[list[_Span]]:
    """Spans grouped into legato chains (one continuous sound each)."""
    chains: list[list[_Span]] = []
    for span in spans:
        if span.legato and chains:
            chains[-1].append(span)
        else:
            chains.append([span])
    return chains


def _envelope(chain: Sequence[_Span], sr: int, attack: float, release: float) -> np.ndarray:
    """A chain's amplitude: attack, release, and each note's gain cross-faded over 30 ms."""
    a, b = chain[0].a, chain[-1].b
    gains = np.zeros(b - a)
    for span in chain:
        gains[span.a - a : span.b - a] = 10.0 ** (span.note.gain_db / 20.0)
    width = max(1, round(0.03 * sr))
    padded = np.pad(gains, (width, width), mode="edge")
    smooth = np.convolve(padded, np.hanning(width) / np.hanning(width).sum(), mode="same")
    return smooth[width:-width] * _ramp(b - a, round(attack * sr), round(release * sr))


# ---------------------------------------------------------------------------------- the voice


def _glottal_source(
    f0: np.ndarray, singer: Singer, sr: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic source and pulsed aspiration for one chain at ``f0`` (Hz per sample)."""
    cycles = np.cumsum(f0) / sr
    cycle = cycles.astype(int)
    n_cycles = int(cycle[-1]) + 1
    jitter = 1.0 + singer.jitter * rng.standard_normal(n_cycles)
    shimmer = 10.0 ** (singer.shimmer_db * rng.standard_normal(n_cycles) / 20.0)
    phase = 2.0 * np.pi * np.cumsum(f0 * jitter[cycle]) / sr
    z = np.exp(1j * phase)
    power = z.copy()
    out = np.zeros(len(f0))
    top = int(_BAND_EDGE * sr / max(float(f0.min()), 20.0)) + 1
    for k in range(1, top + 1):
        amp = k ** (singer.tilt_db / 6.02) * (10.0 ** (singer.h1_db / 20.0) if k == 1 else 1.0)
        fade = np.clip((_BAND_EDGE * sr - k * f0) / (0.05 * sr), 0.0, 1.0)
        out += amp * fade * power.imag
        power *= z
    out *= shimmer[cycle]
    rms = np.sqrt(np.mean(out**2)) + 1e-12
    noise = signal.lfilter([1.0, -1.0], [1.0, -0.7], rng.standard_normal(len(f0)))
    pulse = 0.3 + 0.7 * (0.5 + 0.5 * np.cos(phase))
    noise *= pulse * rms * 10.0 ** (singer.breath_db / 20.0) / (np.sqrt(np.mean(noise**2)) + 1e-12)
    return out, noise


def _tract_key(note: SungNote, vowel: str) -> tuple[str, int]:
    """Filter key: the vowel and the note's pitch rounded to 25 Hz (formant tuning)."""
    return vowel, round(float(midi_to_hz(note.pitch)) / 25.0)


def _vocal_tract(
    excitation: np.ndarray, spans: Sequence[_Span], singer: Singer, sr: int, vowels: bool
) -> np.ndarray:
    """``excitation`` through each note's formants, cross-faded between notes.

    Filtering the whole excitation through each distinct filter and cross-fading the outputs is a
    linear blend of the transfer functions: during the 40 ms fade the formants move between the
    two vowels' positions by blending rather than gliding, which a pitch tracker cannot tell
    apart, and each filter stays time-invariant and cheap.
    """
    n = len(excitation)
    regions: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for i, span in enumerate(spans):
        end = spans[i + 1].a if i + 1 < len(spans) and spans[i + 1].legato else span.b
        parts = [(span.a, end, span.note.vowel if vowels else "sax")]
        if vowels and span.note.onset in _NASALS:
            murmur = min(span.a + round(0.07 * sr), end)
            parts = [(span.a, murmur, span.note.onset), (murmur, end, span.note.vowel)]
        for a, b, vowel in parts:
            regions.setdefault(_tract_key(span.note, vowel), []).append((a, b))
    fade = max(1, round(_VOWEL_FADE_S * sr))
    kernel = np.hanning(fade) / np.hanning(fade).sum()
    out = np.zeros(n)
    for (vowel, bucket), spots in regions.items():
        # Each filter runs from 50 ms (its resonances' ring-up) before its first region to the
        # end of its fade after the last one.
        lo = max(0, min(a for a, _ in spots) - fade - round(0.05 * sr))
        hi = min(n, max(b for _, b in spots) + fade)
        weight = np.zeros(hi - lo)
        for a, b in spots:
            weight[a - lo : b - lo] = 1.0
        smooth = np.convolve(weight, kernel, mode="same")
        sos = _resonators(_formants(vowel, singer, bucket * 25.0), sr)
        level = 10.0 ** (_NASAL_DB / 20.0) if vowel in _NASALS else 1.0
        out[lo:hi] += level * smooth * signal.sosfilt(sos, excitation[lo:hi])
    return out


def _render_voice(
    notes: Sequence[SungNote],
    singer: Singer,
    *,
    sr: int,
    duration: float,
    seed: int,
    vowels: bool,
) -> Part:
    sr = _check_sr(sr)
    n = round(duration * sr)
    rng = np.random.default_rng(seed)
    spans = _spans(notes, sr, n)
    midi = _pitch_curve(spans, singer, sr, n, rng)
    f0 = np.where(np.isnan(midi), 0.0, midi_to_hz(np.nan_to_num(midi, nan=69.0)))
    excitation = np.zeros(n)
    truth = np.zeros(n)
    for chain in _chains(spans):
        a, b = chain[0].a, chain[-1].b
        harmonic, breath = _glottal_source(f0[a:b], singer, sr, rng)
        envelope = _envelope(chain, sr, singer.attack_s, singer.release_s)
        excitation[a:b] = (harmonic + breath) * envelope
        # Voiced truth: where the ramps are above -20 dB of the note level.
        shape = _ramp(b - a, round(singer.attack_s * sr), round(singer.release_s * sr))
        truth[a:b] = np.where(shape >= 0.1, f0[a:b], 0.0)
    voice = _vocal_tract(excitation, spans, singer, sr, vowels)
    voice = voice + _AIR_GAIN * signal.sosfilt(
        signal.butter(2, 4000.0, btype="highpass", fs=sr, output="sos"), voice
    )
    if vowels:
        voiced = truth > 0
        level = np.sqrt(np.mean(voice[voiced] ** 2)) if voiced.any() else 0.0
        for note in notes:
            if note.onset in CONSONANTS:
                burst = _consonant(note.onset, sr, rng) * level * 10.0 ** (note.gain_db / 20.0)
                at = round(note.start * sr) - len(burst)
                lo, hi = max(at, 0), min(at + len(burst), n)
                voice[lo:hi] += burst[lo - at : hi - at]
    return Part(voice.astype(np.float32), truth.astype(np.float32))


def sing(
    notes: Sequence[SungNote], singer: Singer, *, sr: int, duration: float, seed: int = 0
) -> Part:
    """A sung line: each note a syllable (or a melisma, sung legato on the previous vowel).

    Parameters
    ----------
    notes : sequence of SungNote
        The line, in any order; overlapping notes are not supported (one voice).
    singer : Singer
        Voice type and phonation (see :data:`SINGERS`).
    sr : int
        Sample rate (Hz).
    duration : float
        Length of the output (seconds).
    seed : int
        Fixes jitter, shimmer, vibrato variation, drift and noise.

    Returns
    -------
    Part
        Dry audio (peak about 1 before any mixing) and the per-sample f0 truth: voiced where the
        glottal source sounds within 20 dB of its note level, 0 during consonants and rests.
    """
    return _render_voice(notes, singer, sr=sr, duration=duration, seed=seed, vowels=True)


def play_sax(
    notes: Sequence[SungNote], *, sr: int, duration: float, seed: int = 0, breath_db: float = -14.0
) -> Part:
    """A tenor saxophone line (the voice model with the sax's slope, breath and body).

    Tongued notes (``onset="t"``) start with a short breath chiff and a 25 ms gap before them;
    slurred ones (``onset=""``) glide. ``breath_db`` sets the breath noise against the tone.
    """
    sax = replace(_SAX, breath_db=breath_db)
    ordered = sorted(notes, key=lambda note: note.start)
    detached = []
    for i, note in enumerate(ordered):
        tongued_next = i + 1 < len(ordered) and ordered[i + 1].onset == "t"
        end = min(note.end, ordered[i + 1].start - 0.025) if tongued_next else note.end
        detached.append(replace(note, onset="", end=end))
    part = _render_voice(detached, sax, sr=sr, duration=duration, seed=seed, vowels=False)
    rng = np.random.default_rng(seed + 1)
    audio = part.audio.astype(np.float64)
    voiced = part.f0_hz > 0
    level = np.sqrt(np.mean(audio[voiced] ** 2)) if voiced.any() else 0.0
    for note in notes:
        if note.onset == "t":
            chiff = _band_noise(round(0.03 * sr), sr, (1500.0, 7000.0), rng)
            chiff *= _ramp(len(chiff), 10, len(chiff) - 10) * 0.15 * level
            at = round(note.start * sr)
            hi = min(at + len(chiff), len(audio))
            audio[at:hi] += chiff[: hi - at]
    return Part(audio.astype(np.float32), part.f0_hz)


def play_guitar(
    notes: Sequence[SungNote],
    *,
    sr: int,
    duration: float,
    seed: int = 0,
    drive: float = 8.0,
) -> Part:
    """A lead guitar line: plucked notes, bends (``scoop``), slides (``glide``), finger vibrato.

    Each picked note (``onset="t"``) is a plucked string: partials at amplitude 1/k times the
    pick-position comb |sin(π k 0.13)|, each decaying faster the higher it is; a legato note
    (``onset=""``, a hammer-on or slide) continues the string's vibration at the new pitch. Then
    an overdrive (``tanh`` soft clipping at ``drive`` times gain, asymmetric for even harmonics;
    ``drive=0`` is a clean guitar) and a 4x12 cabinet (band-pass 90-5000 Hz with a presence
    peak near 2.5 kHz). The truth is voiced from each pick to the note's end (the player mutes).
    """
    sr = _check_sr(sr)
    n = round(duration * sr)
    rng = np.random.default_rng(seed)
    guitar = Singer(
        "lead guitar", vibrato_hz=(5.5, 6.5), vibrato_cents=(20.0, 40.0), vibrato_delay=0.25,
        drift_cents=2.0,
    )  # fmt: skip
    spans = _spans([replace(note, onset="") for note in notes], sr, n)
    picks = {round(note.start * sr) for note in notes if note.onset == "t"}
    spans = [replace(span, legato=span.legato and span.a not in picks) for span in spans]
    midi = _pitch_curve(spans, guitar, sr, n, rng)
    f0 = np.where(np.isnan(midi), 0.0, midi_to_hz(np.nan_to_num(midi, nan=69.0)))
    out = np.zeros(n)
    truth = np.zeros(n)
    position = 0.13
    for chain in _chains(spans):
        a, b = chain[0].a, chain[-1].b
        f = f0[a:b]
        t = np.arange(b - a) / sr
        phase = 2.0 * np.pi * np.cumsum(f) / sr
        z = np.exp(1j * phase)
        power = z.copy()
        tone = np.zeros(b - a)
        top = int(_BAND_EDGE * sr / max(float(f.min()), 20.0)) + 1
        for k in range(1, min(top, 40) + 1):
            amp = abs(np.sin(np.pi * k * position)) / k
            decay = np.exp(-t * (0.6 + 0.35 * (k - 1)))
            fade = np.clip((_BAND_EDGE * sr - k * f) / (0.05 * sr), 0.0, 1.0)
            tone += amp * decay * fade * power.imag
            power *= z
        gain = 10.0 ** (chain[0].note.gain_db / 20.0)
        out[a:b] = gain * tone * _ramp(b - a, round(0.002 * sr), round(0.03 * sr))
        truth[a:b] = f
    if drive > 0:
        out = np.tanh(drive * out / (np.max(np.abs(out)) + 1e-12) + 0.1) - np.tanh(0.1)
    cabinet = signal.butter(2, [90.0, 5000.0], btype="bandpass", fs=sr, output="sos")
    out = signal.sosfilt(cabinet, out)
    b_peak, a_peak = signal.iirpeak(2500.0, 2.0, fs=sr)
    out = out + 0.5 * signal.lfilter(b_peak, a_peak, out)
    return Part(out.astype(np.float32), truth.astype(np.float32))


def reverb(
    y: np.ndarray, *, sr: int, rt60: float, wet_db: float, seed: int = 0, predelay: float = 0.02
) -> np.ndarray:
    """``y`` plus a room: early reflections and a decaying-noise tail, ``wet_db`` re the dry.

    The tail decays to -60 dB in ``rt60`` seconds below 3 kHz and twice as fast above (air and
    walls absorb high frequencies first). Returns float32 of ``y``'s length.
    """
    rng = np.random.default_rng(seed)
    n_ir = round(rt60 * sr)
    t = np.arange(n_ir) / sr
    noise = rng.standard_normal(n_ir)
    low = signal.sosfilt(signal.butter(2, 3000.0, fs=sr, output="sos"), noise)
    tail = low * np.exp(-6.91 * t / rt60) + (noise - low) * np.exp(-13.8 * t / rt60)
    ir = np.zeros(n_ir + round(predelay * sr))
    ir[round(predelay * sr) :] = tail * 0.3
    for _ in range(6):  # early reflections 5-35 ms after the pre-delay
        ir[round((predelay + rng.uniform(0.005, 0.035)) * sr)] += rng.uniform(0.3, 0.7)
    x = np.asarray(y, dtype=np.float64)
    wet = signal.oaconvolve(x, ir)[: len(x)]
    dry_rms = np.sqrt(np.mean(x**2)) + 1e-12
    wet *= dry_rms / (np.sqrt(np.mean(wet**2)) + 1e-12) * 10.0 ** (wet_db / 20.0)
    return (x + wet).astype(np.float32)
