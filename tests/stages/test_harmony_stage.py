"""The harmony stage's ``run(ctx)``: key, tuning and chords of a C major song with known chords,
on the rhythm stage's beats (and, without them, on its own frames).

Chords are scored with mir_eval's weighted chord symbol recall on the major/minor vocabulary
(the share of the song's bars where the estimated chord is the one played).
"""

from __future__ import annotations

import numpy as np
import pytest

from performia.analysis.chord_decoding import BEAT_WINDOW_S
from performia.analysis.results import Harmony, Rhythm
from performia.stages import harmony
from performia.storage.base import NotFoundError
from stage_chain import ingested_context, majmin_recall, without

pytestmark = pytest.mark.slow

#: The excerpt analysed without beats: the first verse (8 bars of C Am F G from 0.5 s).
EXCERPT_S = (0.5, 13.3)


@pytest.fixture(scope="module")
def analysed(chain):
    ctx, outcome = chain.run(harmony)
    return ctx, outcome, Harmony.from_dict(ctx.read_json("harmony", "harmony.json"))


def test_key_tuning_and_chords_match_the_song(chain, analysed):
    ctx, outcome, result = analysed
    assert ctx.written == ["harmony.json"]
    truth = chain.truth
    recall = majmin_recall(result.chords, truth, start=truth.beats[0], end=truth.chords[-1].end)
    print(f"key {result.key}, tuning {result.tuning_cents} c, chord recall (majmin) {recall:.3f}")
    assert recall >= 0.9
    assert result.key == truth.key == "C major"
    assert result.key_confidence is not None and result.key_confidence > 0.5
    assert result.tuning_cents is not None and abs(result.tuning_cents) <= 10
    assert result.chords[0].symbol == "N"  # the silent lead-in is no-chord
    assert all(c.end > c.start for c in result.chords)
    assert outcome.confidence is not None and 0.5 < outcome.confidence <= 1
    assert not outcome.note.startswith("no beats")


def test_chords_change_only_near_the_rhythm_stages_beats(chain, analysed):
    """The decoder may move a change up to ``BEAT_WINDOW_S`` off a beat (players anticipate)."""
    ctx, _, result = analysed
    beats = np.array(Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json")).beats)
    changes = np.array([c.start for c in result.chords[1:]])
    gaps = np.abs(changes[:, None] - beats[None, :]).min(axis=1)
    print(f"chord changes off the tracked beats by at most {1000 * gaps.max():.0f} ms")
    assert gaps.max() <= BEAT_WINDOW_S + 0.012  # plus half a 23 ms frame


def test_without_beats_the_chords_are_still_found_and_the_note_says_why(chain, tmp_path):
    """Rhythm skipped: chords may change on any frame, and the provenance says so."""
    y, sr = chain.context("harmony").read_analysis_audio()
    excerpt = y[: round(EXCERPT_S[1] * sr) + sr // 2]  # a little of the chorus after it
    ctx = ingested_context(tmp_path, "harmony", excerpt, sr)
    outcome = harmony.run(ctx)
    result = Harmony.from_dict(ctx.read_json("harmony", "harmony.json"))
    recall = majmin_recall(result.chords, chain.truth, start=EXCERPT_S[0], end=EXCERPT_S[1])
    print(f"without beats: key {result.key}, chord recall (majmin) {recall:.3f}")
    assert recall >= 0.8 and result.key == "C major"
    assert outcome.note.startswith("no beats from the rhythm stage: chords may change")


def test_a_missing_ingest_signal_is_a_not_found_error_and_nothing_is_written(analysed):
    ctx, _, _ = analysed
    lost = without(ctx, "ingest", "audio.npy")
    with pytest.raises(NotFoundError, match=r"ingest/fp-ingest/audio\.npy"):
        harmony.run(lost)
    assert lost.written == [] and not lost.store.exists(lost.key("harmony.json"))


def test_a_rhythm_stage_marked_done_without_its_result_is_a_not_found_error(analysed):
    ctx, _, _ = analysed
    lost = without(ctx, "rhythm", "rhythm.json")
    with pytest.raises(NotFoundError, match=r"rhythm/fp-rhythm/rhythm\.json"):
        harmony.run(lost)
    assert lost.written == []
