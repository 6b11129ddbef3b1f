"""Harmony: tuning, key (global and modulations) and beat-synchronous chords.

The order matters. A band tuned 45 cents sharp sits nearer the next semitone than its own, so the
tuning is estimated first and every later step (the constant-Q transform behind the chroma, the key
profile) is computed on the corrected grid. Chords are decided per beat, because musicians change
chords on beats and a chord a beat early or late is the complaint they voice most.

Chord recognition is template matching with harmonic-aware templates over a bass and a treble
chroma, smoothed by a Viterbi pass over beats. It is written here because no installed library
offers an extended vocabulary (sevenths, sus, dim, aug) with confidences and runner-ups offline:
madmom's CRF recognises major and minor only, Chordino (GPL, vamp) needs a native plugin build.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from performia.analysis.backends import import_essentia, import_librosa
from performia.analysis.chordnames import (
    NO_CHORD,
    QUALITIES,
    Key,
    ParsedChord,
    chord_symbol,
    parse_chord,
    parse_key,
)
from performia.analysis.results import Chord, Harmony

__all__ = [
    "ChromaFeatures",
    "analyze_harmony",
    "baseline_harmony",
    "chroma_features",
    "estimate_key",
    "estimate_tuning_cents",
    "recognise_chords",
    "resolve_relative",
    "signature_segments",
]

HOP = 512
BINS_PER_SEMITONE = 3
N_OCTAVES = 7
#: MIDI number of the lowest constant-Q bin (C1, 32.7 Hz).
CQT_MIDI_MIN = 24
#: Bass chroma from C1 up to (not including) this many semitones (G3): where roots live.
BASS_SEMITONES = 31
#: Relative strength of a note's upper partials in the templates (harmonic h weighs this**(h-1)).
PARTIAL_DECAY = 0.45
#: Log compression of semitone magnitudes before folding: log1p(CHROMA_COMPRESSION · x / max).
CHROMA_COMPRESSION = 100.0
#: Cost (log-probability units) of changing chord between beats: stops one-beat flickers.
CHORD_SWITCH_COST = 2.0
#: Emission sharpness: how strongly chroma evidence outweighs the transition prior.
EMISSION_BETA = 12.0
#: Weight of the bass pitch class against the treble template match.
BASS_WEIGHT = 0.35
#: Preference for triads over four-note chords when the evidence is equal (score units).
QUALITY_PRIOR = {"": 0.0, "m": 0.0, "7": -0.04, "maj7": -0.04, "m7": -0.04,
                 "sus2": -0.06, "sus4": -0.06, "dim": -0.06, "aug": -0.08}  # fmt: skip
#: Beats quieter than this below the song's median level are no-chord.
SILENCE_DB = -24.0
#: Beats below this absolute level (dBFS; ingest peaks the signal at -1 dBFS) are no-chord.
FLOOR_DB = -60.0
#: Krumhansl–Kessler key profiles (probe-tone ratings), tonic first (the baseline's key finder).
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
#: Cost of changing key between bars; modulations must persist to be reported.
KEY_SWITCH_COST = 6.0
MIN_KEY_SEGMENT_S = 12.0


@dataclass(frozen=True)
class ChromaFeatures:
    """Tuning-corrected pitch features on the analysis frame grid."""

    times: np.ndarray  # (T,) frame centres, seconds
    treble: np.ndarray  # (12, T) pitch-class energy above the bass range, log-compressed
    bass: np.ndarray  # (12, T) pitch-class energy in the bass range
    level_db: np.ndarray  # (T,) frame loudness


def estimate_tuning_cents(*, y: np.ndarray, sr: int) -> float:
    """Deviation of the recording's tuning from A = 440 Hz, in cents (−50 … +50).

    librosa's estimator histograms the deviations of spectral peaks from the equal-tempered
    grid; the result is the reference the rest of the analysis is computed against.
    """
    librosa = import_librosa()
    if not np.any(y):
        return 0.0
    frac = librosa.estimate_tuning(y=y, sr=sr, n_fft=4096, resolution=0.01)
    return float(np.clip(round(frac * 100.0, 1), -50.0, 49.9))


def chroma_features(*, y: np.ndarray, sr: int, tuning_cents: float = 0.0) -> ChromaFeatures:
    """Bass and treble chroma from a constant-Q transform aligned to the estimated tuning.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Sample rate (Hz).
    tuning_cents : float
        The recording's tuning; the CQT bins are shifted by it so every semitone lands on a bin.
    """
    librosa = import_librosa()
    bins = N_OCTAVES * 12 * BINS_PER_SEMITONE
    cqt = np.abs(
        librosa.cqt(
            y=y,
            sr=sr,
            hop_length=HOP,
            fmin=librosa.midi_to_hz(CQT_MIDI_MIN),
            n_bins=bins,
            bins_per_octave=12 * BINS_PER_SEMITONE,
            tuning=tuning_cents / 100.0,
        )
    )
    # each semitone's centre bin and its two neighbours (bin 3s is exactly semitone s)
    padded = np.pad(cqt, ((1, 1), (0, 0)))
    centres = np.arange(0, bins, BINS_PER_SEMITONE) + 1
    semis = np.maximum(np.maximum(padded[centres - 1], padded[centres]), padded[centres + 1])
    # loudness from short frames: the CQT's long bass windows smear energy into silences
    rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=HOP)[0]
    level_db = 20 * np.log10(rms[: cqt.shape[1]] + 1e-10)
    treble, bass = _fold(np.log1p(CHROMA_COMPRESSION * semis / (semis.max() + 1e-12)))
    times = librosa.frames_to_time(np.arange(semis.shape[1]), sr=sr, hop_length=HOP)
    return ChromaFeatures(times, treble, bass, level_db)


def _fold(semis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(84, T) semitone energies → treble and bass chroma, each (12, T)."""
    bass = np.zeros((12, semis.shape[1]))
    treble = np.zeros((12, semis.shape[1]))
    for s in range(semis.shape[0]):
        (bass if s < BASS_SEMITONES else treble)[s % 12] += semis[s]
    return treble, bass


def _beat_segments(beats: Sequence[float], duration: float) -> np.ndarray:
    """Boundaries of the analysis units: the beats, plus the song's start and end."""
    inner = [b for b in beats if 0.0 < b < duration]
    return np.array([0.0, *inner, duration])


def _sync(features: ChromaFeatures, bounds: np.ndarray) -> tuple[np.ndarray, ...]:
    """Median treble and bass chroma and mean level inside each [bounds[i], bounds[i+1])."""
    idx = np.searchsorted(features.times, bounds)
    treble, bass, level = [], [], []
    for a, b in itertools.pairwise(idx):
        b = max(b, a + 1)
        treble.append(np.median(features.treble[:, a:b], axis=1))
        bass.append(np.median(features.bass[:, a:b], axis=1))
        # median: a silent lead-in stays silent despite the long low-frequency CQT windows
        level.append(
            float(np.median(features.level_db[a:b])) if a < len(features.level_db) else -200
        )
    return np.array(treble).T, np.array(bass).T, np.array(level)


def _templates() -> tuple[list[ParsedChord], np.ndarray]:
    """Harmonic-aware unit templates for every root × quality: (K,) chords, (K, 12) matrix."""
    partial_pcs = [(0, 1.0), (0, PARTIAL_DECAY), (7, PARTIAL_DECAY**2), (0, PARTIAL_DECAY**3),
                   (4, PARTIAL_DECAY**4), (7, PARTIAL_DECAY**5)]  # fmt: skip
    chords, rows = [], []
    for quality in QUALITIES:
        for root in range(12):
            chord = ParsedChord(root, quality)
            t = np.zeros(12)
            for pc in chord.pitch_classes:
                for offset, weight in partial_pcs:
                    t[(pc + offset) % 12] += weight
            chords.append(chord)
            rows.append(t / np.linalg.norm(t))
    return chords, np.array(rows)


_CHORDS, _TEMPLATES = _templates()
_PRIOR = np.array([QUALITY_PRIOR[c.quality] for c in _CHORDS])


def _viterbi(log_emission: np.ndarray, switch_cost: float) -> np.ndarray:
    """Most likely state path when every change of state costs ``switch_cost`` (log units)."""
    n_states, n_steps = log_emission.shape
    log_stay, log_move = 0.0, -switch_cost
    score = log_emission[:, 0].copy()
    back = np.zeros((n_states, n_steps), dtype=np.int64)
    for t in range(1, n_steps):
        best_prev = int(np.argmax(score))
        move = score[best_prev] + log_move
        stay_score = score + log_stay
        take_move = move > stay_score
        back[:, t] = np.where(take_move, best_prev, np.arange(n_states))
        score = np.where(take_move, move, stay_score) + log_emission[:, t]
    path = np.zeros(n_steps, dtype=np.int64)
    path[-1] = int(np.argmax(score))
    for t in range(n_steps - 1, 0, -1):
        path[t - 1] = back[path[t], t]
    return path


def recognise_chords(
    features: ChromaFeatures,
    *,
    beats: Sequence[float],
    duration: float,
    key: Key | None = None,
) -> tuple[Chord, ...]:
    """Beat-synchronous chords with confidence and runner-up, spelt for ``key``.

    Each beat is scored against every template (cosine on the treble chroma, plus the bass
    chroma at the chord's root, plus a small prior favouring triads), then a Viterbi pass keeps
    chords from flickering. Consecutive beats with the same chord are merged into one segment.
    """
    bounds = _beat_segments(beats, duration)
    treble, bass, level = _sync(features, bounds)
    tn = treble / (np.linalg.norm(treble, axis=0, keepdims=True) + 1e-9)
    bn = bass / (bass.max(axis=0, keepdims=True) + 1e-9)
    roots = np.array([c.root for c in _CHORDS])
    scores = _TEMPLATES @ tn + BASS_WEIGHT * bn[roots] + _PRIOR[:, None]  # (K, B)
    silent = (level < np.median(level) + SILENCE_DB) | (level < FLOOR_DB)
    n_score = np.where(silent, scores.max(axis=0) + 1.0, scores.min(axis=0) - 1.0)
    all_scores = np.vstack([scores, n_score[None, :]])
    log_em = EMISSION_BETA * all_scores
    log_em -= log_em.max(axis=0, keepdims=True)
    probs = np.exp(log_em)
    probs /= probs.sum(axis=0, keepdims=True)
    path = _viterbi(np.log(probs + 1e-12), CHORD_SWITCH_COST)
    labels = [*_CHORDS, None]
    out: list[Chord] = []
    start = 0
    for i in range(1, len(path) + 1):
        if i == len(path) or path[i] != path[start]:
            state = int(path[start])
            seg = probs[:, start:i].mean(axis=1)
            rival = np.argsort(seg)[::-1]
            runner = next(int(r) for r in rival if r != state)
            out.append(
                Chord(
                    start=round(float(bounds[start]), 3),
                    end=round(float(bounds[i]), 3),
                    symbol=chord_symbol(labels[state], key),
                    confidence=round(float(seg[state]), 3),
                    alternative=chord_symbol(labels[runner], key),
                )
            )
            start = i
    return tuple(out)


def estimate_key(*, y: np.ndarray, sr: int, tuning_cents: float = 0.0) -> tuple[Key, float]:
    """Global key and its strength (0–1) with essentia's key extractor, tuning-corrected.

    Measured on the synthetic suite and in earlier studies, essentia's profiles come close to
    madmom's key CNN at a fiftieth of the time.
    """
    es = import_essentia()
    extractor = es.KeyExtractor(
        sampleRate=float(sr),
        tuningFrequency=440.0 * 2 ** (tuning_cents / 1200.0),
        profileType="bgate",
    )
    tonic, scale, strength = extractor(np.asarray(y, dtype=np.float32))
    return parse_key(f"{tonic} {scale}"), float(np.clip(strength, 0.0, 1.0))


def _signature_profiles() -> np.ndarray:
    """(12, 12) centred unit profiles of the twelve diatonic sets, indexed by major tonic."""
    rows = []
    for tonic in range(12):
        p = np.zeros(12)
        p[[(tonic + i) % 12 for i in (0, 2, 4, 5, 7, 9, 11)]] = 1.0
        rows.append((p - p.mean()) / np.linalg.norm(p - p.mean()))
    return np.array(rows)


_SIGNATURES = _signature_profiles()


def signature_segments(
    features: ChromaFeatures, *, bar_times: Sequence[float], duration: float, home: int
) -> list[tuple[float, float, int]]:
    """Regions of one key signature (diatonic set, named by its major tonic) over the song.

    The diatonic set is decided per bar over an eight-bar context and smoothed by a Viterbi pass
    that charges for every change; regions shorter than ``MIN_KEY_SEGMENT_S`` are folded into a
    neighbour. Working with signatures rather than the 24 keys keeps a verse that leans on the
    relative minor from being reported as a modulation: mode is decided afterwards, per region.
    """
    bounds = _beat_segments(bar_times, duration)
    if len(bounds) < 3:
        return [(0.0, duration, home)]
    treble, bass, _ = _sync(features, bounds)
    chroma = treble + bass
    smooth = uniform_filter1d(chroma, size=min(8, chroma.shape[1]), axis=1, mode="nearest")
    centred = smooth - smooth.mean(axis=0, keepdims=True)
    centred /= np.linalg.norm(centred, axis=0, keepdims=True) + 1e-9
    corr = _SIGNATURES @ centred  # (12, bars)
    prior = np.zeros((12, 1))
    prior[home] = 0.5
    path = _viterbi(8.0 * corr + prior, KEY_SWITCH_COST)
    segs: list[list] = []
    for i, state in enumerate(path):
        if segs and segs[-1][2] == state:
            segs[-1][1] = bounds[i + 1]
        else:
            segs.append([bounds[i], bounds[i + 1], int(state)])
    # fold short regions into the longer neighbour, shortest first
    while len(segs) > 1:
        lengths = [b - a for a, b, _ in segs]
        i = int(np.argmin(lengths))
        if lengths[i] >= MIN_KEY_SEGMENT_S:
            break
        j = i - 1 if i == len(segs) - 1 or (i > 0 and lengths[i - 1] >= lengths[i + 1]) else i + 1
        a, b = min(segs[i][0], segs[j][0]), max(segs[i][1], segs[j][1])
        segs[j] = [a, b, segs[j][2]]
        del segs[i]
        merged: list[list] = []
        for seg in segs:
            if merged and merged[-1][2] == seg[2]:
                merged[-1][1] = seg[1]
            else:
                merged.append(seg)
        segs = merged
    return [(float(a), float(b), int(sig)) for a, b, sig in segs]


def _tonic_support(key: Key, chords: Sequence[Chord]) -> float:
    """Seconds of tonic chord, with the first and last chords counting extra (songs tend to
    start and, even more, end on the tonic)."""
    family = ("", "maj7", "7") if key.mode == "major" else ("m", "m7")
    sounding = [c for c in chords if c.symbol != NO_CHORD]
    if not sounding:
        return 0.0

    def is_tonic(c: Chord) -> bool:
        p = parse_chord(c.symbol)
        return p is not None and p.root == key.tonic and p.quality in family

    total = sum(c.end - c.start for c in sounding)
    support = sum(c.end - c.start for c in sounding if is_tonic(c))
    support += 0.15 * total * is_tonic(sounding[0]) + 0.25 * total * is_tonic(sounding[-1])
    return support


def resolve_relative(key: Key, chords: Sequence[Chord]) -> Key:
    """Choose between a key and its relative (C major / A minor) by which tonic the chords
    dwell on, start on and end on: key profiles alone barely separate the two."""
    relative = Key((key.tonic + 9) % 12, "minor") if key.mode == "major" else key.relative_major
    if _tonic_support(relative, chords) > 1.2 * _tonic_support(key, chords):
        return relative
    return key


def analyze_harmony(
    *,
    y: np.ndarray,
    sr: int,
    beats: Sequence[float] | None = None,
    downbeats: Sequence[float] | None = None,
) -> Harmony:
    """Tuning, key, key segments and beat-synchronous chords of a recording.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Sample rate (Hz).
    beats, downbeats : sequence of float, optional
        From the rhythm stage. Without beats, chords are decided on a half-second grid.
    """
    duration = len(y) / sr
    tuning = estimate_tuning_cents(y=y, sr=sr)
    features = chroma_features(y=y, sr=sr, tuning_cents=tuning)
    key, _strength = estimate_key(y=y, sr=sr, tuning_cents=tuning)
    grid = list(beats) if beats else list(np.arange(0.5, duration, 0.5))
    bars = list(downbeats) if downbeats else grid[::4]
    chords = recognise_chords(features, beats=grid, duration=duration)
    home = key.relative_major.tonic
    regions = signature_segments(features, bar_times=bars, duration=duration, home=home)
    if len(regions) == 1:
        # no modulation: the global key finder's weighted profiles beat a bare diatonic set
        # (which cannot tell F# major from its neighbour C# major when B is rare)
        regions = [(0.0, duration, home)]
    segments = []
    for a, b, sig in regions:
        inside = [c for c in chords if a <= c.start < b]
        # essentia's key where the signature is its own; else the major of the signature
        start_key = key if sig == home else Key(sig, "major")
        segments.append((round(a, 3), round(b, 3), resolve_relative(start_key, inside)))
    # the key a performer names is the one the song spends longest in
    totals: dict[Key, float] = {}
    for a, b, k in segments:
        totals[k] = totals.get(k, 0.0) + (b - a)
    key = max(totals, key=totals.__getitem__)
    chords = _respell(chords, segments)
    return Harmony(
        key=key.name,
        chords=chords,
        tuning_cents=tuning,
        key_segments=tuple((a, b, k.name) for a, b, k in segments),
    )


def _respell(
    chords: tuple[Chord, ...], segments: Sequence[tuple[float, float, Key]]
) -> tuple[Chord, ...]:
    """Spell each chord for the key sounding at its start."""
    out = []
    for c in chords:
        key = next((k for a, b, k in segments if a <= c.start < b), segments[-1][2])
        alt = c.alternative
        out.append(
            Chord(
                c.start,
                c.end,
                chord_symbol(parse_chord(c.symbol), key),
                c.confidence,
                chord_symbol(parse_chord(alt), key) if alt else None,
            )
        )
    return tuple(out)


def baseline_harmony(
    *, y: np.ndarray, sr: int, beats: Sequence[float] | None = None, **_: object
) -> Harmony:
    """The method family the product started from, for comparison in the benchmark.

    Whole-song Krumhansl key profile on STFT chroma, no tuning correction, and 24 major/minor
    templates matched frame by frame (half-second frames), no smoothing, no bass.
    """
    librosa = import_librosa()
    duration = len(y) / sr
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=HOP, tuning=0.0)
    times = librosa.frames_to_time(np.arange(chroma.shape[1]), sr=sr, hop_length=HOP)
    total = chroma.sum(axis=1)
    corr = [
        np.corrcoef(total, np.roll(p, t))[0, 1] for p in (KK_MAJOR, KK_MINOR) for t in range(12)
    ]
    best = int(np.argmax(corr))
    key = Key(best % 12, "major" if best < 12 else "minor")
    grid = np.arange(0.0, duration, 0.5)
    bounds = np.append(grid, duration)
    idx = np.searchsorted(times, bounds)
    templates = [(ParsedChord(r, q), np.roll(np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0])
                  + np.roll(np.eye(12)[0], 3 if q == "m" else 4) + np.roll(np.eye(12)[0], 7), r))
                 for q in ("", "m") for r in range(12)]  # fmt: skip
    chords: list[Chord] = []
    for i in range(len(grid)):
        a, b = idx[i], max(idx[i + 1], idx[i] + 1)
        v = chroma[:, a:b].mean(axis=1)
        if v.max() <= 0:
            symbol = NO_CHORD
        else:
            scores = [float(v @ t) for _, t in templates]
            symbol = chord_symbol(templates[int(np.argmax(scores))][0], key)
        if chords and chords[-1].symbol == symbol:
            chords[-1] = Chord(chords[-1].start, float(bounds[i + 1]), symbol)
        else:
            chords.append(Chord(float(bounds[i]), float(bounds[i + 1]), symbol))
    return Harmony(key=key.name, chords=tuple(chords), tuning_cents=None)
