"""One synthesised song taken through the analysis stages, as the runner would take it.

:func:`make_chain` renders a verse-chorus song with known truth (beats, chords, key, melody,
sections), puts it where an upload lands, and runs each stage's ``run(ctx)`` on demand, after
the stages it reads, with the contexts, keys and done markers the runner would give them. A
stage runs once however many test files ask for it, so the rhythm tracker (the slow one: ~18 s
on 2 cores) runs once for the rhythm, harmony, structure and package tests together.

Two upstream stages are not run: ``separate`` is skipped (so melody tracks the mix; Spleeter has
its own tests), and ``transcribe``'s ``transcript.json`` is written as given-lyrics alignment
would leave it, one word on each melody note, so no speech model is needed.
"""

from __future__ import annotations

import importlib
import io
import json
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import mir_eval
import numpy as np

from performia.analysis.chordnames import to_harte
from performia.analysis.results import Transcript, Word
from performia.jobs.base import StageRun, StageState
from performia.pipeline.execute import StageReport
from performia.pipeline.graph import GRAPH
from performia.stages.context import StageContext, StageOutcome, artifact_key, done_marker_key
from performia.storage.local import LocalFolderStore
from performia.testing import SongTruth, render_song, write_audio

SR = 44100
BPM = 150.0
JOB = "job"
FILENAME = "The Fixtures - Verse and Chorus.flac"
UPLOAD_KEY = f"uploads/{JOB}/{FILENAME}"
#: Why ``separate`` is absent from every chain (the package test checks it is recorded).
SEPARATE_SKIPPED = "not run in the stage tests (Spleeter is tested in test_separate_stage.py)"


def _tune(pitches: Iterable[int | None], beats: float = 2) -> list[tuple[int | None, float]]:
    return [(p, beats) for p in pitches]


# Eight bars each (the structure analysis expects 8-bar sections); 1.6 s bars at 150 BPM.
VERSE_TUNE = _tune([64, 62, 60, 62, 64, 64, 64, None, 62, 62, 62, None, 64, 67, 67, None])
CHORUS_TUNE = _tune([72, 71, 69, 67, 69, 71, 72, 72, 74, 72, 71, 69, 67, 69, 71, 72])
FORM = [
    ("verse", ("C", "Am", "F", "G"), 8),
    ("chorus", ("F", "G", "C", "C"), 8),
    ("verse", ("C", "Am", "F", "G"), 8),
    ("chorus", ("F", "G", "C", "C"), 8),
]
#: One word per sung note: the verses differ, the chorus comes back word for word.
LYRICS = {
    "verse 1": "morning comes the river wakes the city sleeps the window breaks a song",
    "chorus": "sing it loud and sing it clear tonight the summer time is here so sing along",
    "verse 2": "evening falls the candle burns the lonely road the traveller turns for home",
}


@dataclass
class Chain:
    """The song, its truth, the store the stages share, and what each stage reported."""

    store: LocalFolderStore
    truth: SongTruth
    transcript: Transcript
    contexts: dict[str, StageContext] = field(default_factory=dict)
    outcomes: dict[str, StageOutcome] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def upstream(self, stage: str, *, skip: Iterable[str] = ()) -> dict[str, StageRun]:
        """``stage``'s upstream runs: done when done here (and not in ``skip``), else skipped."""
        skip = set(skip)
        return {
            d: StageRun(state=StageState.DONE)
            if d in self.outcomes and d not in skip
            else StageRun(state=StageState.SKIPPED, message=_skip_reason(d))
            for d in GRAPH[stage].upstream
        }

    def context(
        self,
        stage: str,
        *,
        skip: Iterable[str] = (),
        fingerprint: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> StageContext:
        """A fresh context for ``stage`` over the chain's store, as ``stage_context`` builds it.

        ``skip`` marks done stages skipped for this context; ``fingerprint`` keeps a variant's
        outputs apart from the chain's own.
        """
        upstream = self.upstream(stage, skip=skip)
        fps = {d: f"fp-{d}" for d, run in upstream.items() if run.state is StageState.DONE}
        fps[stage] = fingerprint or f"fp-{stage}"
        return StageContext(
            spec=GRAPH[stage],
            job_id=JOB,
            store=self.store,
            input={"key": UPLOAD_KEY, "filename": FILENAME},
            params=dict(params or {}),
            fingerprints=fps,
            upstream=upstream,
        )

    def run(self, module: ModuleType | str) -> tuple[StageContext, StageOutcome]:
        """Run a stage (its module, or its name) once, after what it reads; the context it ran
        with (``written`` says what it wrote) and its outcome."""
        name = module if isinstance(module, str) else module.__name__.rpartition(".")[2]
        for dep in GRAPH[name].upstream:
            if dep not in self.outcomes and dep != "separate":
                self.run(dep)
        if name not in self.outcomes:
            mod = module if isinstance(module, ModuleType) else _stage_module(name)
            ctx = self.context(name)
            t0 = time.perf_counter()
            outcome = mod.run(ctx)
            self.seconds[name] = round(time.perf_counter() - t0, 3)
            self.contexts[name] = ctx
            self._mark_done(name, outcome)
        return self.contexts[name], self.outcomes[name]

    def _mark_done(self, name: str, outcome: StageOutcome) -> None:
        """The done marker the runner writes last (the package stage reads it)."""
        fp = f"fp-{name}"
        report = StageReport(
            name, GRAPH[name].version, fp, self.seconds.get(name, 0.0), False, outcome.to_dict()
        )
        self.store.put(done_marker_key(JOB, name, fp), report.to_marker())
        self.outcomes[name] = outcome


def _stage_module(name: str) -> ModuleType:
    return importlib.import_module(f"performia.stages.{name}")


def _skip_reason(stage: str) -> str:
    return SEPARATE_SKIPPED if stage == "separate" else f"{stage} skipped in this test"


def _given_lyrics(truth: SongTruth) -> Transcript:
    """Words on the sung notes, four to a line, as aligning the lyrics above would time them."""
    words: list[Word] = []
    line_starts: list[int] = []
    verses = iter([LYRICS["verse 1"], LYRICS["verse 2"]])
    for section in truth.sections:
        notes = [n for n in truth.melody if section.start - 1e-6 <= n.start < section.end - 1e-6]
        text = LYRICS["chorus"] if section.kind == "chorus" else next(verses)
        for i, (token, note) in enumerate(zip(text.split(), notes, strict=True)):
            if i % 4 == 0:
                line_starts.append(len(words))
            words.append(Word(token, round(note.start + 0.02, 3), round(note.end - 0.1, 3), 0.9))
    return Transcript(tuple(words), "en", "given", tuple(line_starts))


def make_chain(folder: Path) -> Chain:
    """The song uploaded into a store under ``folder``, ingested (by ingest's ``run``), with the
    transcript written."""
    melody = (VERSE_TUNE + CHORUS_TUNE) * 2
    mix, truth, _ = render_song(bpm=BPM, form=FORM, melody=melody, key="C major", sr=SR, seed=3)
    upload = write_audio(folder / "upload.flac", mix, SR)
    store = LocalFolderStore(folder / "store")
    store.put(UPLOAD_KEY, upload.read_bytes())
    transcript = _given_lyrics(truth)
    chain = Chain(store, truth, transcript)
    chain.run("ingest")
    store.put(
        artifact_key(JOB, "transcribe", "fp-transcribe", "transcript.json"),
        json.dumps(transcript.to_dict()).encode(),
    )
    chain._mark_done("transcribe", StageOutcome(engine="given lyrics (test)"))
    return chain


def ingested_context(
    root: Path, stage: str, y: np.ndarray, sr: int, *, params: Mapping | None = None
) -> StageContext:
    """``stage`` over a store holding only ingest's artifacts for ``y`` (other stages skipped):
    for the degenerate inputs a stage must survive."""
    store = LocalFolderStore(root)
    buf = io.BytesIO()
    np.save(buf, y.astype(np.float32), allow_pickle=False)
    store.put(artifact_key(JOB, "ingest", "fp-ingest", "audio.npy"), buf.getvalue())
    meta = {"sampleRate": sr, "duration": round(len(y) / sr, 3)}
    store.put(artifact_key(JOB, "ingest", "fp-ingest", "metadata.json"), json.dumps(meta).encode())
    upstream = {
        d: StageRun(state=StageState.DONE if d == "ingest" else StageState.SKIPPED)
        for d in GRAPH[stage].upstream
    }
    return StageContext(
        spec=GRAPH[stage],
        job_id=JOB,
        store=store,
        input={"key": UPLOAD_KEY, "filename": FILENAME},
        params=dict(params or {}),
        fingerprints={"ingest": "fp-ingest", stage: f"fp-{stage}"},
        upstream=upstream,
    )


def without(ctx: StageContext, stage: str, name: str) -> StageContext:
    """``ctx`` over a fresh store holding its upstream artifacts but one (a store that lost it,
    or a stage marked done that never wrote it)."""
    root = Path(ctx.store.root)
    copy = LocalFolderStore(tempfile.mkdtemp(prefix=f"without-{stage}-", dir=root.parent))
    for upstream in set(ctx.fingerprints) - {ctx.spec.name}:
        for key in ctx.store.list(ctx.key_of(upstream, "")):
            if key != ctx.key_of(stage, name):
                copy.put(key, ctx.store.get(key))
    return StageContext(
        spec=ctx.spec,
        job_id=ctx.job_id,
        store=copy,
        input=ctx.input,
        params=ctx.params,
        fingerprints=ctx.fingerprints,
        upstream=ctx.upstream,
    )


def majmin_recall(chords: Iterable, truth: SongTruth, *, start: float, end: float) -> float:
    """Share of ``[start, end]`` where the estimated chord matches the truth on the major/minor
    vocabulary (mir_eval's weighted chord symbol recall); ``chords`` have start, end, symbol."""
    ref = [c for c in truth.chords if c.end > start and c.start < end]
    ref_int = np.array([[max(c.start, start), min(c.end, end)] for c in ref])
    ref_lab = [to_harte(c.symbol) for c in ref]
    est = list(chords)
    est_int = np.array([[c.start, c.end] for c in est])
    est_lab = [to_harte(c.symbol) for c in est]
    est_int, est_lab = mir_eval.util.adjust_intervals(est_int, est_lab, start, end, "N", "N")
    ints, ref_l, est_l = mir_eval.util.merge_labeled_intervals(ref_int, ref_lab, est_int, est_lab)
    durations = mir_eval.util.intervals_to_durations(ints)
    return float(mir_eval.chord.weighted_accuracy(mir_eval.chord.majmin(ref_l, est_l), durations))
