"""The engine-independent pieces: audio preparation, language codes, word clean-up, devices."""

from __future__ import annotations

import os

import numpy as np
import pytest

from performia.errors import BadInputError
from performia.settings import engine_threads
from performia.transcription.base import (
    WHISPER_SR,
    finish_words,
    normalise_language,
    prepare_audio,
)

SR = 22050


def test_prepare_audio_resamples_to_16k_keeping_pitch():
    t = np.arange(SR) / SR
    y = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
    out = prepare_audio(y, SR)
    assert out.dtype == np.float32 and len(out) == WHISPER_SR
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) * WHISPER_SR / len(out) == pytest.approx(1000.0, abs=2.0)
    assert np.array_equal(prepare_audio(out, WHISPER_SR), out)  # already 16 kHz: untouched
    # Float64 input comes back as float32.
    assert prepare_audio(y.astype(np.float64), SR).dtype == np.float32


def test_prepare_audio_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="mono"):
        prepare_audio(np.zeros((2, 100), dtype=np.float32), SR)
    with pytest.raises(ValueError, match="NaN"):
        prepare_audio(np.array([0.0, np.nan], dtype=np.float32), SR)
    with pytest.raises(ValueError, match="sample rate"):
        prepare_audio(np.zeros(10, dtype=np.float32), 0)


@pytest.mark.parametrize(
    ("given", "code"),
    [("en", "en"), ("en_US", "en"), ("EN-gb", "en"), (" de ", "de"), (None, None), ("auto", None)],
)
def test_language_codes_are_normalised(given, code):
    known = ("en", "de")
    assert normalise_language(given, model_name="m", multilingual=True, known=known) == code


def test_language_errors_say_what_to_do():
    with pytest.raises(BadInputError, match=r"'tiny\.en' understands English only.*'de_DE'.*auto"):
        normalise_language("de_DE", model_name="tiny.en", multilingual=False, known=("en",))
    with pytest.raises(BadInputError, match="'klingon' is not one the speech recogniser knows"):
        normalise_language("klingon", model_name="base", multilingual=True, known=("en", "de"))


def test_finish_words_cleans_what_the_engines_return():
    raw = [
        (" ,", 0.0, 0.1, 0.5),  # punctuation before any word: dropped
        (" Hello", -0.2, 0.5, 0.9),  # before the audio: clipped to 0
        (" ", 0.5, 0.6, 0.9),  # empty: dropped
        (" world", 0.4, 0.3, None),  # ends before it starts
        (" .", 0.9, 1.0, 0.2),  # punctuation alone: joins the word before
        (" again", 0.2, 9.0, 0.7),  # starts before its predecessor, ends after the audio
    ]
    words = finish_words(raw, duration=2.0)
    assert [w.text for w in words] == ["Hello", "world.", "again"]
    assert [(w.start, w.end) for w in words] == [(0.0, 0.5), (0.4, 1.0), (0.4, 2.0)]
    assert [w.confidence for w in words] == [0.9, None, 0.7]


def test_engine_threads():
    assert 1 <= engine_threads() <= (os.cpu_count() or 1)
