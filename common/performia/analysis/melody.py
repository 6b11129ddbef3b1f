"""Melody: the sung pitch contour (f0 per frame) and the notes it holds.

The contour comes from SwiftF0 (a pitch CNN; MIT code and weights) and this module's own voicing
decision. Both were chosen by measurement on the melody stress cases
(:mod:`performia.testing.melody_cases`: a voice 3-6 dB under a loud band, wide vibrato and
slides, breathy and belted voices, a saxophone or guitar solo between sung verses, two voices in
thirds) run through the product's chain (mix → Spleeter vocals stem → this module) and scored
with mir_eval overall accuracy on a 10 ms grid (``performia bench melody``):

* this module: 0.86-0.95 (mean 0.90); essentia's ``PredominantPitchMelodia`` on the mix
  0.28-0.68 (its harmonic summation locks onto the bass and the chords), on the stem 0.61-0.93
  (it loses every solo, which the separator moves to the accompaniment); ``pyin`` on the stem
  0.54-0.85; SwiftF0 alone on the stem 0.64-0.90;
* the previous version of this module (Melodia on the stem when there was one) scored
  0.28-0.78 on the same cases.

No essentia engine measured better on any case, so both engine profiles run this chain.

**What the CNN hears.** With a vocal stem, the mix through a softened copy of the separator's
mask (:func:`_remask`): the voice up front, the band faint but whole, so Spleeter's holes and
artifacts never reach the CNN and a solo the separator took away is still heard. (The plain
blend of the stem and 15 % of the mix, :data:`STEM_SHARE`, which the spectral measures read:
raw pitch accuracy 0.77-0.96, against the mix 0.65-0.93 and the stem 0.56-0.95.) Its range
starts at :data:`CNN_FMIN_HZ`, above a bass guitar. A second pass
on the stem alone, over 65-1250 Hz and only where the blend's confidence is low, replaces the
pitch where it is much surer (:data:`_STEM_MARGIN`): a belted voice whose harmonics the band
masks in the blend (0.77 → 0.84 on that case), a voice below :data:`CNN_FMIN_HZ`.

**Voicing** (:func:`_voicing`). SwiftF0's confidence alone (voiced from 0.5) missed 15-46 % of
the sung frames whose pitch it had right, under a loud band, and kept reverb tails and consonant
gaps:

* frames with some confidence and harmonic share are candidates; a run of candidates whose
  pitch moves less than a semitone per frame is one sound, voiced when it holds a confident
  frame (hysteresis);
* within a sound, frames 12 dB below its upper quartile in a 23 ms frame are unvoiced: the
  reverb tail after a note and the gap of a consonant, which the CNN's 128 ms window smears;
* a sound whose level falls like a struck one (a drum's pitched ring) is dropped;
* a quieter stretch whose level holds is a softer note, not a tail (:func:`_not_tail`), and an
  unsure sound inside a sung phrase is kept (:func:`_inside_phrases`).

**Which voice, which octave.** Two voices in thirds share only every fourth or fifth partial; a
sound whose own partials are quieter than those of a series a third above follows the lower
voice, and moves to the upper one, the lead in most harmony singing
(:func:`_prefer_upper_voice`). A sound an octave away from the melody's register around it moves
back into it (:func:`_fold_octaves`), as Melodia's octave-error correction does.

The confidence returned is the *harmonic share* of each frame: how much of the spectral energy
lies on the harmonics of the tracked f0, beyond what broadband noise would put there by chance (0
for noise, 1 for a pure harmonic tone, about 0.3-0.6 for a voice inside a mix).

Notes are segmented from the contour: voiced stretches split at unvoiced frames, then where the
mean pitch over the next 160 ms differs from the mean over the previous 160 ms by 0.7 semitone or
more (a window one vibrato cycle long, so vibrato up to about ±1 semitone never splits a note),
then, on one pitch, where the melody's own harmonic level dips by 9 dB (a repeated note sung
legato). Each note's pitch is the median of its frames, in fractional MIDI.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import maximum_filter1d

from performia.analysis.backends import import_librosa
from performia.analysis.engines import check_profile
from performia.analysis.results import MelodyNote
from performia.analysis.signal import band_power, check_mono, scaled
from performia.errors import ModelError

__all__ = [
    "CNN_FMIN_HZ",
    "FMAX_HZ",
    "FMIN_HZ",
    "FRAME_LENGTH",
    "HOP_LENGTH",
    "SOURCES",
    "STEM_SHARE",
    "PitchTrack",
    "baseline_melody",
    "harmonic_share",
    "melody_engines",
    "pitch_detector",
    "segment_notes",
    "track_pitch",
]

#: Lowest and highest sung fundamental tracked (Hz): C2 (a bass's low notes) to D#6, which leaves a
#: soprano's C6 room for a semitone of vibrato (with 1100 Hz, a C6 sung with vibrato was lost).
FMIN_HZ = 65.0
FMAX_HZ = 1250.0
#: The pitch CNN's floor (Hz, F2) on any signal that holds the mix: an electric bass plays E1-G2
#: (41-98 Hz) louder than the voice. The blend's raw pitch accuracy over the stress cases was
#: 0.75-0.95 with a 65 Hz floor and 0.77-0.96 with 87 Hz (the breathy alto over a D bass: 0.80 →
#: 0.89); a voice below 87 Hz is left to the stem pass, over the full range.
CNN_FMIN_HZ = 87.0
#: Short frame (samples at 22.05 kHz, 46 ms) for the melody's level (see :func:`segment_notes`).
FRAME_LENGTH = 1024
#: Hop between pitch frames (samples at 22.05 kHz): 11.6 ms.
HOP_LENGTH = 256
#: Signals :func:`track_pitch` accepts as ``y``: a full mix or a separated vocal stem.
SOURCES = ("mix", "vocals")
#: Share of the vocal stem in the signal the CNN hears when the mix is given too (the rest is the
#: mix). The CNN's raw pitch accuracy over the stress cases, lowest-highest (mean), by share: 0
#: (the mix) 0.65-0.93 (0.83), 0.5 0.73-0.95 (0.88), 0.7 0.75-0.95 (0.89), 0.85 0.77-0.96 (0.90),
#: 1 (the stem) 0.56-0.95 (0.77). Overall accuracy with the voicing moved little between 0.75 and
#: 0.85 (mean 0.872 both) and fell at 0.95 (0.861).
STEM_SHARE = 0.85

#: SwiftF0 confidence that makes a stretch voiced (its own calibration: voiced from 0.5).
_SEED_CONFIDENCE = 0.5
#: Confidence and harmonic share a frame needs to extend a voiced stretch (hysteresis): the quiet
#: ends of notes that a confident middle vouches for. Overall accuracy over the stress cases,
#: mean, with a floor of 0, 0.02 and 0.1: 0.872, 0.872, 0.871 (noise scores a share of 0).
_KEEP_CONFIDENCE = 0.02
_MIN_SHARE = 0.1
#: Pitch change (semitones) between neighbouring frames of one sound: portamento and vibrato move
#: at most about 0.4 semitone per 11.6 ms frame (±1 semitone at 6 Hz).
_MAX_STEP = 1.0
#: A voiced frame whose short-frame harmonic level is this far (dB) below the upper quartile of
#: its stretch is a reverb tail or a consonant gap. Overall accuracy over the stress cases, mean
#: (lowest case): no trimming 0.823 (0.753), 10 dB 0.870 (0.820), 12 dB 0.872 (0.818), 16 dB
#: 0.864 (0.811).
_TAIL_DB = 12.0
#: A voiced stretch whose harmonic level falls faster than this (dB/s, least-squares slope) is
#: struck, not sung: a snare's pitched ring fell at 150-190 dB/s, while the stress cases' sung
#: and played stretches fell at most 75 dB/s.
_STRUCK_DB_PER_S = 100.0
#: Shortest voiced stretch kept (frames, 46 ms).
_MIN_FRAMES = 4
#: The stem pass replaces the blend's pitch where its confidence is higher by this much. Overall
#: accuracy over the stress cases, mean (belted tenor): no stem pass 0.865 (0.774), margin 0
#: 0.871 (0.848), 0.2 0.873 (0.847), 0.4 0.872 (0.840); the margin keeps the blend's pitch, which
#: holds the solos, unless the stem is clearly surer. With the softened mask (below): 0.3 0.898
#: (0.859), 0.4 0.894 (sax break 0.880 against 0.899).
_STEM_MARGIN = 0.3
#: The separator's vocal mask, softened (see :func:`_remask`): each bin's stem share raised to
#: this power, floored, so the CNN hears the voice up front and the band faintly, not a stem's
#: holes. Overall accuracy over the stress cases, mean (lowest case): with it 0.898 (0.859),
#: the plain blend of stem and mix instead 0.879 (0.838); every case gained.
_MASK_POWER = 0.2
_MASK_FLOOR = 0.1
_MASK_N_FFT = 4096
#: Intervals (cents) at which :func:`_prefer_upper_voice` looks for a voice above: minor to
#: major third, loosely, since two singers' tunings differ. Only the duet moved (0.838 without,
#: 0.859 with); no single-voice case changed by more than 0.001.
_THIRDS_CENTS = np.arange(260.0, 441.0, 20.0)
#: :func:`_fold_octaves`: the register window (s) and the confident frames it needs, how far
#: (semitones) from it a sound must lie to move, and how much weaker (dB) the odd harmonics must
#: be to move it up. Without folding: mean 0.890 (lowest 0.833).
_REGISTER_S = 2.0
_REGISTER_MIN_FRAMES = 10
_FOLD_SEMITONES = 9.0
_ODD_DB = -3.0
#: :func:`_not_tail`: a quiet stretch this long (frames) whose level falls slower than this
#: (dB/s) is a softer note, not a tail. Without it: mean 0.893, breathy alto 0.890 (0.903).
_HELD_FRAMES = 10
_HELD_DB_PER_S = -10.0
#: :func:`_inside_phrases`: the gap (s) a sound may sit from voiced frames either side, and the
#: shortest sound it keeps (frames). Without it: mean 0.893 (lowest 0.829, the duet).
_PHRASE_GAP_S = 0.5
_PHRASE_MIN_FRAMES = 6
#: Peak level the CNN hears (see :func:`_cnn`).
_CNN_PEAK = 0.9
#: Audio the CNN hears beyond the frames it is asked for (s): its receptive field reaches 0.18 s
#: each way.
_CONTEXT_S = 0.25
#: Harmonics counted by :func:`harmonic_share`, and the band it measures (Hz).
_SHARE_HARMONICS = 20
_SHARE_BAND_HZ = (50.0, 5000.0)
_SHARE_N_FFT = 4096
#: Bins either side of a partial's centre that :func:`_partials` counts (±11 Hz at 4096 points).
_HALFWIDTH = 2
#: Frame (samples at 22.05 kHz, 23 ms) of the level that finds reverb tails and consonant gaps.
_SHORT_N_FFT = 512


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


def _partials(
    summed: np.ndarray,
    lo: int,
    bin_hz: float,
    f0_hz: np.ndarray,
    multiples: np.ndarray,
    *,
    exclude_hz: np.ndarray | None = None,
) -> np.ndarray:
    """Per row of ``summed`` (power summed over ``±_HALFWIDTH`` bins, see :func:`_window_sums`):
    the power on the partials ``f0_hz * multiples``.

    Partials outside the band are skipped; with ``exclude_hz``, so are those whose windows
    overlap the window of a harmonic of ``exclude_hz`` (shared by both series).
    """
    centres = f0_hz[:, None] * multiples[None, :] / bin_hz
    keep = (centres >= lo) & (centres < lo + summed.shape[1])
    if exclude_hz is not None:
        other = exclude_hz[:, None] / bin_hz
        nearest = np.maximum(np.round(centres / np.maximum(other, 1e-9)), 1.0) * other
        keep &= np.abs(centres - nearest) > 2 * _HALFWIDTH
    bins = np.clip(np.round(centres).astype(int) - lo, 0, summed.shape[1] - 1)
    return (np.take_along_axis(summed, bins, axis=1) * keep).sum(axis=1)


def _window_sums(power: np.ndarray) -> np.ndarray:
    """``power`` summed over ``±_HALFWIDTH`` bins around each bin (cut at the band's edges)."""
    width = 2 * _HALFWIDTH + 1
    cumulative = np.pad(np.cumsum(power, axis=1), ((0, 0), (_HALFWIDTH + 1, _HALFWIDTH)), "edge")
    cumulative[:, : _HALFWIDTH + 1] = 0.0
    return cumulative[:, width:] - cumulative[:, :-width]


def _harmonic_power(
    y: np.ndarray,
    sr: int,
    times: np.ndarray,
    f0_hz: np.ndarray,
    *,
    n_fft: int,
    halfwidth: int,
    measure: Callable[[np.ndarray, np.ndarray, int, float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per voiced frame: power on the harmonics, power in the band, share of band bins counted.

    The harmonics are the first ``_SHARE_HARMONICS`` multiples of f0 inside ``_SHARE_BAND_HZ``,
    each ``±halfwidth`` bins, read from Hann-windowed ``n_fft``-sample frames centred on
    ``times`` (:func:`~performia.analysis.signal.band_power`). Returned arrays have one entry per
    frame with ``f0_hz > 0``. ``measure``, if given, also sees each chunk of spectra (frame
    indices, power as float64, first bin, bin width), so other measures need no second
    transform.
    """
    voiced = np.flatnonzero(f0_hz > 0)
    harmonic = np.zeros(voiced.size)
    band = np.zeros(voiced.size)
    coverage = np.zeros(voiced.size)
    if voiced.size == 0 or y.size == 0:
        return harmonic, band, coverage
    k = np.arange(1, _SHARE_HARMONICS + 1)
    bin_hz = sr / n_fft
    centres = np.clip(np.round(times[voiced] * sr).astype(int), 0, len(y))
    spectra = band_power(y, sr=sr, centres=centres, n_fft=n_fft, band_hz=_SHARE_BAND_HZ)
    for chunk, power32, lo in spectra:
        power = power32.astype(np.float64)
        if measure is not None:
            measure(voiced[chunk], power, lo, bin_hz)
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
    return _share(y, sr, np.asarray(times, dtype=np.float64), f0_hz)


def _share(
    y: np.ndarray,
    sr: int,
    times: np.ndarray,
    f0_hz: np.ndarray,
    measure: Callable[[np.ndarray, np.ndarray, int, float], None] | None = None,
) -> np.ndarray:
    """:func:`harmonic_share` without the checks; ``measure`` as in :func:`_harmonic_power`."""
    out = np.zeros(len(f0_hz))
    harmonic, band, coverage = _harmonic_power(
        y, sr, times, f0_hz, n_fft=scaled(_SHARE_N_FFT, sr), halfwidth=_HALFWIDTH, measure=measure
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(band > 0, harmonic / band, 0.0)
        excess = np.where(coverage < 1, (share - coverage) / (1.0 - coverage), 0.0)
    out[f0_hz > 0] = np.clip(np.nan_to_num(excess), 0.0, 1.0)
    return out


def _level_db(
    y: np.ndarray, sr: int, times: np.ndarray, f0_hz: np.ndarray, *, n_fft: int
) -> np.ndarray:
    """Power on the harmonics of f0 in an ``n_fft``-sample frame, in dB; -inf where unvoiced.

    The melody's own loudness: it dips between repeated notes, and falls at a note's end into
    its reverb tail, even where the accompaniment goes on, which the mix level does not.
    """
    out = np.full(len(f0_hz), -np.inf)
    harmonic, _, _ = _harmonic_power(y, sr, times, f0_hz, n_fft=n_fft, halfwidth=1)
    with np.errstate(divide="ignore"):
        out[f0_hz > 0] = 10.0 * np.log10(harmonic)
    return out


def melody_engines(profile: str | None = None) -> tuple[str, ...]:
    """Keys of :data:`performia.analysis.engines.ENGINES` that :func:`track_pitch` runs.

    Both profiles run SwiftF0 and Performia's own voicing and note code (see the module
    docstring: no essentia engine measured better), so a hosted service may run either.
    """
    check_profile(profile)
    return ("swift-f0", "performia")


@lru_cache(maxsize=1)
def pitch_detector() -> Any:
    """One SwiftF0 detector per process (building it allocates ONNX Runtime's thread pool).

    One thread: on 2 shared cores a 3-minute song took 1.9 s with one thread and 2.1 s with
    two, and the melody stage runs beside three other analyses. ``detect`` may be called from
    several threads at once.
    """
    try:
        from swift_f0 import SwiftF0
    except ImportError as exc:
        raise ModelError(
            "the melody engine 'swift-f0' is not installed (pip install 'swift-f0==0.3.0')"
        ) from exc
    return SwiftF0(threads=1, spin=False)


def _cnn(y: np.ndarray, sr: int, times: np.ndarray, fmin: float) -> tuple[np.ndarray, np.ndarray]:
    """SwiftF0's pitch and confidence at ``times``, its range ``fmin``-:data:`FMAX_HZ`.

    SwiftF0 reports every 16 ms; the pitch is interpolated on a log scale between its frames
    when they lie within a semitone of each other (a vibrato or a glide), else taken from the
    nearer frame, as is the confidence. Where the CNN's strongest pitch overall lies outside
    the range its confidence is 0 (its own rule), though the pitch is the best in range.
    """
    # SwiftF0 zeroes the confidence of frames peaking below 1e-3 (digital silence); scaled to
    # a fixed peak, the decision no longer depends on the recording's level.
    peak = float(np.max(np.abs(y)))
    scaled_y = y * (_CNN_PEAK / peak) if peak > 0 else y
    result = pitch_detector().detect(scaled_y, sr, fmin=fmin, fmax=FMAX_HZ)
    pitch = np.maximum(np.asarray(result.pitch_hz, dtype=np.float64), 1e-3)
    conf = np.asarray(result.confidence, dtype=np.float64)
    step = float(result.timestamps[1] - result.timestamps[0]) if len(pitch) > 1 else 1.0
    position = np.clip(times / step, 0.0, len(pitch) - 1)
    lo = np.floor(position).astype(int)
    hi = np.minimum(lo + 1, len(pitch) - 1)
    weight = position - lo
    octaves = np.log2(pitch)
    near = np.where(weight < 0.5, lo, hi)
    glide = np.abs(octaves[hi] - octaves[lo]) < 1.0 / 12.0
    blended = octaves[lo] * (1.0 - weight) + octaves[hi] * weight
    return 2.0 ** np.where(glide, blended, octaves[near]), conf[near]


def _cnn_where(
    y: np.ndarray, sr: int, times: np.ndarray, fmin: float, needed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cnn` on the stretches of ``y`` around the ``needed`` frames; 0 elsewhere.

    Each stretch runs :data:`_CONTEXT_S` beyond its frames on either side (more than the CNN's
    receptive field, so its frames come out as from the whole signal), and stretches closer
    than twice that are merged.
    """
    f0 = np.zeros(len(times))
    confidence = np.zeros(len(times))
    hop_s = float(times[1] - times[0]) if len(times) > 1 else 1.0
    reach = round(_CONTEXT_S / hop_s)
    wanted = maximum_filter1d(needed.astype(np.uint8), size=4 * reach + 1).astype(bool)
    for a, b in _runs(wanted):
        start = max(0, round((times[a] - _CONTEXT_S) * sr))
        stop = min(y.size, round((times[b - 1] + _CONTEXT_S) * sr) + 1)
        f0[a:b], confidence[a:b] = _cnn(y[start:stop], sr, times[a:b] - start / sr, fmin)
    return f0, confidence


def _remask(stem: np.ndarray, mix: np.ndarray, sr: int) -> np.ndarray:
    """The mix through a softened copy of the separator's vocal mask: what the CNN hears.

    The mask is the stem's share of the mix in each bin of a 186 ms STFT, raised to
    :data:`_MASK_POWER` and kept above :data:`_MASK_FLOOR` (see there). The stem is first
    brought to the mix's level (its least-squares gain onto the mix): the stage reads the mix
    peak-normalised and the stem as the separator wrote it.
    """
    from scipy import fft

    energy = float(np.dot(stem, stem))
    gain = float(np.dot(mix, stem)) / energy if energy > 0 else 1.0
    n_fft = scaled(_MASK_N_FFT, sr)
    hop = n_fft // 4
    # A periodic Hann window at a quarter hop: its squares overlap-add to 1.5 everywhere that
    # four frames cover, which the padding of a whole frame either side makes every sample.
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)

    def spectrum(x: np.ndarray) -> np.ndarray:
        padded = np.pad(x.astype(np.float32), (n_fft, n_fft + hop - x.size % hop))
        return fft.rfft(sliding_window_view(padded, n_fft)[::hop] * window, axis=1)

    stem_spec, mix_spec = spectrum(gain * stem), spectrum(mix)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.minimum(np.nan_to_num(np.abs(stem_spec) / np.abs(mix_spec)), 1.0)
    mask = np.maximum(share**_MASK_POWER, _MASK_FLOOR)
    frames = fft.irfft(mask * mix_spec, n=n_fft, axis=1) * window
    out = np.zeros((len(frames) + 3, hop), dtype=np.float32)
    for quarter in range(4):
        out[quarter : quarter + len(frames)] += frames[:, quarter * hop : (quarter + 1) * hop]
    return out.ravel()[n_fft : n_fft + mix.size] / 1.5


def _stretches(f0_hz: np.ndarray, candidate: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` runs of candidate frames whose pitch moves less than
    :data:`_MAX_STEP` per frame: one sound each."""
    semitones = 12.0 * np.log2(np.maximum(f0_hz, 1e-3))
    joined = candidate[:-1] & candidate[1:] & (np.abs(np.diff(semitones)) < _MAX_STEP)
    starts = np.flatnonzero(candidate & ~np.concatenate(([False], joined)))
    stops = np.flatnonzero(candidate & ~np.concatenate((joined, [False]))) + 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


class _SeriesPowers:
    """What :func:`_prefer_upper_voice` and :func:`_fold_octaves` weigh, per frame of a track.

    Called with chunks of spectra (see :func:`_harmonic_power`), it keeps the power on the
    partials of f0 that a series a third above does not share (``tracked``) and the power of
    that series on its own partials (``upper``), one column per interval of
    :data:`_THIRDS_CENTS`, then the power on f0's odd and even harmonics; 0 at frames it did not
    see.
    """

    def __init__(self, f0_hz: np.ndarray) -> None:
        n = len(f0_hz)
        self.f0_hz = f0_hz
        self.tracked = np.zeros((n, len(_THIRDS_CENTS)))
        self.upper = np.zeros((n, len(_THIRDS_CENTS)))
        self.odd = np.zeros(n)
        self.even = np.zeros(n)

    def __call__(self, rows: np.ndarray, power: np.ndarray, lo: int, bin_hz: float) -> None:
        k = np.arange(1, _SHARE_HARMONICS + 1, dtype=float)
        f = self.f0_hz[rows]
        summed = _window_sums(power)
        for j, cents in enumerate(_THIRDS_CENTS):
            above = f * 2.0 ** (cents / 1200.0)
            self.tracked[rows, j] = _partials(summed, lo, bin_hz, f, k, exclude_hz=above)
            self.upper[rows, j] = _partials(summed, lo, bin_hz, above, k, exclude_hz=f)
        self.odd[rows] = _partials(summed, lo, bin_hz, f, k[::2])
        self.even[rows] = _partials(summed, lo, bin_hz, f, k[1::2])


def _prefer_upper_voice(
    f0_hz: np.ndarray, sounds: list[tuple[int, int]], tracked: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move each sound to the voice a third above it where that voice is the louder.

    Two voices in thirds share only every fourth or fifth partial, so each one's own partials
    say how loud it is. A sound whose partials, summed over its frames, are quieter than those of
    a series a third above (the interval of :data:`_THIRDS_CENTS` where that series is
    strongest) follows the lower voice of a pair whose upper voice is the louder: the lead. Each
    frame then takes the interval where the upper series is strongest in it (the two voices'
    vibratos differ).

    Returns the new pitch and which frames moved.
    """
    f0_hz = f0_hz.copy()
    moved = np.zeros(len(f0_hz), dtype=bool)
    for a, b in sounds:
        if b - a < _MIN_FRAMES:  # a blip: too short to weigh, and it could join a neighbour
            continue
        strongest = int(np.argmax(upper[a:b].sum(axis=0)))
        if upper[a:b, strongest].sum() > tracked[a:b, strongest].sum():
            cents = _THIRDS_CENTS[np.argmax(upper[a:b], axis=1)]
            f0_hz[a:b] *= 2.0 ** (cents / 1200.0)
            moved[a:b] = True
    return f0_hz, moved


def _register(midi: np.ndarray, confident: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The melody's register at each frame: the median pitch (MIDI) of the confident frames
    within :data:`_REGISTER_S` either side.

    Computed every quarter second and interpolated between the points whose window holds at
    least :data:`_REGISTER_MIN_FRAMES` confident frames; all NaN where none does.
    """
    grid = np.arange(times[0], times[-1] + 0.25, 0.25)
    lo = np.searchsorted(times, grid - _REGISTER_S)
    hi = np.searchsorted(times, grid + _REGISTER_S)
    counts = np.concatenate(([0], np.cumsum(confident)))
    values = np.full(len(grid), np.nan)
    for i in np.flatnonzero(counts[hi] - counts[lo] >= _REGISTER_MIN_FRAMES):
        window = midi[lo[i] : hi[i]]
        values[i] = np.median(window[confident[lo[i] : hi[i]]])
    known = ~np.isnan(values)
    if not known.any():
        return np.full(len(times), np.nan)
    return np.interp(times, grid[known], values[known])


def _fold_octaves(
    f0_hz: np.ndarray,
    confidence: np.ndarray,
    times: np.ndarray,
    sounds: list[tuple[int, int]],
    odd: np.ndarray,
    even: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray:
    """Move sounds that lie an octave off the melody's register back into it.

    A sound whose median pitch lies more than :data:`_FOLD_SEMITONES` from the register of the
    confident frames around it (:func:`_register`) moves by an octave towards it: down, or up
    where its own odd harmonics are :data:`_ODD_DB` weaker than its even ones (the sound is the
    octave above: the CNN heard a subharmonic). Sounds in ``keep`` stay.
    """
    midi = 69.0 + 12.0 * np.log2(np.maximum(f0_hz, 1e-3) / 440.0)
    register = _register(midi, confidence >= _SEED_CONFIDENCE, times)
    f0_hz = f0_hz.copy()
    for a, b in sounds:
        if keep[a:b].any():
            continue
        offset = float(np.median(register[a:b]) - np.median(midi[a:b]))
        if not abs(offset) > _FOLD_SEMITONES:  # NaN: no register here
            continue
        if offset < 0:
            f0_hz[a:b] /= 2.0
        elif 10.0 * np.log10(max(odd[a:b].sum(), 1e-30) / max(even[a:b].sum(), 1e-30)) < _ODD_DB:
            f0_hz[a:b] *= 2.0
    return f0_hz


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the True runs in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _voicing(
    f0_hz: np.ndarray,
    confidence: np.ndarray,
    share: np.ndarray,
    short_db: np.ndarray,
    hop_s: float,
) -> np.ndarray:
    """Which frames hold the melody (see the module docstring).

    Parameters
    ----------
    f0_hz : np.ndarray
        The CNN's pitch per frame (Hz, every frame).
    confidence : np.ndarray
        Its confidence (0 where it was zeroed, see :func:`_cnn`).
    share : np.ndarray
        Harmonic share of ``f0_hz`` (see :func:`harmonic_share`).
    short_db : np.ndarray
        Harmonic level of ``f0_hz`` in a 23 ms frame (dB).
    hop_s : float
        Time between frames (s).

    Returns
    -------
    np.ndarray of bool
    """
    seed = confidence >= _SEED_CONFIDENCE
    candidate = seed | ((confidence >= _KEEP_CONFIDENCE) & (share >= _MIN_SHARE))
    seeds = np.concatenate(([0], np.cumsum(seed)))
    sounds = _stretches(f0_hz, candidate)
    voiced = np.zeros(len(f0_hz), dtype=bool)
    for a, b in sounds:
        if seeds[b] > seeds[a]:
            voiced[a:b] = _not_tail(short_db[a:b], hop_s)
    voiced |= _inside_phrases(sounds, voiced, round(_PHRASE_GAP_S / hop_s))
    for a, b in _runs(voiced):
        if b - a < _MIN_FRAMES:
            voiced[a:b] = False
            continue
        slope = np.polyfit(np.arange(b - a) * hop_s, short_db[a:b], 1)[0]
        if slope < -_STRUCK_DB_PER_S:  # a drum's pitched ring, not a held note
            voiced[a:b] = False
    return voiced


def _not_tail(level_db: np.ndarray, hop_s: float) -> np.ndarray:
    """Frames of one sound that are not a reverb tail or a consonant gap.

    A frame :data:`_TAIL_DB` below the sound's upper quartile is one, unless it belongs to a
    quiet stretch of at least :data:`_HELD_FRAMES` whose level does not fall (slope above
    :data:`_HELD_DB_PER_S`): a quieter note sung on the same pitch, not a tail.
    """
    keep = level_db >= np.percentile(level_db, 75) - _TAIL_DB
    for a, b in _runs(~keep):
        if b - a >= _HELD_FRAMES:
            quiet = level_db[a:b]
            finite = np.isfinite(quiet)
            quiet = np.where(finite, quiet, np.min(quiet[finite], initial=0.0))
            if np.polyfit(np.arange(b - a) * hop_s, quiet, 1)[0] > _HELD_DB_PER_S:
                keep[a:b] = True
    return keep


def _inside_phrases(sounds: list[tuple[int, int]], voiced: np.ndarray, gap: int) -> np.ndarray:
    """Unvoiced sounds of at least :data:`_PHRASE_MIN_FRAMES` with voiced frames no more than
    ``gap`` frames before and after them: a note inside a sung phrase that the CNN was unsure
    of (a harmony voice, a note the separator lost)."""
    out = np.zeros(len(voiced), dtype=bool)
    at = np.flatnonzero(voiced)
    for a, b in sounds:
        if b - a < _PHRASE_MIN_FRAMES or voiced[a:b].any():
            continue
        i = int(np.searchsorted(at, a))
        if 0 < i < at.size and a - at[i - 1] <= gap and at[i] - (b - 1) <= gap:
            out[a:b] = True
    return out


def track_pitch(
    *,
    y: np.ndarray,
    sr: int,
    source: str = "mix",
    mix: np.ndarray | None = None,
    profile: str | None = None,
) -> PitchTrack:
    """The melody's pitch contour.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal, float, nominally in [-1, 1]: the full mix, or a separated vocal stem.
    sr : int
        Sample rate (Hz); frames keep their duration at any rate.
    source : {"mix", "vocals"}
        What ``y`` is.
    mix : np.ndarray, shape (n,), optional
        With a vocal stem, the mix it was separated from (same rate; cut or padded to ``y``'s
        length). The CNN then hears the mix through a softened copy of the separator's mask
        (:func:`_remask`), which keeps an instrumental solo, and the spectral measures read the
        stem with :data:`STEM_SHARE` of it and the rest of the mix (see the module docstring).
        Ignored when ``y`` is the mix itself (``source="mix"``), so a caller may pass its inputs
        uniformly.
    profile : {"default", "commercial"}, optional
        Engine profile (``None``: the default). Both run the same engines (see
        :func:`melody_engines`); the name is checked so a typo fails here.

    Returns
    -------
    PitchTrack
        One frame every ``HOP_LENGTH`` samples (at 22.05 kHz); f0 0 where no melody sounds.

    Examples
    --------
    >>> from performia.testing import render_melody, NoteTruth
    >>> y = render_melody([NoteTruth(69, 0.1, 1.1)], sr=22050, duration=1.3)
    >>> track = track_pitch(y=y, sr=22050)
    >>> abs(float(np.median(track.f0_hz[track.voiced])) - 440) < 3  # A4, within 12 cents
    True
    """
    check_profile(profile)
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    y = check_mono(y, sr)
    hop = scaled(HOP_LENGTH, sr)
    times = np.arange(y.size // hop + 1) * hop / sr
    if y.size < scaled(FRAME_LENGTH, sr):  # shorter than one frame: nothing long enough to sing
        zeros = np.zeros(len(times))
        return PitchTrack(times, zeros, zeros.copy())
    if mix is not None and source == "vocals":
        mix = check_mono(mix, sr)[: y.size]
        mix = np.pad(mix, (0, y.size - mix.size))
        heard = _remask(y, mix, sr)
        voice = (STEM_SHARE * y + (1.0 - STEM_SHARE) * mix).astype(np.float32)
        f0, confidence = _cnn(heard, sr, times, CNN_FMIN_HZ)
        # The stem can only change frames the CNN is unsure of (see _STEM_MARGIN).
        unsure = confidence < 1.0 - _STEM_MARGIN
        stem_f0, stem_confidence = _cnn_where(y, sr, times, FMIN_HZ, unsure)
        use_stem = stem_confidence > confidence + _STEM_MARGIN
        f0 = np.where(use_stem, stem_f0, f0)
        confidence = np.maximum(confidence, stem_confidence)
    else:
        voice = y
        f0, confidence = _cnn(y, sr, times, CNN_FMIN_HZ if source == "mix" else FMIN_HZ)
    # Only frames that may be voiced need the spectral measures (the rest score 0 and -inf).
    candidate = confidence >= _KEEP_CONFIDENCE
    sounds = _stretches(f0, candidate)
    maybe = np.where(candidate, f0, 0.0)
    series = _SeriesPowers(maybe)
    share = _share(voice, sr, times, maybe, measure=series)
    f0, moved = _prefer_upper_voice(f0, sounds, series.tracked, series.upper)
    f0 = _fold_octaves(f0, confidence, times, sounds, series.odd, series.even, moved)
    changed = candidate & (f0 != maybe)
    share[changed] = _share(voice, sr, times, np.where(changed, f0, 0.0))[changed]
    maybe = np.where(candidate, f0, 0.0)
    short_db = _level_db(voice, sr, times, maybe, n_fft=scaled(_SHORT_N_FFT, sr))
    voiced = _voicing(f0, confidence, share, short_db, hop / sr)
    f0 = np.where(voiced, f0, 0.0)
    share[~voiced] = 0.0
    level = _level_db(voice, sr, times, f0, n_fft=scaled(FRAME_LENGTH, sr))
    return PitchTrack(times, f0, share, level)


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
