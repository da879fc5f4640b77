"""Passage vectors on PostgreSQL with pgvector, keyed by passage id.

`embeddings(hash, vec)` is the same content-hash cache as on SQLite (float16 bytes, never recomputed);
`passage_vectors(passage_id, hash, embedding halfvec(384))` maps passages to vectors and is what pgvector
searches. Small corpora are searched exactly (a scan: recall 1.0); from `hnsw_min` vectors on, an HNSW index
(inner product on unit vectors) is built once and kept up to date by PostgreSQL itself.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable

import numpy as np

from curbside.retrieve.embed import DIM, MODEL_ID
from curbside.store.vectors import VERSION_KEY, VectorStore, embed_input

HNSW_MIN = int(os.environ.get("CURBSIDE_PG_HNSW_MIN", "50000") or 50000)


def _literal(vec: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.6g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


class PostgresVectorIndex:
    """The VectorIndexLike protocol over passage_vectors: each search is one SQL query."""

    def __init__(self, store: "PostgresVectorStore", size: int, ef_search: int = 200):
        self.vs = store
        self.size = size
        self.ef_search = ef_search

    def __len__(self) -> int:
        return self.size

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        if k <= 0 or not self.size:
            return []
        conn = self.vs.conn
        # always (another process may have built the HNSW index since): pgvector returns at most ef_search rows
        conn.execute(f"SET hnsw.ef_search = {int(min(max(self.ef_search, k), 1000))}")
        rows = conn.execute("SELECT passage_id, -(embedding <#> %s::halfvec) AS s FROM passage_vectors "
                            "ORDER BY embedding <#> %s::halfvec LIMIT %s",
                            (_literal(query), _literal(query), int(k))).fetchall()
        return [(r["passage_id"], float(r["s"])) for r in rows]

    def vectors(self, keys: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        keys = list(keys)
        found = self.vs.vectors_by_passage_id(keys)
        out = np.zeros((len(keys), DIM), dtype=np.float32)
        ok = np.zeros(len(keys), dtype=bool)
        for i, k in enumerate(keys):
            v = found.get(k)
            if v is not None:
                out[i], ok[i] = v, True
        return out, ok


class PostgresVectorStore(VectorStore):
    """The VectorStoreLike protocol on PostgreSQL (embed_items / embed_missing are VectorStore's own)."""

    def __init__(self, corpus, model_id: str = MODEL_ID, hnsw_min: int = HNSW_MIN):
        self.corpus = corpus
        self.folder = corpus.path
        self.model_id = model_id
        self.hnsw_min = hnsw_min
        self._index = None
        self._stamp = ""
        self._hnsw: bool | None = None

    @property
    def conn(self):
        return self.corpus.conn      # the corpus store's connection (Released once that store is closed)

    def version(self) -> str:
        return self.corpus.get_meta(VERSION_KEY, "0")

    def _bump(self) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (%s, '1') ON CONFLICT (key) DO UPDATE "
                          "SET value = (meta.value::bigint + 1)::text", (VERSION_KEY,))

    def counts(self) -> tuple[int, int]:
        have = self.conn.execute("SELECT COUNT(*) AS n FROM passage_vectors").fetchone()["n"]
        total = self.conn.execute("SELECT COUNT(*) AS n FROM passages").fetchone()["n"]
        return have, total

    def stamp(self) -> str:
        meta = {r["key"]: r["value"] for r in self.conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('corpus_version', %s)", (VERSION_KEY,))}
        return f"{self.model_id}-c{meta.get('corpus_version', '0')}-v{meta.get(VERSION_KEY, '0')}"

    def missing(self, limit: int | None = None, after=0) -> list[tuple[str, str]]:
        """(passage id, text to embed) of passages without a vector, in id order after `after` (a cursor)."""
        sql = ("SELECT p.id, p.title, p.section, p.text FROM passages p LEFT JOIN passage_vectors v "
               "ON v.passage_id = p.id WHERE v.passage_id IS NULL AND p.id > %s ORDER BY p.id")
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = self.conn.execute(sql, ("" if after == 0 else str(after),))
        return [(r["id"], embed_input(r["title"], r["section"], r["text"])) for r in rows]

    def missing_for(self, document_ids: list[str]) -> list[tuple[str, str]]:
        if not document_ids:
            return []
        rows = self.conn.execute(
            "SELECT p.id, p.title, p.section, p.text FROM passages p LEFT JOIN passage_vectors v "
            "ON v.passage_id = p.id WHERE v.passage_id IS NULL AND p.document_id = ANY(%s) ORDER BY p.id",
            (list(document_ids),))
        return [(r["id"], embed_input(r["title"], r["section"], r["text"])) for r in rows]

    def cached(self, keys: list[str]) -> dict[str, bytes]:
        if not keys:
            return {}
        return {r["hash"]: bytes(r["vec"]) for r in
                self.conn.execute("SELECT hash, vec FROM embeddings WHERE hash = ANY(%s)", (list(keys),))}

    def embed_batch(self, items: list[tuple[str, str]], encode: Callable[[list[str]], np.ndarray]) -> int:
        if not items:
            return 0
        keys, have, new = self.vectors_for(items, encode)
        vecs = {**have, **new}
        rows = [(pid, k, _literal(np.frombuffer(vecs[k], dtype=np.float16))) for (pid, _), k in zip(items, keys)]
        with self.corpus.transaction():
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO embeddings(hash, vec) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                                list(new.items()))
                # only passages still present (one may have been removed while we computed)
                cur.executemany(
                    "INSERT INTO passage_vectors(passage_id, hash, embedding) SELECT id, %s, %s::halfvec "
                    "FROM passages WHERE id = %s ON CONFLICT (passage_id) DO UPDATE SET hash = excluded.hash, "
                    "embedding = excluded.embedding", [(k, lit, pid) for pid, k, lit in rows])
            self._bump()
        return len(new)

    def seed_cache(self, keys: list[str], vecs: np.ndarray) -> int:
        if len(keys) != len(vecs):
            raise ValueError(f"{len(keys)} keys but {len(vecs)} vectors")
        before = self.conn.execute("SELECT COUNT(*) AS n FROM embeddings").fetchone()["n"]
        with self.corpus.transaction(), self.conn.cursor() as cur:
            cur.executemany("INSERT INTO embeddings(hash, vec) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(k, np.asarray(v, dtype=np.float16).tobytes()) for k, v in zip(keys, vecs)])
        return self.conn.execute("SELECT COUNT(*) AS n FROM embeddings").fetchone()["n"] - before

    def gc(self) -> int:
        cur = self.conn.execute("DELETE FROM embeddings WHERE hash NOT IN (SELECT hash FROM passage_vectors)")
        return cur.rowcount

    def has_vectors(self) -> bool:
        return self.conn.execute("SELECT 1 FROM passage_vectors LIMIT 1").fetchone() is not None

    def has_hnsw(self) -> bool:
        if self._hnsw is None:
            self._hnsw = self.conn.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'passage_vectors_hnsw'").fetchone() is not None
        return self._hnsw

    def build_hnsw(self, m: int = 16, ef_construction: int = 64) -> None:
        """Build the HNSW index now (normally done by index() once the store holds hnsw_min vectors)."""
        self.conn.execute(f"SET maintenance_work_mem = '512MB'")
        self.conn.execute("CREATE INDEX IF NOT EXISTS passage_vectors_hnsw ON passage_vectors USING hnsw "
                          f"(embedding halfvec_ip_ops) WITH (m = {int(m)}, ef_construction = {int(ef_construction)})")
        self._hnsw = True

    def index(self) -> PostgresVectorIndex:
        stamp = self.stamp()
        if self._index is not None and stamp == self._stamp:
            return self._index
        have, _ = self.counts()
        if have >= self.hnsw_min and not self.has_hnsw():
            self.build_hnsw()
        self._index, self._stamp = PostgresVectorIndex(self, have), stamp
        return self._index

    def vectors_by_passage_id(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        if not passage_ids:
            return {}
        rows = self.conn.execute("SELECT v.passage_id, e.vec FROM passage_vectors v JOIN embeddings e "
                                 "ON e.hash = v.hash WHERE v.passage_id = ANY(%s)", (list(passage_ids),))
        return {r["passage_id"]: np.frombuffer(bytes(r["vec"]), dtype=np.float16).astype(np.float32) for r in rows}
