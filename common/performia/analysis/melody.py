"""Melody: the sung pitch contour (f0 per frame) and the notes it holds.

The contour comes from essentia's ``PredominantPitchMelodia`` (Salamon & Gómez 2012): harmonic
summation salience, pitch contours tracked through time, and contour selection that keeps the
melodic line and drops accompaniment. It was chosen by measurement (mir_eval overall accuracy on
synthesised songs with exact note truth, 5 songs of 30 s, male to soprano ranges) over librosa's
``pyin``, essentia's ``PitchYinProbabilistic`` and monophonic ``PitchMelodia``:

* clean vocal stem 0.96, full mix 0.97, a reverberant formant voice with accompaniment bleed at
  -15 dB 0.97 (monophonic ``PitchMelodia`` 0.93), the same voice inside the mix 0.79
  (``PitchMelodia`` 0.58, ``pyin`` 0.21: monophonic trackers follow whatever is loudest);
* 1.3-1.7 s for a 3-minute song on one core, this module's extra steps included; ``pyin`` takes
  6-9 s per 30 s and scores 0.51 on a mix;
* ``PitchYinProbabilistic`` in essentia 2.1b6 returns wrong pitches even for a pure sine (146.8 Hz
  for 220 Hz with a 2048-sample frame), so it is unusable.

The same tracker serves a separated vocal stem, which still carries bleed and reverb, with a
looser contour-voicing rule (see ``_MELODIA``).

Melodia's own per-frame "confidence" is a salience in signal units (it scales with the level), so
the confidence here is the *harmonic share* of each frame: how much of the spectral energy lies on
the harmonics of the tracked f0, beyond what broadband noise would put there by chance (0 for
noise, 1 for a pure harmonic tone, about 0.3-0.6 for a voice inside a mix).

Notes are segmented from the contour: voiced stretches split at unvoiced frames, then where the
mean pitch over the next 160 ms differs from the mean over the previous 160 ms by 0.7 semitone or
more (a window one vibrato cycle long, so vibrato up to about ±1 semitone never splits a note),
then, on one pitch, where the melody's own harmonic level dips by 9 dB (a repeated note sung
legato). Each note's pitch is the median of its frames, in fractional MIDI.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d

from performia.analysis.backends import import_essentia, import_librosa
from performia.analysis.results import MelodyNote
from performia.analysis.signal import check_mono, scaled

__all__ = [
    "ENGINE",
    "FMAX_HZ",
    "FMIN_HZ",
    "FRAME_LENGTH",
    "HOP_LENGTH",
    "SOURCES",
    "PitchTrack",
    "baseline_melody",
    "harmonic_share",
    "segment_notes",
    "track_pitch",
]

#: Lowest and highest sung fundamental tracked (Hz): C2 (a bass's low notes) to D#6, which leaves a
#: soprano's C6 room for a semitone of vibrato (with 1100 Hz, a C6 sung with vibrato was lost).
FMIN_HZ = 65.0
FMAX_HZ = 1250.0
#: Analysis frame (samples at ``ANALYSIS_SR``): 46 ms, Melodia's published 2048 samples at 44.1 kHz.
FRAME_LENGTH = 1024
#: Hop between pitch frames (samples at ``ANALYSIS_SR``): 11.6 ms. Measured better than 64 or 128
#: with Melodia's contour-continuity defaults, and twice as fast as 128.
HOP_LENGTH = 256
#: The engine behind :func:`track_pitch`, for the stage's provenance.
ENGINE = "essentia PredominantPitchMelodia"
#: Signals :func:`track_pitch` accepts: a full mix or a separated vocal stem.
SOURCES = ("mix", "vocals")

#: Melodia settings per source, each measured (see the module docstring). ``voiceVibrato`` keeps
#: contours with vocal vibrato. Melodia drops every contour whose mean salience is below the mean
#: of all contours minus ``voicingTolerance`` standard deviations: on a mix, 0.5 (default 0.2)
#: keeps the quieter sung phrases and raised accuracy from 0.94 to 0.97; on a vocal stem, where
#: nearly every contour is the voice, that rule dropped two of seven identical repeated notes, so
#: the stem uses 0.9 and leaves voicing to the harmonic share.
_MELODIA = {
    "mix": {"voiceVibrato": True, "voicingTolerance": 0.5},
    "vocals": {"voiceVibrato": True, "voicingTolerance": 0.9},
}
#: Frames whose harmonic share is below this are unvoiced: a "pitch" that explains no more energy
#: than noise would (drums, breath). Melody frames score 0.15-0.95 on stems and mixes alike; drum
#: hits under 0.01. Raised note F on the mix from 0.97 to 0.99 and removes every drum "note".
_MIN_SHARE = 0.05
#: Harmonics counted by :func:`harmonic_share`, and the band it measures (Hz).
_SHARE_HARMONICS = 20
_SHARE_BAND_HZ = (50.0, 5000.0)
_SHARE_N_FFT = 4096


@dataclass(frozen=True, eq=False)
class PitchTrack:
    """A pitch contour: one frame every ``HOP_LENGTH`` samples.

    Attributes
    ----------
    times : np.ndarray, shape (n,)
        Frame centres (seconds).
    f0_hz : np.ndarray, shape (n,)
        Fundamental frequency (Hz); 0 where no melody sounds.
    confidence : np.ndarray, shape (n,)
        Harmonic share of each frame in [0, 1] (see :func:`harmonic_share`); 0 where unvoiced.
    level_db : np.ndarray, shape (n,), or None
        The melody's own level (power on its harmonics, dB; -inf where unvoiced), which
        :func:`segment_notes` uses to split repeated notes on one pitch. Not part of
        :meth:`to_array`: a track read back from ``f0.npy`` has none.
    """

    times: np.ndarray
    f0_hz: np.ndarray
    confidence: np.ndarray
    level_db: np.ndarray | None = None

    def __post_init__(self) -> None:
        arrays = [self.times, self.f0_hz, self.confidence]
        if self.level_db is not None:
            arrays.append(self.level_db)
        shapes = {np.shape(a) for a in arrays}
        if len(shapes) != 1 or np.ndim(self.times) != 1:
            raise ValueError(f"the track's arrays must be 1-D and of one length, got {shapes}")

    @property
    def voiced(self) -> np.ndarray:
        """Boolean mask of frames with a melody pitch."""
        return self.f0_hz > 0

    @property
    def midi(self) -> np.ndarray:
        """Pitch as fractional MIDI numbers (69 = A4 = 440 Hz); NaN where unvoiced."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.voiced, 69.0 + 12.0 * np.log2(self.f0_hz / 440.0), np.nan)

    def to_array(self) -> np.ndarray:
        """Rows ``times, f0_hz, confidence`` as float32, shape (3, n): the ``f0.npy`` artifact."""
        return np.stack([self.times, self.f0_hz, self.confidence]).astype(np.float32)

    @classmethod
    def from_array(cls, array: np.ndarray) -> PitchTrack:
        """Inverse of :meth:`to_array`."""
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] != 3:
            raise ValueError(f"expected shape (3, n), got {array.shape}")
        return cls(array[0].copy(), array[1].copy(), array[2].copy())


def _harmonic_power(
    y: np.ndarray, sr: int, times: np.ndarray, f0_hz: np.ndarray, *, n_fft: int, halfwidth: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per voiced frame: power on the harmonics, power in the band, share of band bins counted.

    Frames are Hann-windowed, ``n_fft`` long and centred on ``times``; the harmonics are the first
    ``_SHARE_HARMONICS`` multiples of f0 inside ``_SHARE_BAND_HZ``, each ``±halfwidth`` bins.
    Returned arrays have one entry per frame with ``f0_hz > 0``.
    """
    voiced = np.flatnonzero(f0_hz > 0)
    harmonic = np.zeros(voiced.size)
    band = np.zeros(voiced.size)
    coverage = np.zeros(voiced.size)
    if voiced.size == 0 or y.size == 0:
        return harmonic, band, coverage
    half = n_fft // 2
    padded = np.pad(y.astype(np.float64), (half, half))
    centres = np.clip(np.round(times[voiced] * sr).astype(int), 0, len(y))
    window = np.hanning(n_fft)
    bin_hz = sr / n_fft
    lo = int(np.ceil(_SHARE_BAND_HZ[0] / bin_hz))
    hi = min(int(_SHARE_BAND_HZ[1] / bin_hz) + 1, half + 1)
    k = np.arange(1, _SHARE_HARMONICS + 1)
    for chunk in np.array_split(np.arange(voiced.size), max(1, voiced.size // 512)):
        frames = padded[centres[chunk, None] + np.arange(n_fft)] * window
        power = np.abs(np.fft.rfft(frames, axis=1)[:, lo:hi]) ** 2
        centre_bins = np.round(f0_hz[voiced[chunk], None] * k / bin_hz).astype(int) - lo
        mask = np.zeros(power.shape, dtype=bool)
        rows = np.broadcast_to(np.arange(len(chunk))[:, None], centre_bins.shape)
        for offset in range(-halfwidth, halfwidth + 1):
            idx = centre_bins + offset
            ok = (idx >= 0) & (idx < power.shape[1])
            mask[rows[ok], idx[ok]] = True
        harmonic[chunk] = (power * mask).sum(axis=1)
        band[chunk] = power.sum(axis=1)
        coverage[chunk] = mask.mean(axis=1)
    return harmonic, band, coverage


def harmonic_share(*, y: np.ndarray, sr: int, times: np.ndarray, f0_hz: np.ndarray) -> np.ndarray:
    """How much of each frame's energy lies on the harmonics of ``f0_hz``, beyond chance.

    The energy within ±2 bins (of a 186 ms frame) of the first 20 harmonics inside 50-5000 Hz,
    over the frame's energy in that band, rescaled so that a flat spectrum scores 0 and a purely
    harmonic one 1. Level-independent, unlike Melodia's salience, so it serves as a confidence.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Sample rate (Hz).
    times : np.ndarray, shape (m,)
        Frame centres (seconds).
    f0_hz : np.ndarray, shape (m,)
        Fundamental per frame (Hz); frames with 0 score 0.

    Returns
    -------
    np.ndarray, shape (m,)
        Harmonic share in [0, 1].
    """
    y = check_mono(y, sr)
    f0_hz = np.asarray(f0_hz, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    out = np.zeros(len(f0_hz))
    harmonic, band, coverage = _harmonic_power(
        y, sr, times, f0_hz, n_fft=scaled(_SHARE_N_FFT, sr), halfwidth=2
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(band > 0, harmonic / band, 0.0)
        excess = np.where(coverage < 1, (share - coverage) / (1.0 - coverage), 0.0)
    out[f0_hz > 0] = np.clip(np.nan_to_num(excess), 0.0, 1.0)
    return out


def _harmonic_level_db(y: np.ndarray, sr: int, times: np.ndarray, f0_hz: np.ndarray) -> np.ndarray:
    """Power on the harmonics of f0 in a short (46 ms) frame, in dB; -inf where unvoiced.

    The melody's own loudness: it dips between repeated notes even where the accompaniment
    goes on, which the mix level does not.
    """
    out = np.full(len(f0_hz), -np.inf)
    harmonic, _, _ = _harmonic_power(
        y, sr, times, f0_hz, n_fft=scaled(FRAME_LENGTH, sr), halfwidth=1
    )
    with np.errstate(divide="ignore"):
        out[f0_hz > 0] = 10.0 * np.log10(harmonic)
    return out


def track_pitch(*, y: np.ndarray, sr: int, source: str = "mix") -> PitchTrack:
    """The melody's pitch contour.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, nominally in [-1, 1].
    sr : int
        Sample rate (Hz); frame and hop keep their duration at any rate.
    source : {"mix", "vocals"}
        What ``y`` is: a full mix (the predominant melody is tracked) or a separated vocal stem.

    Returns
    -------
    PitchTrack
        One frame every ``HOP_LENGTH`` samples (at ``ANALYSIS_SR``); f0 0 where no melody sounds.

    Examples
    --------
    >>> from performia.testing import render_melody, NoteTruth
    >>> y = render_melody([NoteTruth(69, 0.1, 1.1)], sr=22050, duration=1.3)
    >>> track = track_pitch(y=y, sr=22050)
    >>> round(float(np.median(track.f0_hz[track.voiced])))
    440
    """
    if source not in _MELODIA:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    y = check_mono(y, sr)
    hop = scaled(HOP_LENGTH, sr)
    frame = scaled(FRAME_LENGTH, sr)
    if y.size < frame:  # too short for one analysis frame: nothing sounds long enough to be a note
        times = np.arange(y.size // hop + 1) * hop / sr
        zeros = np.zeros(len(times))
        return PitchTrack(times, zeros, zeros.copy())
    es = import_essentia()
    melodia = es.PredominantPitchMelodia(
        sampleRate=float(sr),
        frameSize=frame,
        hopSize=hop,
        minFrequency=FMIN_HZ,
        maxFrequency=FMAX_HZ,
        **_MELODIA[source],
    )
    f0, _salience = melodia(y)
    f0 = np.asarray(f0, dtype=np.float64)
    f0[(f0 < FMIN_HZ * 0.97) | (f0 > FMAX_HZ * 1.03)] = 0.0
    times = np.arange(len(f0)) * hop / sr
    confidence = harmonic_share(y=y, sr=sr, times=times, f0_hz=f0)
    f0[confidence < _MIN_SHARE] = 0.0  # nothing harmonic there: drums, noise, breath
    confidence[f0 == 0] = 0.0
    return PitchTrack(times, f0, confidence, _harmonic_level_db(y, sr, times, f0))


def baseline_melody(*, y: np.ndarray, sr: int, threshold_db: float = -30.0) -> PitchTrack:
    """The librosa baseline the product started from, kept for the benchmark.

    ``librosa.piptrack`` on a 2048-point STFT; each frame's f0 is the strongest peak between
    ``FMIN_HZ`` and ``FMAX_HZ``, voiced where that peak is within ``threshold_db`` of the loudest
    one. No continuity, no voicing model: it follows whatever partial is loudest.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal.
    sr : int
        Sample rate (Hz).
    threshold_db : float
        Voicing threshold relative to the loudest peak (dB).

    Returns
    -------
    PitchTrack
        Confidence is the peak magnitude relative to the loudest peak.
    """
    y = check_mono(y, sr)
    librosa = import_librosa()
    n_fft = 2048
    hop = scaled(HOP_LENGTH, sr)
    spectrum = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    pitches, mags = librosa.piptrack(
        S=spectrum, sr=sr, n_fft=n_fft, hop_length=hop, fmin=FMIN_HZ, fmax=FMAX_HZ
    )
    cols = np.arange(mags.shape[1])
    strongest = mags.argmax(axis=0)
    f0 = pitches[strongest, cols].astype(np.float64)
    mag = mags[strongest, cols].astype(np.float64)
    loudest = float(mag.max()) if mag.size else 0.0
    voiced = (
        mag > loudest * 10.0 ** (threshold_db / 20.0) if loudest > 0 else np.zeros_like(f0, bool)
    )
    f0 = np.where(voiced & (f0 > 0), f0, 0.0)
    confidence = np.where(f0 > 0, mag / loudest, 0.0) if loudest > 0 else np.zeros_like(f0)
    return PitchTrack(cols * hop / sr, f0, confidence)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the True runs in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _pitch_steps(midi: np.ndarray, *, split: float, window: int) -> list[int]:
    """Indices (within a voiced run) where the pitch steps by ``split`` semitones or more.

    At each frame boundary, the mean pitch over the ``window`` frames after it is compared with
    the mean over the ``window`` frames before it (windows cut short at the run's ends, but never
    below a third of ``window``). A window one vibrato cycle long averages the vibrato out, so
    only a real change of level reaches ``split``; the step sits where the difference peaks.
    """
    n = len(midi)
    support = max(2, window // 3)
    if n < 2 * support:
        return []
    csum = np.concatenate(([0.0], np.cumsum(midi)))
    k = np.arange(support, n - support + 1)
    left_n = np.minimum(window, k)
    right_n = np.minimum(window, n - k)
    diff = np.abs((csum[k + right_n] - csum[k]) / right_n - (csum[k] - csum[k - left_n]) / left_n)
    peaks = (diff >= split) & (diff == maximum_filter1d(diff, size=window | 1, mode="nearest"))
    return [int(i) for i in k[peaks]]


def _pieces(
    midi: np.ndarray, cuts: list[int], *, min_len: int, tolerance: float
) -> list[tuple[int, int]]:
    """``[start, stop)`` notes between ``cuts``; short ones join a neighbour, equal ones merge.

    A piece shorter than ``min_len`` (a scoop into a note, a glide between two) joins the
    neighbour nearer in pitch, so the note keeps its true onset; neighbours whose medians differ
    by less than ``tolerance`` semitones (a step that came back) become one note.
    """
    bounds = [0, *cuts, len(midi)]
    pieces = list(itertools.pairwise(bounds))
    while len(pieces) > 1:
        lengths = [b - a for a, b in pieces]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_len:
            break
        pitch = np.median(midi[slice(*pieces[i])])
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        j = min(neighbours, key=lambda j: abs(np.median(midi[slice(*pieces[j])]) - pitch))
        lo, hi = sorted((i, j))
        pieces[lo : hi + 1] = [(pieces[lo][0], pieces[hi][1])]
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        if merged and abs(np.median(midi[slice(*merged[-1])]) - np.median(midi[a:b])) < tolerance:
            a = merged.pop()[0]
        merged.append((a, b))
    return merged


def _split_dips(level: np.ndarray, *, depth: float, min_len: int) -> list[int]:
    """Indices where a new note starts at a level dip ``depth`` dB below both sides."""
    n = len(level)
    if n < 2 * min_len + 1:
        return []
    left_max = np.maximum.accumulate(level)
    right_max = np.maximum.accumulate(level[::-1])[::-1]
    candidates = np.arange(min_len, n - min_len)
    dips = np.minimum(left_max[candidates - 1], right_max[candidates + 1]) - level[candidates]
    best = int(np.argmax(dips))
    if dips[best] < depth:
        return []
    cut = int(candidates[best])
    left = _split_dips(level[:cut], depth=depth, min_len=min_len)
    right = _split_dips(level[cut:], depth=depth, min_len=min_len)
    return [*left, cut, *(cut + r for r in right)]


def segment_notes(
    track: PitchTrack,
    *,
    min_duration: float = 0.08,
    split_semitones: float = 0.7,
    window: float = 0.16,
    dip_db: float = 9.0,
    max_gap: float = 0.0,
) -> tuple[MelodyNote, ...]:
    """Notes from a pitch contour.

    A note ends where the melody stops (an unvoiced frame), where the mean pitch over ``window``
    steps by ``split_semitones``, or, on one pitch, where the melody's level dips by ``dip_db``
    between two louder stretches (a repeated note sung legato).

    Parameters
    ----------
    track : PitchTrack
        The contour (from :func:`track_pitch`). Without ``level_db`` (a track read back from
        ``f0.npy``) repeated notes are split only at unvoiced gaps.
    min_duration : float
        Shortest note (seconds). A shorter piece of a longer voiced stretch (a scoop, a glide)
        joins its neighbour nearer in pitch; a shorter stretch on its own (a blip) is dropped.
    split_semitones : float
        A step at least this large (semitones) between the mean pitch before and after a frame
        starts a new note there.
    window : float
        How long (seconds) the means before and after each frame run. About one vibrato cycle
        (5-7 Hz), which averages out vibrato up to about ±1 semitone.
    dip_db : float
        Depth of a level dip (dB below the louder stretches on both sides) that splits a note.
    max_gap : float
        Unvoiced gaps up to this long (seconds) between frames of one pitch are bridged; 0
        splits on every unvoiced frame, which keeps notes separated by short rests apart.

    Returns
    -------
    tuple of MelodyNote
        In time order; ``pitch`` in fractional MIDI (median of the note's frames), ``confidence``
        the mean harmonic share of its frames.

    Examples
    --------
    >>> from performia.testing import render_melody, NoteTruth
    >>> y = render_melody([NoteTruth(60, 0.1, 0.6), NoteTruth(64, 0.6, 1.1)], sr=22050,
    ...                   duration=1.3)
    >>> [round(n.pitch) for n in segment_notes(track_pitch(y=y, sr=22050))]
    [60, 64]
    """
    if min_duration < 0 or split_semitones <= 0 or window <= 0 or dip_db <= 0 or max_gap < 0:
        raise ValueError(
            "segment_notes needs min_duration >= 0, max_gap >= 0, and split_semitones, window "
            "and dip_db > 0"
        )
    times = np.asarray(track.times, dtype=np.float64)
    if len(times) < 2 or not track.voiced.any():
        return ()
    hop_s = float(np.median(np.diff(times)))
    midi = track.midi
    voiced = track.voiced.copy()
    gap_frames = round(max_gap / hop_s)
    if gap_frames > 0:
        for start, stop in _runs(~voiced):
            bridgeable = start > 0 and stop < len(voiced) and stop - start <= gap_frames
            if bridgeable and abs(midi[start - 1] - midi[stop]) < split_semitones / 2:
                voiced[start:stop] = True
                midi[start:stop] = np.interp(
                    np.arange(start, stop), [start - 1, stop], [midi[start - 1], midi[stop]]
                )
    level = None
    if track.level_db is not None:
        level = np.asarray(track.level_db, dtype=np.float64)
        floor = np.max(level[np.isfinite(level)], initial=0.0) - 120.0
        level = np.maximum(np.where(np.isfinite(level), level, floor), floor)
    min_frames = max(1, round(min_duration / hop_s))
    window_frames = max(2, round(window / hop_s))
    conf = np.asarray(track.confidence, dtype=np.float64)
    notes: list[MelodyNote] = []
    for run_start, run_stop in _runs(voiced):
        run = midi[run_start:run_stop]
        cuts = _pitch_steps(run, split=split_semitones, window=window_frames)
        pieces = _pieces(run, cuts, min_len=min_frames, tolerance=split_semitones / 2)
        if level is not None:
            run_level = level[run_start:run_stop]
            pieces = [
                (a + c, a + d)
                for a, b in pieces
                for c, d in itertools.pairwise(
                    [0, *_split_dips(run_level[a:b], depth=dip_db, min_len=min_frames), b - a]
                )
            ]
        for a, b in pieces:
            if b - a < min_frames:
                continue
            notes.append(
                MelodyNote(
                    start=round(max(0.0, float(times[run_start + a] - hop_s / 2)), 4),
                    end=round(float(times[run_start + b - 1] + hop_s / 2), 4),
                    pitch=round(float(np.median(run[a:b])), 2),
                    confidence=round(float(conf[run_start + a : run_start + b].mean()), 3),
                )
            )
    return tuple(notes)
