"""SQLite vs PostgreSQL + pgvector, side by side in one run on this machine.

    python bench/bench_store_backends.py --home STORE --queries questions.jsonl [--ingest FILES...] [--asks 20]

STORE is a Curbside home whose SQLite store has passages and vectors (e.g. the 93k-passage benchmark corpus). A
throwaway PostgreSQL server is started (store/pg_local.py), the store is copied into it with `migrate`'s code
(timed, then verified by counts and checksums), and each backend is measured in a fresh process of its own:
hybrid search and ask latency (p50/p95 over the questions of the JSONL file's "question"/"body"/"query" field),
the process's peak RSS, and for PostgreSQL the server's RSS too. With --ingest, the same files are ingested
lexically (--no-embed) into an empty store of each backend: passages/s. Prints a table (and --json).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def questions(path: Path, n: int) -> list[str]:
    out = []
    with path.open() as f:
        for line in f:
            rec = json.loads(line)
            q = rec.get("question") or rec.get("body") or rec.get("query")
            if q:
                out.append(q)
            if len(out) >= n:
                break
    return out


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(xs, p)) * 1000 if xs else float("nan")


def measure(home: str, store: str, qfile: str, n_search: int, n_ask: int) -> dict:
    """Run in a child process: latency of search and ask on one backend, and this process's peak RSS."""
    from curbside.engine import Engine
    from curbside.settings import load_settings

    eng = Engine(load_settings(home, store=store, load_default_corpus=False))
    qs = questions(Path(qfile), max(n_search, n_ask))
    eng.search(qs[0])                                   # model loaded, caches warm
    search, ask = [], []
    for q in qs[:n_search]:
        t = time.perf_counter()
        eng.search(q, top_k=10)
        search.append(time.perf_counter() - t)
    mode = eng.retriever.last_mode
    for q in qs[:n_ask]:
        t = time.perf_counter()
        eng.ask(q, save=False)
        ask.append(time.perf_counter() - t)
    eng.close()
    return {"mode": mode, "search_p50": pct(search, 50), "search_p95": pct(search, 95), "ask_p50": pct(ask, 50),
            "ask_p95": pct(ask, 95), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def ingest_rate(home: str, store: str, files: list[str]) -> dict:
    from curbside.engine import Engine
    from curbside.settings import load_settings

    eng = Engine(load_settings(home, store=store, load_default_corpus=False, embed=False))
    t = time.perf_counter()
    s = eng.ingest([Path(f) for f in files])
    took = time.perf_counter() - t
    eng.close()
    return {"ingest_passages": s.passages, "ingest_s": took, "ingest_pps": s.passages / took if took else 0.0}


def vector_search(url: str, home: str, qfile: str, n: int) -> dict:
    """pgvector alone: exact scan vs the HNSW index for the questions' embeddings, p50/p95 and recall@10."""
    from curbside.retrieve.embed import shared_embedder
    from curbside.store.postgres import PostgresCorpusStore

    store = PostgresCorpusStore(url, home)
    vs = store.vector_store()
    idx = vs.index()
    enc = shared_embedder()
    qvs = [enc.encode_query(q) for q in questions(Path(qfile), n)]
    out: dict = {"hnsw": vs.has_hnsw()}
    found = {}
    for name, scan in (("exact", "off"), ("hnsw", "on")):
        store.conn.execute(f"SET enable_indexscan = {scan}")
        lat, found[name] = [], []
        for q in qvs:
            t = time.perf_counter()
            found[name].append([k for k, _ in idx.search(q, 10)])
            lat.append(time.perf_counter() - t)
        out[f"{name}_p50"], out[f"{name}_p95"] = pct(lat, 50), pct(lat, 95)
    out["recall10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found["hnsw"], found["exact"])]))
    out["index_mb"] = store.conn.execute(
        "SELECT COALESCE(pg_relation_size(to_regclass('passage_vectors_hnsw')), 0) AS b").fetchone()["b"] / 2**20
    store.close()
    return out


def child(fn: str, *args) -> dict:
    code = (f"import json,sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_store_backends as b; "
            f"print('RESULT ' + json.dumps(b.{fn}(*json.loads(sys.argv[1]))))")
    r = subprocess.run([sys.executable, "-c", code, json.dumps(list(args))], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{fn} failed: {r.stderr[-2000:]}")


def server_rss_mb(pg) -> float:
    """RSS of the PostgreSQL server: its postmaster (found by its data folder) and all its children."""
    import psutil

    for p in psutil.process_iter(["cmdline"]):
        if str(pg.data) in " ".join(p.info["cmdline"] or []):
            procs = [p, *p.children(recursive=True)]
            return sum(q.memory_info().rss for q in procs) / 2**20
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", required=True, help="a Curbside home with a SQLite store (read, never written)")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--searches", type=int, default=100)
    ap.add_argument("--asks", type=int, default=20)
    ap.add_argument("--ingest", nargs="*", default=[], help="files ingested lexically into each backend")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from curbside.settings import load_settings
    from curbside.store.backends import open_corpus_store
    from curbside.store.migrate import copy_store, fingerprint
    from curbside.store.pg_local import LocalPostgres

    work = Path(tempfile.mkdtemp(prefix="curbside-bench-backends-"))
    home = work / "sqlite"
    home.mkdir()
    shutil.copy2(Path(args.home) / "curbside.sqlite", home / "curbside.sqlite")   # never touch the original
    rows: dict[str, dict] = {"sqlite": {}, "postgres": {}}
    with LocalPostgres() as pg:
        url = pg.create_database("bench")
        src = open_corpus_store(load_settings(home, load_default_corpus=False))
        dst = open_corpus_store(load_settings(work / "pg-home", store=url, load_default_corpus=False))
        t = time.perf_counter()
        copy_store(src, dst)
        rows["postgres"]["copy_s"] = time.perf_counter() - t
        t = time.perf_counter()
        dst.vector_store().index()                      # builds HNSW when the store is above its threshold
        rows["postgres"]["index_build_s"] = time.perf_counter() - t
        fa, fb = fingerprint(src), fingerprint(dst)
        rows["postgres"]["verified"] = fa.to_json() == fb.to_json()
        rows["sqlite"]["passages"] = rows["postgres"]["passages"] = fa.passages
        rows["postgres"]["db_mb"] = dst.conn.execute(
            "SELECT pg_database_size(current_database()) AS b").fetchone()["b"] / 2**20
        rows["sqlite"]["db_mb"] = (home / "curbside.sqlite").stat().st_size / 2**20
        src.close()
        dst.close()
        for name, store, h in (("sqlite", "", home), ("postgres", url, work / "pg-home")):
            rows[name].update(child("measure", str(h), store, args.queries, args.searches, args.asks))
        rows["postgres"]["server_rss_mb"] = server_rss_mb(pg)
        if rows["postgres"].get("mode") != "bm25":
            vec = child("vector_search", url, str(work / "pg-home"), args.queries, args.searches)
            rows["postgres"].update({f"vec_{k}": v for k, v in vec.items()})
        if args.ingest:
            url2 = pg.create_database("ingest")
            rows["sqlite"].update(child("ingest_rate", str(work / "ing-sqlite"), "", args.ingest))
            rows["postgres"].update(child("ingest_rate", str(work / "ing-pg"), url2, args.ingest))
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    keys = [k for k in ("passages", "mode", "ingest_pps", "search_p50", "search_p95", "ask_p50", "ask_p95",
                        "rss_mb", "server_rss_mb", "db_mb", "copy_s", "index_build_s", "verified", "vec_hnsw",
                        "vec_exact_p50", "vec_exact_p95", "vec_hnsw_p50", "vec_hnsw_p95", "vec_recall10",
                        "vec_index_mb")
            if any(k in r for r in rows.values())]
    print(f"{'':16}{'sqlite':>14}{'postgres':>14}")
    for k in keys:
        cells = []
        for name in ("sqlite", "postgres"):
            v = rows[name].get(k, "")
            cells.append(f"{v:>14.1f}" if isinstance(v, float) else f"{str(v):>14}")
        print(f"{k:16}{''.join(cells)}")


if __name__ == "__main__":
    main()
