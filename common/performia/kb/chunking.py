"""Heading-aware passages: each piece of a document with the path of headings above it.

docling's :class:`~docling_core.transforms.chunker.hierarchical_chunker.HierarchicalChunker`
walks the document tree and yields one piece per paragraph, list, table (as "row, column =
value" triplets, which read well to an embedding model) and code block, each carrying its
heading path (``["Chords", "Limits"]``). Those pieces are mostly a sentence or two, too small to
answer a question on their own, so neighbours under the same heading path are merged here up to
:data:`~performia.kb.config.MAX_TOKENS` model tokens, heading path included; the rare piece
longer than that is split at sentence ends.

One repair comes first: docling's Markdown reader gives a heading that holds inline code
(``## Keep `main.py` thin``) an empty text and hangs the words under it as an inline group, which
the chunker would then emit as a paragraph of the *parent* section while the section itself
lost its name. :func:`name_headings` writes such a heading's words back into it.

Why not docling's ``HybridChunker``, which does the same merging: it re-serialises a paragraph
item by item whenever it holds inline parts, so "run `performia kb ingest` first" comes out as
three lines with the command in a fenced code block of its own, and every field name or command
written inline in these documents (most of them) would be split off its sentence. Merging the
hierarchical chunker's own text keeps inline code inline; the token budget and heading path are
the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from performia.kb.config import MAX_TOKENS
from performia.kb.engines import import_docling

__all__ = [
    "HEADING_SEPARATOR",
    "Passage",
    "chunk_document",
    "contextualise",
    "merge_pieces",
    "name_headings",
]

#: Between the headings of a path where it is written out (``Chords › Limits``).
HEADING_SEPARATOR = " › "
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")


@dataclass(frozen=True)
class Passage:
    """One retrievable passage.

    Attributes
    ----------
    source : str
        The document, relative to the knowledge-base folder (``audio-dsp/chords.md``).
    heading_path : tuple of str
        Headings from the document's title down to the passage's own section.
    text : str
        The passage as docling serialised it (Markdown-like).
    ordinal : int
        Its position in the document, from 0.
    """

    source: str
    heading_path: tuple[str, ...]
    text: str
    ordinal: int

    @property
    def indexed_text(self) -> str:
        """What is embedded and keyword-indexed: the heading path, then the text.

        The headings say what a passage is about when its own words do not ("Limits" under
        "Chords" is about chord recognition's limits).
        """
        return contextualise(self.heading_path, self.text)


def contextualise(heading_path: Sequence[str], text: str) -> str:
    return f"{HEADING_SEPARATOR.join(heading_path)}\n{text}" if heading_path else text


def merge_pieces(
    pieces: Iterable[tuple[tuple[str, ...], str]],
    *,
    count_tokens: Callable[[str], int],
    max_tokens: int = MAX_TOKENS,
) -> list[tuple[tuple[str, ...], str]]:
    """Merge consecutive pieces under the same heading path up to ``max_tokens``.

    Parameters
    ----------
    pieces : iterable of (heading path, text)
        In document order.
    count_tokens : callable
        Model tokens of a text (the embedding model's tokenizer).
    max_tokens : int
        Budget of a passage, its heading path included.

    Returns
    -------
    list of (heading path, text)
        Pieces joined with a blank line; a piece over budget on its own is split at sentence
        ends (a single sentence over budget stays whole: the model reads its start).
    """
    out: list[tuple[tuple[str, ...], str]] = []
    for path, text in pieces:
        text = text.strip()
        if not text:
            continue
        for part in _split(path, text, count_tokens, max_tokens):
            if out and out[-1][0] == path:
                joined = f"{out[-1][1]}\n\n{part}"
                if count_tokens(contextualise(path, joined)) <= max_tokens:
                    out[-1] = (path, joined)
                    continue
            out.append((path, part))
    return out


def _split(
    path: tuple[str, ...], text: str, count_tokens: Callable[[str], int], max_tokens: int
) -> list[str]:
    if count_tokens(contextualise(path, text)) <= max_tokens:
        return [text]
    parts: list[str] = []
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        if parts and count_tokens(contextualise(path, f"{parts[-1]} {sentence}")) <= max_tokens:
            parts[-1] = f"{parts[-1]} {sentence}"
        else:
            parts.append(sentence)
    return parts


def name_headings(document: Any) -> Any:
    """Give every title and section header its text back from its inline parts (in place).

    Code parts keep their backticks, so a heading reads as it was written. Returns the
    document.
    """
    from docling_core.types.doc import CodeItem, InlineGroup, SectionHeaderItem, TitleItem

    emptied = []
    for item, _level in document.iterate_items(with_groups=True):
        if not isinstance(item, TitleItem | SectionHeaderItem) or item.text.strip():
            continue
        groups = [c.resolve(document) for c in item.children]
        groups = [g for g in groups if isinstance(g, InlineGroup)]
        words = []
        for group in groups:
            for child in (c.resolve(document) for c in group.children):
                text = getattr(child, "text", "").strip()
                if text:
                    words.append(f"`{text}`" if isinstance(child, CodeItem) else text)
        if words:
            item.text = item.orig = _join(words)
            emptied.extend(groups)
    if emptied:
        document.delete_items(node_items=emptied)
    return document


def _join(words: list[str]) -> str:
    """Words separated by spaces, except inside brackets and before punctuation."""
    out = ""
    for word in words:
        if out and not out.endswith(("(", "[", "/")) and not word.startswith(tuple(")],.:;!?/")):
            out += " "
        out += word
    return out


def chunk_document(
    document: Any,
    *,
    source: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = MAX_TOKENS,
) -> list[Passage]:
    """Passages of a docling document, each with its heading path.

    Parameters
    ----------
    document : docling_core.types.doc.DoclingDocument
        From :func:`performia.kb.documents.convert`.
    source : str
        The document's name in the knowledge base, stored with every passage.
    count_tokens, max_tokens
        As for :func:`merge_pieces`.
    """
    import_docling()
    from docling_core.transforms.chunker import DocChunk, HierarchicalChunker

    def piece(chunk: object) -> tuple[tuple[str, ...], str]:
        # HierarchicalChunker is typed as yielding BaseChunk, whose meta has no headings; the
        # chunks it makes are DocChunks
        if not isinstance(chunk, DocChunk):
            raise TypeError(f"docling's chunker gave a {type(chunk).__name__}, not a DocChunk")
        return tuple(h.strip() for h in (chunk.meta.headings or ()) if h.strip()), chunk.text

    pieces = (piece(chunk) for chunk in HierarchicalChunker().chunk(name_headings(document)))
    merged = merge_pieces(pieces, count_tokens=count_tokens, max_tokens=max_tokens)
    return [
        Passage(source=source, heading_path=path, text=text, ordinal=i)
        for i, (path, text) in enumerate(merged)
    ]
