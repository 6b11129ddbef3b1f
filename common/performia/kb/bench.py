"""How well the knowledge base answers: recall@k and MRR on a question set, and query latency.

Each question names the document and the section that answer it. A retrieved passage is right
when it comes from that document and its own section (the last heading of its path) is that
section; a passage from elsewhere in the right document does not count. Per retrieval mode:

* **recall@k**: the share of questions with a right passage among the first ``k``;
* **MRR**: the mean of ``1 / rank`` of the first right passage within the first
  :data:`MRR_DEPTH` (0 when there is none);
* **document recall@k**: the share with any passage of the right document in the first ``k``;
* **latency**: wall time of one :meth:`~performia.kb.index.KnowledgeBase.search` for ``k``
  passages, after the model and index are loaded (p50 and p95 over :data:`LATENCY_ROUNDS`
  passes of every question).

:func:`run_bench` also times a full ingestion of the documents into a fresh index. The question
set lives in ``tests/kb/questions.yaml``; ``performia kb bench`` runs this module.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from performia.errors import BadInputError
from performia.kb.config import repo_root
from performia.kb.index import MODES, Hit, KnowledgeBase

__all__ = [
    "LATENCY_ROUNDS",
    "MRR_DEPTH",
    "Question",
    "default_questions_path",
    "evaluate",
    "load_questions",
    "run_bench",
]

#: Passages looked at for the reciprocal rank.
MRR_DEPTH = 10
#: Passes over the question set when timing queries.
LATENCY_ROUNDS = 3
#: Where the question set lives in the repository.
QUESTIONS = Path("tests") / "kb" / "questions.yaml"


@dataclass(frozen=True)
class Question:
    """A question and where the knowledge base answers it."""

    question: str
    source: str
    section: str

    def is_answer(self, hit: Hit) -> bool:
        return (
            hit.source == self.source
            and bool(hit.heading_path)
            and (hit.heading_path[-1] == self.section)
        )


def default_questions_path() -> Path:
    root = repo_root()
    if root is None or not (root / QUESTIONS).is_file():
        raise BadInputError(f"no {QUESTIONS} found above {Path.cwd()}; pass --questions")
    return root / QUESTIONS


def load_questions(path: Path) -> list[Question]:
    """A YAML list of ``{question, source, section}`` mappings."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BadInputError(f"cannot read the question set {path}: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise BadInputError(f"{path} must be a non-empty list of questions")
    out = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) and item[key].strip()
            for key in ("question", "source", "section")
        ):
            raise BadInputError(f"{path}: question {i} needs question, source and section")
        out.append(Question(item["question"].strip(), item["source"], item["section"]))
    return out


def _rank(hits: Sequence[Hit], q: Question) -> int | None:
    return next((i for i, h in enumerate(hits, start=1) if q.is_answer(h)), None)


def evaluate(
    kb: KnowledgeBase,
    questions: Sequence[Question],
    *,
    k: int = 5,
    modes: Sequence[str] = MODES,
    rounds: int = LATENCY_ROUNDS,
) -> dict[str, Any]:
    """Scores and latencies per mode, plus the questions each mode missed at ``k``.

    Latency is timed in ``rounds`` passes over the questions, each question asked in every mode
    in turn, so a busy machine slows every mode alike; ``rounds=0`` skips the timing (its
    entries are ``None``).
    """
    kb.load()
    out: dict[str, Any] = {}
    for mode in modes:
        ranks: list[int | None] = []
        docs = 0
        missed = []
        for q in questions:
            hits = kb.search(q.question, k=MRR_DEPTH, mode=mode)
            rank = _rank(hits, q)
            ranks.append(rank)
            docs += any(h.source == q.source for h in hits[:k])
            if rank is None or rank > k:
                top = hits[0] if hits else None
                missed.append(
                    {
                        "question": q.question,
                        "expected": f"{q.source} § {q.section}",
                        "rank": rank,
                        "got": f"{top.source} § {' › '.join(top.heading_path)}" if top else None,
                    }
                )
        n = len(questions)
        out[mode] = {
            f"recall@{k}": round(sum(r is not None and r <= k for r in ranks) / n, 3),
            "mrr": round(sum(1.0 / r for r in ranks if r is not None) / n, 3),
            f"doc_recall@{k}": round(docs / n, 3),
            "missed": missed,
        }
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(rounds):
        for q in questions:
            for mode in modes:
                started = time.perf_counter()
                kb.search(q.question, k=k, mode=mode)
                times[mode].append((time.perf_counter() - started) * 1000.0)
    for mode in modes:
        ms = sorted(times[mode])
        out[mode]["p50_ms"] = round(statistics.median(ms), 2) if ms else None
        out[mode]["p95_ms"] = round(ms[round(0.95 * (len(ms) - 1))], 2) if ms else None
    return out


def run_bench(
    source: Path,
    *,
    questions: Path,
    index: Path | None = None,
    k: int = 5,
) -> dict[str, Any]:
    """Ingest ``source`` (into a fresh temporary index unless ``index`` is given), then
    :func:`evaluate` every mode on ``questions``.

    Returns the numbers as a JSON-ready dict: documents, passages, model load and ingestion
    seconds, and per mode recall@k, MRR, document recall, p50/p95 latency and misses.
    """
    qs = load_questions(questions)
    with tempfile.TemporaryDirectory(prefix="performia-kb-") as tmp:
        kb = KnowledgeBase(index if index is not None else Path(tmp))
        started = time.perf_counter()
        kb.embedder.load()
        load_s = time.perf_counter() - started
        report = kb.ingest(source)
        scores = evaluate(kb, qs, k=k)
    return {
        "questions": len(qs),
        "documents": report.documents,
        "skipped": report.skipped,
        "passages": report.passages,
        "embedded": report.embedded,
        "model_load_s": round(load_s, 2),
        "ingest_s": round(report.seconds, 2),
        "k": k,
        "modes": scores,
    }
