"""Song structure: the sections a singer reads (intro, verse, chorus, bridge, solo, outro).

A section is a stretch of music that sounds of a piece and, usually, comes back. Both halves of
that sentence are measured, on a grid of beats, and sections start only on bar lines:

1. **Features per beat.** Constant-Q chroma (chords and tune), MFCCs (timbre: which instruments
   play), RMS level (energy) and, when given, the recognised chords as pitch-class templates,
   each summarised between consecutive beats so a verse played a little faster still lines up
   with the first one beat for beat.
2. **Where things change.** Novelty from two sources. *Contrast*: the distance between the mean
   features of the bars before and after each beat (Foote's checkerboard kernel on a
   squared-distance matrix computes exactly this), over 4 bars, per feature. *Repetition*:
   along every lag of whole bars of the beat-by-beat similarity matrix, whether what follows a
   beat repeats while what precedes it does not (Serrà et al.'s structure features, on diagonal
   means instead of a nearest-neighbour graph); this finds a chorus that starts over the same
   instruments as the verse. With lyrics, a bump where the words switch between lines sung again
   elsewhere and lines sung once. Boundaries are the most prominent peaks on bar lines, at
   least :attr:`StructureParams.min_bars` bars apart.
3. **What comes back.** Every pair of segments is compared along its best-aligned diagonal of the
   similarity matrix (the same chords and tune in the same order; also transposed, for the last
   chorus a step up), and lyric lines sung in both join them; average-linkage clustering gives
   the labels A, B, C …, and neighbours with the same label become one section.
4. **What a musician calls it.** See :func:`performia.analysis.section_kinds.section_kinds`:
   the repeated, loud, most-repeated sung material is the chorus, other repeated sung material
   the verse (or a pre-chorus), once-only sections are the intro and outro at the ends, a solo
   when nobody sings, a bridge when late.

Without beats a fixed grid of :attr:`StructureParams.fallback_grid_s` stands in for them and a bar
is taken as :attr:`StructureParams.fallback_bar_s`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from performia.analysis.backends import import_librosa
from performia.analysis.chordnames import parse_chord
from performia.analysis.results import Chord, SectionSpan
from performia.analysis.section_kinds import section_kinds, section_names
from performia.analysis.section_labels import (
    aligned_similarity,
    cluster,
    confidence,
    letter,
    lyric_similarity,
    norm_text,
    segment_lines,
)
from performia.errors import BadInputError

__all__ = ["DEFAULT_PARAMS", "SectionSpan", "StructureParams", "segment_structure"]


@dataclass(frozen=True)
class StructureParams:
    """Every tunable of the structure analysis, defined once."""

    #: Analysis sample rate (Hz); the input is resampled to it.
    sr: int = 22050
    #: Feature hop (samples at :attr:`sr`): 23 ms frames, averaged per beat afterwards.
    hop_length: int = 512
    #: Shortest section between two boundaries, in bars (see :attr:`edge_bars` for the ends).
    min_bars: float = 4.0
    #: Half-widths of the contrast windows, in bars (several are averaged): 4 bars before an edge
    #: against 4 after spans a whole chord cycle, so chord changes inside a section cancel out.
    kernel_bars: tuple[float, ...] = (4.0,)
    #: Beats per bar assumed when beats come without downbeats.
    beats_per_bar: int = 4
    #: Grid step (s) when no beats are given.
    fallback_grid_s: float = 0.5
    #: Bar length (s) assumed when no beats are given (a 4/4 bar at 120 BPM).
    fallback_bar_s: float = 2.0
    #: Weights of the novelty curves (each first scaled by its 90th percentile on bar lines).
    novelty_weights: tuple[tuple[str, float], ...] = (
        ("timbre", 1.0),
        ("energy", 0.5),
        ("harmony", 0.5),
        ("repetition", 1.5),
        ("lyrics", 0.5),
    )
    #: Half-width (bars) of the windows compared along each lag when looking for repeats …
    repeat_bars: float = 4.0
    #: … and the shortest lag (bars) that counts as a repeat: a 4-bar chord cycle repeating
    #: inside an 8-bar verse is not a new section.
    repeat_min_lag_bars: float = 8.0
    #: Weights of harmony, timbre and energy in the similarity behind repeats and labels (same
    #: material means the same chords and tune, so harmony counts most).
    repeat_weights: tuple[float, float, float] = (0.65, 0.25, 0.1)
    #: Weight of the given chords' pitch classes against the chroma (which holds the tune too).
    chord_weight: float = 0.3
    #: Energy difference (dB) at which the energy similarity falls to exp(-1/2).
    energy_scale_db: float = 4.0
    #: A boundary needs a novelty peak this prominent (novelty curves scaled as above).
    peak_prominence: float = 0.4
    #: Shortest intro or ending, in bars: boundaries may come this close to either end.
    edge_bars: float = 2.0
    #: Two segments share a label when their aligned similarity reaches this (−1 … 1).
    label_threshold: float = 0.6
    #: Similarity given up by a transposed match (a last chorus a step up); 1 turns it off.
    transpose_penalty: float = 0.1
    #: Two segments share a label when this share of their lyric lines is the same text.
    lyric_match: float = 0.5
    #: A section is sung when lyric lines cover this share of it.
    vocal_share: float = 0.2
    #: A once-only section starting after this share of the song is a bridge.
    bridge_after: float = 0.4
    #: Shorter section lengths (bars) a song may use. The bar counts above suit sections of
    #: :attr:`repeat_min_lag_bars` bars; when a song repeats most strongly at twice one of these
    #: lengths, they are all scaled down to it (see :func:`_section_scale`).
    short_section_bars: tuple[float, ...] = (4.0,)
    #: … by this much more (mean similarity along the lag) than at half and at double that lag.
    scale_margin: float = 0.1


DEFAULT_PARAMS = StructureParams()


# ------------------------------------------------------------------------------------ the grid


@dataclass(frozen=True)
class _Grid:
    edges: np.ndarray  # (n + 1,) unit edges in seconds, 0 … duration
    candidates: np.ndarray  # indices into edges where a boundary may fall (bar lines)
    per_bar: int  # units in one bar
    bar_s: float
    step: int  # units between comparable positions: a bar when bar lines are known, else 1


def _clean_times(times: Sequence[float], duration: float) -> np.ndarray:
    t = np.asarray([float(x) for x in times], dtype=float)
    t = np.unique(t[np.isfinite(t) & (t > 0.0) & (t < duration)])
    if t.size > 1:  # drop near-duplicates (less than 50 ms apart)
        t = t[np.concatenate(([True], np.diff(t) > 0.05))]
    return t


def _grid(
    duration: float, beats: Sequence[float], downbeats: Sequence[float], p: StructureParams
) -> _Grid:
    beat_t = _clean_times(beats, duration)
    bar_t = _clean_times(downbeats, duration)
    if beat_t.size < 2 and bar_t.size >= 2:
        beat_t = bar_t  # bars only: one unit per bar
    metered = bar_t.size >= 2
    if beat_t.size >= 2:
        edges = np.concatenate(([0.0], beat_t, [duration]))
        unit_s = float(np.median(np.diff(beat_t)))
        if metered:
            bar_s = float(np.median(np.diff(bar_t)))
            cand = np.unique(np.abs(edges[:, None] - bar_t[None, :]).argmin(axis=0))
        else:
            bar_s = unit_s * p.beats_per_bar
            cand = np.arange(1, len(edges) - 1)
    else:
        n = max(1, round(duration / p.fallback_grid_s))
        edges = np.linspace(0.0, duration, n + 1)
        unit_s, bar_s = duration / n, p.fallback_bar_s
        cand = np.arange(1, n)
    cand = cand[(cand > 0) & (cand < len(edges) - 1)]
    per_bar = max(1, round(bar_s / unit_s))
    return _Grid(edges, cand, per_bar, bar_s, per_bar if metered else 1)


# ------------------------------------------------------------------------------------ features


@dataclass(frozen=True)
class _Features:
    harmony: np.ndarray  # (d, n) chroma (+ chords), L2-normalised per unit
    timbre: np.ndarray  # (13, n) MFCC 1–13, centred and scaled over the song
    energy_db: np.ndarray  # (n,) RMS level


#: Smallest spread (MFCC units, about dB) an MFCC is scaled by: a steady sound's tiny
#: fluctuations must not be blown up into timbre changes.
_MFCC_STD_FLOOR = 2.0


def _chord_templates(chords: Sequence[Chord], edges: np.ndarray) -> np.ndarray | None:
    """Pitch classes of the chord sounding in each unit (by overlap), or None without chords."""
    if not chords:
        return None
    out = np.zeros((12, len(edges) - 1))
    for chord in chords:
        try:
            parsed = parse_chord(chord.symbol)
        except ValueError:
            parsed = None
        if parsed is None or chord.end <= chord.start:
            continue
        overlap = np.clip(
            np.minimum(edges[1:], chord.end) - np.maximum(edges[:-1], chord.start), 0.0, None
        )
        out[list(parsed.pitch_classes), :] += overlap[None, :]
    return out if out.any() else None


def _unit_normalise(x: np.ndarray) -> np.ndarray:
    """Columns scaled to unit length; all-zero columns (silence) stay zero."""
    norm = np.linalg.norm(x, axis=0, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 1e-9)


def _features(
    y: np.ndarray, sr: int, edges: np.ndarray, chords: Sequence[Chord], p: StructureParams
) -> _Features:
    librosa = import_librosa()
    if sr != p.sr:
        y = librosa.resample(y, orig_sr=sr, target_sr=p.sr)
    # tuning fixed at 0: a detuned band smears the chroma a little, the same in every section
    chroma = librosa.feature.chroma_cqt(y=y, sr=p.sr, hop_length=p.hop_length, tuning=0.0)
    mel = librosa.feature.melspectrogram(y=y, sr=p.sr, hop_length=p.hop_length, n_mels=96)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=14)[1:]
    rms = librosa.feature.rms(y=y, hop_length=p.hop_length)[0]
    n_frames = min(chroma.shape[1], mfcc.shape[1], rms.shape[0])
    frames = np.clip(np.round(edges * p.sr / p.hop_length).astype(int), 0, n_frames - 1)
    harmony, timbre, power = [], [], []
    for a, b in itertools.pairwise(frames):
        b = max(b, a + 1)  # a unit shorter than a frame reads the frame it falls in
        harmony.append(np.median(chroma[:, a:b], axis=1))  # median: a drum hit is no chord
        timbre.append(mfcc[:, a:b].mean(axis=1))
        power.append(np.mean(rms[a:b] ** 2))
    harm = _unit_normalise(np.array(harmony).T)
    templates = _chord_templates(chords, edges)
    if templates is not None:
        harm = _unit_normalise(np.vstack([harm, p.chord_weight * _unit_normalise(templates)]))
    timbre_m = np.array(timbre).T
    spread = np.maximum(timbre_m.std(axis=1, keepdims=True), _MFCC_STD_FLOOR)
    timbre_m = (timbre_m - timbre_m.mean(axis=1, keepdims=True)) / spread
    energy = 10.0 * np.log10(np.maximum(np.array(power), 1e-10))
    return _Features(harm, timbre_m, np.maximum(energy, energy.max() - 60.0))


def _cosine(x: np.ndarray) -> np.ndarray:
    """Cosine similarity of the columns after removing the song's mean (−1 … 1)."""
    x = _unit_normalise(x - x.mean(axis=1, keepdims=True))
    return x.T @ x


def _transpose(harmony: np.ndarray, semitones: int) -> np.ndarray:
    """Shift every 12-row pitch-class block (chroma, chord templates) up by ``semitones``."""
    d, n = harmony.shape
    return np.roll(harmony.reshape(d // 12, 12, n), semitones, axis=1).reshape(d, n)


def _sequence_similarity(f: _Features, p: StructureParams, *, semitones: int = 0) -> np.ndarray:
    """Unit-by-unit similarity (−1 … 1) of harmony, timbre and energy, for finding repeats.

    Not smoothed: repeats are compared along diagonals whose lags are whole bars, so beat one is
    compared with beat one and the drum pattern cancels out. With ``semitones`` the harmony of
    the second unit (the column) is transposed first, so a last chorus a step up still matches.
    """
    w_h, w_t, w_e = p.repeat_weights
    mean = f.harmony.mean(axis=1, keepdims=True)
    rows = _unit_normalise(f.harmony - mean)
    cols = rows if not semitones else _unit_normalise(_transpose(f.harmony, semitones) - mean)
    de = f.energy_db[:, None] - f.energy_db[None, :]
    s_e = 2.0 * np.exp(-0.5 * (de / p.energy_scale_db) ** 2) - 1.0
    s_h = rows.T @ cols
    return (w_h * s_h + w_t * _cosine(f.timbre) + w_e * s_e) / (w_h + w_t + w_e)


# ------------------------------------------------------------------------------------ novelty


def _window_means(x: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of the ``half`` units before and after every unit edge, nearer units weighing more."""
    d, n = x.shape
    taper = np.exp(-0.5 * ((np.arange(half) + 0.5) / (0.5 * half)) ** 2)
    before, after = np.zeros((d, n + 1)), np.zeros((d, n + 1))
    for i in range(1, n):
        wb = taper[: min(i, half)][::-1]
        wa = taper[: min(n - i, half)]
        before[:, i] = x[:, i - len(wb) : i] @ wb / wb.sum()
        after[:, i] = x[:, i : i + len(wa)] @ wa / wa.sum()
    return before, after


def _contrast_novelty(f: _Features, half: int) -> dict[str, np.ndarray]:
    """How much the music before each unit edge differs from the music after it.

    The distance between the feature means of the two windows is what Foote's checkerboard
    kernel computes on a squared-distance self-similarity matrix (across-block minus within-block
    distances equals the squared distance of the block means), without building the matrix. It is
    computed per feature so each can be scaled on its own: timbre (instruments coming in or
    dropping out), energy (the band lifting into the chorus) and the pitch-class profile (a bridge
    in another harmonic area).
    """
    out = {}
    b, a = _window_means(f.timbre, half)
    out["timbre"] = np.linalg.norm(a - b, axis=0) / np.sqrt(f.timbre.shape[0])
    b, a = _window_means(f.energy_db[None, :], half)
    out["energy"] = np.abs(a - b)[0]
    b, a = _window_means(f.harmony, half)
    heard = (np.linalg.norm(a, axis=0) > 1e-9) & (np.linalg.norm(b, axis=0) > 1e-9)
    cos = np.sum(_unit_normalise(a) * _unit_normalise(b), axis=0)
    out["harmony"] = np.where(heard, 1.0 - cos, 0.0)  # silence has no harmony to change
    for curve in out.values():
        curve[[0, -1]] = 0.0
    return out


def _repetition_novelty(s: np.ndarray, step: int, half: int, min_lag: int) -> np.ndarray:
    """Where the pattern of repetitions changes (after Serrà et al.'s structure features).

    For every lag of ``step`` units (whole bars when bar lines are known), the mean similarity
    along that diagonal is taken over the ``half`` units before and after each edge; an edge
    where what follows repeats ``lag`` later but what precedes does not (or the reverse) is a
    boundary. The two strongest lags are averaged, so one chance coincidence does not make one.
    """
    n = s.shape[0]
    lags = [lag for lag in range(-(n - 1), n) if lag % step == 0 and abs(lag) >= min_lag]
    if not lags:
        return np.zeros(n + 1)
    units, edges = np.arange(n), np.arange(n + 1)
    lo, hi = np.clip(edges - half, 0, n), np.clip(edges + half, 0, n)
    contrast = np.zeros((len(lags), n + 1))
    for j, lag in enumerate(lags):
        other = units + lag
        valid = (other >= 0) & (other < n)
        values = np.where(valid, s[units, np.clip(other, 0, n - 1)], 0.0)
        cv = np.concatenate(([0.0], np.cumsum(values)))
        cc = np.concatenate(([0.0], np.cumsum(valid)))
        n_before, n_after = cc[edges] - cc[lo], cc[hi] - cc[edges]
        before = (cv[edges] - cv[lo]) / np.maximum(n_before, 1)
        after = (cv[hi] - cv[edges]) / np.maximum(n_after, 1)
        enough = (n_before >= half / 2) & (n_after >= half / 2)
        contrast[j] = np.where(enough, np.abs(after - before), 0.0)
    top = np.sort(contrast, axis=0)[-2:]
    return top.mean(axis=0)


def _lyric_novelty(
    lines: Sequence[tuple[float, float, str]], edges: np.ndarray, bar_s: float
) -> np.ndarray:
    """Bumps where the lyrics switch between lines sung again elsewhere and lines sung once.

    Only between runs of two lines or more: a chorus repeats several lines, and one line that
    happens to recur (a hook in the verse) is not a section.
    """
    out = np.zeros(len(edges))
    texts = [norm_text(str(t)) for _, _, t in lines]
    counts = Counter(texts)
    repeated = [bool(t) and counts[t] > 1 for t in texts]
    runs = [len(list(g)) for _, g in itertools.groupby(repeated)]
    first = np.cumsum([0, *runs])  # index of each run's first line
    for k in range(1, len(runs)):
        if runs[k - 1] >= 2 and runs[k] >= 2:
            i = first[k]
            at = 0.5 * (float(lines[i - 1][1]) + float(lines[i][0]))
            out = np.maximum(out, np.exp(-0.5 * ((edges - at) / (0.5 * bar_s)) ** 2))
    return out


#: Smallest scale of each novelty curve, about a third of its 90th percentile on pop songs, so a
#: steady sound's small wobbles stay small. Lyric bumps are already 0–1 and are not rescaled.
_NOVELTY_FLOOR = {
    "timbre": 0.5,
    "energy": 1.0,
    "harmony": 0.1,
    "repetition": 0.3,
    "lyrics": 1.0,
}


def _combine(curves: dict[str, np.ndarray], grid: _Grid, p: StructureParams) -> np.ndarray:
    """Weighted sum of the novelty curves, each scaled by its 90th percentile on bar lines."""
    total = np.zeros(len(grid.edges))
    at = grid.candidates if grid.candidates.size else np.arange(len(grid.edges))
    for name, weight in p.novelty_weights:
        curve = curves.get(name)
        if curve is None:
            continue
        scale = max(float(np.percentile(curve[at], 90)), _NOVELTY_FLOOR.get(name, 1e-9))
        total += weight * curve / scale
    return total


def _novelty(
    f: _Features,
    seq: np.ndarray,
    grid: _Grid,
    lines: Sequence[tuple[float, float, str]],
    p: StructureParams,
) -> np.ndarray:
    """Combined boundary evidence at every unit edge (contrast, repetition, lyrics)."""
    curves: dict[str, np.ndarray] = {}
    for bars in p.kernel_bars:
        for name, curve in _contrast_novelty(f, max(2, round(bars * grid.per_bar))).items():
            curves[name] = curves.get(name, 0.0) + curve / len(p.kernel_bars)
    curves["repetition"] = _repetition_novelty(
        seq,
        grid.step,
        max(1, round(p.repeat_bars * grid.per_bar)),
        max(1, round(p.repeat_min_lag_bars * grid.per_bar)),
    )
    if lines:
        curves["lyrics"] = _lyric_novelty(lines, grid.edges, grid.bar_s)
    return _combine(curves, grid, p)


def _section_scale(seq: np.ndarray, grid: _Grid, p: StructureParams) -> float:
    """Factor for the bar counts of ``p``: a section length over :attr:`repeat_min_lag_bars`.

    A song of 4-bar sections in the order verse, chorus, verse, chorus repeats strongest at a lag
    of 8 bars, and much less at 4 (verse against chorus) or 16; a song of 8-bar sections built on
    a 4-bar chord cycle repeats at 4 and 16 bars rather than at 8. The shortest length in
    :attr:`short_section_bars` whose double is clearly the strongest of the three lags wins;
    otherwise (or without bar lines) the bar counts stay as they are.
    """
    n = len(seq)

    def strength(bars: float) -> float:
        lag = round(bars * grid.per_bar)
        return float(np.diagonal(seq, lag).mean()) if 0 < lag < n else -1.0

    if grid.step == 1:
        return 1.0
    for bars in sorted(b for b in p.short_section_bars if b < p.repeat_min_lag_bars):
        rival = max(strength(bars), strength(4 * bars))
        if strength(2 * bars) >= rival + p.scale_margin:
            return bars / p.repeat_min_lag_bars
    return 1.0


def _pick_boundaries(novelty: np.ndarray, grid: _Grid, p: StructureParams) -> list[int]:
    """Novelty peaks on bar lines, most prominent first, none closer than ``min_bars`` bars.

    Prominence (height above the higher of the two valleys around a peak) rather than height:
    the novelty of a strong boundary stays high for a few bars either side of it, and those
    shoulders must not become boundaries of their own.
    """
    from scipy.signal import find_peaks

    cand = grid.candidates
    if cand.size == 0:
        return []
    reach = max(1, grid.per_bar // 4)  # a bar line a little off the strongest unit edge
    score = np.array([novelty[max(0, c - reach) : c + reach + 1].max() for c in cand])
    peaks, props = find_peaks(np.r_[0.0, score, 0.0], prominence=p.peak_prominence)
    peaks -= 1
    edges, duration = grid.edges, float(grid.edges[-1])
    min_s = p.min_bars * grid.bar_s * 0.95
    edge_s = p.edge_bars * grid.bar_s * 0.95
    chosen: list[int] = []
    for j in np.argsort(-props["prominences"], kind="stable"):
        t = edges[cand[peaks[j]]]
        if t < edge_s or duration - t < edge_s:
            continue
        if all(abs(t - edges[c]) >= min_s for c in chosen):
            chosen.append(int(cand[peaks[j]]))
    return sorted(chosen)


# ------------------------------------------------------------------------------------- labels


def _segment_similarity(
    f: _Features, seq: np.ndarray, segs: list[tuple[int, int]], step: int, p: StructureParams
) -> np.ndarray:
    """Aligned similarity of every pair of segments, in the same key or transposed.

    A transposed match (the last chorus a step up) counts ``transpose_penalty`` less, so that
    the same material in the same key always wins.
    """
    m = len(segs)
    sim = np.eye(m)
    pairs = list(itertools.combinations(range(m), 2))
    for i, j in pairs:
        sim[i, j] = aligned_similarity(seq, segs[i], segs[j], step)
    if p.transpose_penalty < 1.0 and m > 2:
        for semitones in range(1, 12):
            shifted = _sequence_similarity(f, p, semitones=semitones)
            for i, j in pairs:
                v = aligned_similarity(shifted, segs[i], segs[j], step) - p.transpose_penalty
                sim[i, j] = max(sim[i, j], v)
    iu = np.triu_indices(m, 1)
    sim[iu[1], iu[0]] = sim[iu]
    return sim


# ---------------------------------------------------------------------------------------- API


def segment_structure(
    *,
    y: np.ndarray,
    sr: int,
    beats: Sequence[float] = (),
    downbeats: Sequence[float] = (),
    chords: Sequence[Chord] = (),
    lines: Sequence[tuple[float, float, str]] = (),
    params: StructureParams = DEFAULT_PARAMS,
) -> tuple[SectionSpan, ...]:
    """Cut a song into labelled sections that tile it from 0 to its end.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, float, nominally in [-1, 1].
    sr : int
        Sample rate of ``y`` (Hz).
    beats : sequence of float
        Beat times (s). Without them a fixed grid of ``params.fallback_grid_s`` is used.
    downbeats : sequence of float
        Bar-line times (s). Boundaries fall only on them when given, else on any beat.
    chords : sequence of Chord
        Recognised chords; their pitch classes join the chroma as harmony evidence.
    lines : sequence of (start, end, text)
        Timed lyric lines. Repeated texts pull sections into one label (choruses repeat their
        words) and lines tell sung sections from instrumental ones.
    params : StructureParams
        Tunables; :data:`DEFAULT_PARAMS` unless testing a variant.

    Returns
    -------
    tuple of SectionSpan
        In time order; the first starts at 0, each starts where the previous ends and the last
        ends at ``len(y) / sr``.

    Examples
    --------
    >>> from performia.testing import render_song
    >>> mix, truth, _ = render_song(bars=16, sr=22050)
    >>> sections = segment_structure(y=mix, sr=22050, beats=truth.beats,
    ...                              downbeats=truth.downbeats)
    >>> sections[0].start, sections[-1].end == len(mix) / 22050
    (0.0, True)
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise BadInputError(f"structure analysis needs mono audio, got shape {y.shape}")
    if int(sr) != sr or sr <= 0:
        raise BadInputError(f"sample rate must be a positive integer, got {sr!r}")
    if y.size == 0:
        raise BadInputError("structure analysis needs audio, got an empty signal")
    y = np.nan_to_num(y.astype(np.float32, copy=False))
    sr, p = int(sr), params
    duration = y.size / sr
    grid = _grid(duration, beats, downbeats, p)
    edges, n = grid.edges, len(grid.edges) - 1

    f = seq = None
    boundaries: list[int] = []
    strength = np.zeros(n + 1)
    if duration >= 2 * p.min_bars * grid.bar_s and n >= 4:
        f = _features(y, sr, edges, chords, p)
        seq = _sequence_similarity(f, p)
        scale = _section_scale(seq, grid, p)
        if scale != 1.0:
            p = replace(
                p,
                min_bars=scale * p.min_bars,
                kernel_bars=tuple(scale * b for b in p.kernel_bars),
                repeat_bars=scale * p.repeat_bars,
                repeat_min_lag_bars=scale * p.repeat_min_lag_bars,
            )
        strength = _novelty(f, seq, grid, lines, p)
        boundaries = _pick_boundaries(strength, grid, p)
        strength = strength / (strength.max() + 1e-9)
    segs = list(itertools.pairwise([0, *boundaries, n]))

    sim = np.eye(len(segs))
    if f is not None and seq is not None:
        sim = _segment_similarity(f, seq, segs, grid.step, p)
    spans = [(float(edges[a]), float(edges[b])) for a, b in segs]
    texts = [segment_lines(lines, a, b)[0] for a, b in spans] if lines else None
    lyric_sim = None
    if texts is not None:
        lyric_sim = np.eye(len(segs))
        for i, j in itertools.combinations(range(len(segs)), 2):
            lyric_sim[i, j] = lyric_sim[j, i] = lyric_similarity(texts[i], texts[j])
        sim = np.where(lyric_sim >= p.lyric_match, np.maximum(sim, 1.0), sim)
    labels = cluster(sim, p.label_threshold)

    # neighbours with the same label are one section, unless the words stop (an intro on the
    # verse's chords is still the intro)
    sung = [segment_lines(lines, a, b)[1] >= p.vocal_share for a, b in spans] if lines else None
    if sung is not None and not any(sung):
        sung = None  # lines too sparse to tell sung sections from the rest
    firsts = [
        i
        for i in range(len(segs))
        if i == 0 or labels[i] != labels[i - 1] or (sung is not None and sung[i] != sung[i - 1])
    ]
    groups = [list(range(a, b)) for a, b in itertools.pairwise([*firsts, len(segs)])]
    units = [(segs[g[0]][0], segs[g[-1]][1]) for g in groups]
    spans = [(float(edges[a]), float(edges[b])) for a, b in units]
    spans[0], spans[-1] = (0.0, spans[0][1]), (spans[-1][0], duration)
    renumber = {lab: k for k, lab in enumerate(dict.fromkeys(labels[i] for i in firsts))}
    labels = [renumber[labels[i]] for i in firsts]
    sim, lyric_sim = (
        sim[np.ix_(firsts, firsts)],
        (lyric_sim[np.ix_(firsts, firsts)] if lyric_sim is not None else None),
    )

    energy = [float(np.mean(f.energy_db[a:b])) if f is not None else 0.0 for a, b in units]
    if sung is not None:
        sung = [sung[i] for i in firsts]
    kinds = section_kinds(labels, spans, energy, sung, lyric_sim, bridge_after=p.bridge_after)
    names = section_names(kinds)
    confidences = confidence(labels, sim, [strength[a] for a, _ in units], strength[units[0][1]])
    return tuple(
        SectionSpan(a, b, letter(lab), kind, name, round(c, 3))
        for (a, b), lab, kind, name, c in zip(spans, labels, kinds, names, confidences, strict=True)
    )
