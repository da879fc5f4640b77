"""Passage vectors: an embedding cache keyed by content hash, and an exact in-memory vector index.

Two tables live in the corpus SQLite file next to the passages:

* `embeddings(hash, vec)` caches one float16 vector per distinct embedded text (hash of model id + text), so
  re-ingesting a document or rebuilding the index never recomputes a vector that was computed once.
* `passage_vectors(rowid, hash)` says which cached vector belongs to which passage. A trigger drops the row when
  the passage is deleted, so the mapping never points at a removed (or reused) passage rowid.

The index is exact cosine search (float32 matrix times the query): at the sizes one machine holds (10^4 to a
few 10^5 passages) it is as fast as approximate indexes and has recall 1.0 (see docs/retrieval.md for the
measured comparison with usearch and faiss). It is saved as .npy files next to the store, named by the store's
vector stamp, and memory-mapped on the next start. One index snapshot is shared by every VectorStore of the same
store file in a process (the web server's reader connections); when vectors are added or passages removed, by
this process or another (`curbside index` in the background), the next search reads only the changed rows, so
vectors are used as soon as they are committed, while the rest of the store is still found lexically.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Callable

import numpy as np

from curbside import waits
from curbside.retrieve.embed import MODEL_ID, text_hash
from curbside.store.sqlite import rollback
from curbside.store.vector_index import (  # noqa: F401 - VectorIndex, matvec re-exported
    SharedIndex, VectorIndex, hash_prefixes, matvec, shared_index)

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (hash TEXT PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS passage_vectors (rowid INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS passage_vectors_gc AFTER DELETE ON passages
BEGIN DELETE FROM passage_vectors WHERE rowid = old.rowid; END;
CREATE TRIGGER IF NOT EXISTS passage_vectors_removed AFTER DELETE ON passage_vectors
BEGIN INSERT INTO meta(key, value) VALUES ('vectors_removed', '1')
      ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1; END;
CREATE TRIGGER IF NOT EXISTS passage_vectors_repointed AFTER UPDATE ON passage_vectors
BEGIN INSERT INTO meta(key, value) VALUES ('vectors_removed', '1')
      ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1; END;
"""

VERSION_KEY = "vectors_version"
BACKGROUND_FROM = 10_000  # vectors: a server refreshes a larger index in the background (VectorStore.index)
COMMIT_SECONDS = 2.0   # vectors are committed about this often, so a kill loses at most this much embedding work
_PLACEHOLDER_TITLE = re.compile(r"^(pmid|doi|nct)[: ]\s*\S+$", re.I)


def embed_input(title: str, section: str, text: str) -> str:
    """The exact string embedded for a passage: a short title/section context, then the passage text."""
    head = (title or "").strip()[:160]
    if _PLACEHOLDER_TITLE.match(head):   # "PMID 123" says nothing about the content
        head = ""
    sec = (section or "").strip()[:80]
    if sec and sec.lower() not in head.lower():
        head = f"{head} - {sec}" if head else sec
    return f"{head}. {text}" if head else text


def vector_key(embedded: str, model_id: str = MODEL_ID) -> str:
    return text_hash(model_id + "\0" + embedded)


class VectorStore:
    """The embedding cache and passage->vector mapping of one corpus store, plus its loaded index."""

    def __init__(self, conn: sqlite3.Connection, folder: Path, model_id: str = MODEL_ID):
        self.conn = conn
        self.folder = folder
        self.model_id = model_id
        conn.executescript(SCHEMA)
        self.shared = shared_index(conn, folder, model_id)
        # a server's reader connections: a search never waits for a large index to catch up with vectors
        # committed elsewhere; it searches the current snapshot while a thread of its own reads the change
        # (readers.py). A small index (under `background_from` vectors, re-read in well under 0.1 s) is
        # refreshed in the search itself, so its new vectors are used at once.
        self.refresh_in_background = False
        self.background_from = BACKGROUND_FROM

    # ---- state ----
    def version(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
        return row[0] if row else "0"

    def _bump(self) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", (VERSION_KEY,))

    def counts(self) -> tuple[int, int]:
        """(passages with a vector, passages in the store). Read again by searches whenever the stamp changed, so
        in a request it counts as a `corpus` wait (waits.py)."""
        with waits.timed("corpus"):
            have = self.conn.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()[0]
            total = self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return have, total

    def stamp(self) -> str:
        """Changes whenever a passage is added or removed (corpus version) or gets a vector (vectors version)."""
        meta = dict(self.conn.execute("SELECT key, value FROM meta WHERE key IN ('corpus_version', ?)",
                                      (VERSION_KEY,)).fetchall())
        return f"{self.model_id}-c{meta.get('corpus_version', '0')}-v{meta.get(VERSION_KEY, '0')}"

    def index_key(self) -> str:
        """Changes only when the index must: a passage got a vector (vectors version) or lost or changed one
        (`vectors_removed`, counted by triggers: a removed or replaced document). Passages stored without a
        vector yet, as an ingest does batch after batch before embedding them, leave it alone, so searches do
        not re-read the index for them."""
        meta = dict(self.conn.execute("SELECT key, value FROM meta WHERE key IN (?, 'vectors_removed')",
                                      (VERSION_KEY,)).fetchall())
        return f"{self.model_id}-v{meta.get(VERSION_KEY, '0')}-r{meta.get('vectors_removed', '0')}"

    # ---- embedding passages ----
    def missing(self, limit: int | None = None, after: int = 0) -> list[tuple[int, str]]:
        """(rowid, text to embed) of passages without a vector, in rowid order, from rowid `after` + 1 on (a
        cursor, so that walking a large store is linear)."""
        sql = ("SELECT p.rowid, p.title, p.section, p.text FROM passages p "
               "LEFT JOIN passage_vectors v ON v.rowid = p.rowid WHERE v.rowid IS NULL AND p.rowid > ? "
               "ORDER BY p.rowid")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], embed_input(r[1], r[2], r[3])) for r in self.conn.execute(sql, (after,))]

    def missing_for(self, document_ids: list[str]) -> list[tuple[int, str]]:
        """(rowid, text to embed) of the given documents' passages that have no vector yet."""
        out: list[tuple[int, str]] = []
        for s in range(0, len(document_ids), 500):
            chunk = document_ids[s:s + 500]
            q = ",".join("?" * len(chunk))
            out += [(r[0], embed_input(r[1], r[2], r[3])) for r in self.conn.execute(
                "SELECT p.rowid, p.title, p.section, p.text FROM passages p LEFT JOIN passage_vectors v "
                f"ON v.rowid = p.rowid WHERE v.rowid IS NULL AND p.document_id IN ({q}) ORDER BY p.rowid", chunk)]
        return out

    def missing_count(self) -> int:
        have, total = self.counts()
        return max(total - have, 0)

    def cached(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for s in range(0, len(keys), 500):
            chunk = keys[s:s + 500]
            q = ",".join("?" * len(chunk))
            out.update((r[0], r[1]) for r in
                       self.conn.execute(f"SELECT hash, vec FROM embeddings WHERE hash IN ({q})", chunk))
        return out

    def vectors_for(self, items: list[tuple[object, str]], encode: Callable[[list[str]], np.ndarray]
                    ) -> tuple[list[str], dict[str, bytes], dict[str, bytes]]:
        """(cache key of each (key, text) item, its cached float16 vectors, the ones just computed): only texts
        not in the cache are encoded."""
        keys = [vector_key(t, self.model_id) for _, t in items]
        have = self.cached(keys)
        todo = {k: t for k, (_, t) in zip(keys, items) if k not in have}
        new: dict[str, bytes] = {}
        if todo:
            vecs = encode(list(todo.values())).astype(np.float16)
            new = {k: v.tobytes() for k, v in zip(todo, vecs)}
        return keys, have, new

    def embed_batch(self, items: list[tuple[int, str]], encode: Callable[[list[str]], np.ndarray]) -> int:
        """Give each (rowid, text) a vector, computing only texts not in the cache; one transaction. Returns
        how many vectors were computed (the rest came from the cache)."""
        if not items:
            return 0
        keys, have, new = self.vectors_for(items, encode)
        fresh = [(r, k) for (r, _), k in zip(items, keys)]
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany("INSERT OR IGNORE INTO embeddings(hash, vec) VALUES (?, ?)", list(new.items()))
            # only passages still present (one may have been removed while we computed)
            self.conn.executemany(
                "INSERT OR REPLACE INTO passage_vectors(rowid, hash) SELECT rowid, ? FROM passages WHERE rowid = ?",
                [(k, r) for r, k in fresh])
            self._bump()
        except BaseException:
            rollback(self.conn)
            raise
        self.conn.execute("COMMIT")      # the shared index reads these rows on its next refresh
        return len(new)

    def embed_items(self, items: list[tuple[int, str]], encode: Callable[[list[str]], np.ndarray],
                    commit_seconds: float = COMMIT_SECONDS, max_chunk: int = 256,
                    on_chunk: Callable[[int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        """embed_batch over `items` in chunks sized so that one commits about every `commit_seconds` (a kill
        loses at most that much work, whatever the machine's speed or load). Returns (given, computed)."""
        done = computed = 0
        chunk = 8
        s = 0
        # similar lengths together: each small chunk then pads little (the model's cost follows the padded length)
        items = sorted(items, key=lambda it: len(it[1]))
        while s < len(items):
            part = items[s:s + chunk]
            t = time.monotonic()
            computed += self.embed_batch(part, encode)
            took = time.monotonic() - t
            s += len(part)
            done += len(part)
            chunk = int(min(max_chunk, max(4, len(part) / max(took, 1e-3) * commit_seconds)))
            if on_chunk:
                on_chunk(len(part))
            if should_stop and should_stop():
                break
        return done, computed

    def embed_missing(self, encode: Callable[[list[str]], np.ndarray], batch: int = 256,
                      progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None,
                      commit_seconds: float = COMMIT_SECONDS) -> tuple[int, int]:
        """Embed every passage without a vector, committing about every `commit_seconds` (an interrupted run
        resumes where it stopped and loses at most that much work). Returns (passages given a vector, vectors
        computed)."""
        done = computed = 0
        total = self.missing_count()
        after = 0
        stop = False

        def chunk_done(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        def stopping() -> bool:
            nonlocal stop
            stop = bool(should_stop and should_stop())
            return stop

        while not stop:
            items = self.missing(limit=batch * 8, after=after)
            if not items:
                break
            after = items[-1][0]
            _, c = self.embed_items(items, encode, commit_seconds, batch, on_chunk=chunk_done, should_stop=stopping)
            computed += c
        return done, computed

    def seed_cache(self, keys: list[str], vecs: np.ndarray) -> int:
        """Put precomputed vectors (float16 rows keyed by `vector_key`) into the cache in one transaction, so
        the passages they belong to are embedded without running the model. Returns how many were new."""
        if len(keys) != len(vecs):
            raise ValueError(f"{len(keys)} keys but {len(vecs)} vectors")
        rows = [(k, np.asarray(v, dtype=np.float16).tobytes()) for k, v in zip(keys, vecs)]
        before = self.conn.total_changes
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany("INSERT OR IGNORE INTO embeddings(hash, vec) VALUES (?, ?)", rows)
        except BaseException:
            rollback(self.conn)
            raise
        self.conn.execute("COMMIT")
        return self.conn.total_changes - before

    def gc(self) -> int:
        """Drop cached vectors no passage uses any more."""
        cur = self.conn.execute("DELETE FROM embeddings WHERE hash NOT IN (SELECT hash FROM passage_vectors)")
        return cur.rowcount

    # ---- the index ----
    def index(self) -> VectorIndex:
        """The index for the store as it is now. The shared snapshot when `index_key()` is unchanged; else the
        changed rows are read into a new snapshot (the whole index only on first use, from disk when saved for
        this stamp). While another thread refreshes, the previous snapshot is returned rather than waited for; with
        `refresh_in_background` (a server's readers) and an index of `background_from` vectors or more, the
        refresh itself runs in a thread of its own and this search uses the previous snapshot (re-reading the
        index took 1.0-1.4 s at 93k vectors under load: a search that did it waited that long on the ingest)."""
        shared = self.shared
        key = self.index_key()
        current = shared.index
        if current is not None and shared.stamp == key:
            return current
        if current is not None and self.refresh_in_background and len(current) >= self.background_from:
            shared.refresh_soon(self._on_own_connection)
            return current
        with waits.timed("index"):       # a request's wait on vectors another process committed (waits.py)
            if not shared.lock.acquire(blocking=current is None):
                return current          # type: ignore[return-value]  # another thread is refreshing it
            try:
                if shared.index is not None and shared.stamp == self.index_key():
                    return shared.index
                idx, key = self._refreshed(shared)
                shared.index, shared.stamp = idx, key
                return idx
            finally:
                shared.lock.release()

    def _on_own_connection(self) -> "VectorStore | None":
        """This store's vectors on a new connection (for the background refresh), sharing its index snapshot."""
        from curbside.store.sqlite import connect

        path = next((r[2] for r in self.conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        if not path:
            return None
        other = VectorStore(connect(path), self.folder, self.model_id)
        other.shared = self.shared
        return other

    def _refreshed(self, shared: SharedIndex) -> tuple[VectorIndex, str]:
        """(new snapshot, its index key), read in one read transaction so the key matches the rows."""
        own = not self.conn.in_transaction
        if own:
            self.conn.execute("BEGIN")
        try:
            stamp, key = self.stamp(), self.index_key()
            old = shared.index
            if old is None or old.keys is None:
                idx = VectorIndex.load(self.folder, stamp)
                if idx is None:
                    idx = self._build()
                    try:
                        idx.save(self.folder, stamp)
                    except OSError:
                        pass  # a read-only home still searches; it just rebuilds next time
                shared.full_builds += 1
                return idx, key
            shared.refreshes += 1
            return self._changed(old), key
        finally:
            if own:
                self.conn.execute("COMMIT")

    def _mapping(self) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids ascending, their cache-key prefixes) of every passage with a vector."""
        cur = self.conn.cursor()
        cur.row_factory = None
        rows = cur.execute("SELECT rowid, hash FROM passage_vectors ORDER BY rowid").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, hash_prefixes([r[1] for r in rows])

    def _changed(self, old: VectorIndex) -> VectorIndex:
        """A new snapshot from `old`: rows whose passage and vector are unchanged are kept, rows of removed
        passages dropped, and only new or changed vectors read from the store."""
        ids, keys = self._mapping()
        if np.array_equal(ids, old.ids) and np.array_equal(keys, old.keys):
            return old                  # nothing changed for the index: no copy of its matrix
        pos = old.positions(ids)
        same = pos >= 0
        same[same] = old.keys[pos[same]] == keys[same]
        idx = VectorIndex(old.dim)
        idx.ids, idx.keys = ids, keys
        mat = np.empty((len(ids), old.dim), dtype=np.float32)
        if same.any():
            mat[same] = old.mat[pos[same]]
        fetch = ids[~same].tolist()
        if fetch:
            got: dict[int, bytes] = {}
            cur = self.conn.cursor()
            cur.row_factory = None
            for s in range(0, len(fetch), 500):
                chunk = fetch[s:s + 500]
                got.update(cur.execute("SELECT v.rowid, e.vec FROM passage_vectors v JOIN embeddings e ON "
                                       f"e.hash = v.hash WHERE v.rowid IN ({','.join('?' * len(chunk))})", chunk))
            lost = [r for r in fetch if r not in got]     # no cached vector (never: gc keeps used ones)
            fetch = [r for r in fetch if r in got]
            buf = b"".join(got[r] for r in fetch)
            mat[~same & ~np.isin(ids, lost)] = np.frombuffer(buf, dtype=np.float16).reshape(len(fetch), old.dim)
            if lost:
                keep = ~np.isin(ids, lost)
                idx.ids, idx.keys, mat = ids[keep], keys[keep], mat[keep]
        idx.mat = mat
        return idx

    def _build(self) -> VectorIndex:
        cur = self.conn.cursor()
        cur.row_factory = None
        rows = cur.execute(
            "SELECT v.rowid, v.hash, e.vec FROM passage_vectors v JOIN embeddings e ON e.hash = v.hash "
            "ORDER BY v.rowid").fetchall()
        idx = VectorIndex()
        idx.ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        idx.keys = hash_prefixes([r[1] for r in rows])
        if rows:
            buf = b"".join(r[2] for r in rows)
            idx.mat = np.frombuffer(buf, dtype=np.float16).reshape(len(rows), idx.dim).astype(np.float32)
        return idx

    def vectors_by_passage_id(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for s in range(0, len(passage_ids), 500):
            chunk = passage_ids[s:s + 500]
            q = ",".join("?" * len(chunk))
            out.update((r[0], np.frombuffer(r[1], dtype=np.float16).astype(np.float32)) for r in self.conn.execute(
                "SELECT p.id, e.vec FROM passages p JOIN passage_vectors v ON v.rowid = p.rowid "
                f"JOIN embeddings e ON e.hash = v.hash WHERE p.id IN ({q})", chunk))
        return out

    def has_vectors(self) -> bool:
        return self.conn.execute("SELECT 1 FROM passage_vectors LIMIT 1").fetchone() is not None
