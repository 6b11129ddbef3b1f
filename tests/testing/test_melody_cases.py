"""The melody stress cases: their f0 truth must be what was synthesised, sample for sample."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from performia.analysis.melody import harmonic_share
from performia.testing.melody_cases import CASES, HOP_S, case_names, get_case, render_case
from performia.testing.voices import (
    CONSONANTS,
    SINGERS,
    Singer,
    SungNote,
    midi_to_hz,
    play_guitar,
    play_sax,
    reverb,
    sing,
)

SR = 22050
#: A singer without vibrato or drift, so a note's truth is one frequency.
STEADY = replace(SINGERS["pop_male"], vibrato_cents=(0.0, 0.0), drift_cents=0.0)


def _cents(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1200.0 * np.log2(np.asarray(a) / np.asarray(b))


def _frames(part, start: float, stop: float) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(start, stop, HOP_S)
    return times, part.f0_at(times, SR)


def _share_at(audio: np.ndarray, times: np.ndarray, f0: np.ndarray) -> np.ndarray:
    return harmonic_share(y=audio.astype(np.float32), sr=SR, times=times, f0_hz=f0)


def test_a_steady_note_sounds_at_its_truth_and_nowhere_near():
    part = sing([SungNote(57, 0.2, 1.4, vowel="a")], STEADY, sr=SR, duration=1.6, seed=1)
    times, f0 = _frames(part, 0.4, 1.2)
    assert np.all(np.abs(_cents(f0, midi_to_hz(57))) < 2)  # jitter only moves the source
    on = _share_at(part.audio, times, f0)
    off = _share_at(part.audio, times, f0 * 2 ** (1 / 12))
    assert np.median(on) > 0.6 and np.median(off) < 0.2
    assert not part.f0_at(np.array([0.1, 1.5]), SR).any()


@pytest.mark.parametrize("singer", sorted(SINGERS))
def test_every_singer_sings_each_vowel_at_the_truth(singer):
    voice = SINGERS[singer]
    pitch = 50 if voice.formant_scale < 1.1 else 64
    notes = [SungNote(pitch + i, 0.2 + 0.5 * i, 0.65 + 0.5 * i, v) for i, v in enumerate("aeiou")]
    part = sing(notes, voice, sr=SR, duration=2.9, seed=2)
    times = np.arange(0.3, 2.6, HOP_S)
    f0 = part.f0_at(times, SR)
    voiced = f0 > 0
    assert voiced.mean() > 0.8
    assert np.median(_share_at(part.audio, times[voiced], f0[voiced])) > 0.4


def test_vibrato_glides_and_scoops_are_in_the_truth():
    singer = replace(SINGERS["soprano"], vibrato_cents=(80.0, 80.0), vibrato_hz=(5.5, 5.5))
    notes = [
        SungNote(69, 0.2, 1.6, vowel="a"),
        SungNote(72, 1.6, 3.0, vowel="a", glide=0.25),  # legato: a portamento
        SungNote(67, 3.3, 4.5, vowel="o", onset="m", scoop=1.0, scoop_s=0.12),
    ]
    part = sing(notes, singer, sr=SR, duration=4.8, seed=3)
    # Vibrato: ±80 cents (±20 % slow drift) at about 5.5 Hz once it has grown in.
    _, f0 = _frames(part, 0.8, 1.55)
    cents = _cents(f0, midi_to_hz(69))
    assert 110 < np.ptp(cents) < 220
    crossings = np.count_nonzero(np.diff(np.sign(cents - cents.mean())))
    assert 5.5 * 0.75 * 2 * 0.8 < crossings < 5.5 * 0.75 * 2 * 1.25
    # Glide: from A4 up to C5 within the first 0.25 s of the second note, monotonic.
    _, f0 = _frames(part, 1.6, 1.86)
    assert _cents(f0[0], midi_to_hz(69)) < 60 and _cents(f0[-1], midi_to_hz(72)) > -60
    assert np.all(np.diff(f0) > -0.5)
    # Scoop: the third note starts a semitone low and reaches its pitch by 0.2 s.
    # 20 ms in (the truth starts once the attack passes -20 dB): -100 * exp(-20 / 40) cents.
    start = part.f0_at(np.array([3.32]), SR)[0]
    assert start > 0 and _cents(start, midi_to_hz(67)) < -50
    assert abs(_cents(part.f0_at(np.array([3.5]), SR), midi_to_hz(67))[0]) < 25


@pytest.mark.parametrize("onset", sorted(CONSONANTS))
def test_an_unvoiced_consonant_cuts_the_previous_note_and_makes_noise(onset):
    notes = [SungNote(55, 0.2, 1.0, "a"), SungNote(59, 1.0, 1.8, "e", onset=onset)]
    part = sing(notes, STEADY, sr=SR, duration=2.0, seed=4)
    length = CONSONANTS[onset][0]
    gap = np.arange(1.0 - length + 0.01, 0.99, HOP_S)
    assert not part.f0_at(gap, SR).any()
    burst = part.audio[round((1.0 - length) * SR) : SR]
    assert np.sqrt(np.mean(burst.astype(float) ** 2)) > 1e-4
    assert part.f0_at(np.array([0.5, 1.3]), SR).all()


def test_a_nasal_onset_is_voiced_throughout():
    notes = [SungNote(55, 0.2, 1.0, "a"), SungNote(57, 1.0, 1.8, "o", onset="m")]
    part = sing(notes, STEADY, sr=SR, duration=2.0, seed=5)
    assert part.f0_at(np.arange(0.3, 1.7, HOP_S), SR).all()


def test_sax_and_guitar_sound_at_their_truth():
    notes = [SungNote(58, 0.2, 0.7, onset="t"), SungNote(62, 0.7, 1.6, onset="t")]
    for part in (
        play_sax(notes, sr=SR, duration=1.8, seed=6),
        play_guitar(notes, sr=SR, duration=1.8, seed=6),
        play_guitar(notes, sr=SR, duration=1.8, seed=6, drive=0.0),
    ):
        times, f0 = _frames(part, 0.3, 1.5)
        voiced = f0 > 0
        assert voiced.mean() > 0.85
        assert np.median(_share_at(part.audio, times[voiced], f0[voiced])) > 0.5


def test_a_guitar_bend_rises_to_its_note():
    part = play_guitar([SungNote(64, 0.2, 1.4, onset="t", scoop=2.0, scoop_s=0.2)], sr=SR,
                       duration=1.6, seed=7)  # fmt: skip
    assert _cents(part.f0_at(np.array([0.2]), SR), midi_to_hz(64))[0] < -180
    assert abs(_cents(part.f0_at(np.array([0.6]), SR), midi_to_hz(64))[0]) < 45


def test_reverb_keeps_length_and_adds_a_tail():
    y = np.zeros(SR, np.float32)
    y[1000:3000] = np.sin(np.arange(2000) * 0.1)
    wet = reverb(y, sr=SR, rt60=1.0, wet_db=-6.0, seed=1)
    assert wet.shape == y.shape and wet.dtype == np.float32
    assert np.abs(wet[6000:8000]).max() > 1e-3  # the dry signal stopped at sample 3000


# ------------------------------------------------------------------------------------ the cases


@cache
def _rendered(name: str):
    return render_case(name, sr=SR)


def test_the_cases_vary_key_tempo_singer_and_band():
    assert len(set(case_names())) == len(CASES) >= 7
    assert len({c.key for c in CASES}) == len(CASES)
    assert len({c.bpm for c in CASES}) == len(CASES)
    assert len({c.singer for c in CASES}) >= 5 and len({c.band for c in CASES}) == 4
    with pytest.raises(ValueError, match="unknown melody case"):
        get_case("nope")


@pytest.mark.slow  # renders the case twice
def test_a_case_is_deterministic_and_its_stems_add_up():
    mix, truth, stems = _rendered("belted_tenor")
    again, truth_again, _ = render_case(get_case("belted_tenor"), sr=SR)
    np.testing.assert_array_equal(mix, again)
    np.testing.assert_array_equal(truth.f0_hz, truth_again.f0_hz)
    np.testing.assert_allclose(sum(stems.values()), mix, atol=1e-5)
    assert np.abs(mix).max() == pytest.approx(0.9, abs=1e-3)
    assert len(truth.times) == len(truth.f0_hz) == len(truth.who)
    assert np.allclose(np.diff(truth.times), HOP_S)


def test_a_case_truth_is_its_lead_and_the_voice_sits_under_the_band():
    case = get_case("belted_tenor")
    mix, truth, stems = _rendered(case.name)
    voiced = truth.f0_hz > 0
    assert 0.4 < voiced.mean() < 0.8
    assert set(truth.who) == {"", "voice"}
    assert not voiced[truth.times < 0.5 + 2 * 4 * 60 / case.bpm].any()  # the intro is the band's
    # The truth sounds in the lead stem: its harmonics hold the lead's energy.
    times = truth.times[voiced]
    share = _share_at(stems["lead"], times, truth.f0_hz[voiced])
    assert np.median(share) > 0.5
    # The voice (with its reverb) sits at the case's level against the band where it sings.
    samples = np.repeat(voiced, round(HOP_S * SR))[: len(mix)]
    samples = np.pad(samples, (0, len(mix) - len(samples)))

    def level(y: np.ndarray) -> float:
        return 10 * np.log10(np.mean(y[samples].astype(float) ** 2))

    assert level(stems["lead"]) - level(stems["band"]) == pytest.approx(case.voice_db, abs=1.0)


@pytest.mark.slow
def test_the_sax_carries_the_melody_in_its_break():
    case = get_case("sax_break")
    _, truth, _ = _rendered(case.name)
    bar = 4 * 60 / case.bpm
    solo = (truth.times > 0.5 + 6 * bar) & (truth.times < 0.5 + 10 * bar)
    sax = np.array([w == "sax" for w in truth.who])
    assert sax[solo].mean() > 0.6 and not sax[~solo].any()
    lo, hi = case.lead_range
    pitches = 69 + 12 * np.log2(truth.f0_hz[sax] / 440)
    assert lo - 1.5 < pitches.min() and pitches.max() < hi + 1.5


@pytest.mark.slow
def test_the_duet_truth_is_the_upper_voice():
    _, truth, _ = _rendered("harmony_duet")
    both = (truth.f0_hz > 0) & (truth.harmony_f0_hz > 0)
    assert both.mean() > 0.4
    gap = 12 * np.log2(truth.f0_hz[both] / truth.harmony_f0_hz[both])
    assert np.median(gap) == pytest.approx(3.5, abs=0.6)  # a diatonic third: 3 or 4 semitones
    assert np.mean(gap > 1.5) > 0.95


def test_a_singer_needs_no_more_than_its_fields():
    assert Singer("plain").tilt_db < 0  # defaults make a modal voice
