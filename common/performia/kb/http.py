"""The ``kb_query`` HTTP function: a question in, the knowledge base's best passages out.

``POST {"query": "...", "k": 5}`` → ``{"results": [{"source", "headingPath", "text",
"score"}]}``, best first, in the shape of :mod:`performia.cloud.http` (Flask request in,
``(body, status, headers)`` out, CORS from ``PERFORMIA_ALLOWED_ORIGIN``). A malformed request is
a 400 with ``{"error"}`` to show; a missing or mismatched index is a 500 whose details go to the
log only.

The index is opened from ``PERFORMIA_KB_INDEX`` once per process, and the embedding model is
loaded with it: a cloud image builds the index at build time (``performia kb ingest --index
/app/kb-index``) and sets ``PERFORMIA_KB_INDEX=/app/kb-index``, so no request ever ingests or
downloads anything. Nothing heavy is imported with this module.
"""

from __future__ import annotations

import threading
from typing import Any

from performia.cloud.answer import Response, answer
from performia.cloud.quotas import caller_address, get_quotas, take
from performia.errors import BadInputError
from performia.kb.config import DEFAULT_K, MAX_K, MAX_QUERY_CHARS, index_dir

__all__ = ["get_knowledge_base", "kb_query_request", "parse_request", "set_knowledge_base"]

_lock = threading.Lock()
_kb: Any = None


def get_knowledge_base() -> Any:
    """This process's :class:`~performia.kb.index.KnowledgeBase`, opened and loaded once."""
    global _kb
    with _lock:
        if _kb is None:
            from performia.kb.index import KnowledgeBase

            kb = KnowledgeBase(index_dir())
            kb.load()
            _kb = kb
        return _kb


def set_knowledge_base(kb: Any) -> None:
    """Use ``kb`` in this process (tests, the local stack); ``None`` reopens from the env."""
    global _kb
    with _lock:
        _kb = kb


def parse_request(body: Any) -> tuple[str, int]:
    """``{"query": str, "k": int}`` → ``(query, k)``; a :class:`BadInputError` says what is
    wrong with anything else."""
    if not isinstance(body, dict):
        raise BadInputError('send a JSON object: {"query": "…", "k": 5}')
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadInputError("give the question as a non-empty string in 'query'")
    if len(query) > MAX_QUERY_CHARS:
        raise BadInputError(f"the query is {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
    k = body.get("k", DEFAULT_K)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise BadInputError(f"'k' must be a whole number from 1 to {MAX_K}")
    return query.strip(), k


def kb_query_request(request: Any) -> Response:
    """``POST {"query", "k"?}`` → ``{"results": [...]}``; see the module notes."""

    def work(body: Any) -> dict[str, Any]:
        take(get_quotas(), "kb_query", caller_address(request))
        query, k = parse_request(body)
        hits = get_knowledge_base().search(query, k=k)
        return {"results": [h.to_dict() for h in hits]}

    return answer(request, work, what="knowledge-base query")
