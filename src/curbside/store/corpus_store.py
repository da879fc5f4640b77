"""The corpus store: documents, passages, an FTS5 index over passages, and abbreviations defined in documents.

One SQLite file (WAL). Every write goes through a transaction; ingest adds each document inside a SAVEPOINT
so a bad document rolls back alone while earlier ones stay.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from curbside import waits
from curbside.corpus.models import Document, EvidenceLevel, Passage
from curbside.store.sqlite import connect, guarded, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    journal TEXT NOT NULL DEFAULT '',
    year INTEGER,
    pmid TEXT NOT NULL DEFAULT '',
    doi TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    publication_types TEXT NOT NULL DEFAULT '[]',
    mesh_terms TEXT NOT NULL DEFAULT '[]',
    evidence_level TEXT NOT NULL,
    source_format TEXT NOT NULL DEFAULT '',
    source_path TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    added_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS documents_content_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_external_id ON documents(external_id);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'text',
    page INTEGER,
    [start] INTEGER NOT NULL,
    [end] INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, section, title, content='passages', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS abbreviations (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    short TEXT NOT NULL,
    long TEXT NOT NULL,
    PRIMARY KEY (document_id, short, long)
);
"""

_DOC_COLUMNS = ("id, title, text, authors, journal, year, pmid, doi, url, publication_types, mesh_terms, "
                "evidence_level, source_format, source_path, source_name, external_id, content_hash, added_at, "
                "version")
_DOC_LIST_COLUMNS = _DOC_COLUMNS.replace("text, ", "'' AS text, ")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class CorpusStore:
    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        self.conn = connect(self.path)
        with guarded(self.path):
            _migrate(self.conn)
            self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    # ---- the store protocol's transaction and error handling (store/protocols.py) ----
    def begin(self) -> None:
        with waits.timed("write_lock"):      # in a request (an upload, a removal): its wait for the write lock
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        from curbside.store.sqlite import rollback

        rollback(self.conn)

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def guarded(self):
        return guarded(self.path)

    def vector_store(self):
        """The passage vectors kept in this file (an index cache in a `vectors` folder beside it)."""
        from curbside.store.vectors import VectorStore

        return VectorStore(self.conn, self.path.parent / "vectors")

    # ---- writes (call inside `transaction(store.conn)`; each add is wrapped in a savepoint) ----
    def add_document(self, doc: Document, passages: list[Passage], abbreviations: Iterable[tuple[str, str]] = (),
                     replace: bool = False) -> None:
        """Add one document with its passages; `replace=True` first deletes the stored document of the same id
        (a new version), in the same savepoint, so a crash leaves either the old or the new version."""
        c = self.conn
        c.execute("SAVEPOINT add_doc")
        try:
            if replace:
                self._delete(doc.id)
            c.execute(
                f"INSERT INTO documents ({_DOC_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc.id, doc.title, doc.text, json.dumps(doc.authors), doc.journal, doc.year, doc.pmid, doc.doi,
                 doc.url, json.dumps(doc.publication_types), json.dumps(doc.mesh_terms), doc.evidence_level.value,
                 doc.source_format, doc.source_path, doc.source_name, doc.external_id, doc.content_hash,
                 doc.added_at or now_iso(), doc.version),
            )
            rows = [(p.id, p.document_id, p.ordinal, p.section, p.kind, p.page, p.start, p.end, p.text, doc.title)
                    for p in passages]
            first = c.execute("SELECT COALESCE(MAX(rowid), 0) FROM passages").fetchone()[0] + 1
            c.executemany(
                "INSERT INTO passages (id, document_id, ordinal, section, kind, page, [start], [end], text, title) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            c.execute(
                "INSERT INTO passages_fts(rowid, text, section, title) "
                "SELECT rowid, text, section, title FROM passages WHERE rowid >= ? AND document_id = ?",
                (first, doc.id))
            c.executemany("INSERT OR IGNORE INTO abbreviations (document_id, short, long) VALUES (?,?,?)",
                          [(doc.id, s, l) for s, l in abbreviations])
            self._bump_state()
        except BaseException:
            try:
                c.execute("ROLLBACK TO add_doc")
                c.execute("RELEASE add_doc")
            except sqlite3.Error:
                pass   # SQLite already rolled back the whole transaction (full disk, I/O error): nothing to undo
            raise
        c.execute("RELEASE add_doc")

    def remove_document(self, document_id: str) -> bool:
        with guarded(self.path), transaction(self.conn):
            row = self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone()
            if not row:
                return False
            self._delete(document_id)
            self._bump_state()
        return True

    def _delete(self, document_id: str) -> None:
        self.conn.execute(
            "INSERT INTO passages_fts(passages_fts, rowid, text, section, title) "
            "SELECT 'delete', rowid, text, section, title FROM passages WHERE document_id = ?", (document_id,))
        self.conn.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
        self.conn.execute("DELETE FROM abbreviations WHERE document_id = ?", (document_id,))
        self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def resolve_id(self, given: str) -> list[str]:
        """The stored document ids that `given` names: the id itself; else the id the user gave at ingest
        (external_id, e.g. "12345" for "pmid:12345"); else a PMID or DOI. More than one id means ambiguous."""
        given = (given or "").strip()
        if not given:
            return []
        if self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (given,)).fetchone():
            return [given]
        for sql, arg in (("SELECT id FROM documents WHERE external_id = ?", given),
                         ("SELECT id FROM documents WHERE pmid = ?", given.removeprefix("pmid:").strip()),
                         ("SELECT id FROM documents WHERE lower(doi) = ?", given.removeprefix("doi:").strip().lower())):
            if not arg:
                continue
            ids = [r[0] for r in self.conn.execute(sql + " ORDER BY id LIMIT 20", (arg,))]
            if ids:
                return ids
        return []

    def _bump_state(self) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('corpus_version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          (key, value))

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # ---- reads ----
    def corpus_state(self) -> str:
        """Changes whenever a document is added or removed (a counter bumped in the same transaction)."""
        return f"v{self.get_meta('corpus_version', '0')}"

    def counts(self) -> tuple[int, int]:
        d = self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        p = self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return d, p

    def find_duplicate(self, document_id: str, content_hash: str) -> str | None:
        """A stored document with this id or this content (kept for callers that de-duplicate by content)."""
        row = self.conn.execute("SELECT id FROM documents WHERE id = ? OR content_hash = ? LIMIT 1",
                                (document_id, content_hash)).fetchone()
        return row[0] if row else None

    def pmids_present(self, pmids: Iterable[str]) -> set[str]:
        """The PMIDs among `pmids` stored as "pmid:N" documents (primary-key lookups, 500 at a time)."""
        ids = [f"pmid:{p}" for p in dict.fromkeys(pmids)]
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = self.conn.execute(f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update(r[0][5:] for r in rows)
        return found

    def stored_version(self, document_id: str) -> tuple[str, int] | None:
        """(content hash, version) of the stored document with this id, or None."""
        row = self.conn.execute("SELECT content_hash, version FROM documents WHERE id = ?", (document_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def has_content(self, content_hash: str) -> str | None:
        """The id of a stored document with exactly this content, or None."""
        row = self.conn.execute("SELECT id FROM documents WHERE content_hash = ? LIMIT 1", (content_hash,)).fetchone()
        return row[0] if row else None

    def get_document(self, document_id: str, with_text: bool = True) -> Document | None:
        cols = _DOC_COLUMNS if with_text else _DOC_LIST_COLUMNS
        row = self.conn.execute(f"SELECT {cols} FROM documents WHERE id = ?", (document_id,)).fetchone()
        return _document(row) if row else None

    def get_documents(self, ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        q = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT {_DOC_LIST_COLUMNS} FROM documents WHERE id IN ({q})", ids).fetchall()
        return {r["id"]: _document(r) for r in rows}

    def list_documents(self, evidence_level: str | None = None, limit: int | None = None) -> list[Document]:
        sql = f"SELECT {_DOC_LIST_COLUMNS} FROM documents"
        args: list = []
        if evidence_level:
            sql += " WHERE evidence_level = ?"
            args.append(evidence_level)
        sql += " ORDER BY added_at, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_document(r) for r in self.conn.execute(sql, args)]

    def passage_count(self, document_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM passages WHERE document_id = ?", (document_id,)).fetchone()[0]

    def get_passages_by_rowid(self, rowids: list[int]) -> dict[int, Passage]:
        if not rowids:
            return {}
        q = ",".join("?" * len(rowids))
        rows = self.conn.execute(
            f"SELECT rowid, id, document_id, ordinal, section, kind, page, [start], [end], text FROM passages "
            f"WHERE rowid IN ({q})", rowids).fetchall()
        return {r["rowid"]: _passage(r) for r in rows}

    def get_passages_by_key(self, keys: list[int]) -> dict[int, Passage]:
        """Passages by the keys search_fts and the vector index return (here: rowids)."""
        return self.get_passages_by_rowid(keys)

    def passages_of(self, document_id: str) -> list[Passage]:
        rows = self.conn.execute("SELECT rowid, id, document_id, ordinal, section, kind, page, [start], [end], text "
                                 "FROM passages WHERE document_id = ? ORDER BY ordinal", (document_id,)).fetchall()
        return [_passage(r) for r in rows]

    def get_passage(self, passage_id: str) -> Passage | None:
        r = self.conn.execute("SELECT rowid, id, document_id, ordinal, section, kind, page, [start], [end], text "
                              "FROM passages WHERE id = ?", (passage_id,)).fetchone()
        return _passage(r) if r else None

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        rows = self.conn.execute(
            "SELECT rowid, id, document_id, ordinal, section, kind, page, [start], [end], text FROM passages "
            "WHERE document_id = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (passage.document_id, passage.ordinal - before, passage.ordinal + after)).fetchall()
        return [_passage(r) for r in rows]

    def search_fts(self, match: str, limit: int, weights: tuple[float, float, float] = (1.0, 0.3, 0.6)) -> list[tuple[int, float]]:
        """BM25 over passages: (rowid, score) best first; score is positive (higher is better)."""
        if not match:
            return []
        try:
            rows = self.conn.execute(
                "SELECT rowid, -bm25(passages_fts, ?, ?, ?) AS s FROM passages_fts WHERE passages_fts MATCH ? "
                "ORDER BY bm25(passages_fts, ?, ?, ?) LIMIT ?",
                (*weights, match, *weights, limit)).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], r[1]) for r in rows]

    def abbreviation_pairs(self) -> list[tuple[str, str]]:
        """Read again by the retriever whenever the corpus version changed: a request's `corpus` wait (waits.py)."""
        with waits.timed("corpus"):
            return [(r[0], r[1]) for r in self.conn.execute("SELECT DISTINCT short, long FROM abbreviations")]


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a store made by an earlier version up to SCHEMA: documents.content_hash is no longer UNIQUE (the
    same text may be stored under two ids) and documents have a version. The table is rebuilt in one
    transaction with foreign keys off (so passages are not cascaded away); a crash midway leaves the old table."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone()
    if row is None or ("UNIQUE" not in row[0] and "version" in row[0]):
        return
    cols = [r[1] for r in conn.execute("PRAGMA table_info(documents)")]
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        with transaction(conn):
            conn.execute(SCHEMA.split(";")[1].replace("IF NOT EXISTS documents", "documents_new"))
            keep = ", ".join(c for c in cols if c != "version")
            conn.execute(f"INSERT INTO documents_new ({keep}) SELECT {keep} FROM documents")
            conn.execute("DROP TABLE documents")
            conn.execute("ALTER TABLE documents_new RENAME TO documents")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _document(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"], title=row["title"], text=row["text"], authors=json.loads(row["authors"]), journal=row["journal"],
        year=row["year"], pmid=row["pmid"], doi=row["doi"], url=row["url"],
        publication_types=json.loads(row["publication_types"]), mesh_terms=json.loads(row["mesh_terms"]),
        evidence_level=EvidenceLevel(row["evidence_level"]), source_format=row["source_format"],
        source_path=row["source_path"], source_name=row["source_name"], external_id=row["external_id"],
        content_hash=row["content_hash"], added_at=row["added_at"], version=row["version"])


def _passage(r: sqlite3.Row) -> Passage:
    return Passage(id=r["id"], document_id=r["document_id"], ordinal=r["ordinal"], text=r["text"], start=r["start"],
                   end=r["end"], section=r["section"], kind=r["kind"], page=r["page"])
