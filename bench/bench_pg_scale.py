"""PostgreSQL + pgvector at scale: load N passages with vectors (COPY), build HNSW, measure size and search.

The passages are the real ones of a SQLite store, repeated with variations until there are N: copy c of a
passage has its sentences rotated by c, and its vector is the passage's real embedding plus a small random
perturbation (Gaussian noise of norm --noise, then normalised again; copy 0 keeps the real vector). Random
vectors would make the recall figure meaningless: real embeddings are clustered, random ones are not.

With --mix M each copy also adds M times the vector of another real passage (drawn at random): copies are
then distinct points spread over the real embeddings' region instead of tight clusters of near-duplicates.

The query vectors are real questions encoded by Curbside's embedder (--queries, a JSONL with "question"),
or, without --queries, real passage vectors perturbed by a fresh noise (near-duplicate search, an easier case).

    python bench/bench_pg_scale.py --source /tmp/cs-eval/bioasq/curbside.sqlite --size 1000000 \
        --queries ../shared/data/eval/bioasq/questions_dev.jsonl

Prints one table: load time per table, HNSW build time, sizes on disk, exact and HNSW search p50/p95 (LIMIT 100,
as the retriever asks) and recall@10 of HNSW against the exact scan. The throwaway server (store.pg_local) is
stopped and its folder removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from curbside.store.pg_local import LocalPostgres  # noqa: E402

DIM = 384
_SENT = re.compile(r"(?<=[.!?])\s+")


def read_source(path: Path) -> tuple[list[dict], np.ndarray]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute("SELECT p.document_id, p.ordinal, p.section, p.text, p.title, e.vec FROM passages p "
                      "JOIN passage_vectors v ON v.rowid = p.rowid JOIN embeddings e ON e.hash = v.hash "
                      "ORDER BY p.rowid").fetchall()
    db.close()
    passages = [dict(doc=r[0], ordinal=r[1], section=r[2], text=r[3], title=r[4]) for r in rows]
    vecs = np.stack([np.frombuffer(r[5], dtype=np.float16).astype(np.float32) for r in rows])
    return passages, vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def variant(text: str, c: int) -> str:
    parts = _SENT.split(text)
    if c == 0 or len(parts) < 2:
        return text if c == 0 else f"{text} ({c})"
    r = c % len(parts)
    return " ".join(parts[r:] + parts[:r])


def perturb(base: np.ndarray, noise: float, rng: np.random.Generator, others: np.ndarray | None = None,
            mix: float = 0.0) -> np.ndarray:
    """`base` + Gaussian noise of norm `noise` (+ `mix` x a random other real vector), normalised."""
    out = base + rng.normal(0.0, noise / np.sqrt(DIM), size=base.shape).astype(np.float32)
    if mix and others is not None:
        out = out + mix * others[rng.integers(0, len(others), len(base))]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def binary_vectors(ids: list[str], vecs: np.ndarray) -> bytes:
    """Rows (passage_id, hash, embedding halfvec) in COPY BINARY layout (fixed-width ids, numpy-built)."""
    n, w = len(ids), len(ids[0])
    dt = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("pid", f"S{w}"), ("l2", ">i4"), ("h", f"S{w}"),
                   ("l3", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("x", ">f2", (DIM,))])
    a = np.zeros(n, dtype=dt)
    a["nf"], a["l1"], a["l2"], a["l3"], a["dim"] = 3, w, w, 4 + 2 * DIM, DIM
    a["pid"] = a["h"] = np.array(ids, dtype=f"S{w}")
    a["x"] = vecs.astype(np.float16)
    return a.tobytes()


def load(conn, passages: list[dict], vecs: np.ndarray, size: int, noise: float, seed: int, mix: float = 0.0) -> dict:
    rng = np.random.default_rng(seed)
    n0 = len(passages)
    copies = -(-size // n0)
    times: dict[str, float] = {}
    t = time.perf_counter()
    docs = sorted({p["doc"] for p in passages})
    with conn.cursor().copy("COPY documents (id, title, text, evidence_level, content_hash, added_at) "
                            "FROM STDIN") as cp:
        for c in range(copies):
            for d in docs:
                cp.write_row((f"{d}~{c}", "", "", "unknown", hashlib.sha1(f"{d}~{c}".encode()).hexdigest(),
                              "2026-12-01T00:00:00Z"))
    times["documents"] = time.perf_counter() - t
    t = time.perf_counter()
    n = 0
    with conn.cursor().copy('COPY passages (id, document_id, ordinal, section, kind, start, "end", text, title, '
                            "ntok) FROM STDIN") as cp:
        for c in range(copies):
            for i, p in enumerate(passages):
                if n >= size:
                    break
                text = variant(p["text"], c)
                cp.write_row((f"p{n:09d}", f"{p['doc']}~{c}", p["ordinal"], p["section"], "text", 0, len(text),
                              text, p["title"], len(text.split())))
                n += 1
    times["passages"] = time.perf_counter() - t
    t = time.perf_counter()
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    with conn.cursor().copy("COPY passage_vectors (passage_id, hash, embedding) FROM STDIN (FORMAT binary)") as cp:
        cp.write(header)
        for start in range(0, size, 50_000):
            idx = np.arange(start, min(size, start + 50_000))
            base = vecs[idx % n0]
            block = np.where((idx // n0 == 0)[:, None], base, perturb(base, noise, rng, vecs, mix))
            cp.write(binary_vectors([f"p{i:09d}" for i in idx], block))
        cp.write(struct.pack(">h", -1))
    times["vectors"] = time.perf_counter() - t
    conn.execute("ANALYZE documents; ANALYZE passages; ANALYZE passage_vectors")
    return times


def query_vectors(args, vecs: np.ndarray) -> np.ndarray:
    if args.queries:
        from curbside.retrieve.embed import Embedder

        qs = [json.loads(line)["question"] for line in Path(args.queries).read_text().split("\n") if line.strip()]
        emb = Embedder(threads=1).load()
        return np.stack([emb.encode_query(q) for q in qs[:args.nq]])
    rng = np.random.default_rng(args.seed + 1)
    return perturb(vecs[rng.choice(len(vecs), args.nq, replace=False)], args.noise, rng)


def lit(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.6g}" for x in v) + "]"


def search(conn, qv: np.ndarray, k: int = 100) -> tuple[list[float], list[list[tuple[str, float]]]]:
    ms, found = [], []
    for q in qv:
        t = time.perf_counter()
        rows = conn.execute("SELECT passage_id, -(embedding <#> %s::halfvec) FROM passage_vectors "
                            "ORDER BY embedding <#> %s::halfvec LIMIT %s", (lit(q), lit(q), k)).fetchall()
        ms.append((time.perf_counter() - t) * 1000)
        found.append([(r[0], float(r[1])) for r in rows])
    return ms, found


def recalls(got: list, exact: list) -> tuple[float, float]:
    """recall@10 by id, and by score: the share of the top 10 found whose score reaches the exact 10th best
    (less 0.001, halfvec's rounding) -- copies of one passage tie closely, and any of them is as good."""
    by_id = np.mean([len({p for p, _ in g[:10]} & {p for p, _ in e[:10]}) / 10 for g, e in zip(got, exact)])
    by_score = np.mean([sum(s >= e[min(9, len(e) - 1)][1] - 1e-3 for _, s in g[:10]) / 10
                        for g, e in zip(got, exact)])
    return float(by_id), float(by_score)


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(xs, p))


def size_of(conn, rel: str) -> int:
    """Bytes of a table with its indexes and TOAST (or of one index)."""
    return conn.execute("SELECT pg_total_relation_size(%s)", (rel,)).fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", required=True, help="a SQLite store with passages and real vectors")
    ap.add_argument("--size", type=int, default=1_000_000, help="passages to load")
    ap.add_argument("--queries", help="JSONL with 'question' (encoded by Curbside's embedder)")
    ap.add_argument("--nq", type=int, default=50, help="queries to time")
    ap.add_argument("--noise", type=float, default=0.35, help="norm of the perturbation of copied vectors")
    ap.add_argument("--mix", type=float, default=0.0,
                    help="add this times a random other real vector to each copy (0: near-duplicates of one)")
    ap.add_argument("--ef", default="40,100,200", help="hnsw.ef_search values to measure")
    ap.add_argument("--maintenance-mem", default="3GB")
    ap.add_argument("--workers", type=int, default=1, help="max_parallel_maintenance_workers for the build")
    ap.add_argument("--folder", help="where the server keeps its data (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="leave the server running and its folder in place")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    import psycopg

    passages, vecs = read_source(Path(args.source))
    qv = query_vectors(args, vecs)
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="curbside-pgscale-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)                                     # the server user must reach folder/pg
    pg = LocalPostgres(folder=folder / "pg").start()
    rows: list[tuple[str, str]] = []
    try:
        url = pg.create_database("scale")
        from curbside.store.postgres import PostgresCorpusStore

        PostgresCorpusStore(url, folder).close()            # the real schema, by its migrations
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE postings")             # lexical postings are not part of this run
            t0 = time.perf_counter()
            times = load(conn, passages, vecs, args.size, args.noise, args.seed, args.mix)
            total = time.perf_counter() - t0
            n = conn.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]
            rows.append(("passages loaded (from %d real)" % len(passages), f"{n:,}"))
            for k, v in times.items():
                rows.append((f"COPY {k}", f"{v:.0f} s"))
            rows.append(("load total (incl. ANALYZE)", f"{total:.0f} s ({n / total:,.0f} passages/s)"))
            conn.execute("SET max_parallel_workers_per_gather = 2")
            conn.execute("SET enable_indexscan = off")
            exact_ms, exact = search(conn, qv)
            rows.append(("exact scan p50 / p95", f"{pct(exact_ms, 50):.0f} / {pct(exact_ms, 95):.0f} ms"))
            conn.execute("RESET enable_indexscan")
            conn.execute(f"SET maintenance_work_mem = '{args.maintenance_mem}'")
            conn.execute(f"SET max_parallel_maintenance_workers = {args.workers}")
            t = time.perf_counter()
            conn.execute("CREATE INDEX passage_vectors_hnsw ON passage_vectors USING hnsw "
                         "(embedding halfvec_ip_ops) WITH (m = 16, ef_construction = 64)")
            rows.append(("HNSW build (m 16, ef_construction 64)", f"{time.perf_counter() - t:.0f} s"))
            for ef in [int(x) for x in args.ef.split(",")]:
                conn.execute(f"SET hnsw.ef_search = {ef}")
                search(conn, qv[:5])                        # warm
                ms, got = search(conn, qv)
                by_id, by_score = recalls(got, exact)
                rows.append((f"HNSW ef_search {ef}: p50 / p95, recall@10 by id / by score",
                             f"{pct(ms, 50):.1f} / {pct(ms, 95):.1f} ms, {by_id:.3f} / {by_score:.3f}"))
            hnsw = size_of(conn, "passage_vectors_hnsw")
            sizes = {"passages (table, tsvector, keys; no postings)": size_of(conn, "passages"),
                     "passage_vectors (table + key, without HNSW)": size_of(conn, "passage_vectors") - hnsw,
                     "HNSW index": hnsw, "documents (ids only, no text)": size_of(conn, "documents")}
            for name, b in sizes.items():
                rows.append((f"size {name}", f"{b / 2**20:,.0f} MB"))
            db = conn.execute("SELECT pg_database_size('scale')").fetchone()[0]
            rows.append(("size database", f"{db / 2**20:,.0f} MB"))
    finally:
        if not args.keep:
            pg.stop()
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    w = max(len(a) for a, _ in rows)
    print(f"\n{'measure':<{w}} | value\n{'-' * w}-|------")
    for a, b in rows:
        print(f"{a:<{w}} | {b}")


if __name__ == "__main__":
    main()
