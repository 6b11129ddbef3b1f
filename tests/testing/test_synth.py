"""The synthetic-song toolkit: its truth must really be in the audio it renders and writes."""

from __future__ import annotations

import itertools
import json
import math
import shutil

import av
import numpy as np
import pytest

from performia.testing import (
    ChordTruth,
    NoteTruth,
    SongTruth,
    chord_pitches,
    click_track,
    render_chords,
    render_melody,
    render_song,
    speak,
    synth,
    write_audio,
    write_truth,
)

SR = 22050
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if len(y) else 0.0


def _window(y: np.ndarray, centre: float, sr: int, width: float = 0.2) -> np.ndarray:
    i = round((centre - width / 2) * sr)
    return y[i : i + round(width * sr)]


def _chroma(segment: np.ndarray, sr: int, fmin: float = 100.0, fmax: float = 4000.0) -> np.ndarray:
    """Power per pitch class from a Hann-windowed FFT (bins mapped to the nearest semitone)."""
    n_fft = 8192
    power = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), n_fft)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    keep = (freqs >= fmin) & (freqs <= fmax)
    midi = np.round(69 + 12 * np.log2(freqs[keep] / 440.0)).astype(int)
    return np.bincount(midi % 12, weights=power[keep], minlength=12)


def _peak_midi(segment: np.ndarray, sr: int) -> float:
    n_fft = 1 << 15
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), n_fft))
    freq = np.argmax(spectrum) * sr / n_fft
    return 69 + 12 * math.log2(freq / 440.0)


def _decode(path) -> tuple[np.ndarray, int, dict[str, str]]:
    """First channel as float64, its rate, and container + stream metadata merged."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        tags = {**container.metadata, **stream.metadata}
        chunks = []
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            first = data[0] if frame.format.is_planar else data[0, :: len(frame.layout.channels)]
            if first.dtype.kind == "i":
                first = first / float(np.iinfo(first.dtype).max + 1)
            chunks.append(first.astype(np.float64))
        return np.concatenate(chunks), stream.rate, tags


# ------------------------------------------------------------------------------------- chords


def test_chord_pitches_voicing_and_qualities():
    assert chord_pitches("C") == [36, 48, 52, 55]
    assert chord_pitches("Am7") == [45, 57, 60, 64, 67]
    assert {p % 12 for p in chord_pitches("Am7")} == {9, 0, 4, 7}
    assert {p % 12 for p in chord_pitches("F#m")} == {6, 9, 1}
    assert {p % 12 for p in chord_pitches("Bbmaj7")} == {10, 2, 5, 9}
    assert {p % 12 for p in chord_pitches("Ddim")} == {2, 5, 8}
    assert {p % 12 for p in chord_pitches("Caug")} == {0, 4, 8}
    assert {p % 12 for p in chord_pitches("Gsus2")} == {7, 9, 2}
    assert {p % 12 for p in chord_pitches("Gsus4")} == {7, 0, 2}
    assert {p % 12 for p in chord_pitches("E7")} == {4, 8, 11, 2}
    for symbol in ("C", "C#m", "Db7", "Bmaj7", "Cb", "B#"):
        bass, root, *_ = chord_pitches(symbol)
        assert 48 <= root <= 59 and bass == root - 12, symbol


@pytest.mark.parametrize("symbol", ["", "H", "c", "Cmaj9", "C/G", "Cm7b5", "Xm", "C##"])
def test_chord_pitches_rejects_unknown_symbols(symbol):
    with pytest.raises(ValueError, match="unknown chord symbol"):
        chord_pitches(symbol)


def test_render_chords_carries_each_chords_pitch_classes():
    chords = [ChordTruth("Fmaj7", 0.1, 0.6), ChordTruth("Ebsus2", 0.6, 1.1)]
    y = render_chords(chords, sr=SR, duration=1.2)
    assert y.dtype == np.float32 and len(y) == round(1.2 * SR)
    assert _rms(y[: round(0.1 * SR)]) == 0.0 and _rms(y[round(1.1 * SR) :]) == 0.0
    for chord in chords:
        pcs = {p % 12 for p in chord_pitches(chord.symbol)}
        chroma = _chroma(_window(y, (chord.start + chord.end) / 2, SR), SR)
        assert set(np.argsort(chroma)[::-1][: len(pcs)]) == pcs, chord.symbol


# -------------------------------------------------------------------------------------- drums


def test_click_track_grid_and_hits():
    y, beats, downbeats = click_track(bpm=100, n_beats=8, meter=4, sr=SR, start=0.25, seed=3)
    assert y.dtype == np.float32
    assert len(beats) == 8 and beats[0] == pytest.approx(0.25)
    assert np.allclose(np.diff(beats), 60 / 100)
    assert downbeats == beats[::4]
    assert len(y) >= round((beats[-1] + 0.3) * SR)
    assert _rms(y[: round(0.25 * SR)]) == 0.0  # silence before the first beat
    for t in beats:  # every beat is a clear onset
        assert _rms(_window(y, t + 0.015, SR, 0.03)) > 3 * _rms(_window(y, t - 0.015, SR, 0.03))
    # Kicks (downbeats and beat 3) are low; snares (beats 2 and 4) carry more noise above 2 kHz.
    for i, t in enumerate(beats):
        seg = _window(y, t + 0.05, SR, 0.1)
        spectrum = np.abs(np.fft.rfft(seg))
        freqs = np.fft.rfftfreq(len(seg), 1 / SR)
        high = spectrum[freqs > 2000].sum() / spectrum.sum()
        if i % 4 in (0, 2):
            assert freqs[np.argmax(spectrum)] < 160, i
        else:
            assert high > 0.2, i
    again, _, _ = click_track(bpm=100, n_beats=8, meter=4, sr=SR, start=0.25, seed=3)
    other, _, _ = click_track(bpm=100, n_beats=8, meter=4, sr=SR, start=0.25, seed=4)
    assert np.array_equal(y, again) and not np.array_equal(y, other)


def _low_share(y: np.ndarray, t: float) -> float:
    """Share of a hit's spectrum below 160 Hz (a kick's) in the 100 ms after ``t``."""
    seg = _window(y, t + 0.05, SR, 0.1)
    spectrum = np.abs(np.fft.rfft(seg)) ** 2
    freqs = np.fft.rfftfreq(len(seg), 1 / SR)
    return float(spectrum[freqs < 160].sum() / max(spectrum.sum(), 1e-30))


@pytest.mark.parametrize(
    ("groove", "kicks"),
    [("four_on_floor", (0, 1, 2, 3)), ("half_time", (0,)), ("one_drop", (2,))],
)
def test_grooves_put_the_kick_where_the_style_does(groove, kicks):
    """The grid is the same for every groove; only what sounds on it changes."""
    plain, beats, downbeats = click_track(bpm=100, n_beats=8, meter=4, sr=SR, start=0.25)
    y, grooved_beats, grooved_downbeats = synth._drum_grid(
        bpm=100, n_beats=8, meter=4, sr=SR, start=0.25, seed=0, groove=groove
    )
    assert (grooved_beats, grooved_downbeats) == (beats, downbeats)
    assert not np.array_equal(y, plain)
    for i, t in enumerate(beats):
        # every beat has at least its hi-hat; a kick makes the hit mostly low
        assert _rms(_window(y, t + 0.015, SR, 0.03)) > 3 * _rms(_window(y, t - 0.015, SR, 0.03))
        assert (_low_share(y, t) > 0.5) == (i % 4 in kicks), (groove, i)


def test_no_drums_and_grooves_that_need_four_four():
    y, beats, _ = synth._drum_grid(
        bpm=90, n_beats=6, meter=3, sr=SR, start=0.2, seed=0, groove="none"
    )
    assert len(beats) == 6 and not y.any()
    for groove in ("four_on_floor", "half_time", "one_drop"):
        with pytest.raises(ValueError, match="needs 4/4"):
            synth._drum_grid(bpm=90, n_beats=6, meter=3, sr=SR, start=0.2, seed=0, groove=groove)
    with pytest.raises(ValueError, match="unknown groove"):
        render_song(bars=2, groove="polka", sr=SR)


def test_spread_voicings_keep_the_chord_and_change_the_inversion():
    for symbol in ("C", "F#m", "Bbmaj7", "Ddim", "Esus4"):
        pcs = {p % 12 for p in chord_pitches(symbol)}
        lowest_upper = set()
        for inversion in range(4):
            pitches = synth.voice_chord(symbol, "spread", inversion)
            assert {p % 12 for p in pitches} == pcs, (symbol, inversion)
            assert pitches[0] == chord_pitches(symbol)[0]  # the bass stays on the root
            assert pitches[1] >= 55 and pitches[-1] - pitches[1] > 12  # open: over an octave
            lowest_upper.add(pitches[1] % 12)
        assert len(lowest_upper) > 1, symbol  # the inversion changes what sits over the bass
    assert synth.voice_chord("Am", "close") == chord_pitches("Am")
    with pytest.raises(ValueError, match="unknown voicing"):
        synth.voice_chord("Am", "drop3")


def test_a_room_adds_a_tail_and_the_stems_still_sum_to_the_mix():
    dry, truth, _ = render_song(bars=2, bpm=120, sr=SR, seed=5)
    wet, wet_truth, stems = render_song(bars=2, bpm=120, sr=SR, seed=5, reverb_s=1.5)
    assert wet_truth == truth  # a room changes the sound, never the truth
    np.testing.assert_allclose(sum(stems.values()), wet, atol=1e-5)
    end = truth.beats[-1] + 60 / 120  # the end of the last bar: the dry song's tail is short
    assert _rms(wet[round((end + 0.3) * SR) :]) > 3 * _rms(dry[round((end + 0.3) * SR) :])
    for bad in (-0.1, 6.0, float("nan")):
        with pytest.raises(ValueError, match="reverb_s"):
            render_song(bars=2, sr=SR, reverb_s=bad)


# ------------------------------------------------------------------------------------- melody


def test_render_melody_is_at_the_given_pitch():
    notes = [NoteTruth(60, 0.0, 0.5), NoteTruth(67, 0.5, 1.0), NoteTruth(74, 1.0, 1.6)]
    y = render_melody(notes, sr=SR, duration=1.7)
    assert len(y) == round(1.7 * SR) and _rms(y[round(1.6 * SR) :]) == 0.0
    for note in notes:
        seg = _window(y, (note.start + note.end) / 2, SR)  # one full vibrato cycle
        assert _peak_midi(seg, SR) == pytest.approx(note.pitch_midi, abs=0.15)


# ---------------------------------------------------------------------------------------- song


def test_render_song_truth_tiles_and_matches_the_stems():
    progression = ("C", "G7", "Am7", "Fmaj7", "Ddim", "Esus4", "Bbaug", "F#m")
    melody = [(72, 1), (74, 1), (76, 2), (None, 1), (79, 3), (81, 0.5)]
    mix, truth, stems = render_song(bpm=96, bars=8, progression=progression, melody=melody)
    period = 60 / 96

    assert isinstance(truth, SongTruth) and truth.sr == SR and truth.tempo_bpm == 96
    assert mix.dtype == np.float32 and len(mix) == round(truth.duration * SR)
    assert np.max(np.abs(mix)) == pytest.approx(0.9, abs=1e-6)
    assert set(stems) == {"drums", "chords", "melody", "vocals"}
    assert np.allclose(sum(stems.values()), mix, atol=1e-5)
    assert not stems["vocals"].any()

    assert len(truth.beats) == 8 * 4 and truth.beats[0] == pytest.approx(0.5)
    assert np.allclose(np.diff(truth.beats), period)
    assert truth.downbeats == truth.beats[::4]
    assert truth.duration > truth.beats[-1] + period

    assert [c.symbol for c in truth.chords] == list(progression)
    assert truth.chords[0].start == pytest.approx(truth.beats[0])
    assert truth.chords[-1].end == pytest.approx(truth.beats[-1] + period)
    for a, b in zip(truth.chords, truth.chords[1:], strict=False):
        assert a.end == pytest.approx(b.start)
    for chord, downbeat in zip(truth.chords, truth.downbeats, strict=True):
        assert chord.start == pytest.approx(downbeat)

    # The chord stem really carries each chord's pitch classes in the middle of its span.
    for chord in truth.chords:
        pcs = {p % 12 for p in chord_pitches(chord.symbol)}
        chroma = _chroma(_window(stems["chords"], (chord.start + chord.end) / 2, SR), SR)
        assert set(np.argsort(chroma)[::-1][: len(pcs)]) == pcs, chord.symbol

    # Melody notes are laid end to end from the first beat, rests leave a gap.
    assert [n.pitch_midi for n in truth.melody] == [72, 74, 76, 79, 81]
    starts_in_beats = [(n.start - truth.beats[0]) / period for n in truth.melody]
    assert np.allclose(starts_in_beats, [0, 1, 2, 5, 8])
    assert truth.melody[3].end == pytest.approx(truth.beats[8])
    for note in truth.melody:
        seg = _window(stems["melody"], (note.start + note.end) / 2, SR)
        assert _peak_midi(seg, SR) == pytest.approx(note.pitch_midi, abs=0.15)


def test_render_song_chords_per_bar_and_validation():
    _, truth, _ = render_song(bars=2, progression=("C", "F"), chords_per_bar=2, meter=4)
    assert [c.symbol for c in truth.chords] == ["C", "F", "C", "F"]
    assert [c.start for c in truth.chords] == pytest.approx(list(truth.beats[::2]))
    _, waltz, _ = render_song(bars=3, meter=3, progression=("Am",))
    assert len(waltz.beats) == 9 and waltz.downbeats == waltz.beats[::3]
    with pytest.raises(ValueError, match="chords_per_bar"):
        render_song(bars=2, chords_per_bar=3)
    with pytest.raises(ValueError, match="unknown chord symbol"):
        render_song(bars=2, progression=("C", "Q"))
    with pytest.raises(ValueError, match="unknown stems"):
        render_song(bars=2, levels={"bass": 1.0})


def test_render_song_levels_scale_the_stems():
    _, _, stems = render_song(bars=2, levels={"drums": 0.2, "chords": 0.8})
    ratio = np.max(np.abs(stems["chords"])) / np.max(np.abs(stems["drums"]))
    assert ratio == pytest.approx(4.0, rel=1e-3)


def test_truth_json_round_trip(tmp_path):
    _, truth, _ = render_song(bars=2, melody=[(60, 2)])
    path = write_truth(tmp_path / "truth.json", truth)
    data = json.loads(path.read_text())
    assert data == truth.to_dict()
    assert data["beats"] == list(truth.beats)
    assert data["chords"][0] == {"symbol": "C", "start": 0.5, "end": 2.5}
    assert data["melody"][0]["pitch_midi"] == 60
    assert data["key"] == "C major" and data["meter"] == 4


# -------------------------------------------------------------------------------------- speech


@needs_espeak
def test_speak_starts_at_the_onset():
    y = speak("hello", sr=SR)
    assert y.dtype == np.float32 and 0.15 * SR < len(y) < 1.5 * SR
    frame = round(0.005 * SR)
    peak = max(_rms(y[i : i + frame]) for i in range(0, len(y) - frame, frame))
    assert _rms(y[: round(0.02 * SR)]) > peak * 10 ** (-40 / 20)
    assert _rms(y[-frame:]) > 0.0
    low = speak("hello", sr=16000)
    assert len(low) == pytest.approx(len(y) * 16000 / SR, rel=0.05)
    assert len(speak("   ", sr=SR)) == 0


def test_speak_names_the_install_when_espeak_is_missing(monkeypatch):
    synth._espeak.cache_clear()
    monkeypatch.setattr(synth.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"install.*espeak-ng"):
        speak("hello", sr=SR)
    synth._espeak.cache_clear()


@needs_espeak
def test_render_song_words_fall_on_beats_without_overlap():
    lyrics = "hello wonderful world sing along with me tonight"
    _, truth, stems = render_song(bars=6, lyrics=lyrics)
    period = 60 / truth.tempo_bpm
    beats = np.array(truth.beats)
    assert [w.text for w in truth.words] == lyrics.split()
    assert truth.words[0].start == pytest.approx(truth.downbeats[1])  # bar 2
    for word in truth.words:
        assert np.min(np.abs(beats - word.start)) < 1e-9  # exactly on a beat
        assert word.end > word.start
        onset = stems["vocals"][round(word.start * SR) : round((word.start + 0.02) * SR)]
        assert _rms(onset) > 0.0
    for a, b in zip(truth.words, truth.words[1:], strict=False):
        assert a.end <= b.start
        # b takes the first beat after a's start that a's audio has finished by
        free = beats[(beats >= a.end - 1e-9) & (beats >= a.start + period - 1e-9)]
        assert b.start == pytest.approx(free[0])
    assert np.diff([w.start for w in truth.words]).max() > 1.5 * period  # a long word skipped
    assert not stems["vocals"][: round(truth.words[0].start * SR)].any()
    assert truth.duration >= truth.words[-1].end
    with pytest.raises(ValueError, match="lyrics do not fit"):
        render_song(bars=2, lyrics=" ".join(["la"] * 10))


@needs_espeak
def test_render_song_lyric_lines_start_on_bar_lines_and_blank_lines_rest_a_bar():
    _, truth, stems = render_song(bars=8, lyrics="one two three\n\nfour five\nsix")
    downbeats = list(truth.downbeats)
    starts = [w.start for w in truth.words]
    assert [w.text for w in truth.words] == ["one", "two", "three", "four", "five", "six"]
    assert starts[0] == pytest.approx(downbeats[1])
    assert starts[3] == pytest.approx(downbeats[3])  # bar 3 is the blank line's rest
    assert starts[5] == pytest.approx(downbeats[4])
    gap = stems["vocals"][round(truth.words[2].end * SR) : round(starts[3] * SR)]
    assert not gap.any()


@needs_espeak
def test_render_song_phrases_put_words_back_to_back():
    _, truth, _ = render_song(bars=8, lyrics="morning light is falling\nsoftly", word_gap_s=0.05)
    words = truth.words
    assert words[0].start == pytest.approx(truth.downbeats[1])
    for a, b in itertools.pairwise(words[:4]):
        assert b.start == pytest.approx(a.end + 0.05)
    assert min(abs(words[4].start - d) for d in truth.downbeats) < 1e-9  # new line, new bar


# ----------------------------------------------------------------------------------- encoding


@pytest.mark.parametrize("suffix", ["wav", "flac", "mp3", "ogg", "opus", "m4a"])
def test_write_audio_round_trips_duration_onset_and_tags(tmp_path, suffix):
    mix, truth, _ = render_song(bars=2)
    tags = {"title": "Synthetic Song é", "artist": "Performia Tests", "album": "Known Truth"}
    path = write_audio(tmp_path / f"song.{suffix}", mix, SR, tags=tags)
    assert path.exists() and path.stat().st_size > 1000
    y, rate, read_tags = _decode(path)
    assert rate == (48000 if suffix == "opus" else SR)
    # lossy codecs pad the last frame (aac, vorbis); mp3/opus/aac priming is trimmed on decode
    assert len(y) / rate == pytest.approx(truth.duration, abs=0.1)
    onset = np.argmax(np.abs(y) > 0.1 * np.max(np.abs(y))) / rate
    assert onset == pytest.approx(truth.beats[0], abs=0.01)
    for name, value in tags.items():
        assert read_tags.get(name) == value, (suffix, name, read_tags)


def test_write_audio_rejects_unknown_suffix_and_bad_samples(tmp_path):
    with pytest.raises(ValueError, match="cannot write"):
        write_audio(tmp_path / "x.aiff", np.zeros(100), SR)
    with pytest.raises(ValueError, match="NaN"):
        write_audio(tmp_path / "x.wav", np.full(100, np.nan), SR)
    assert not (tmp_path / "x.aiff").exists()


def test_write_audio_bitrate_sets_lossy_size(tmp_path):
    y = render_song(bars=2)[0]
    small = write_audio(tmp_path / "small.mp3", y, SR, bitrate=32_000).stat().st_size
    large = write_audio(tmp_path / "large.mp3", y, SR, bitrate=128_000).stat().st_size
    assert large > 2.5 * small
