"""Cloud Run function ``kb_query`` (HTTP): answer a question from the knowledge base.

Everything is in :func:`performia.kb.http.kb_query_request`; the index is built into the image
(``performia kb ingest --index /app/kb-index``, ``PERFORMIA_KB_INDEX=/app/kb-index``).
"""

import functions_framework

from performia.kb.http import kb_query_request


@functions_framework.http
def main(request):
    return kb_query_request(request)
