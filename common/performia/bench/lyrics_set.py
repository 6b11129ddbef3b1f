"""``performia bench lyrics --set DIR``: given lyrics timed on real songs, scored word by word.

Each lyrics clip of a development set (a full song, its words with manual start times, and the
lyrics as a user would paste them; see :func:`~performia.bench.devset.read_words`) is analysed
exactly as ``performia analyze SONG --lyrics TEXT`` does it, default settings, no language
named: the whole embedded pipeline, so what is scored is what the Living Chart shows. Each
word's start in the Song Map (its first syllable) is compared with the annotation:

* mean and median absolute onset error, and the median signed error (the bias: negative is
  early);
* the share of words within :data:`WITHIN_S` and the share more than :data:`LOST_S` off (a word
  a singer would not find).

The targets are issue 14's. Nothing here is tuned on these songs; they only measure.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from performia.bench.devset import LYRICS_TASKS, Clip, load_clips, read_words

__all__ = [
    "LOST_S",
    "RELIABILITY_BINS",
    "TARGETS",
    "WITHIN_S",
    "lyrics_set_table",
    "onset_scores",
    "reliability",
    "run_lyrics_set",
    "word_confidences",
    "word_starts",
]

#: A word this close to its annotated start (s) is on time.
WITHIN_S = 0.3
#: A word this far off (s) is lost: the chart shows another line.
LOST_S = 2.0
#: Issue 14's targets on real songs: ``(metric, bound, higher is better)``.
TARGETS = {
    "within": (0.80, True),
    "median": (0.15, False),
    "mean": (0.30, False),
    "lost": (0.02, False),
}


def onset_scores(
    truth: Sequence[float] | np.ndarray, estimate: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """Onset error statistics of ``estimate`` against ``truth`` (same length, seconds)."""
    truth_a, estimate_a = np.asarray(truth, float), np.asarray(estimate, float)
    if truth_a.shape != estimate_a.shape or truth_a.size == 0:
        raise ValueError(
            f"need as many estimated as true onsets, got {estimate_a.size} and {truth_a.size}"
        )
    signed = estimate_a - truth_a
    error = np.abs(signed)
    return {
        "words": int(truth_a.size),
        "mean": float(error.mean()),
        "median": float(np.median(error)),
        "within": float(np.mean(error <= WITHIN_S)),
        "lost": float(np.mean(error > LOST_S)),
        "bias": float(np.median(signed)),
    }


def _first_syllables(song: Any) -> list[Any]:
    syllables = [s for section in song.sections for line in section.lines for s in line.syllables]
    return [s for i, s in enumerate(syllables) if i == 0 or syllables[i - 1].ends_word]


def word_starts(song: Any) -> list[float]:
    """Each word's start in a Song Map: the start of the syllable after one that ends a word."""
    return [s.start_time for s in _first_syllables(song)]


def word_confidences(song: Any) -> list[float | None]:
    """Each word's timing confidence in a Song Map (its first syllable's)."""
    return [s.confidence for s in _first_syllables(song)]


#: Confidence bins of the reliability table.
RELIABILITY_BINS = (0.0, 0.5, 0.7, 0.8, 1.0)


def reliability(
    confidences: Sequence[float | None], errors: Sequence[float]
) -> list[dict[str, Any]]:
    """Per confidence bin: how many words, their mean confidence, and the share within 0.3 s.

    A calibrated confidence has the share close to the mean confidence in every bin."""
    pairs = [(c, abs(e)) for c, e in zip(confidences, errors, strict=True) if c is not None]
    out = []
    for low, high in itertools.pairwise(RELIABILITY_BINS):
        inside = [(c, e) for c, e in pairs if low <= c < high or (high == 1.0 and c == 1.0)]
        out.append(
            {
                "bin": f"{low:.1f}-{high:.1f}",
                "words": len(inside),
                "confidence": float(np.mean([c for c, _ in inside])) if inside else None,
                "within": float(np.mean([e <= WITHIN_S for _, e in inside])) if inside else None,
            }
        )
    return out


def evaluate_lyrics_clip(clip: Clip, *, work: Path) -> dict[str, Any]:
    """Analyse one clip with its lyrics given and score its words (see the module docstring)."""
    from performia.bench.lyrics_stress import squeezed_lines
    from performia.embedded import analyze_file

    starts, words, text = read_words(clip)
    began = time.perf_counter()
    result = analyze_file(clip.audio, work / clip.id, params={"lyrics": text})
    seconds = time.perf_counter() - began
    song = result.song
    estimate = word_starts(song)
    if len(estimate) != len(words):
        raise ValueError(
            f"{clip.id}: the Song Map holds {len(estimate)} words, the lyrics {len(words)}"
        )
    stage = song.provenance.stages.get("transcribe")
    lines = [  # each line's word starts, then its end
        [s.start_time for i, s in enumerate(syls) if i == 0 or syls[i - 1].ends_word]
        + [max(s.start_time + s.duration for s in syls)]
        for syls in (line.syllables for section in song.sections for line in section.lines)
        if syls
    ]
    return {
        "id": clip.id,
        "duration": clip.duration,
        "language": song.language,
        "engine": stage.engine if stage else None,
        "note": stage.note if stage else None,
        "seconds": round(seconds, 1),
        # the transcribe stage alone: language identification, recognition, forced alignment
        "transcribe_seconds": stage.seconds if stage else None,
        "scores": onset_scores(starts, estimate),
        # lines given less than the aligner's shortest plausible word (0.08 s) a word
        "squeezed_lines": squeezed_lines(lines),
        "lines": len(lines),
        "errors": [round(e - t, 3) for e, t in zip(estimate, starts, strict=True)],
        "confidence": word_confidences(song),
    }


def run_lyrics_set(
    root: str | Path,
    *,
    ids: Sequence[str] | None = None,
    work: str | Path | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every lyrics clip of the set at ``root`` (or those in ``ids``), then all words pooled.

    ``work`` keeps the analyses (a temporary folder, removed afterwards, when not given).
    """
    clips = load_clips(root, ids=ids, tasks=LYRICS_TASKS)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="performia-lyrics-") as scratch:
        folder = Path(work) if work is not None else Path(scratch)
        for clip in clips:
            row = evaluate_lyrics_clip(clip, work=folder)
            rows.append(row)
            if progress is not None:
                progress(row)
    pooled = None
    if rows:
        truth = [0.0 for row in rows for _ in row["errors"]]
        pooled = onset_scores(truth, [e for row in rows for e in row["errors"]])
    checks = {
        name: (pooled[name] >= bound if higher else pooled[name] <= bound) if pooled else None
        for name, (bound, higher) in TARGETS.items()
    }
    table = reliability(
        [c for row in rows for c in row["confidence"]], [e for row in rows for e in row["errors"]]
    )
    return {
        "set": str(root),
        "clips": rows,
        "pooled": pooled,
        "reliability": table,
        "targets": TARGETS,
        "checks": checks,
    }


def lyrics_set_table(report: dict[str, Any]) -> Any:
    """A rich Table: one row per song, then all words pooled, against the targets."""
    from rich.table import Table

    table = Table(title=f"Given lyrics on {len(report['clips'])} real songs ({report['set']})")
    for column in (
        "song",
        "language",
        "words",
        "mean s",
        "median s",
        "within 0.3 s",
        "> 2 s",
        "bias s",
    ):
        table.add_column(
            column,
            justify="left" if column in ("song", "language") else "right",
            overflow="fold",
            min_width=24 if column == "song" else None,
        )

    def cells(scores: dict[str, float]) -> list[str]:
        return [
            str(scores["words"]),
            f"{scores['mean']:.2f}",
            f"{scores['median']:.2f}",
            f"{scores['within']:.0%}",
            f"{scores['lost']:.1%}",
            f"{scores['bias']:+.2f}",
        ]

    for row in report["clips"]:
        table.add_row(row["id"], str(row["language"]), *cells(row["scores"]))
    if report["pooled"] is not None:
        marks = {k: ("✓" if ok else "✗") for k, ok in report["checks"].items()}
        pooled = cells(report["pooled"])
        table.add_row(
            "all words",
            "",
            pooled[0],
            f"{pooled[1]} {marks['mean']}",
            f"{pooled[2]} {marks['median']}",
            f"{pooled[3]} {marks['within']}",
            f"{pooled[4]} {marks['lost']}",
            pooled[5],
            style="bold",
        )
        table.add_row("target", "", "", "≤ 0.30", "≤ 0.15", "≥ 80%", "< 2.0%", "", style="dim")
    return table
