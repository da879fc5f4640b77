"""The corpus store on PostgreSQL (`--store postgresql://user@host:port/db`, or CURBSIDE_STORE).

Same tables as the SQLite store, created and upgraded by numbered migrations (`curbside_schema`). Lexical
candidates come from a weighted `tsvector` (text A, title B, section C) with a GIN index: any passage matching any
phrase of the query is a candidate, and its BM25 score (k1 1.2, b 0.75, the column weights FTS5 is given) is
computed in SQL from the tsvector's positions, so Curbside's ranker sees the same kind of score as on SQLite.
Writers take one advisory lock per transaction, so two ingests interleave batch by batch as on SQLite, and each
document is added inside a savepoint (a bad one rolls back alone).
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from curbside.corpus.models import Document, Passage
from curbside.errors import DiskFullError, StoreDamagedError, StoreError
from curbside.store import pg_lexical
from curbside.store.corpus_store import _DOC_COLUMNS, _DOC_LIST_COLUMNS, _document, _passage, now_iso

WRITE_LOCK = 0x43757262   # pg_advisory_xact_lock key shared by every Curbside writer of one database

MIGRATIONS: list[tuple[int, str]] = [(1, """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, authors TEXT NOT NULL DEFAULT '[]',
    journal TEXT NOT NULL DEFAULT '', year INTEGER, pmid TEXT NOT NULL DEFAULT '', doi TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '', publication_types TEXT NOT NULL DEFAULT '[]', mesh_terms TEXT NOT NULL DEFAULT '[]',
    evidence_level TEXT NOT NULL, source_format TEXT NOT NULL DEFAULT '', source_path TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL DEFAULT '', external_id TEXT NOT NULL DEFAULT '', content_hash TEXT NOT NULL,
    added_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX documents_content_hash ON documents(content_hash);
CREATE INDEX documents_external_id ON documents(external_id);
CREATE INDEX documents_pmid ON documents(pmid);
CREATE INDEX documents_doi ON documents(lower(doi));
CREATE TABLE passages (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'text', page INTEGER,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
    ntok INTEGER NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, text), 'A')
        || setweight(to_tsvector('english'::regconfig, title), 'B')
        || setweight(to_tsvector('english'::regconfig, section), 'C')) STORED
);
CREATE INDEX passages_document ON passages(document_id, ordinal);
CREATE INDEX passages_tsv ON passages USING gin(tsv);
CREATE TABLE abbreviations (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, short TEXT NOT NULL, long TEXT NOT NULL,
    PRIMARY KEY (document_id, short, long)
);
CREATE TABLE embeddings (hash TEXT PRIMARY KEY, vec BYTEA NOT NULL);
CREATE TABLE passage_vectors (
    passage_id TEXT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    embedding halfvec(384) NOT NULL
);
"""), (2, pg_lexical.MIGRATION)]

_WORDS = re.compile(r"\w+")
_PASSAGE_COLS = 'seq AS rowid, id, document_id, ordinal, section, kind, page, start, "end", text'


def is_postgres_url(store: str | None) -> bool:
    return bool(store) and str(store).startswith(("postgresql://", "postgres://"))


def _where(url: str) -> str:
    """host:port/db of a URL, without the password."""
    return re.sub(r"^postgres(ql)?://([^@/]*@)?", "", url)


def translate(exc: BaseException, url: str) -> StoreError | None:
    """The one-line StoreError for a PostgreSQL error a user can act on, or None."""
    import psycopg

    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None) or ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if state == "53100":
        return DiskFullError(f"{_where(url)}: PostgreSQL's disk is full; free some space and run the command again "
                             "(everything committed before this point is kept)")
    if state in ("XX001", "XX002"):
        return StoreDamagedError(f"{_where(url)}: store is damaged ({first}); restore it from a backup")
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(f"{_where(url)}: cannot use the PostgreSQL store ({first}); expected a running server "
                          "reachable as postgresql://USER@HOST:PORT/DATABASE")
    return None


def connect(url: str, pool_size: int | None = None):
    """A connection leased from this process's pool for `url` (store.pg_pool); give it back with `disconnect`."""
    import psycopg
    from psycopg.rows import dict_row

    from curbside.store import pg_pool

    try:
        conn = pg_pool.lease(url, pool_size)
    except psycopg.Error as exc:
        raise translate(exc, url) or StoreError(f"{_where(url)}: cannot connect ({exc})") from None
    conn.row_factory = dict_row
    return conn


class Released:
    """A store's connection after close: it went back to the pool (another store may hold it now), so any use
    fails here instead of running on someone else's session."""

    closed = True

    def __getattr__(self, name: str):
        raise StoreError("this PostgreSQL store is closed")


def disconnect(conn) -> None:
    from curbside.store import pg_pool

    if not isinstance(conn, Released):
        pg_pool.release(conn)


def migrate(conn, migrations: list[tuple[int, str]] = MIGRATIONS, table: str = "curbside_schema") -> int:
    """Apply the migrations not yet applied, each in its own transaction, under an advisory lock (several
    processes may start at once). Returns the schema version."""
    conn.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK + 1,))
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ "
                     "NOT NULL DEFAULT now())")
        done = {r["version"] for r in conn.execute(f"SELECT version FROM {table}")}
        for version, sql in migrations:
            if version in done:
                continue
            with conn.transaction():
                conn.execute(sql)
                conn.execute(f"INSERT INTO {table}(version) VALUES (%s)", (version,))
        return max([v for v, _ in migrations] + list(done))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK + 1,))


class PostgresCorpusStore:
    """The CorpusStoreLike protocol on PostgreSQL; passage keys are passage ids."""

    def __init__(self, url: str, cache_folder: str | Path, pool_size: int | None = None):
        self.url = url
        self.path = Path(cache_folder) / "postgres"    # only local caches live here
        self.conn = connect(url, pool_size)
        try:
            with self.guarded():
                migrate(self.conn)
        except BaseException:
            disconnect(self.conn)
            raise

    def close(self) -> None:
        disconnect(self.conn)        # back to the pool; a second close does nothing
        self.conn = Released()

    def describe(self) -> str:
        return f"postgresql://{_where(self.url)}"

    # ---- transactions ----
    @contextmanager
    def guarded(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            mapped = translate(exc, self.url)
            if mapped is None:
                raise
            raise mapped from None

    def begin(self) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        try:
            if self.in_transaction():
                self.conn.execute("ROLLBACK")
        except Exception:
            pass

    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.guarded():
            self.begin()
            try:
                yield
            except BaseException:
                self.rollback()
                raise
            self.commit()

    # ---- writes ----
    def add_document(self, doc: Document, passages: list[Passage], abbreviations: Iterable[tuple[str, str]] = (),
                     replace: bool = False) -> None:
        c = self.conn
        try:
            with c.pipeline():        # one round trip for the document's statements, not one each
                c.execute("SAVEPOINT add_doc")
                self._add(doc, passages, abbreviations, replace)
                c.execute("RELEASE SAVEPOINT add_doc")
        except BaseException:
            try:
                c.execute("ROLLBACK TO SAVEPOINT add_doc")
                c.execute("RELEASE SAVEPOINT add_doc")
            except Exception:
                pass
            raise

    def _add(self, doc: Document, passages: list[Passage], abbreviations: Iterable[tuple[str, str]],
             replace: bool) -> None:
        c = self.conn
        if replace:
            self._delete(doc.id)
        c.execute(f"INSERT INTO documents ({_DOC_COLUMNS}) VALUES ({','.join(['%s'] * 19)})",
                  (doc.id, doc.title, doc.text, json.dumps(doc.authors), doc.journal, doc.year, doc.pmid, doc.doi,
                   doc.url, json.dumps(doc.publication_types), json.dumps(doc.mesh_terms),
                   doc.evidence_level.value, doc.source_format, doc.source_path, doc.source_name,
                   doc.external_id, doc.content_hash, doc.added_at or now_iso(), doc.version))
        with c.cursor() as cur:
            cur.executemany(
                'INSERT INTO passages (id, document_id, ordinal, section, kind, page, start, "end", text, title, '
                "ntok) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [(p.id, p.document_id, p.ordinal, p.section, p.kind, p.page, p.start, p.end, p.text, doc.title,
                  len(_WORDS.findall(f"{p.text} {doc.title} {p.section}"))) for p in passages])
            cur.executemany("INSERT INTO abbreviations (document_id, short, long) VALUES (%s,%s,%s) "
                            "ON CONFLICT DO NOTHING", [(doc.id, s, l) for s, l in abbreviations])
        pg_lexical.after_insert(c, doc.id)
        self._bump_state()

    def remove_document(self, document_id: str) -> bool:
        with self.transaction():
            if not self.conn.execute("SELECT 1 FROM documents WHERE id = %s", (document_id,)).fetchone():
                return False
            self._delete(document_id)
            self._bump_state()
        return True

    def _delete(self, document_id: str) -> None:
        pg_lexical.before_delete(self.conn, document_id)
        self.conn.execute("DELETE FROM documents WHERE id = %s", (document_id,))   # cascades to passages, vectors

    def _bump_state(self) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES ('corpus_version', '1') ON CONFLICT (key) DO UPDATE "
                          "SET value = (meta.value::bigint + 1)::text")

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                          "SET value = excluded.value", (key, value))

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return row["value"] if row else default

    # ---- reads ----
    def corpus_state(self) -> str:
        return f"v{self.get_meta('corpus_version', '0')}"

    def counts(self) -> tuple[int, int]:
        d = self.conn.execute("SELECT COUNT(*) AS n FROM documents").fetchone()["n"]
        p = self.conn.execute("SELECT COUNT(*) AS n FROM passages").fetchone()["n"]
        return d, p

    def resolve_id(self, given: str) -> list[str]:
        given = (given or "").strip()
        if not given:
            return []
        if self.conn.execute("SELECT 1 FROM documents WHERE id = %s", (given,)).fetchone():
            return [given]
        for sql, arg in (("SELECT id FROM documents WHERE external_id = %s", given),
                         ("SELECT id FROM documents WHERE pmid = %s", given.removeprefix("pmid:").strip()),
                         ("SELECT id FROM documents WHERE lower(doi) = %s",
                          given.removeprefix("doi:").strip().lower())):
            if arg:
                ids = [r["id"] for r in self.conn.execute(sql + " ORDER BY id LIMIT 20", (arg,))]
                if ids:
                    return ids
        return []

    def find_duplicate(self, document_id: str, content_hash: str) -> str | None:
        row = self.conn.execute("SELECT id FROM documents WHERE id = %s OR content_hash = %s LIMIT 1",
                                (document_id, content_hash)).fetchone()
        return row["id"] if row else None

    def pmids_present(self, pmids: Iterable[str]) -> set[str]:
        ids = [f"pmid:{p}" for p in dict.fromkeys(pmids)]
        rows = self.conn.execute("SELECT id FROM documents WHERE id = ANY(%s)", (ids,)) if ids else []
        return {r["id"][5:] for r in rows}

    def stored_version(self, document_id: str) -> tuple[str, int] | None:
        row = self.conn.execute("SELECT content_hash, version FROM documents WHERE id = %s", (document_id,)).fetchone()
        return (row["content_hash"], row["version"]) if row else None

    def has_content(self, content_hash: str) -> str | None:
        row = self.conn.execute("SELECT id FROM documents WHERE content_hash = %s LIMIT 1", (content_hash,)).fetchone()
        return row["id"] if row else None

    def get_document(self, document_id: str, with_text: bool = True) -> Document | None:
        cols = _DOC_COLUMNS if with_text else _DOC_LIST_COLUMNS
        row = self.conn.execute(f"SELECT {cols} FROM documents WHERE id = %s", (document_id,)).fetchone()
        return _document(row) if row else None

    def get_documents(self, ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT {_DOC_LIST_COLUMNS} FROM documents WHERE id = ANY(%s)", (ids,))
        return {r["id"]: _document(r) for r in rows}

    def list_documents(self, evidence_level: str | None = None, limit: int | None = None) -> list[Document]:
        sql, args = f"SELECT {_DOC_LIST_COLUMNS} FROM documents", []
        if evidence_level:
            sql += " WHERE evidence_level = %s"
            args.append(evidence_level)
        sql += " ORDER BY added_at, id" + (f" LIMIT {int(limit)}" if limit else "")
        return [_document(r) for r in self.conn.execute(sql, args)]

    def passage_count(self, document_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) AS n FROM passages WHERE document_id = %s",
                                 (document_id,)).fetchone()["n"]

    def get_passages_by_key(self, keys: list[str]) -> dict[str, Passage]:
        if not keys:
            return {}
        rows = self.conn.execute(f"SELECT {_PASSAGE_COLS} FROM passages WHERE id = ANY(%s)", (list(keys),))
        return {r["id"]: _passage(r) for r in rows}

    get_passages_by_rowid = get_passages_by_key   # the name the retriever calls (keys are opaque to it)

    def passages_of(self, document_id: str) -> list[Passage]:
        return [_passage(r) for r in self.conn.execute(
            f"SELECT {_PASSAGE_COLS} FROM passages WHERE document_id = %s ORDER BY ordinal", (document_id,))]

    def get_passage(self, passage_id: str) -> Passage | None:
        r = self.conn.execute(f"SELECT {_PASSAGE_COLS} FROM passages WHERE id = %s", (passage_id,)).fetchone()
        return _passage(r) if r else None

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        return [_passage(r) for r in self.conn.execute(
            f"SELECT {_PASSAGE_COLS} FROM passages WHERE document_id = %s AND ordinal BETWEEN %s AND %s "
            "ORDER BY ordinal", (passage.document_id, passage.ordinal - before, passage.ordinal + after))]

    def abbreviation_pairs(self) -> list[tuple[str, str]]:
        return [(r["short"], r["long"]) for r in self.conn.execute("SELECT DISTINCT short, long FROM abbreviations")]

    def vector_store(self):
        from curbside.store.pg_vectors import PostgresVectorStore

        return PostgresVectorStore(self)

    # ---- lexical candidates ----
    def search_fts(self, match: str, limit: int,
                   weights: tuple[float, float, float] = (1.0, 0.3, 0.6)) -> list[tuple[str, float]]:
        """BM25 over any-phrase candidates: (passage id, score) best first (see store/pg_lexical.py)."""
        with self.guarded():
            return pg_lexical.search(self.conn, match, limit, weights)
