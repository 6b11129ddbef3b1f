"""The knowledge-base index: passages and their embeddings in a persistent ChromaDB collection.

:meth:`KnowledgeBase.ingest` brings the index up to date with a folder of documents,
incrementally: a document whose bytes hash as when it was indexed is skipped, a changed one has
its passages replaced, a removed one has its passages deleted, and a document that cannot be
converted (a PDF without docling's models) is listed with the reason while the rest goes in.
Every passage carries its document's checksum, so the index itself is the manifest: nothing else
has to be kept in step with it.

The collection records how it was built (:data:`INDEX_FORMAT`, the embedding model and the
passage budget). An index built another way is rebuilt from scratch by ``ingest`` and refused by
``search``, since vectors from two models cannot be compared.

:meth:`KnowledgeBase.search` answers a question four ways: ``dense`` (cosine similarity of
all-MiniLM-L6-v2 embeddings, through Chroma's HNSW index), ``bm25`` (keywords), ``rrf`` (the two
rankings fused by reciprocal rank) and ``hybrid`` (the two rankers' standardised scores mixed;
the default, chosen by measurement: see :mod:`performia.kb.ranking`). For fusion the whole index
is held in memory (ids, texts, metadata, embeddings and the BM25 statistics, read once after
each ingestion), because standardising needs every passage's score and exact cosine over a few
hundred vectors costs less than a Chroma round trip.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from performia.errors import BadInputError, ModelError, PerformiaError
from performia.kb.chunking import Passage, chunk_document, contextualise
from performia.kb.config import COLLECTION, MAX_K, MAX_TOKENS
from performia.kb.documents import SourceFile, convert, discover
from performia.kb.engines import Embedder, get_embedder, import_chromadb
from performia.kb.ranking import KeywordIndex, fuse_scores, reciprocal_rank_fusion

__all__ = ["DEFAULT_MODE", "INDEX_FORMAT", "MODES", "Hit", "IngestReport", "KnowledgeBase"]

#: Bump when passages or their metadata change shape: older indexes are rebuilt.
INDEX_FORMAT = 1
#: Retrieval modes, and the one used unless asked otherwise (see :mod:`performia.kb.bench`).
MODES = ("hybrid", "rrf", "dense", "bm25")
DEFAULT_MODE = "hybrid"
#: Candidates each ranking contributes to reciprocal rank fusion.
FUSION_DEPTH = 30


@dataclass(frozen=True)
class Hit:
    """One retrieved passage.

    ``score`` is the cosine similarity for ``dense``, the BM25 score for ``bm25`` and the fused
    reciprocal-rank score for ``hybrid``: comparable within one answer, not across modes.
    """

    source: str
    heading_path: tuple[str, ...]
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The help search's JSON (:class:`~performia.wire.KbPassage`, typed in the frontend)."""
        from performia.wire import KbPassage

        return KbPassage(
            source=self.source,
            heading_path=list(self.heading_path),
            text=self.text,
            score=round(self.score, 4),
        ).to_dict()


@dataclass
class IngestReport:
    """What one ingestion changed, by document name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Documents that could not be converted, with the reason (their old passages are removed).
    skipped: dict[str, str] = field(default_factory=dict)
    #: Passages embedded in this run, and in the index afterwards.
    embedded: int = 0
    passages: int = 0
    #: The index was built from scratch because it had been built another way (why).
    rebuilt: str | None = None
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)


class KnowledgeBase:
    """A persistent index in ``folder`` (a ChromaDB ``PersistentClient`` folder).

    Parameters
    ----------
    folder : Path
        Where the index lives; created by :meth:`ingest` when absent.
    embedder : Embedder, optional
        The embedding model (default: the process's, loaded once).
    max_tokens : int
        Passage budget in model tokens (part of how the index was built).
    """

    def __init__(
        self,
        folder: Path,
        *,
        embedder: Embedder | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.folder = Path(folder)
        self.embedder = embedder or get_embedder()
        self.max_tokens = max_tokens
        self._client: Any = None
        self._opened: Any = None
        self._loaded: _Table | None = None

    # ------------------------------------------------------------------------ the collection

    @property
    def build_info(self) -> dict[str, Any]:
        """How this index is built: stored on the collection, checked on every use."""
        return {
            "performia_kb_format": INDEX_FORMAT,
            "embedding_model": self.embedder.model_id,
            "max_tokens": self.max_tokens,
        }

    def _chroma(self) -> Any:
        if self._client is None:
            chromadb = import_chromadb()
            from chromadb.config import Settings

            self._client = chromadb.PersistentClient(
                path=str(self.folder), settings=Settings(anonymized_telemetry=False)
            )
        return self._client

    def _collection(self, *, create: bool) -> Any:
        if create:
            return self._chroma().get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", **self.build_info},
            )
        missing = ModelError(
            f"no knowledge-base index in {self.folder}; build it with "
            f"`performia kb ingest --index {self.folder}`"
        )
        if not self.exists():  # opening a client would create an empty index there
            raise missing
        try:
            return self._chroma().get_collection(COLLECTION, embedding_function=None)
        except Exception as exc:  # chromadb raises NotFoundError (1.x) or ValueError (0.x)
            raise missing from exc

    def _mismatch(self, collection: Any) -> str | None:
        stored = collection.metadata or {}
        for key, value in self.build_info.items():
            if stored.get(key) != value:
                return f"{key} was {stored.get(key)!r}, now {value!r}"
        return None

    def exists(self) -> bool:
        """Whether an index has been built in the folder."""
        if not (self.folder / "chroma.sqlite3").is_file():
            return False
        return COLLECTION in [getattr(c, "name", c) for c in self._chroma().list_collections()]

    # ---------------------------------------------------------------------------- ingestion

    def ingest(self, source: Path) -> IngestReport:
        """Bring the index up to date with the documents under ``source``.

        Raises
        ------
        BadInputError
            When ``source`` is not a folder or holds no document at all.
        """
        started = time.perf_counter()
        if not Path(source).is_dir():
            raise BadInputError(f"{source} is not a folder of knowledge-base documents")
        files = discover(Path(source))
        if not files:
            raise BadInputError(f"{source} holds no Markdown, HTML, DOCX or PDF document")
        report = IngestReport()
        collection = self._collection(create=True)
        reason = self._mismatch(collection)
        if reason is not None:
            self._chroma().delete_collection(COLLECTION)
            collection = self._collection(create=True)
            report.rebuilt = reason
        indexed = self._indexed(collection)

        current = {f.name for f in files}
        for name in sorted(set(indexed) - current):
            collection.delete(ids=indexed[name][1])
            report.removed.append(name)

        fresh: list[Passage] = []
        fresh_hash: dict[str, str] = {}
        for f in files:
            old = indexed.get(f.name)
            if old is not None and old[0] == f.sha256:
                report.unchanged.append(f.name)
                continue
            if old is not None:
                collection.delete(ids=old[1])
            try:
                passages = self._passages(f)
            except PerformiaError as exc:
                report.skipped[f.name] = str(exc)
                continue
            (report.updated if old is not None else report.added).append(f.name)
            fresh.extend(passages)
            fresh_hash[f.name] = f.sha256

        if fresh:
            vectors = self.embedder.embed([p.indexed_text for p in fresh])
            step = int(self._chroma().get_max_batch_size())  # Chroma's limit per call
            for start in range(0, len(fresh), step):
                batch = fresh[start : start + step]
                collection.add(
                    ids=[_passage_id(p) for p in batch],
                    embeddings=vectors[start : start + step],
                    documents=[p.text for p in batch],
                    metadatas=[
                        {
                            "source": p.source,
                            "heading_path": json.dumps(list(p.heading_path), ensure_ascii=False),
                            "ordinal": p.ordinal,
                            "sha256": fresh_hash[p.source],
                        }
                        for p in batch
                    ],
                )
        report.embedded = len(fresh)
        report.passages = collection.count()
        self._loaded = self._opened = None
        report.seconds = time.perf_counter() - started
        return report

    def _passages(self, f: SourceFile) -> list[Passage]:
        document = convert(f.path)
        passages = chunk_document(
            document,
            source=f.name,
            count_tokens=self.embedder.count_tokens,
            max_tokens=self.max_tokens,
        )
        if not passages:
            raise BadInputError(f"{f.name}: no text found in it")
        return passages

    @staticmethod
    def _indexed(collection: Any) -> dict[str, tuple[str, list[str]]]:
        """Document name → (checksum it was indexed at, its passage ids)."""
        got = collection.get(include=["metadatas"])
        out: dict[str, tuple[str, list[str]]] = {}
        for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
            out.setdefault(meta["source"], (meta["sha256"], []))[1].append(pid)
        return out

    # ------------------------------------------------------------------------------- search

    def _open(self) -> Any:
        if self._opened is not None:
            return self._opened
        collection = self._collection(create=False)
        reason = self._mismatch(collection)
        if reason is not None:
            raise ModelError(
                f"the index in {self.folder} was built another way ({reason}); rebuild it with "
                f"`performia kb ingest --index {self.folder}`"
            )
        self._opened = collection
        return collection

    def _table(self) -> _Table:
        """Every passage's id, metadata, text and embedding, with a BM25 index over them
        (read from the collection once, after each ingestion)."""
        if self._loaded is None:
            got = self._open().get(include=["documents", "metadatas", "embeddings"])
            ids, metas, texts = got["ids"], got["metadatas"], got["documents"]
            indexed = [_indexed_text(m, t) for m, t in zip(metas, texts, strict=True)]
            vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(ids), -1)
            self._loaded = _Table(ids, metas, texts, vectors, KeywordIndex(indexed))
        return self._loaded

    def load(self) -> None:
        """Open the index, build the keyword index and load the model, so the first query is
        as fast as the next (what a function instance does when it starts)."""
        self._table()
        self.embedder.embed(["warm up"])

    def search(self, query: str, *, k: int = 5, mode: str = DEFAULT_MODE) -> list[Hit]:
        """The ``k`` passages that best answer ``query``, best first.

        Modes: ``hybrid`` (dense and BM25 scores standardised and mixed, the default),
        ``rrf`` (the two rankings fused by reciprocal rank), ``dense`` (Chroma's nearest
        neighbours by cosine) and ``bm25`` (keywords); see :mod:`performia.kb.ranking`.

        Raises
        ------
        BadInputError
            For an empty query, ``k`` outside 1 … :data:`~performia.kb.config.MAX_K` or an
            unknown mode.
        ModelError
            When there is no index, or it was built with another model.
        """
        query = query.strip() if isinstance(query, str) else ""
        if not query:
            raise BadInputError("the query is empty")
        if not 1 <= k <= MAX_K:
            raise BadInputError(f"k must be between 1 and {MAX_K}, got {k}")
        if mode not in MODES:
            raise BadInputError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        table = self._table()
        if mode == "bm25":
            return [table.hit(i, s) for i, s in table.keywords.rank(query, k)]
        if mode == "dense":
            return [table.hit(table.position[pid], s) for pid, s in self._dense(query, k)]
        if mode == "rrf":
            depth = max(k, FUSION_DEPTH)
            dense = [pid for pid, _ in self._dense(query, depth)]
            lexical = [table.ids[i] for i, _ in table.keywords.rank(query, depth)]
            fused = reciprocal_rank_fusion([dense, lexical], k=k)
            return [table.hit(table.position[pid], s) for pid, s in fused]
        cosine = table.vectors @ self.embedder.embed([query])[0]
        scores = fuse_scores(cosine.astype(np.float64), table.keywords.scores(query))
        best = np.argsort(-scores, kind="stable")[:k]
        return [table.hit(int(i), float(scores[i])) for i in best]

    def _dense(self, query: str, n: int) -> list[tuple[str, float]]:
        collection = self._open()
        vector = self.embedder.embed([query])
        got = collection.query(
            query_embeddings=vector, n_results=min(n, collection.count()), include=["distances"]
        )
        return [
            (pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]


@dataclass(frozen=True, eq=False)
class _Table:
    """The whole index in memory: a few hundred passages are a few hundred kilobytes, and exact
    scores over all of them take well under a millisecond."""

    ids: list[str]
    metas: list[dict[str, Any]]
    texts: list[str]
    vectors: np.ndarray  # (n, 384), unit length
    keywords: KeywordIndex
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", {pid: i for i, pid in enumerate(self.ids)})

    def hit(self, i: int, score: float) -> Hit:
        return _hit(self.metas[i], self.texts[i], score)


def _passage_id(p: Passage) -> str:
    return f"{p.source}#{p.ordinal}"


def _indexed_text(meta: dict[str, Any], text: str) -> str:
    return contextualise(json.loads(meta["heading_path"]), text)


def _hit(meta: dict[str, Any], text: str, score: float) -> Hit:
    return Hit(
        source=meta["source"],
        heading_path=tuple(json.loads(meta["heading_path"])),
        text=text,
        score=score,
    )
