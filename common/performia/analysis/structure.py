"""Song structure: the sections a singer reads (intro, verse, chorus, bridge, solo, outro).

A section is a stretch of music that sounds of a piece and, usually, comes back. Both halves of
that sentence are measured, on a grid of beats, and sections start only on bar lines:

1. **Features per beat.** Constant-Q chroma (chords and tune), MFCCs (timbre: which instruments
   play), RMS level (energy) and, when given, the recognised chords as pitch-class templates,
   each summarised between consecutive beats so a verse played a little faster still lines up
   with the first one beat for beat.
2. **Where things change.** Three audio curves and one from the words. *Repetition*: along every
   lag of whole bars of the beat-by-beat similarity matrix, whether what follows a beat repeats
   while what precedes it does not; this finds a chorus that starts over the same instruments
   as the verse, and a second verse that follows the first. *Structure features* (Serrà et
   al., 2014): the same question asked of a nearest-neighbour recurrence plot of bar-long
   feature sequences in time-lag form, which rank-normalises the similarity so a quiet song's
   repeats count as much as a loud one's. *Contrast*: the timbre of the bars before a beat
   against the bars after it (Foote's checkerboard kernel). With lyrics, a bump where the words
   switch between lines sung again elsewhere and lines sung once.
3. **Choosing the boundaries.** All at once, by dynamic programming over the bar lines: each
   boundary earns its evidence minus a fixed cost, and each section's length pays a log-normal
   prior centred on :attr:`StructureParams.section_bars` bars, the commonest section length in
   popular music. The prior settles what the evidence alone cannot: a 16-bar verse built of
   two 8-bar halves is cut where the halves meet only when the evidence there is strong.
4. **What comes back.** Every pair of segments is compared along its best-aligned diagonal of the
   similarity matrix (the same chords and tune in the same order; also transposed, for the last
   chorus a step up), and lyric lines sung in both join them; average-linkage clustering gives
   the labels A, B, C … . Neighbours with the same label stay separate sections: a verse
   followed by another verse is two verses on a chart.
5. **What a musician calls it.** See :func:`performia.analysis.section_kinds.section_kinds`:
   the repeated, loud, most-repeated sung material is the chorus, other repeated sung material
   the verse (or a pre-chorus), once-only sections are the intro and outro at the ends, a solo
   when nobody sings, a bridge when late.
6. **How sure.** Each section's confidence is the probability that its start is a true section
   boundary (within 3 s), read off the evidence at the start by a two-parameter logistic map
   fitted on annotated recordings (:func:`boundary_confidence`).

Without beats a fixed grid of :attr:`StructureParams.fallback_grid_s` stands in for them and a bar
is taken as :attr:`StructureParams.fallback_bar_s`. :func:`baseline_structure` is the method
family the product is measured against: librosa's Laplacian segmentation.

Measurements quoted below are on the development set of 13 Beatles recordings with Isophonics
section annotations (boundary F at ±3 s over the music, product-style beats and chords), and on
the synthetic benchmark suite (``performia bench accuracy --only structure``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from performia.analysis import calibration
from performia.analysis.backends import import_librosa
from performia.analysis.chordnames import parse_chord
from performia.analysis.engines import check_profile
from performia.analysis.results import Chord, SectionSpan
from performia.analysis.section_kinds import section_kinds, section_names
from performia.analysis.section_labels import (
    aligned_similarity,
    cluster,
    letter,
    lyric_similarity,
    norm_text,
    segment_lines,
)
from performia.analysis.signal import check_mono
from performia.settings import ANALYSIS_SR

__all__ = [
    "DEFAULT_PARAMS",
    "SectionSpan",
    "StructureParams",
    "baseline_structure",
    "boundary_confidence",
    "music_span",
    "segment_structure",
]


@dataclass(frozen=True)
class StructureParams:
    """Every tunable of the structure analysis, defined once.

    Bar counts refer to *structural* bars (see :attr:`min_bar_s`). The notes quote the
    development set's boundary F at ±3 s (0.808 with these values) when that one value alone is
    changed; most sit on a plateau, and the two that set how many boundaries a song gets,
    :attr:`section_bars` and :attr:`boundary_cost`, only jointly.
    """

    #: Feature sample rate (Hz); the input is resampled to it when another rate was chosen,
    #: because the values below were tuned at this rate.
    sr: int = ANALYSIS_SR
    #: Feature hop (samples at :attr:`sr`): 23 ms frames, averaged per beat afterwards.
    hop_length: int = 512
    #: Shortest section, in bars, the first and last included (1 bar: 0.808, 3 bars: 0.783).
    min_bars: float = 2.0
    #: Half-width of the timbre contrast windows, in bars: 4 bars before an edge against 4 after
    #: spans a whole chord cycle, so chord changes inside a section cancel out (2 bars: 0.801,
    #: 8 bars: 0.798).
    contrast_bars: float = 4.0
    #: Beats per bar assumed when beats come without downbeats.
    beats_per_bar: int = 4
    #: Grid step (s) when no beats are given.
    fallback_grid_s: float = 0.5
    #: Bar length (s) assumed when no beats are given (a 4/4 bar at 120 BPM).
    fallback_bar_s: float = 2.0
    #: Shortest structural bar (s): tracked bars shorter than this (a 4/4 bar above 160 BPM, in
    #: practice a beat tracker on the double tempo or a 6/8 read as two bars of 3/8) are grouped
    #: in twos, or more, before counting bars (1.2 s: 0.785, 2.0 s: 0.749, no grouping: 0.742).
    min_bar_s: float = 1.5
    #: Weights of the novelty curves, each first scaled by its 90th percentile on bar lines. The
    #: audio weights sum to 1, so the curve's units are "90th percentiles"; the lyric bump adds
    #: to them. Timbre 0 scores 0.813 and 0.2 scores 0.779 (it is kept for instruments coming
    #: in, which the synthetic suite needs); repetition alone 0.803, structure features and
    #: timbre without repetition 0.674; energy and pitch-class contrast (0.15 each) 0.741.
    novelty_weights: tuple[tuple[str, float], ...] = (
        ("repetition", 0.7),
        ("structure", 0.2),
        ("timbre", 0.1),
        ("lyrics", 0.25),
    )
    #: Half-width (bars) of the windows compared along each lag when looking for repeats (2 bars:
    #: 0.784, 6 bars: 0.774) …
    repeat_bars: float = 4.0
    #: … and the shortest lag (bars) that counts as a repeat: a 4-bar chord cycle repeating
    #: inside an 8-bar verse is not a new section (6 bars: 0.803, 12 bars: 0.808).
    repeat_min_lag_bars: float = 8.0
    #: Weights of harmony, timbre and energy in the similarity behind repeats and labels (same
    #: material means the same chords and tune, so harmony counts most).
    repeat_weights: tuple[float, float, float] = (0.65, 0.25, 0.1)
    #: Weight of the given chords' pitch classes against the chroma (which holds the tune too).
    chord_weight: float = 0.3
    #: Energy difference (dB) at which the energy similarity falls to exp(-1/2).
    energy_scale_db: float = 4.0
    #: Structure features: each unit's nearest neighbours are this share of all units (Serrà
    #: et al.'s kappa; 0.02: 0.801, 0.08: 0.798) …
    recurrence_share: float = 0.04
    #: … among feature sequences this many bars long (2 bars: 0.779) …
    recurrence_bars: float = 1.0
    #: … and the time-lag plot is smoothed over this many bars (0.5 bar: 0.790, 2 bars: 0.781) …
    lag_smooth_bars: float = 1.0
    #: … with timbre weighted this much against the pitch-class profile (0: 0.798, 1: 0.801).
    recurrence_timbre: float = 0.3
    #: Length (bars) that sections are expected to have: the centre of the log-normal prior.
    #: With the boundary cost held, 6 bars score 0.693 and 10 bars 0.632: the prior and the cost
    #: together set how many boundaries a song gets. Over costs 0.8–1.2 and weights 0.5–1.5,
    #: 8 bars scores 0.715–0.808, 6 bars at best 0.791 and 10 bars at best 0.715; choosing all
    #: three on 12 songs and scoring the 13th (nested leave-one-out) gives 0.732.
    section_bars: float = 8.0
    #: Spread of that prior (natural log units: 0.5 puts 4 and 16 bars one standard deviation
    #: and a bit away; 0.35: 0.790, 0.7: 0.785).
    section_spread: float = 0.5
    #: Weight of the length prior against the evidence (0.5: 0.796, 0.75: 0.786, 1.5: 0.788).
    length_weight: float = 1.0
    #: Evidence (in 90th percentiles) a boundary must bring to pay for itself (0.7: 0.791, 0.8:
    #: 0.806, 1.1: 0.799, 1.2: 0.795).
    boundary_cost: float = 1.0
    #: Two segments share a label when their aligned similarity reaches this (−1 … 1; pairwise
    #: F 0.727 here, 0.725 at 0.5, 0.670 at 0.7).
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
#: Level below the loudest moment (dB) under which the music has not started or has ended.
MUSIC_TOP_DB = 40.0
#: The first and last section are cut to the music only if this much of them remains (s).
MIN_EDGE_SECTION_S = 1.0


# ------------------------------------------------------------------------------------ the grid


@dataclass(frozen=True)
class _Grid:
    edges: np.ndarray  # (n + 1,) unit edges in seconds, 0 … duration
    candidates: np.ndarray  # indices into edges where a boundary may fall (bar lines)
    per_bar: int  # units in one structural bar
    bar_s: float  # seconds in one structural bar
    step: int  # units between comparable positions: a tracked bar when known, else 1


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
    step = per_bar if metered else 1
    group = _bars_grouped(bar_s, p.min_bar_s)
    return _Grid(edges, cand, group * per_bar, group * bar_s, step)


def _bars_grouped(bar_s: float, min_bar_s: float) -> int:
    """How many tracked bars make one structural bar: the fewest lasting ``min_bar_s``.

    Sections are counted in bars, and a tracker that reads a 6/8 song as bars of 3/8 or follows
    the double tempo halves the bar: its sections would look twice as many bars long.

    Examples
    --------
    >>> _bars_grouped(2.0, 1.5), _bars_grouped(1.27, 1.5), _bars_grouped(0.7, 1.5)
    (1, 2, 3)
    """
    return max(1, int(np.ceil(min_bar_s / bar_s - 1e-9))) if bar_s > 0 else 1


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


def _timbre_novelty(f: _Features, half: int) -> np.ndarray:
    """How much the timbre of the ``half`` units before each unit edge differs from after it.

    The distance between the feature means of the two windows is what Foote's checkerboard
    kernel computes on a squared-distance self-similarity matrix (across-block minus within-block
    distances equals the squared distance of the block means), without building the matrix:
    instruments coming in or dropping out. Energy and pitch-class contrast were measured too and
    left out: on recordings they mostly fire inside sections (a fill, a held chord).
    """
    before, after = _window_means(f.timbre, half)
    out = np.linalg.norm(after - before, axis=0) / np.sqrt(f.timbre.shape[0])
    out[[0, -1]] = 0.0
    return out


def _embed(x: np.ndarray, m: int) -> np.ndarray:
    """Time-delay embedding: each column stacked with the ``m - 1`` columns before it.

    The first columns repeat the first column for the history they lack.

    Examples
    --------
    >>> _embed(np.array([[1.0, 2.0, 3.0]]), 2)
    array([[1., 1., 2.],
           [1., 2., 3.]])
    """
    n = x.shape[1]
    padded = np.concatenate([np.repeat(x[:, :1], m - 1, axis=1), x], axis=1)
    return np.vstack([padded[:, k : k + n] for k in range(m)])


def _recurrence(x: np.ndarray, k: int) -> np.ndarray:
    """Mutual k-nearest-neighbour recurrence plot (cosine similarity of the columns), 0 or 1.

    Two units recur when each is among the other's ``k`` most similar: a rank rather than a
    level, so repeats in a quiet, uniform song stand out as clearly as in a varied one.
    """
    z = _unit_normalise(x)
    sim = z.T @ z
    np.fill_diagonal(sim, -np.inf)
    kth = np.partition(sim, -k, axis=1)[:, -k][:, None]
    near = sim >= kth
    return (near & near.T).astype(float)


def _structure_novelty(f: _Features, grid: _Grid, p: StructureParams) -> np.ndarray:
    """Where the pattern of repetitions changes, after Serrà et al.'s structure features.

    The recurrence plot of bar-long feature sequences is turned into a time-lag plot (row = lag,
    column = time), smoothed over a bar in time, and the novelty is the distance between
    successive columns: an edge where what repeats, and how far back, changes.
    """
    from scipy.ndimage import gaussian_filter1d

    x = np.vstack([f.harmony, p.recurrence_timbre * f.timbre / np.sqrt(f.timbre.shape[0])])
    n = x.shape[1]
    out = np.zeros(n + 1)
    k = max(2, int(p.recurrence_share * n))
    if n <= 2 * k:
        return out
    rec = _recurrence(_embed(x, max(1, round(p.recurrence_bars * grid.per_bar))), k)
    units = np.arange(n)
    lag = rec[(units[:, None] + units[None, :]) % n, units[None, :]]  # lag[l, t] = rec[t + l, t]
    lag = gaussian_filter1d(lag, 0.5, axis=0)
    lag = gaussian_filter1d(lag, max(0.5, p.lag_smooth_bars * grid.per_bar), axis=1)
    out[1:n] = np.linalg.norm(np.diff(lag, axis=1), axis=0)
    return out


def _repetition_novelty(s: np.ndarray, step: int, half: int, min_lag: int) -> np.ndarray:
    """Where what repeats, and how far back, changes: diagonal means of the similarity matrix.

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
    """Bumps where the words mark a section: the voice coming in, or the lyrics switching.

    The voice coming in is the first line after two bars or more without words (an intro, a
    solo). The switch is between lines sung again elsewhere and lines sung once, and only
    between runs of two lines or more: a chorus repeats several lines, and one line that
    happens to recur (a hook in the verse) is not a section.
    """
    texts = [norm_text(str(t)) for _, _, t in lines]
    counts = Counter(texts)
    repeated = [bool(t) and counts[t] > 1 for t in texts]
    runs = [len(list(g)) for _, g in itertools.groupby(repeated)]
    first = np.cumsum([0, *runs])  # index of each run's first line
    at = [
        0.5 * (float(lines[first[k] - 1][1]) + float(lines[first[k]][0]))
        for k in range(1, len(runs))
        if runs[k - 1] >= 2 and runs[k] >= 2
    ]
    ends = [0.0, *(float(b) for _, b, _ in lines[:-1])]
    at += [float(a) for (a, _, _), end in zip(lines, ends, strict=True) if a - end >= 2 * bar_s]
    out = np.zeros(len(edges))
    for t in at:
        out = np.maximum(out, np.exp(-0.5 * ((edges - t) / (0.5 * bar_s)) ** 2))
    return out


#: Smallest scale of each novelty curve, under its 90th percentile on every development recording
#: (timbre 0.63–0.93, repetition 0.42–0.80, structure 0.14–0.26), so a steady sound's small
#: wobbles stay small. Lyric bumps are already 0–1.
_NOVELTY_FLOOR = {
    "timbre": 0.5,
    "repetition": 0.3,
    "structure": 0.06,
    "lyrics": 1.0,
}


#: Evidence (in 90th percentiles) below which nothing changes anywhere (silence, a steady drone:
#: float32 rounding leaves about 1e-5): such a song stays whole instead of being cut by the
#: length prior alone.
_NO_EVIDENCE = 1e-3


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
    """Combined boundary evidence at every unit edge (repetition, structure, timbre, lyrics)."""
    curves = {
        "timbre": _timbre_novelty(f, max(2, round(p.contrast_bars * grid.per_bar))),
        "structure": _structure_novelty(f, grid, p),
        "repetition": _repetition_novelty(
            seq,
            grid.step,
            max(1, round(p.repeat_bars * grid.per_bar)),
            max(1, round(p.repeat_min_lag_bars * grid.per_bar)),
        ),
    }
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


def _bar_evidence(novelty: np.ndarray, grid: _Grid) -> np.ndarray:
    """The novelty at each bar line: the highest within a quarter of a bar of it.

    A section's first chord is often anticipated or its change lands a beat late; the bar line
    takes the strongest evidence from the beat or so around it.
    """
    reach = max(1, grid.step // 4)
    return np.array([novelty[max(0, c - reach) : c + reach + 1].max() for c in grid.candidates])


def _length_prior(length: np.ndarray, expected: float, spread: float) -> np.ndarray:
    """Log-normal log-likelihood (up to a constant) of section lengths around ``expected``.

    Examples
    --------
    >>> _length_prior(np.array([4.0, 16.0]), 8.0, 0.5).round(2)  # half and double alike
    array([-0.96, -0.96])
    """
    return -0.5 * (np.log(np.maximum(length, 1e-9) / expected) / spread) ** 2


def _best_cuts(
    times: np.ndarray,
    gains: np.ndarray,
    *,
    duration: float,
    shortest: float,
    expected: float,
    spread: float,
    weight: float,
) -> list[int]:
    """Indices of ``times`` maximising their ``gains`` plus ``weight`` × every length's prior.

    Dynamic programming over cut points 0, ``times`` …, ``duration``: the best segmentation
    ending at each point is the best one ending at an earlier point plus one segment, scored by
    :func:`_length_prior`. No segment may be shorter than ``shortest``; the first and last
    segments (intro and ending) pay no prior for being shorter than ``expected``, only for
    being longer.

    Examples
    --------
    >>> _best_cuts(np.array([8.0, 12.0, 16.0]), np.array([1.0, -0.5, 1.0]), duration=24.0,
    ...            shortest=2.0, expected=8.0, spread=0.5, weight=1.0)
    [0, 2]
    """
    points = np.concatenate(([0.0], times, [duration]))
    gain = np.concatenate(([0.0], gains, [0.0]))
    n = len(points)
    best = np.full(n, -np.inf)
    best[0] = 0.0
    back = np.zeros(n, dtype=int)
    for j in range(1, n):
        length = points[j] - points[:j]
        prior = weight * _length_prior(length, expected, spread)
        at_end = np.arange(j) == 0 if j < n - 1 else np.ones(j, dtype=bool)
        prior = np.where(at_end & (length < expected), 0.0, prior)
        total = best[:j] + prior + gain[j]
        total[length < shortest] = -np.inf
        back[j] = int(np.argmax(total))
        best[j] = total[back[j]]
    cuts, j = [], int(back[n - 1])
    while j > 0:
        cuts.append(j - 1)
        j = int(back[j])
    return sorted(cuts)


def _pick_boundaries(evidence: np.ndarray, grid: _Grid, p: StructureParams) -> list[int]:
    """Which bar lines (positions in ``grid.candidates``) start sections, chosen together.

    Each boundary gains its evidence less :attr:`StructureParams.boundary_cost`; each section
    length adds :attr:`StructureParams.length_weight` times its :func:`_length_prior` around
    :attr:`StructureParams.section_bars` bars (see :func:`_best_cuts`). The shortest section
    gets 5 % slack, so a bar that drifts a little short still counts as a whole one.
    """
    cand = grid.candidates
    if cand.size == 0:
        return []
    return _best_cuts(
        grid.edges[cand],
        evidence - p.boundary_cost,
        duration=float(grid.edges[-1]),
        shortest=0.95 * p.min_bars * grid.bar_s,
        expected=p.section_bars * grid.bar_s,
        spread=p.section_spread,
        weight=p.length_weight,
    )


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


# ---------------------------------------------------------------------------------- confidence


def boundary_confidence(evidence: np.ndarray | float, profile: str = "default") -> np.ndarray:
    """Probability that a section boundary with this evidence is within 3 s of a true one.

    A logistic map (``calibration.PLATT["section", profile]``) of the combined novelty at the
    boundary (in 90th percentiles, as :func:`_pick_boundaries` weighs it) with two parameters,
    fitted by ``performia bench calibrate`` on the development set's section starts against the
    Isophonics annotations. The maps differ between profiles because their beats and chords do.

    Examples
    --------
    >>> bool(np.all(np.diff(boundary_confidence(np.array([0.5, 0.8, 1.0, 1.5]))) > 0))
    True
    """
    return calibration.calibrate("section", evidence, profile=profile)


def _section_confidences(chosen: np.ndarray, strongest: float, profile: str) -> list[float]:
    """Each section's confidence: that of its start, the first section's that of its end.

    ``chosen`` is the evidence at each chosen boundary in time order. A song left whole has no
    boundary to judge: its confidence is that no bar line is a boundary, one minus the
    confidence of the strongest evidence anywhere.
    """
    if chosen.size == 0:
        return [float(1.0 - boundary_confidence(strongest, profile))]
    conf = boundary_confidence(chosen, profile)
    return [float(conf[0]), *(float(c) for c in conf)]


# ---------------------------------------------------------------------------------------- API


def _scaled(p: StructureParams, scale: float) -> StructureParams:
    """``p`` with every bar count multiplied by ``scale`` (see :func:`_section_scale`)."""
    if scale == 1.0:
        return p
    return replace(
        p,
        min_bars=scale * p.min_bars,
        contrast_bars=scale * p.contrast_bars,
        repeat_bars=scale * p.repeat_bars,
        repeat_min_lag_bars=scale * p.repeat_min_lag_bars,
        section_bars=scale * p.section_bars,
    )


def segment_structure(
    *,
    y: np.ndarray,
    sr: int,
    beats: Sequence[float] = (),
    downbeats: Sequence[float] = (),
    chords: Sequence[Chord] = (),
    lines: Sequence[tuple[float, float, str]] = (),
    params: StructureParams = DEFAULT_PARAMS,
    profile: str = "default",
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
    profile : str
        Engine profile of the beats and chords given, for the confidence map.

    Returns
    -------
    tuple of SectionSpan
        In time order, each starting where the previous ends: they tile the music, from its
        first sound to its last (:func:`music_span`; the chart stretches the first and last
        section to the ends of the recording). ``confidence`` is the probability that the
        section's start (the first section's end) lies within 3 s of a true boundary.

    Examples
    --------
    >>> from performia.testing import render_song
    >>> mix, truth, _ = render_song(bars=16, sr=22050)
    >>> sections = segment_structure(y=mix, sr=22050, beats=truth.beats,
    ...                              downbeats=truth.downbeats)
    >>> round(sections[0].start, 1), sections[-1].end < len(mix) / 22050  # 0.5 s lead-in
    (0.5, True)
    """
    y = check_mono(y, sr, nonempty=True)
    sr, p = int(sr), params
    duration = y.size / sr
    grid = _grid(duration, beats, downbeats, p)
    edges, n = grid.edges, len(grid.edges) - 1

    f = seq = None
    cuts: list[int] = []
    evidence = np.zeros(len(grid.candidates))
    if duration >= 2 * p.min_bars * grid.bar_s and n >= 4:
        f = _features(y, sr, edges, chords, p)
        seq = _sequence_similarity(f, p)
        p = _scaled(p, _section_scale(seq, grid, p))
        evidence = _bar_evidence(_novelty(f, seq, grid, lines, p), grid)
        cuts = _pick_boundaries(evidence, grid, p) if evidence.max() > _NO_EVIDENCE else []
    segs = list(itertools.pairwise([0, *(int(grid.candidates[k]) for k in cuts), n]))

    sim = np.eye(len(segs))
    if f is not None and seq is not None:
        sim = _segment_similarity(f, seq, segs, grid.step, p)
    spans = [(float(edges[a]), float(edges[b])) for a, b in segs]
    lyric_sim = None
    if lines:
        texts = [segment_lines(lines, a, b)[0] for a, b in spans]
        lyric_sim = np.eye(len(segs))
        for i, j in itertools.combinations(range(len(segs)), 2):
            lyric_sim[i, j] = lyric_sim[j, i] = lyric_similarity(texts[i], texts[j])
        sim = np.where(lyric_sim >= p.lyric_match, np.maximum(sim, 1.0), sim)
    labels = cluster(sim, p.label_threshold)

    sung = [segment_lines(lines, a, b)[1] >= p.vocal_share for a, b in spans] if lines else None
    if sung is not None and not any(sung):
        sung = None  # lines too sparse to tell sung sections from the rest
    energy = [float(np.mean(f.energy_db[a:b])) if f is not None else 0.0 for a, b in segs]
    kinds = section_kinds(labels, spans, energy, sung, lyric_sim, bridge_after=p.bridge_after)
    names = section_names(kinds)
    confidences = _section_confidences(
        evidence[cuts], float(evidence.max(initial=0.0)), check_profile(profile)
    )
    first, last = music_span(y, sr)
    if first < spans[0][1] - MIN_EDGE_SECTION_S:
        spans[0] = (max(spans[0][0], first), spans[0][1])
    if last > spans[-1][0] + MIN_EDGE_SECTION_S:
        spans[-1] = (spans[-1][0], min(spans[-1][1], last))
    return tuple(
        SectionSpan(a, b, letter(lab), kind, name, round(c, 3))
        for (a, b), lab, kind, name, c in zip(spans, labels, kinds, names, confidences, strict=True)
    )


def music_span(y: np.ndarray, sr: int) -> tuple[float, float]:
    """Where the music starts and ends (seconds): the first and last frame within
    :data:`MUSIC_TOP_DB` of the loudest (``librosa.effects.trim``).

    Annotators mark the silence before the first sound and after the last (or after a fade) as
    a section of its own; sections tiling the whole file miss those two boundaries. On the
    development set's 13 songs, boundary F@3 over the whole recording (silence included) rises
    from 0.737 to 0.816 with the sections cut to the music, F@0.5 from 0.535 to 0.634 (at 30
    to 60 dB: 0.806-0.816).
    """
    librosa = import_librosa()
    if not np.any(y):
        return 0.0, len(y) / sr
    _, (start, end) = librosa.effects.trim(y, top_db=MUSIC_TOP_DB, frame_length=2048,
                                           hop_length=512)  # fmt: skip
    return float(start / sr), float(end / sr)


# ----------------------------------------------------------------------------------- baseline


def baseline_structure(
    *, y: np.ndarray, sr: int, beats: Sequence[float] = (), clusters: int = 5, **_: object
) -> tuple[SectionSpan, ...]:
    """The method family the product is measured against: librosa's Laplacian segmentation.

    McFee and Ellis (ISMIR 2014) as librosa's gallery example runs it: beat-synchronous
    constant-Q recurrence (nearest neighbours, smoothed along its diagonals) joined with an
    MFCC path graph, the normalised Laplacian's first ``clusters`` eigenvectors, k-means into
    ``clusters`` labels, and a boundary wherever the label changes from one beat to the next.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    sr : int
        Sample rate (Hz).
    beats : sequence of float
        Beat times (s); librosa's beat tracker when empty.
    clusters : int
        Number of labels (the example's 5).

    Returns
    -------
    tuple of SectionSpan
        Tiling ``[0, len(y) / sr]``; every kind "section", no confidence (0).
    """
    from scipy.cluster.vq import kmeans2
    from scipy.linalg import eigh
    from scipy.ndimage import median_filter
    from scipy.sparse.csgraph import laplacian

    y = check_mono(y, sr, nonempty=True)
    librosa = import_librosa()
    duration = y.size / sr
    bins = 36
    cqt = np.abs(librosa.cqt(y=y, sr=sr, bins_per_octave=bins, n_bins=7 * bins))
    cqt_db = librosa.amplitude_to_db(cqt, ref=np.max)
    n_frames = cqt_db.shape[1]
    times = _clean_times(beats, duration)
    if times.size < 2:
        _, frames = librosa.beat.beat_track(y=y, sr=sr, trim=False)
    else:
        frames = librosa.time_to_frames(times, sr=sr)
    bounds = librosa.util.fix_frames(frames, x_min=0, x_max=n_frames)
    if len(bounds) <= clusters + 1:
        return (SectionSpan(0.0, duration, "A", "section", "Song", 0.0),)
    c_sync = librosa.util.sync(cqt_db, bounds, aggregate=np.median)
    rec = librosa.segment.recurrence_matrix(c_sync, width=3, mode="affinity", sym=True)
    rec = librosa.segment.timelag_filter(median_filter)(rec, size=(1, 7))
    m_sync = librosa.util.sync(librosa.feature.mfcc(y=y, sr=sr), bounds)
    path_distance = np.sum(np.diff(m_sync, axis=1) ** 2, axis=0)
    path_sim = np.exp(-path_distance / max(float(np.median(path_distance)), 1e-9))
    path = np.diag(path_sim, k=1) + np.diag(path_sim, k=-1)
    deg_path, deg_rec = path.sum(axis=1), rec.sum(axis=1)
    mu = deg_path.dot(deg_path + deg_rec) / max(float(np.sum((deg_path + deg_rec) ** 2)), 1e-9)
    _, vecs = eigh(laplacian(mu * rec + (1 - mu) * path, normed=True))
    vecs = median_filter(vecs, size=(9, 1))
    norm = np.cumsum(vecs**2, axis=1) ** 0.5
    x = vecs[:, :clusters] / np.maximum(norm[:, clusters - 1 : clusters], 1e-9)
    _, ids = kmeans2(x, clusters, seed=0, minit="++")
    starts = np.concatenate(([0], 1 + np.flatnonzero(ids[:-1] != ids[1:])))
    edges = librosa.frames_to_time(bounds, sr=sr)
    edges[0], edges[-1] = 0.0, duration
    cut = [*edges[starts].tolist(), duration]
    order = {c: k for k, c in enumerate(dict.fromkeys(ids[starts].tolist()))}
    names = section_names(["section"] * len(starts))
    return tuple(
        SectionSpan(float(a), float(b), letter(order[int(c)]), "section", name, 0.0)
        for a, b, c, name in zip(cut[:-1], cut[1:], ids[starts], names, strict=True)
    )
