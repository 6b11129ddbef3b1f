"""``performia kb``: build the knowledge-base index, ask it questions, measure it.

Mounted by :mod:`performia.cli` as a sub-command (``app.add_typer(kb_app, name="kb")``); errors
are Performia errors, so the main command maps them to exit codes (2 for a bad folder or query).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from performia.kb.config import DEFAULT_K, MAX_K, index_dir, source_dir

__all__ = ["kb_app"]

kb_app = typer.Typer(
    name="kb",
    help="The knowledge base: ingest its documents, ask it questions, measure its answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_console = Console(soft_wrap=True)
#: Passages are shown in panels, which need wrapping.
_panels = Console()

_Source = Annotated[
    Path | None,
    typer.Option(
        "--source", help="Documents folder [default: $PERFORMIA_KB_SOURCE or knowledge-base/]."
    ),
]
_Index = Annotated[
    Path | None,
    typer.Option("--index", help="Index folder [default: $PERFORMIA_KB_INDEX or .performia/kb]."),
]


@kb_app.command()
def ingest(source: _Source = None, index: _Index = None) -> None:
    """Build or update the index: only new and changed documents are converted and embedded."""
    from performia.kb.index import KnowledgeBase

    folder, target = source_dir(source), index_dir(index)
    report = KnowledgeBase(target).ingest(folder)
    if report.rebuilt:
        _console.print(f"[yellow]rebuilt from scratch:[/] {escape(report.rebuilt)}")
    table = Table(box=None, show_header=False, pad_edge=False)
    for label, names in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
        ("unchanged", report.unchanged),
    ):
        shown = (
            "" if label == "unchanged" else ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
        )
        table.add_row(label, str(len(names)), escape(shown))
    _console.print(table)
    for name, reason in report.skipped.items():
        _console.print(f"[yellow]skipped[/] {escape(name)}: {escape(reason)}", highlight=False)
    _console.print(
        f"{report.documents} documents, {report.passages} passages in {target} "
        f"({report.embedded} embedded, {report.seconds:.1f} s)"
    )


@kb_app.command()
def query(
    question: Annotated[str, typer.Argument(help="What you want to know.")],
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="Passages to show.")] = DEFAULT_K,
    mode: Annotated[
        str, typer.Option(help="Retrieval: hybrid (dense + keywords), dense or bm25.")
    ] = "hybrid",
    index: _Index = None,
) -> None:
    """The passages that best answer QUESTION, with their document, section and score."""
    from performia.kb.index import KnowledgeBase

    hits = KnowledgeBase(index_dir(index)).search(question, k=k, mode=mode)
    if not hits:
        _console.print("no passage matches")
        return
    for rank, hit in enumerate(hits, start=1):
        title = f"[bold]{rank}. {escape(hit.source)}[/]  [dim]score {hit.score:.3f}[/]"
        path = " › ".join(hit.heading_path)
        _panels.print(
            Panel(escape(hit.text), title=title, subtitle=escape(path), title_align="left")
        )


@kb_app.command()
def bench(
    questions: Annotated[
        Path | None,
        typer.Option(help="Question set (YAML) [default: tests/kb/questions.yaml]."),
    ] = None,
    source: _Source = None,
    index: Annotated[
        Path | None,
        typer.Option("--index", help="Ingest into this index [default: a fresh temporary one]."),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="Cut-off for recall.")] = 5,
    as_json: Annotated[
        Path | None, typer.Option("--json", help="Also write every number to this JSON file.")
    ] = None,
) -> None:
    """Ingestion time, recall@k, MRR and query latency of dense, BM25 and hybrid retrieval."""
    from performia.kb.bench import default_questions_path, run_bench

    result = run_bench(
        source_dir(source),
        questions=questions or default_questions_path(),
        index=index,
        k=k,
    )
    _console.print(
        f"{result['documents']} documents → {result['passages']} passages; model load "
        f"{result['model_load_s']:.1f} s, ingestion {result['ingest_s']:.1f} s; "
        f"{result['questions']} questions"
    )
    table = Table("mode", f"recall@{k}", "MRR", f"doc recall@{k}", "p50 ms", "p95 ms")
    for mode, m in result["modes"].items():
        table.add_row(
            mode,
            f"{m[f'recall@{k}']:.3f}",
            f"{m['mrr']:.3f}",
            f"{m[f'doc_recall@{k}']:.3f}",
            f"{m['p50_ms']:.1f}",
            f"{m['p95_ms']:.1f}",
        )
    _console.print(table)
    from performia.kb.index import DEFAULT_MODE

    for miss in result["modes"][DEFAULT_MODE]["missed"]:
        _console.print(
            f"[dim]{DEFAULT_MODE} missed:[/] {escape(miss['question'])} "
            f"[dim](wanted {escape(miss['expected'])}, rank {miss['rank']})[/]",
            highlight=False,
        )
    if as_json is not None:
        as_json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        _console.print(f"wrote {as_json}")


if __name__ == "__main__":
    kb_app()
