"""The melody stage's ``run(ctx)`` on the mix (separation skipped), against the tune played.

Notes are scored with mir_eval (onset within 50 ms, pitch within 50 cents, offsets ignored); the
pitch track ``f0.npy`` frame by frame inside the played notes.
"""

from __future__ import annotations

import io
import json
import statistics

import mir_eval
import numpy as np
import pytest

from performia.analysis.melody import PitchTrack
from performia.analysis.results import Melody
from performia.errors import DecodeError
from performia.jobs.base import StageRun, StageState
from performia.stages import melody
from performia.stages.context import StageContext, artifact_key
from performia.storage.base import NotFoundError
from stage_chain import JOB, ingested_context, without

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tracked(chain):
    ctx, outcome = chain.run(melody)
    result = Melody.from_dict(ctx.read_json("melody", "melody.json"))
    track = PitchTrack.from_array(np.load(io.BytesIO(ctx.store.get(ctx.key("f0.npy")))))
    return ctx, outcome, result, track


def test_notes_match_the_tune_played(chain, tracked):
    ctx, outcome, result, _ = tracked
    assert sorted(ctx.written) == ["f0.npy", "melody.json"]
    truth = chain.truth.melody
    ref_iv = np.array([[n.start, n.end] for n in truth])
    ref_hz = mir_eval.util.midi_to_hz(np.array([n.pitch_midi for n in truth]))
    est_iv = np.array([[n.start, n.end] for n in result.notes]).reshape(-1, 2)
    est_hz = mir_eval.util.midi_to_hz(np.array([n.pitch for n in result.notes]))
    _, _, note_f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=0.05, pitch_tolerance=50, offset_ratio=None
    )
    median_error = statistics.median(n.pitch for n in result.notes) - statistics.median(
        n.pitch_midi for n in truth
    )
    print(f"{len(result.notes)} notes for {len(truth)}, note F {note_f:.3f}, "
          f"median pitch off by {median_error:+.2f} st")  # fmt: skip
    assert note_f >= 0.9
    assert abs(median_error) <= 1.0
    assert result.source == "mix" and outcome.note.startswith("tracked on the mix; default")
    assert outcome.confidence is not None and 0.5 < outcome.confidence <= 1


def test_the_pitch_track_follows_each_note(chain, tracked):
    """Frames inside each played note (50 ms in from its edges) are voiced at its pitch."""
    ctx, _, _, track = tracked
    duration = json.loads(ctx.read("ingest", "metadata.json"))["duration"]
    assert track.times[0] >= 0 and abs(track.times[-1] - duration) < 0.05
    assert np.all(np.diff(track.times) > 0)
    inside = np.zeros(track.times.size, dtype=bool)
    cents_off = np.full(track.times.size, np.inf)
    for note in chain.truth.melody:
        frames = (track.times >= note.start + 0.05) & (track.times <= note.end - 0.05)
        inside |= frames
        with np.errstate(divide="ignore"):
            midi = 69 + 12 * np.log2(track.f0_hz[frames] / 440.0)
        cents_off[frames] = 100 * np.abs(midi - note.pitch_midi)
    accuracy = float(np.mean(cents_off[inside] <= 50))
    print(f"raw pitch accuracy inside the notes (±50 cents): {accuracy:.3f}")
    assert accuracy >= 0.9
    assert not track.voiced[track.times < chain.truth.beats[0] - 0.1].any()  # silent lead-in


def test_an_undecodable_vocals_stem_is_a_decode_error_naming_it(chain, tmp_path):
    """Separation said it made a vocals stem; a broken one is bad input, not a crash."""
    y, sr = chain.context("melody").read_analysis_audio()
    base = ingested_context(tmp_path, "melody", y[: 2 * sr], sr)
    base.store.put(artifact_key(JOB, "separate", "fp-separate", "stems.json"),
                   json.dumps({"vocals": "vocals.flac"}).encode())  # fmt: skip
    base.store.put(artifact_key(JOB, "separate", "fp-separate", "vocals.flac"), b"\x00" * 4096)
    ctx = StageContext(
        spec=base.spec,
        job_id=JOB,
        store=base.store,
        input=base.input,
        params={},
        fingerprints={**base.fingerprints, "separate": "fp-separate"},
        upstream={**base.upstream, "separate": StageRun(state=StageState.DONE)},
    )
    with pytest.raises(DecodeError, match=r"vocals\.flac"):
        melody.run(ctx)
    assert ctx.written == []


def test_a_missing_ingest_signal_is_a_not_found_error_and_nothing_is_written(tracked):
    ctx = tracked[0]
    lost = without(ctx, "ingest", "audio.npy")
    with pytest.raises(NotFoundError, match=r"ingest/fp-ingest/audio\.npy"):
        melody.run(lost)
    assert lost.written == []
