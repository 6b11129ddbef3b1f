"""The structure stage's ``run(ctx)`` on a verse-chorus-verse-chorus song of 8-bar sections, with
the rhythm and harmony stages' results and the given lyrics (the second verse has new words, the
chorus the same ones).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from performia.analysis.results import Structure
from performia.stages import structure
from performia.storage.base import NotFoundError
from stage_chain import BPM, without

pytestmark = pytest.mark.slow

BEAT_S = 60.0 / BPM


@pytest.fixture(scope="module")
def segmented(chain):
    ctx, outcome = chain.run(structure)
    return ctx, outcome, Structure.from_dict(ctx.read_json("structure", "structure.json"))


def _boundary_errors(sections, truth) -> np.ndarray:
    """For each true inner boundary, the distance to the nearest found one (s)."""
    found = np.array([s.start for s in sections[1:]])
    true = np.array([s.start for s in truth.sections[1:]])
    return np.abs(true[:, None] - found[None, :]).min(axis=1)


def _same_label_pairs(labels) -> set[tuple[int, int]]:
    return {(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))
            if labels[i] == labels[j]}  # fmt: skip


def test_sections_boundaries_labels_and_kinds_match_the_form(chain, segmented):
    ctx, outcome, result = segmented
    assert ctx.written == ["structure.json"]
    truth = chain.truth
    sections = result.sections
    errors = _boundary_errors(sections, truth)
    print("sections:", [(s.name, round(s.start, 2), s.label, s.confidence) for s in sections])
    print(f"boundary errors {np.round(errors, 3).tolist()} s (a beat is {BEAT_S} s)")
    assert len(sections) == len(truth.sections) == 4
    assert errors.max() <= BEAT_S  # every section starts within a beat of its bar line
    # repeats share a label (verse 1 with verse 2, chorus with chorus), nothing else does
    assert _same_label_pairs([s.label for s in sections]) == {(0, 2), (1, 3)}
    assert [s.kind for s in sections] == [s.kind for s in truth.sections]
    # the sections tile the music, from the first sound to the end of the last bar
    assert sections[0].start == pytest.approx(truth.beats[0], abs=0.1)
    assert sections[-1].end == pytest.approx(truth.sections[-1].end, abs=0.1)
    for a, b in itertools.pairwise(sections):
        assert a.end == b.start
    assert all(0 < s.confidence <= 1 for s in sections)
    assert outcome.note is None  # beats were given


def test_without_beats_sections_come_from_a_fixed_grid_and_the_note_says_so(chain, segmented):
    ctx = chain.context("structure", skip=("rhythm", "harmony"), fingerprint="fp-no-beats")
    outcome = structure.run(ctx)
    sections = Structure.from_dict(ctx.read_json("structure", "structure.json")).sections
    errors = _boundary_errors(sections, chain.truth)
    print(f"without beats: {len(sections)} sections, boundary errors {np.round(errors, 2)} s")
    assert outcome.note == "no beats: sections on a fixed frame grid"
    assert errors.max() <= 1.0  # within half the 2 s bar assumed without beats
    assert sections and sections[-1].end == pytest.approx(chain.truth.sections[-1].end, abs=0.5)
    for a, b in itertools.pairwise(sections):
        assert a.end == b.start


@pytest.mark.parametrize(
    ("stage", "artifact"),
    [("ingest", "audio.npy"), ("harmony", "harmony.json"), ("transcribe", "transcript.json")],
)
def test_an_upstream_result_marked_done_but_missing_is_a_not_found_error(
    segmented, stage, artifact
):
    ctx = segmented[0]
    lost = without(ctx, stage, artifact)
    with pytest.raises(NotFoundError, match=rf"{stage}/fp-{stage}/{artifact}"):
        structure.run(lost)
    assert lost.written == []
