"""openai-whisper end to end with small randomly initialised checkpoints built here.

No real openai-whisper checkpoint is installed (and none may be downloaded), so these tests build
tiny ones, saved exactly as openai-whisper saves its own (``{"dims": ..., "model_state_dict":
...}``), and load them through the product's path (``get_recognizer`` with the file as the model).

A wholly random decoder repeats one token up to the window's token limit, fails the compression
test and is decoded again at every fallback temperature: 3 to 13 s a call with ``n_text_ctx=32``
(40 to 60 s with Whisper's 448), so only one slow test runs such a model. The others steer it: every
weight random except the decoder's positional table, set so that the decoder writes a fixed line
(``<|0.00|> walked along the river <|2.00|> <|endoftext|>``, and for a multilingual model the
language token "de" when asked which language it hears) whatever the audio. Such a call takes a
fraction of a second (after numba compiles whisper's DTW once, about 3 s) and what comes back is
known, so those tests check the product's handling
exactly: the tokenizer loaded offline from ``whisper/assets``, language detection, and word times
from the random cross-attention through whisper's default alignment heads (the last half of the
decoder layers).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from performia.errors import BadInputError, ModelError
from performia.testing.synth import speak
from performia.transcription import base, get_recognizer

SR = 22050
LINE = " walked along the river"


def tiny_checkpoint(path, *, multilingual: bool, seed: int = 0, steer: bool = True):
    """A random tiny Whisper saved like a real checkpoint; steered to write ``LINE`` and stop
    (and to hear "de") unless ``steer`` is false. See the module doc."""
    torch = pytest.importorskip("torch")
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    torch.manual_seed(seed)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,  # 30 s windows of 10 ms mel frames, halved by the encoder's stride
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=2,
        n_vocab=51865 if multilingual else 51864,  # the vocabulary openai-whisper pairs with it
        n_text_ctx=32,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=2,
    )
    model = Whisper(dims)
    with torch.no_grad():
        # Whisper allocates this table with torch.empty (a checkpoint always fills it): left as
        # is, it holds whatever was in memory, NaN included, and the output varies run to run.
        torch.nn.init.normal_(model.decoder.positional_embedding, std=0.02)
    if steer:
        tokenizer = get_tokenizer(multilingual, num_languages=model.num_languages)
        begin = tokenizer.timestamp_begin
        line = [begin, *tokenizer.encode(LINE), begin + 100, tokenizer.eot]
        # The output at position p predicts the token at p + 1. A multilingual prompt is
        # <|startoftranscript|> <|lang|> <|transcribe|>, an English-only one <|startoftranscript|>.
        table = {0: tokenizer.to_language_token("de")} if multilingual else {}
        first = 2 if multilingual else 0
        table.update({first + i: token for i, token in enumerate(line)})
        embedding = model.decoder.token_embedding.weight
        with torch.no_grad():
            for position, token in table.items():
                direction = embedding[token] / embedding[token].norm()
                model.decoder.positional_embedding[position] = 160.0 * direction
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def speech():
    y = speak("I walked along the river when the morning light was new", sr=SR)
    return np.concatenate([np.zeros(SR // 2, np.float32), y, np.zeros(SR // 2, np.float32)])


@pytest.fixture
def fresh():
    base.clear_recognizers()
    yield
    base.clear_recognizers()


def assert_well_formed(transcript, duration):
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)
    for w in transcript.words:
        assert w.text and w.text == w.text.strip()
        assert 0.0 <= w.start <= w.end <= duration
        assert w.confidence is None or 0.0 <= w.confidence <= 1.0
    assert transcript.source == "recognised"


@pytest.mark.slow
def test_english_only_checkpoint_end_to_end(tmp_path, speech, fresh):
    path = tiny_checkpoint(tmp_path / "random.en.pt", multilingual=False)
    recognizer = get_recognizer("openai-whisper", str(path), "cpu")
    assert recognizer.engine == "openai-whisper"
    assert (recognizer.device, recognizer.multilingual, recognizer.languages) == (
        "cpu",
        False,
        ("en",),
    )
    transcript = recognizer.transcribe(speech, sr=SR, language=None)
    assert transcript.language == "en"
    assert [w.text for w in transcript.words] == LINE.split()
    assert_well_formed(transcript, len(speech) / SR)
    with pytest.raises(BadInputError, match="English only"):
        recognizer.transcribe(speech, sr=SR, language="de")
    assert recognizer.identify_language([(speech, SR)]) == ("en", 1.0)  # it cannot tell


@pytest.mark.slow
def test_multilingual_checkpoint_detects_the_language(tmp_path, speech, fresh):
    from whisper.tokenizer import LANGUAGES

    path = tiny_checkpoint(tmp_path / "random.pt", multilingual=True, seed=1)
    recognizer = get_recognizer("openai-whisper", str(path), "cpu")
    assert recognizer.multilingual is True
    assert len(recognizer.languages) == 99  # n_vocab 51865: Whisper v1/v2's languages (no yue)
    assert recognizer.languages[:2] == ("en", "zh") and set(recognizer.languages) < set(LANGUAGES)
    detected = recognizer.transcribe(speech, sr=SR, language=None)
    assert detected.language == "de"
    code, probability = recognizer.identify_language([(speech, SR), (speech[::2], SR // 2)])
    assert code == "de" and 0.0 < probability <= 1.0
    assert [w.text for w in detected.words] == LINE.split()
    assert_well_formed(detected, len(speech) / SR)
    told = recognizer.transcribe(speech[: SR * 3], sr=SR, language="fr_FR")
    assert told.language == "fr"
    assert_well_formed(told, 3.0)
    with pytest.raises(BadInputError, match="'xx' is not one the speech recogniser knows"):
        recognizer.transcribe(speech, sr=SR, language="xx")


@pytest.mark.slow
def test_prompt_reaches_the_decoder(tmp_path, speech, fresh):
    """A prompt goes before <|startoftranscript|> and so shifts every position the decoder was
    steered at: the fixed line no longer comes out, which shows the prompt was used."""
    path = tiny_checkpoint(tmp_path / "random.en.pt", multilingual=False)
    recognizer = get_recognizer("openai-whisper", str(path), "cpu")
    prompted = recognizer.transcribe(speech, sr=SR, prompt="Hello")
    assert [w.text for w in prompted.words] != LINE.split()
    assert_well_formed(prompted, len(speech) / SR)


@pytest.mark.slow
def test_wholly_random_checkpoint_runs_end_to_end(tmp_path, speech, fresh):
    """Garbage words (measured: "exchanging" 30 times, from 18 decoding passes as each window
    falls back through every temperature), but a well-formed transcript. 4-9 s on 2 idle cores;
    the audio is cut to 2 s because the random timestamps decide how far each window moves on."""
    path = tiny_checkpoint(tmp_path / "random.en.pt", multilingual=False, steer=False)
    clip = speech[: 2 * SR]
    transcript = get_recognizer("openai-whisper", str(path), "cpu").transcribe(clip, sr=SR)
    assert transcript.language == "en"
    assert transcript.words
    assert_well_formed(transcript, 2.0)


def test_a_file_that_is_not_a_checkpoint_is_a_model_error(tmp_path, fresh):
    pytest.importorskip("whisper")
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="could not load speech model"):
        get_recognizer("openai-whisper", str(bad), "cpu")


def test_cuda_without_a_gpu_is_a_model_error(tmp_path, fresh):
    torch = pytest.importorskip("torch")
    if torch.cuda.device_count():
        pytest.skip("a GPU is present")
    path = tiny_checkpoint(tmp_path / "random.en.pt", multilingual=False)
    with pytest.raises(ModelError, match="no CUDA GPU"):
        get_recognizer("openai-whisper", str(path), "cuda")
