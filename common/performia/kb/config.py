"""Where the knowledge base's documents and index live, and the defaults the index is built with.

Every default is defined here once and shared by the CLI (``performia kb``), the HTTP function
(``kb_query``) and the benchmark. Two environment variables override the locations:

``PERFORMIA_KB_SOURCE``
    The folder of documents (default: ``knowledge-base/`` in the repository).
``PERFORMIA_KB_INDEX``
    The ChromaDB folder (default: ``.performia/kb`` in the repository). A cloud image builds its
    index at build time (``performia kb ingest --index /app/kb-index``) and sets this variable to
    that folder, so a request never ingests anything.

The repository is found the way ``performia dev`` finds ``functions/``: the first folder above
the working folder that holds ``knowledge-base/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from performia.errors import BadInputError

__all__ = [
    "COLLECTION",
    "DEFAULT_INDEX",
    "DEFAULT_K",
    "INDEX_ENV",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "MAX_TOKENS",
    "SOURCE_DIR",
    "SOURCE_ENV",
    "index_dir",
    "repo_root",
    "source_dir",
]

#: Environment variables naming the documents folder and the index folder.
SOURCE_ENV = "PERFORMIA_KB_SOURCE"
INDEX_ENV = "PERFORMIA_KB_INDEX"
#: The documents folder's name in the repository.
SOURCE_DIR = "knowledge-base"
#: The index folder, relative to the repository.
DEFAULT_INDEX = Path(".performia") / "kb"
#: The ChromaDB collection holding the passages.
COLLECTION = "performia-kb"
#: Passages returned when a query does not say.
DEFAULT_K = 5
#: Most passages one query may ask for, and the longest query accepted (characters).
MAX_K = 20
MAX_QUERY_CHARS = 1000
#: Longest passage in model tokens, heading path included. all-MiniLM-L6-v2 reads at most 256
#: word pieces and silently drops the rest, so a longer passage would be embedded by its start.
MAX_TOKENS = 256


def repo_root(start: Path | None = None) -> Path | None:
    """The first folder at or above ``start`` (the working folder) holding ``knowledge-base/``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SOURCE_DIR).is_dir():
            return folder
    return None


def source_dir(given: Path | None = None) -> Path:
    """The documents folder: ``given``, else ``$PERFORMIA_KB_SOURCE``, else the repository's.

    Raises
    ------
    BadInputError
        When the folder does not exist.
    """
    if given is None and os.environ.get(SOURCE_ENV):
        given = Path(os.environ[SOURCE_ENV])
    if given is None:
        root = repo_root()
        if root is None:
            raise BadInputError(
                f"no {SOURCE_DIR}/ folder above {Path.cwd()}; pass --source or set {SOURCE_ENV}"
            )
        given = root / SOURCE_DIR
    folder = given.expanduser()
    if not folder.is_dir():
        raise BadInputError(f"{folder} is not a folder of knowledge-base documents")
    return folder


def index_dir(given: Path | None = None) -> Path:
    """The index folder: ``given``, else ``$PERFORMIA_KB_INDEX``, else ``.performia/kb`` in the
    repository (or in the working folder outside one). It need not exist yet."""
    if given is not None:
        return given.expanduser()
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV]).expanduser()
    return (repo_root() or Path.cwd()) / DEFAULT_INDEX
