"""The rhythm stage's ``run(ctx)`` on ingest's signal of a 150 BPM song with exact beats.

Scored with mir_eval's beat F-measure (±70 ms), on every beat (none trimmed).
"""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest

from performia.analysis.results import Rhythm
from performia.stages import rhythm
from performia.storage.base import NotFoundError
from stage_chain import ingested_context, without

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tracked(chain):
    ctx, outcome = chain.run(rhythm)
    return ctx, outcome, Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))


def test_beats_downbeats_tempo_and_meter_match_the_song(chain, tracked):
    ctx, outcome, result = tracked
    assert ctx.written == ["rhythm.json"]
    truth = chain.truth
    beat_f = mir_eval.beat.f_measure(np.array(truth.beats), np.array(result.beats))
    downbeat_f = mir_eval.beat.f_measure(np.array(truth.downbeats), np.array(result.downbeats))
    print(f"beat F {beat_f:.3f}, downbeat F {downbeat_f:.3f}, tempo {result.tempo}")
    assert beat_f >= 0.95
    assert downbeat_f >= 0.9
    assert result.tempo == pytest.approx(truth.tempo_bpm, rel=0.02)
    assert result.time_signature == truth.time_signature == (4, 4)
    # every beat carries its confidence; the stage reports the track's confidence
    assert len(result.beat_confidence) == len(result.beats)
    assert all(0 <= c <= 1 for c in result.beat_confidence)
    assert outcome.confidence == result.confidence and 0.5 < result.confidence <= 1
    assert outcome.profile == "default" and not outcome.note.startswith("no beats")


def test_a_recording_too_short_for_a_beat_gets_an_empty_grid_and_says_why(tmp_path):
    sr = 22050
    ctx = ingested_context(tmp_path, "rhythm", np.zeros(sr // 2, dtype=np.float32), sr)
    outcome = rhythm.run(ctx)
    result = Rhythm.from_dict(ctx.read_json("rhythm", "rhythm.json"))
    assert result.beats == () and result.downbeats == ()
    assert outcome.note.startswith("no beats: the recording is silent or shorter than a second")


def test_a_missing_ingest_signal_is_a_not_found_error_and_nothing_is_written(tracked):
    ctx, _, _ = tracked
    lost = without(ctx, "ingest", "audio.npy")
    with pytest.raises(NotFoundError, match=r"ingest/fp-ingest/audio\.npy"):
        rhythm.run(lost)
    assert lost.written == [] and not lost.store.exists(lost.key("rhythm.json"))


def test_an_unknown_engine_profile_is_refused_before_any_work(chain):
    ctx = chain.context("rhythm", fingerprint="fp-rhythm-bad", params={"profile": "research"})
    with pytest.raises(ValueError, match="unknown engine profile 'research'"):
        rhythm.run(ctx)
    assert ctx.written == []
