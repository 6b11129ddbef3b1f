"""Melody stress cases: songs whose lead line is hard to track, each with its exact f0 truth.

Each :class:`MelodyCase` is a short song (19-33 s) with a band that is *loud* against the lead,
built to exercise one thing a melody tracker meets in real recordings:

* ``loud_band_baritone``: a low male voice under a distorted rock band whose power chords and
  bass share its register;
* ``vibrato_slides_soprano``: wide, drifting vibrato and portamento between legato notes in a
  ballad;
* ``breathy_alto``: a breathy voice (strong fundamental, weak upper harmonics, aspiration noise)
  under strummed guitars;
* ``belted_tenor``: a belted voice (strong upper harmonics, a weak fundamental, singer's
  formant) in a fast rock song;
* ``sax_break`` and ``guitar_break``: the melody passes to a tenor saxophone or an overdriven
  lead guitar for four bars between sung verses; the truth follows the instrument there;
* ``harmony_duet``: two voices singing the same words in thirds. The truth is the **upper
  voice**, which is the lead: it carries the tune, it is mixed 4 dB louder, and the lower voice
  is its diatonic third below, which is how a harmony part is written under a melody.

**Levels.** Where the voice sings, its RMS (reverb included) sits 3-6 dB below the band's, a
solo instrument's 2 dB below. The issue suggested 6-10 dB; at those levels (in RMS, where drums
and bass carry most of the band's energy, so the voice was no louder than the piano alone)
essentia's Melodia on the mix scored 0.19-0.59 overall accuracy and the product of the time
0.25-0.72, far below what they score on real recordings (0.71 and 0.50), and the best of four
trackers' pitches was right on only 0.65-0.96 of the sung frames: the cases had become harder
than music, not like it. At 3-6 dB Melodia on the mix scores 0.28-0.68.

Everything is seeded: :func:`render_case` returns the same audio and truth on every call. The
voices are :mod:`performia.testing.voices`; drums and chords come from
:mod:`performia.testing.instruments`; the bass and the distorted rhythm guitar are here. The
key, tempo, singer and band change from case to case, so the cases test music, not one
generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import signal

from performia.settings import ANALYSIS_SR
from performia.testing.instruments import _check_sr, _drum_grid, chord_pitches, render_chords
from performia.testing.truth import ChordTruth
from performia.testing.voices import (
    SINGERS,
    Part,
    Singer,
    SungNote,
    play_guitar,
    play_sax,
    reverb,
    sing,
)

__all__ = [
    "CASES",
    "HOP_S",
    "CaseTruth",
    "MelodyCase",
    "Section",
    "case_names",
    "describe",
    "get_case",
    "render_case",
]

#: The truth's frame hop (s): mir_eval's melody grid.
HOP_S = 0.01
#: Silence before the first beat (s).
_LEAD_IN_S = 0.5
#: Audio after the last bar (s): drum and reverb decay.
_TAIL_S = 1.0
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Two-bar vocal phrase rhythms (beats, 4/4), each ending with a held note; the breath after it
#: fills the phrase to eight beats.
_VOCAL_RHYTHMS = (
    (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5),
    (0.5, 0.5, 1.0, 1.0, 1.0, 2.0, 1.0),
    (1.5, 0.5, 1.0, 1.0, 3.0),
    (0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 2.5),
    (1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 2.0),
    (0.5, 1.0, 0.5, 1.0, 0.5, 0.5, 1.0, 2.0),
)
#: Ballad phrases: fewer, longer notes (room for vibrato and slides).
_BALLAD_RHYTHMS = (
    (2.0, 1.0, 1.0, 3.0),
    (1.0, 1.0, 2.0, 3.0),
    (1.5, 0.5, 2.0, 3.0),
    (1.0, 2.0, 1.0, 3.5),
)
#: Solo bar rhythms (beats): eighths, a sixteenth run, held notes for bends and vibrato.
_SOLO_RHYTHMS = (
    (0.5, 0.5, 0.5, 0.5, 1.0, 1.0),
    (0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 2.0),
    (1.5, 0.5, 2.0),
    (0.5, 0.5, 1.0, 0.5, 0.5, 1.0),
    (0.75, 0.25, 0.5, 0.5, 2.0),
)
_VOWELS = ("a", "e", "i", "o", "u")
#: Syllable onsets and their odds: none, nasals (voiced) and unvoiced consonants.
_ONSETS = ("", "m", "n", "s", "t", "k", "h", "sh", "f", "p")
_ONSET_ODDS = (0.22, 0.1, 0.1, 0.12, 0.12, 0.1, 0.07, 0.06, 0.05, 0.06)


@dataclass(frozen=True)
class Section:
    """Bars of a case: ``who`` carries the melody: ``"voice"``, ``"sax"``, ``"guitar"`` or
    ``""`` (the band alone)."""

    who: str
    bars: int


@dataclass(frozen=True)
class MelodyCase:
    """One stress case.

    Attributes
    ----------
    name, description : str
    bpm : float
        Tempo (4/4).
    key : str
        ``"E minor"``, ``"Ab major"`` …: the melody's scale.
    progression : tuple of str
        Chord symbols, one per bar, cycled.
    sections : tuple of Section
        The form.
    singer : str
        A key of :data:`~performia.testing.voices.SINGERS`.
    voice_range : (int, int)
        Lowest and highest sung MIDI note.
    voice_db : float
        The voice's level against the band's over the frames where it sings (dB, negative:
        quieter than the band).
    band : str
        ``"rock"`` (drums, eighth-note bass, distorted power chords, organ), ``"ballad"``
        (soft drums, piano, pad, bass), ``"strum"`` (drums, strummed guitar, bass) or ``"pop"``
        (drums, piano, pad, bass).
    seed : int
    ballad : bool
        Long notes, frequent portamento and scoops.
    lead_range : (int, int)
        Range of the instrumental lead (if a section has one).
    lead_db : float
        The instrument's level against the band over its frames (dB).
    harmony : str
        A second singer a diatonic third below the lead (empty: none).
    harmony_db : float
        The harmony voice against the lead (dB).
    reverb_s, reverb_db : float
        The voice's reverb: RT60 (s) and wet level against the dry (dB).
    features : tuple of str
        What the case exercises, for tables.
    """

    name: str
    description: str
    bpm: float
    key: str
    progression: tuple[str, ...]
    sections: tuple[Section, ...]
    singer: str
    voice_range: tuple[int, int]
    voice_db: float
    band: str
    seed: int
    ballad: bool = False
    lead_range: tuple[int, int] = (50, 75)
    lead_db: float = -4.0
    harmony: str = ""
    harmony_db: float = -4.0
    reverb_s: float = 1.2
    reverb_db: float = -9.0
    features: tuple[str, ...] = field(default=())

    @property
    def bars(self) -> int:
        return sum(section.bars for section in self.sections)

    @property
    def duration(self) -> float:
        return _LEAD_IN_S + self.bars * 4 * 60.0 / self.bpm + _TAIL_S


CASES: tuple[MelodyCase, ...] = (
    MelodyCase(
        "loud_band_baritone",
        "baritone A2-E4 under a distorted rock band 10 dB louder, E minor, 96 BPM",
        96.0,
        "E minor",
        ("Em", "C", "G", "D"),
        (Section("", 2), Section("voice", 4), Section("voice", 4)),
        "baritone",
        (45, 64),
        -6.0,
        "rock",
        seed=11,
        reverb_s=1.0,
        reverb_db=-10.0,
        features=("loud band", "low voice", "distortion"),
    ),
    MelodyCase(
        "vibrato_slides_soprano",
        "soprano Eb4-Bb5, wide drifting vibrato and portamento, piano ballad, Ab major, 72 BPM",
        72.0,
        "Ab major",
        ("Ab", "Fm", "Db", "Eb"),
        (Section("", 1), Section("voice", 4), Section("voice", 4)),
        "soprano",
        (63, 82),
        -3.0,
        "ballad",
        seed=12,
        ballad=True,
        reverb_s=1.8,
        reverb_db=-6.0,
        features=("vibrato", "portamento", "high voice", "long reverb"),
    ),
    MelodyCase(
        "breathy_alto",
        "breathy alto F3-D5 under strummed guitars, D minor, 84 BPM",
        84.0,
        "D minor",
        ("Dm", "Bb", "F", "C"),
        (Section("", 2), Section("voice", 4), Section("voice", 4)),
        "alto_breathy",
        (53, 74),
        -4.0,
        "strum",
        seed=13,
        features=("breathy", "aspiration noise"),
    ),
    MelodyCase(
        "belted_tenor",
        "belting tenor C3-B4 in a fast rock band 8 dB louder, A major, 138 BPM",
        138.0,
        "A major",
        ("A", "E", "F#m", "D"),
        (Section("", 2), Section("voice", 4), Section("voice", 4)),
        "tenor_belt",
        (52, 71),
        -5.0,
        "rock",
        seed=14,
        reverb_s=0.9,
        reverb_db=-10.0,
        features=("belted", "strong upper harmonics", "fast"),
    ),
    MelodyCase(
        "sax_break",
        "male voice B2-E4, a tenor-sax solo between the verses, Bb major, 108 BPM",
        108.0,
        "Bb major",
        ("Bb", "Gm", "Eb", "F"),
        (Section("", 2), Section("voice", 4), Section("sax", 4), Section("voice", 4)),
        "pop_male",
        (47, 64),
        -4.0,
        "pop",
        seed=15,
        lead_range=(51, 75),
        lead_db=-2.0,
        features=("instrumental lead", "saxophone"),
    ),
    MelodyCase(
        "guitar_break",
        "female voice G3-C5, an overdriven guitar solo between the verses, G major, 124 BPM",
        124.0,
        "G major",
        ("G", "D", "Em", "C"),
        (Section("", 2), Section("voice", 4), Section("guitar", 4), Section("voice", 4)),
        "pop_female",
        (55, 72),
        -4.0,
        "strum",
        seed=16,
        lead_range=(62, 86),
        lead_db=-2.0,
        features=("instrumental lead", "distorted guitar", "bends"),
    ),
    MelodyCase(
        "harmony_duet",
        "two female voices in thirds (truth: the upper, lead voice, 4 dB louder), F major, 100 BPM",
        100.0,
        "F major",
        ("F", "Dm", "Bb", "C"),
        (Section("", 2), Section("voice", 4), Section("voice", 4)),
        "pop_female",
        (64, 79),
        -4.0,
        "pop",
        seed=17,
        harmony="alto_breathy",
        harmony_db=-4.0,
        features=("two voices", "harmony in thirds"),
    ),
)


def case_names() -> tuple[str, ...]:
    """Names of :data:`CASES`, in order."""
    return tuple(case.name for case in CASES)


def get_case(name: str) -> MelodyCase:
    """The case called ``name`` (``ValueError`` names the known ones)."""
    for case in CASES:
        if case.name == name:
            return case
    raise ValueError(f"unknown melody case {name!r}; known: {', '.join(case_names())}")


@dataclass(frozen=True)
class CaseTruth:
    """What a rendered case holds, on the 10 ms grid mir_eval scores.

    Attributes
    ----------
    times : np.ndarray
        Frame times (s), every :data:`HOP_S` from 0.
    f0_hz : np.ndarray
        The melody's f0 (Hz), 0 where it is silent or unvoiced.
    who : tuple of str
        Per frame, what carries the melody (``"voice"``, ``"sax"``, ``"guitar"``; ``""`` where
        unvoiced).
    harmony_f0_hz : np.ndarray or None
        The harmony voice's f0 (not part of the melody), where there is one.
    notes : tuple of SungNote
        The melody's notes as composed (before consonants cut them).
    sr : int
    duration : float
    """

    times: np.ndarray
    f0_hz: np.ndarray
    who: tuple[str, ...]
    harmony_f0_hz: np.ndarray | None
    notes: tuple[SungNote, ...]
    sr: int
    duration: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the voiced frames' share per carrier and the notes."""
        voiced = self.f0_hz > 0
        shares = {w: round(sum(x == w for x in self.who) / len(self.who), 4) for w in set(self.who)}
        return {
            "duration": round(self.duration, 3),
            "frames": len(self.times),
            "voiced": round(float(voiced.mean()), 4),
            "carriers": {k: v for k, v in sorted(shares.items()) if k},
            "notes": len(self.notes),
        }


# ---------------------------------------------------------------------------------- composing


def _scale(key: str) -> tuple[int, tuple[int, ...]]:
    """Tonic pitch class and the scale's pitch classes of ``"Bb major"`` and the like."""
    name, mode = key.split()
    tonic = (_NATURAL[name[0]] + {"": 0, "#": 1, "b": -1}[name[1:]]) % 12
    return tonic, tuple((tonic + step) % 12 for step in _SCALES[mode])


def _chord_at(chords: Sequence[ChordTruth], t: float) -> ChordTruth:
    for chord in chords:
        if chord.start <= t < chord.end:
            return chord
    return chords[-1]


def _next_pitch(
    rng: np.random.Generator,
    previous: float,
    candidates: np.ndarray,
    centre: float,
    leap: float,
) -> int:
    """A melodic step: near the previous note (``leap`` semitones scale), pulled to ``centre``."""
    distance = np.abs(candidates - previous)
    weights = np.exp(-distance / leap) * np.exp(-np.abs(candidates - centre) / 8.0)
    weights[distance == 0] *= 0.35  # repeated notes happen, less often than steps
    return int(rng.choice(candidates, p=weights / weights.sum()))


def _candidates(pcs: Sequence[int], low: int, high: int) -> np.ndarray:
    return np.array([p for p in range(low, high + 1) if p % 12 in pcs])


def _compose_vocal(
    rng: np.random.Generator,
    case: MelodyCase,
    chords: Sequence[ChordTruth],
    start: float,
    bars: int,
) -> list[SungNote]:
    """Two-bar sung phrases from ``start``: chord tones on strong beats, scale steps between."""
    beat = 60.0 / case.bpm
    _, scale = _scale(case.key)
    low, high = case.voice_range
    centre = (low + high) / 2.0
    rhythms = _BALLAD_RHYTHMS if case.ballad else _VOCAL_RHYTHMS
    p_melisma, glide = (0.45, (0.12, 0.3)) if case.ballad else (0.15, (0.04, 0.1))
    p_scoop = 0.35 if case.ballad else 0.15
    notes: list[SungNote] = []
    previous = centre
    for phrase in range(bars // 2):
        rhythm = rhythms[int(rng.integers(len(rhythms)))]
        at = start + phrase * 8 * beat
        arc = rng.uniform(-1.5, 1.5)
        vowel = str(rng.choice(_VOWELS))
        for i, length in enumerate(rhythm):
            chord = _chord_at(chords, at + 1e-6)
            strong = round((at - start) / beat, 3) % 2 == 0
            pcs = {p % 12 for p in chord_pitches(chord.symbol)} if strong else set(scale)
            pitch = _next_pitch(rng, previous, _candidates(sorted(pcs), low, high), centre, 3.0)
            melisma = i > 0 and rng.random() < p_melisma
            onset = "" if melisma else str(rng.choice(_ONSETS, p=_ONSET_ODDS))
            vowel = vowel if melisma else str(rng.choice(_VOWELS))
            last = i == len(rhythm) - 1
            end = at + length * beat * (0.9 if last else 1.0)
            scoop = rng.uniform(0.3, 1.0) if rng.random() < p_scoop else 0.0
            notes.append(
                SungNote(
                    pitch=pitch,
                    start=at,
                    end=end,
                    vowel=vowel,
                    onset=onset,
                    glide=rng.uniform(*glide) if melisma or onset in ("", "m", "n") else 0.0,
                    scoop=scoop,
                    scoop_s=rng.uniform(0.06, 0.15),
                    gain_db=arc * np.sin(np.pi * i / len(rhythm)) + rng.uniform(-1.5, 1.5),
                )
            )
            previous = pitch
            at += length * beat
    return notes


def _compose_solo(
    rng: np.random.Generator,
    case: MelodyCase,
    chords: Sequence[ChordTruth],
    start: float,
    bars: int,
    instrument: str,
) -> list[SungNote]:
    """An instrumental break: eighth-note lines and runs, held notes with scoops or bends."""
    beat = 60.0 / case.bpm
    _, scale = _scale(case.key)
    low, high = case.lead_range
    centre = (low + high) / 2.0
    notes: list[SungNote] = []
    previous = centre
    for bar in range(bars):
        at = start + bar * 4 * beat
        rhythm = _SOLO_RHYTHMS[int(rng.integers(len(_SOLO_RHYTHMS)))]
        for i, length in enumerate(rhythm):
            chord = _chord_at(chords, at + 1e-6)
            strong = i == 0
            pcs = {p % 12 for p in chord_pitches(chord.symbol)} if strong else set(scale)
            pitch = _next_pitch(rng, previous, _candidates(sorted(pcs), low, high), centre, 2.5)
            held = length >= 1.5
            if instrument == "guitar":
                bend = rng.choice([1.0, 2.0]) if held and rng.random() < 0.7 else 0.0
                scoop, scoop_s = float(bend), rng.uniform(0.12, 0.25)
            else:
                scoop = rng.uniform(0.4, 1.0) if held and rng.random() < 0.6 else 0.0
                scoop_s = rng.uniform(0.06, 0.12)
            slur = i > 0 and rng.random() < 0.3
            last = bar == bars - 1 and i == len(rhythm) - 1
            notes.append(
                SungNote(
                    pitch=pitch,
                    start=at,
                    end=at + length * beat * (0.85 if last else 1.0),
                    onset="" if slur else "t",
                    glide=rng.uniform(0.02, 0.05) if slur else 0.0,
                    scoop=scoop,
                    scoop_s=scoop_s,
                    gain_db=rng.uniform(-1.5, 1.5),
                )
            )
            previous = pitch
            at += length * beat
    return notes


def _harmony_line(notes: Sequence[SungNote], key: str, rng: np.random.Generator) -> list[SungNote]:
    """Each note a diatonic third below (two scale steps), sung a few ms off the lead."""
    _, scale = _scale(key)
    out = []
    for note in notes:
        below = [p for p in range(int(note.pitch) - 5, int(note.pitch)) if p % 12 in scale]
        offset = rng.uniform(-0.015, 0.015)
        out.append(
            replace(
                note,
                pitch=below[-2],
                start=note.start + offset,
                end=note.end + offset,
                gain_db=note.gain_db + rng.uniform(-1.0, 1.0),
            )
        )
    return out


# --------------------------------------------------------------------------------------- band


def _bass(chords: Sequence[ChordTruth], sr: int, n: int, beat: float, eighths: bool) -> np.ndarray:
    """An electric bass on each chord's root (E1-D#2), eighths or quarters, octave on the off."""
    out = np.zeros(n)
    step = beat / 2 if eighths else beat
    amps = (1.0, 0.6, 0.45, 0.3, 0.2, 0.15, 0.1, 0.07)
    for chord in chords:
        root = 28 + (chord_pitches(chord.symbol)[0] - 28) % 12
        t = chord.start
        count = 0
        while t < chord.end - 1e-6:
            pitch = root + (12 if eighths and count % 4 == 3 else 0)
            length = round(min(step, chord.end - t) * sr)
            time = np.arange(length) / sr
            f0 = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
            tone = sum(
                a * np.exp(-time * (2.0 + 1.5 * k)) * np.sin(2 * np.pi * (k + 1) * f0 * time)
                for k, a in enumerate(amps)
            )
            at = round(t * sr)
            hi = min(at + length, n)
            out[at:hi] += (tone * np.minimum(1.0, (length - np.arange(length)) / (0.01 * sr)))[
                : hi - at
            ]
            t += step
            count += 1
    return signal.sosfilt(signal.butter(2, 1500.0, fs=sr, output="sos"), out)


def _power_chords(chords: Sequence[ChordTruth], sr: int, n: int, beat: float) -> np.ndarray:
    """Palm-muted eighth-note power chords (root, fifth, octave from E2), overdriven."""
    out = np.zeros(n)
    for chord in chords:
        root = 40 + (chord_pitches(chord.symbol)[0] - 40) % 12
        t = chord.start
        while t < chord.end - 1e-6:
            length = round(min(beat / 2, chord.end - t) * sr)
            time = np.arange(length) / sr
            tone = np.zeros(length)
            for pitch in (root, root + 7, root + 12):
                f0 = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
                for k in range(1, 13):
                    if k * f0 < 0.45 * sr:
                        tone += np.sin(2 * np.pi * k * f0 * time) / k * np.exp(-time * 4.0 * k**0.5)
            at = round(t * sr)
            hi = min(at + length, n)
            out[at:hi] += tone[: hi - at]
            t += beat / 2
    out = np.tanh(6.0 * out / (np.max(np.abs(out)) + 1e-12))
    cabinet = signal.butter(2, [90.0, 4500.0], btype="bandpass", fs=sr, output="sos")
    return signal.sosfilt(cabinet, out)


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if len(y) else 0.0


def _band(case: MelodyCase, chords: Sequence[ChordTruth], sr: int, n: int) -> np.ndarray:
    """Drums, bass and chords of ``case.band``, each at a fixed level against the drums."""
    beat = 60.0 / case.bpm
    n_beats = case.bars * 4
    drums, _, _ = _drum_grid(
        bpm=case.bpm,
        n_beats=n_beats,
        meter=4,
        sr=sr,
        start=_LEAD_IN_S,
        seed=case.seed,
        gains=[0.5 if case.band == "ballad" else 1.0] * n_beats,
        offbeats=[case.band != "ballad"] * n_beats,
    )
    duration = n / sr
    parts: dict[str, tuple[np.ndarray, float]] = {
        "drums": (np.pad(drums[:n], (0, max(0, n - len(drums)))).astype(np.float64), 1.0),
        "bass": (_bass(chords, sr, n, beat, eighths=case.band == "rock"), 1.0),
    }
    if case.band == "rock":
        parts["guitar"] = (_power_chords(chords, sr, n, beat), 0.55)
        parts["organ"] = (render_chords(chords, sr=sr, duration=duration, timbre="organ"), 0.25)
    elif case.band == "ballad":
        piano = render_chords(chords, sr=sr, duration=duration, timbre="piano", restrike=2 * beat)
        parts["drums"] = (parts["drums"][0], 0.5)
        parts["bass"] = (parts["bass"][0], 0.8)
        parts["piano"] = (piano, 0.55)
        parts["pad"] = (render_chords(chords, sr=sr, duration=duration, timbre="pad"), 0.3)
    elif case.band == "strum":
        guitar = render_chords(chords, sr=sr, duration=duration, timbre="guitar", restrike=beat)
        parts["guitar"] = (guitar, 0.5)
        parts["pad"] = (render_chords(chords, sr=sr, duration=duration, timbre="pad"), 0.25)
    else:
        piano = render_chords(chords, sr=sr, duration=duration, timbre="piano", restrike=2 * beat)
        parts["piano"] = (piano, 0.5)
        parts["pad"] = (render_chords(chords, sr=sr, duration=duration, timbre="pad"), 0.3)
    out = np.zeros(n)
    for y, level in parts.values():
        out += level * y[:n] / (_rms(y[:n]) + 1e-12)
    return reverb(out, sr=sr, rt60=0.6, wet_db=-14.0, seed=case.seed)


# -------------------------------------------------------------------------------------- render


def _at_level(part: np.ndarray, band: np.ndarray, voiced: np.ndarray, db: float) -> np.ndarray:
    """``part`` scaled so that over ``voiced`` samples it sits ``db`` dB against ``band``."""
    if not voiced.any():
        return part
    return part * (_rms(band[voiced]) / (_rms(part[voiced]) + 1e-12)) * 10.0 ** (db / 20.0)


def render_case(
    case: MelodyCase | str, *, sr: int = ANALYSIS_SR
) -> tuple[np.ndarray, CaseTruth, dict[str, np.ndarray]]:
    """Render a stress case: ``(mix, truth, stems)``.

    Parameters
    ----------
    case : MelodyCase or str
        A case or its name (see :data:`CASES`).
    sr : int
        Sample rate (Hz).

    Returns
    -------
    mix : np.ndarray
        Float32 mono, peak 0.9.
    truth : CaseTruth
        The melody's f0 every 10 ms: the voice where it sings, the instrument in its break;
        the harmony voice separately.
    stems : dict of np.ndarray
        ``"lead"`` (voice and instrument with their reverb), ``"harmony"`` (zeros without one)
        and ``"band"``, exactly as they sit in the mix (they add up to it).
    """
    case = get_case(case) if isinstance(case, str) else case
    sr = _check_sr(sr)
    rng = np.random.default_rng(case.seed)
    n = round(case.duration * sr)
    bar_s = 4 * 60.0 / case.bpm
    chords = tuple(
        ChordTruth(
            case.progression[i % len(case.progression)],
            _LEAD_IN_S + i * bar_s,
            _LEAD_IN_S + (i + 1) * bar_s,
        )
        for i in range(case.bars)
    )
    band = _band(case, chords, sr, n)
    sung: list[SungNote] = []
    played: dict[str, list[SungNote]] = {"sax": [], "guitar": []}
    bar = 0
    for section in case.sections:
        start = _LEAD_IN_S + bar * bar_s
        if section.who == "voice":
            sung += _compose_vocal(rng, case, chords, start, section.bars)
        elif section.who in played:
            played[section.who] += _compose_solo(
                rng, case, chords, start, section.bars, section.who
            )
        bar += section.bars
    singer: Singer = SINGERS[case.singer]
    voice = sing(sung, singer, sr=sr, duration=case.duration, seed=case.seed)
    lead = _at_level(voice.audio.astype(np.float64), band, voice.f0_hz > 0, case.voice_db)
    lead = reverb(lead, sr=sr, rt60=case.reverb_s, wet_db=case.reverb_db, seed=case.seed + 1)
    parts: list[tuple[str, Part]] = [("voice", voice)]
    for who, notes in played.items():
        if not notes:
            continue
        render = play_sax if who == "sax" else play_guitar
        part = render(notes, sr=sr, duration=case.duration, seed=case.seed + 2)
        audio = _at_level(part.audio.astype(np.float64), band, part.f0_hz > 0, case.lead_db)
        lead = lead + reverb(audio, sr=sr, rt60=0.8, wet_db=-12.0, seed=case.seed + 3)
        parts.append((who, part))
    harmony = np.zeros(n)
    harmony_f0 = None
    if case.harmony:
        line = _harmony_line(sung, case.key, rng)
        second = sing(
            line, SINGERS[case.harmony], sr=sr, duration=case.duration, seed=case.seed + 4
        )
        voiced = voice.f0_hz > 0
        harmony = _at_level(second.audio.astype(np.float64), band, voiced, case.voice_db)
        harmony = reverb(
            harmony * 10.0 ** (case.harmony_db / 20.0),
            sr=sr,
            rt60=case.reverb_s,
            wet_db=case.reverb_db,
            seed=case.seed + 5,
        )
        harmony_f0 = second.f0_at(np.arange(0.0, case.duration, HOP_S), sr)
    stems = {"lead": lead, "harmony": harmony, "band": band}
    mix = sum(stems.values(), np.zeros(n))
    scale = 0.9 / (np.max(np.abs(mix)) + 1e-12)
    times = np.arange(0.0, case.duration, HOP_S)
    f0 = np.zeros(len(times))
    carrier = [""] * len(times)  # who carries the melody, frame by frame
    for name, part in parts:
        frames = part.f0_at(times, sr)
        for i in np.flatnonzero(frames > 0):
            f0[i], carrier[i] = frames[i], name
    truth = CaseTruth(
        times=times,
        f0_hz=f0,
        who=tuple(carrier),
        harmony_f0_hz=harmony_f0,
        notes=tuple(sorted([*sung, *played["sax"], *played["guitar"]], key=lambda m: m.start)),
        sr=sr,
        duration=n / sr,
    )
    out = {name: (y * scale).astype(np.float32) for name, y in stems.items()}
    return (mix * scale).astype(np.float32), truth, out


def describe(case: MelodyCase) -> Mapping[str, Any]:
    """A case's settings for tables and JSON."""
    return {
        "name": case.name,
        "description": case.description,
        "bpm": case.bpm,
        "key": case.key,
        "singer": SINGERS[case.singer].name,
        "voice_db": case.voice_db,
        "band": case.band,
        "instruments": sorted({s.who for s in case.sections} - {"", "voice"}),
        "harmony": SINGERS[case.harmony].name if case.harmony else None,
        "features": list(case.features),
    }
