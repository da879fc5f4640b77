"""What the rest of Curbside may ask of a store, as typed protocols; the SQLite and PostgreSQL backends implement
them and pass one contract test suite (tests/store/test_contract.py).

Passage keys: the lexical and vector channels name passages by a *key* that the same store's
`get_passages_by_key` accepts. SQLite uses its integer rowids (fast numpy arrays), PostgreSQL the passage ids
themselves; callers treat keys as opaque, hashable values and never store them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Callable, Hashable, Iterable, Protocol, runtime_checkable

import numpy as np

from curbside.corpus.models import Document, Passage

PassageKey = Hashable


@runtime_checkable
class VectorIndexLike(Protocol):
    """A searchable snapshot of the passage vectors."""

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[PassageKey, float]]:
        """Top-k (key, cosine), best first."""

    def vectors(self, keys: Iterable[PassageKey]) -> tuple[np.ndarray, np.ndarray]:
        """(float32 vectors, found mask) for keys; keys without a vector get zero rows."""


@runtime_checkable
class VectorStoreLike(Protocol):
    """The embedding cache (by content hash, never recomputed) and the passage -> vector mapping."""

    model_id: str

    def stamp(self) -> str:
        """Changes whenever a passage is added or removed or gets a vector."""

    def counts(self) -> tuple[int, int]:
        """(passages with a vector, passages)."""

    def has_vectors(self) -> bool: ...

    def missing_count(self) -> int: ...

    def missing_for(self, document_ids: list[str]) -> list[tuple[PassageKey, str]]:
        """(key, text to embed) of these documents' passages that have no vector."""

    def embed_items(self, items: list[tuple[PassageKey, str]], encode: Callable[[list[str]], np.ndarray],
                    commit_seconds: float = ..., max_chunk: int = ...,
                    on_chunk: Callable[[int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> tuple[int, int]: ...

    def embed_missing(self, encode: Callable[[list[str]], np.ndarray], batch: int = ...,
                      progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None,
                      commit_seconds: float = ...) -> tuple[int, int]: ...

    def seed_cache(self, keys: list[str], vecs: np.ndarray) -> int: ...

    def index(self) -> VectorIndexLike: ...

    def vectors_by_passage_id(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        """float32 vector of each passage id that has one (keyed by passage id, whatever the backend)."""


@runtime_checkable
class CorpusStoreLike(Protocol):
    """Documents, passages, lexical candidates, abbreviations and a little metadata."""

    path: Path          # SQLite: the database file; PostgreSQL: a local folder for caches

    def close(self) -> None: ...

    # writes: begin(); add_document(...)*; commit() -- a failed add rolls back alone (a savepoint)
    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def in_transaction(self) -> bool: ...

    def guarded(self) -> AbstractContextManager[None]:
        """Turns the backend's full-disk / damaged-store errors into Curbside's one-line StoreErrors."""

    def add_document(self, doc: Document, passages: list[Passage], abbreviations: Iterable[tuple[str, str]] = (),
                     replace: bool = False) -> None: ...

    def remove_document(self, document_id: str) -> bool: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def get_meta(self, key: str, default: str = "") -> str: ...

    # reads
    def corpus_state(self) -> str: ...

    def counts(self) -> tuple[int, int]: ...

    def resolve_id(self, given: str) -> list[str]: ...

    def pmids_present(self, pmids: Iterable[str]) -> set[str]: ...

    def stored_version(self, document_id: str) -> tuple[str, int] | None: ...

    def has_content(self, content_hash: str) -> str | None: ...

    def get_document(self, document_id: str, with_text: bool = True) -> Document | None: ...

    def get_documents(self, ids: Iterable[str]) -> dict[str, Document]: ...

    def list_documents(self, evidence_level: str | None = None, limit: int | None = None) -> list[Document]: ...

    def passage_count(self, document_id: str) -> int: ...

    def passages_of(self, document_id: str) -> list[Passage]: ...

    def get_passage(self, passage_id: str) -> Passage | None: ...

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]: ...

    def get_passages_by_key(self, keys: list) -> dict: ...

    def search_fts(self, match: str, limit: int,
                   weights: tuple[float, float, float] = (1.0, 0.3, 0.6)) -> list[tuple[PassageKey, float]]:
        """Lexical candidates for an any-term query (query.fts_query's quoted phrases joined by OR), with a
        BM25 score (positive, higher is better), best first."""

    def abbreviation_pairs(self) -> list[tuple[str, str]]: ...

    def vector_store(self) -> VectorStoreLike: ...


@runtime_checkable
class ArticleStoreLike(Protocol):
    """Articles with their versions, audience variants and review events (review/articles.py on SQLite)."""

    def save_new(self, article, author: str | None = None): ...

    def get(self, article_id: str, version: int | None = None): ...

    def versions(self, article_id: str) -> list: ...

    def events(self, article_id: str) -> list: ...

    def add_version(self, article_id: str, article, actor, note: str = ""): ...

    def transition(self, article_id: str, actor, action: str, note: str = "", **kw): ...

    def delete(self, article_id: str) -> bool: ...


@runtime_checkable
class AccountStoreLike(Protocol):
    """Users, sessions and API tokens (review/accounts.py on SQLite)."""

    def add_user(self, username: str, password: str, role: str, display_name: str = "", credentials: str = ""): ...

    def user(self, username: str): ...

    def users(self) -> list: ...

    def authenticate(self, username: str, password: str): ...


@runtime_checkable
class AuditLogLike(Protocol):
    """The append-only audit log (review/audit.py on SQLite)."""

    def record(self, actor: str | None, action: str, target: str = "", detail=..., ip: str = "") -> None: ...

    def entries(self, limit: int = 200, actor: str | None = None, action: str | None = None) -> list: ...
