"""Retrieval benchmark (issue 3): embedding speed, vector index choice, and search/ask latency.

    python bench/bench_retrieval.py --home /tmp/cs-bench [--shared ../shared] [--build] [--runs 5]
                                    [--copy-vectors-from HOME] [--skip embed,search,ask]
    python bench/bench_retrieval.py --home /tmp/cs-bioasq --indexes [--runs 5] [--scale 100000,1000000]
                                    [--noise 0.03] [--only usearch,faiss] [--ef-search 64,256] [--markdown]

--build ingests the benchmark corpus (medquad + NGC summaries + BioASQ corpus_dev) into --home and embeds every
passage (slow: ~30-60 min on 2 cores; resumable, vectors cached by content hash; --copy-vectors-from reuses the
cached vectors of another store first). --build --synthetic-vectors gives every passage a random unit vector
instead (minutes, not an hour): search *latency* at full size is then real (the question is embedded by the
real model, the scan, candidates, features, ranker and MMR all run) but dense results are meaningless; use such
a store (name it so, e.g. /tmp/cs-bench-synthetic) for timing only. --questions FILE times search on a JSONL
file's "question" fields (e.g. long consumer messages) instead of BioASQ's.

Without --indexes it prints:
  * embedding speed: passages/s embedding a fixed random sample of the store's passages (median of --runs);
  * search p50/p95 for bm25, dense and hybrid, ask p50 (warm, in process), and peak RSS.

With --indexes it prints only the vector index comparison (docs/retrieval.md): exact numpy float32 (as shipped),
numpy int8 and binary quantisation with exact float re-scoring, usearch HNSW (f32, i8) and faiss (flat, HNSW,
SQ8 and binary + re-scoring): recall@10 against exact search, p50/p95 latency of one query at a time on one
thread (median over --runs passes over --queries BioASQ questions embedded with the shipped MiniLM), build time,
index bytes, RSS growth, and whether it can be memory-mapped; on the store's own vectors (read from
HOME/vectors/<stamp>.vectors.npy, the store is not opened) and on synthetic --scale-sized sets made by perturbing them.
usearch and faiss are optional (never project dependencies): install them outside the venv, e.g.
    .venv/bin/pip install --target /tmp/idxlibs usearch faiss-cpu   # then delete /tmp/idxlibs/numpy*
    PYTHONPATH=/tmp/idxlibs .venv/bin/python bench/bench_retrieval.py --home ... --indexes
A library that is not importable is reported as skipped in the table.
Reads ../shared only here, never in tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

if "--indexes" in sys.argv:   # latency of one query on one thread; set before numpy loads OpenBLAS
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

FILES = ("data/corpus/medquad.jsonl", "data/corpus/ngc_guideline_summaries.jsonl", "data/eval/bioasq/corpus_dev.jsonl")


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, queries, repeat: int = 1) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        for _ in range(repeat):
            fn(q)
        out.append((time.perf_counter() - t) * 1000 / repeat)
    return out


# ---- embedding speed ----
def bench_embedding(engine, runs: int, n: int = 300) -> tuple[str, str]:
    from curbside.retrieve.embed import Embedder
    from curbside.store.vectors import embed_input

    rows = engine.store.conn.execute("SELECT title, section, text FROM passages").fetchall()
    rng = random.Random(7)
    sample = [embed_input(*r) for r in rng.sample(rows, min(n, len(rows)))]
    emb = Embedder().load()
    emb.encode(sample[:16])
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        emb.encode(sample)
        rates.append(len(sample) / (time.perf_counter() - t))
    toks = np.mean([len(e.ids) for e in emb._tokenizer.encode_batch(sample)])
    return (f"{statistics.median(rates):.0f}",
            f"median of {runs} runs, {len(sample)} random store passages ({toks:.0f} tokens avg); "
            f"runs: {', '.join(f'{r:.0f}' for r in rates)}")


# ---- vector indexes ----
# Every method answers one query at a time on one thread (as a search request does); builds may use
# --build-threads. Recall@10 is against exact float32 search over the same vectors.

def rss_now_mb() -> float:
    """Current resident set size (not the peak), from /proc; nan where there is no /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _matvec(mat: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """The shipped single-threaded product (curbside.store.vectors.matvec), inlined so the bench runs on any
    checkout."""
    return np.einsum("ij,j->i", mat, np.asarray(vec, dtype=np.float32))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k highest scores, best first."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def exact_truth(base: np.ndarray, queries: np.ndarray, k: int = 10, chunk: int = 65_536) -> np.ndarray:
    """(n queries, k) ids of the exact top k by inner product, computed in chunks (one GEMM per chunk)."""
    ids, scores = [], []
    for s in range(0, len(base), chunk):
        S = base[s:s + chunk] @ queries.T                      # (chunk, n queries)
        kk = min(k, len(S))
        part = np.argpartition(-S, kk - 1, axis=0)[:kk]
        ids.append(part + s)
        scores.append(np.take_along_axis(S, part, axis=0))
    I, Sc = np.concatenate(ids), np.concatenate(scores)
    order = np.argsort(-Sc, axis=0, kind="stable")[:k]
    return np.take_along_axis(I, order, axis=0).T


def _popcount_rows(x: np.ndarray) -> np.ndarray:
    """Bits set per row of a uint64/uint8 matrix (np.bitwise_count on numpy >= 2, else a byte table)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).sum(axis=1, dtype=np.int32)
    table = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1).astype(np.int32)
    return table[x.view(np.uint8)].sum(axis=1, dtype=np.int32)


def _sign_bits(x: np.ndarray) -> np.ndarray:
    """Sign bits packed 8 to a byte, viewed as uint64 words when the width allows (faster XOR + popcount)."""
    b = np.packbits(np.atleast_2d(x) > 0, axis=1)
    return b.view(np.uint64) if b.shape[1] % 8 == 0 else b


@dataclass
class IndexMethod:
    name: str
    build: Callable[[], object]
    search: Callable[[object, np.ndarray], Sequence[int]]   # one query -> top 10 row ids, best first
    size: Callable[[object], int]                            # bytes the search holds (codes + graph)
    mmap: str                                                # can the structure be memory-mapped, and how
    library: str = "numpy"
    tune: Callable[[object], Iterable[str]] | None = None    # HNSW: set each search setting in turn, yield its label


def index_methods(base: np.ndarray, build_threads: int = 2,
                  ef_search: Sequence[int] = (64,)) -> tuple[list[IndexMethod], list[str]]:
    """The candidates, and the names of those whose library is not importable (reported, not fatal)."""
    n, d = base.shape
    missing: list[str] = []

    def rescore(cands, q: np.ndarray, k: int = 10) -> list[int]:
        """Exact float32 re-scoring of a short list (the f32 rows may stay on disk: only these are read)."""
        cands = np.asarray(cands, dtype=np.int64)
        cands = cands[cands >= 0]
        return list(cands[_top(_matvec(base[cands], q), k)])

    def exact_blas(mat, q):
        return list(_top(mat @ q, 10))

    def exact_einsum(mat, q):
        return list(_top(_matvec(mat, q), 10))

    def i8_build():
        scale = np.abs(base).max(axis=0) / 127.0          # per-dimension symmetric scalar quantisation
        scale[scale == 0] = 1.0
        codes = np.clip(np.round(base / scale), -127, 127).astype(np.int8)
        return codes, scale.astype(np.float32)

    def i8_search(obj, q, shortlist=100, block=8192):
        codes, scale = obj
        w = (q * scale).astype(np.float32)                 # codes . (scale * q) ~ base . q
        s = np.empty(len(codes), dtype=np.float32)
        for b in range(0, len(codes), block):              # numpy has no int8 dot: widen a cache-sized block
            s[b:b + block] = _matvec(codes[b:b + block].astype(np.float32), w)
        return rescore(_top(s, shortlist), q)

    def bin_search(codes, q, shortlist=200):
        dist = _popcount_rows(codes ^ _sign_bits(q)[0])
        k = min(shortlist, len(dist))
        return rescore(np.argpartition(dist, k - 1)[:k], q)

    methods = [
        IndexMethod("numpy exact f32, BLAS matvec", lambda: base.copy(), exact_blas, lambda m: m.nbytes,
                    "yes: .npy, np.load(mmap_mode='r')"),
        IndexMethod("numpy exact f32, einsum (shipped)", lambda: base.copy(), exact_einsum, lambda m: m.nbytes,
                    "yes: .npy, np.load(mmap_mode='r') (shipped)"),
        IndexMethod("numpy int8 SQ + f32 rescore 100", i8_build, i8_search,
                    lambda o: o[0].nbytes + o[1].nbytes, "yes: int8 .npy (+ f32 .npy for rescoring)"),
        IndexMethod("numpy binary hamming + f32 rescore 200", lambda: _sign_bits(base), bin_search,
                    lambda c: c.nbytes, "yes: bits .npy (+ f32 .npy for rescoring)"),
    ]

    try:
        from usearch.index import Index as UIndex

        def ubuild(dtype):
            def build():
                ix = UIndex(ndim=d, metric="cos", dtype=dtype, connectivity=16, expansion_add=128,
                            expansion_search=64)
                ix.add(np.arange(n), base, threads=build_threads)
                return ix
            return build

        def utune(ix):
            for ef in ef_search:
                ix.expansion_search = ef
                yield f"ef={ef}"

        for dtype in ("f32", "i8"):
            methods.append(IndexMethod(
                f"usearch HNSW {dtype} (M=16)", ubuild(dtype),
                lambda ix, q: list(ix.search(q, 10, threads=1).keys), lambda ix: int(ix.memory_usage),
                "yes: save() + Index.restore(path, view=True)", "usearch", utune))
    except ImportError:
        missing.append("usearch")

    try:
        import faiss

        def fbuild(make):
            def build():
                faiss.omp_set_num_threads(build_threads)
                try:
                    return make()
                finally:
                    faiss.omp_set_num_threads(1)   # single queries: threads only add synchronisation
            return build

        def flat():
            ix = faiss.IndexFlatIP(d)
            ix.add(base)
            return ix

        def hnsw():
            ix = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
            ix.hnsw.efConstruction = 80
            ix.add(base)
            return ix

        def htune(ix):
            for ef in ef_search:
                ix.hnsw.efSearch = ef
                yield f"ef={ef}"

        def sq8():
            ix = faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
            ix.train(base)
            ix.add(base)
            return ix

        def binary():
            ix = faiss.IndexBinaryFlat(d)
            ix.add(np.packbits(base > 0, axis=1))
            return ix

        def codes(ix) -> int:
            return int(ix.ntotal) * int(ix.code_size)

        mm = "yes: read_index(path, IO_FLAG_MMAP_IFC)"
        methods += [
            IndexMethod("faiss IndexFlatIP", fbuild(flat), lambda ix, q: list(ix.search(q[None], 10)[1][0]),
                        codes, mm, "faiss"),
            IndexMethod("faiss IndexHNSWFlat (M=32)", fbuild(hnsw),
                        lambda ix, q: list(ix.search(q[None], 10)[1][0]),
                        lambda ix: codes(faiss.downcast_index(ix.storage)) + int(ix.hnsw.neighbors.size()) * 4
                        + int(ix.hnsw.offsets.size()) * 8,
                        "vectors yes (IO_FLAG_MMAP_IFC); graph is read into RAM", "faiss", htune),
            IndexMethod("faiss SQ8 + f32 rescore 100", fbuild(sq8),
                        lambda ix, q: rescore(ix.search(q[None], 100)[1][0], q), codes, mm, "faiss"),
            IndexMethod("faiss IndexBinaryFlat + f32 rescore 200", fbuild(binary),
                        lambda ix, q: rescore(ix.search(np.packbits(q > 0)[None], 200)[1][0], q), codes,
                        "yes: read_index_binary(path, IO_FLAG_MMAP_IFC)", "faiss"),
        ]
    except ImportError:
        missing.append("faiss")
    return methods, missing


def bench_indexes(base: np.ndarray, queries: np.ndarray, label: str, runs: int, build_threads: int = 2,
                  only: Sequence[str] = (), ef_search: Sequence[int] = (64,)) -> list[dict]:
    """One row per method: recall@10, p50/p95 latency per single query (median over `runs` passes over all
    queries), build time, bytes of the index, RSS growth while building, and memory-mapping."""
    n = len(base)
    t = time.perf_counter()
    truth = exact_truth(base, queries)
    print(f"[{label} n={n:,}] exact ground truth for {len(queries)} queries in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)
    methods, missing = index_methods(base, build_threads, ef_search)
    rows: list[dict] = []
    for m in methods:
        if only and not any(o.lower() in m.name.lower() for o in only):
            continue
        gc.collect()
        r0 = rss_now_mb()
        t = time.perf_counter()
        obj = m.build()
        build_s = time.perf_counter() - t
        rss_delta = None
        for setting in (m.tune(obj) if m.tune else [""]):
            for q in queries[:10]:                           # warm caches and lazy pages
                m.search(obj, q)
            if rss_delta is None:
                rss_delta = rss_now_mb() - r0                # approximate: the allocator may reuse freed memory
            found: list = []
            p50s, p95s = [], []
            for r in range(runs):
                lat = []
                for q in queries:
                    t = time.perf_counter()
                    res = m.search(obj, q)
                    lat.append((time.perf_counter() - t) * 1000)
                    if r == 0:
                        found.append(res)
                p50s.append(statistics.median(lat))
                p95s.append(pct(lat, 0.95))
            recall = float(np.mean([len(set(map(int, f[:10])) & set(map(int, tr))) / 10
                                    for f, tr in zip(found, truth)]))
            name = f"{m.name[:-1]}, {setting})" if setting and m.name.endswith(")") else m.name
            row = dict(index=name, data=label, n=n, recall=recall, p50=statistics.median(p50s),
                       p95=statistics.median(p95s), build=build_s, index_mb=m.size(obj) / 2**20, rss_mb=rss_delta,
                       mmap=m.mmap)
            rows.append(row)
            print(f"  {name:<40} recall {recall:.3f}  p50 {row['p50']:.2f} ms  p95 {row['p95']:.2f} ms  "
                  f"build {build_s:.1f} s  {row['index_mb']:.0f} MB", file=sys.stderr)
        del obj
    return rows + [dict(index=f"{lib} (not importable: skipped)", data=label, n=n) for lib in missing]


def synthetic(base: np.ndarray, size: int, noise: float = 0.03, seed: int = 0) -> np.ndarray:
    """`size` unit vectors near the real ones (a random real vector + gaussian noise, renormalised). With
    noise 0.03 per dimension a copy keeps cosine ~0.86 to its source and ~0.74 to its siblings, close to real
    nearest-neighbour cosines (~0.8 top 1, ~0.7 top 10); but at large sizes each real vector gets many
    siblings, so the data clusters more tightly than real passages would (a harder case for ANN and
    quantisation: many near-ties)."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    for s in range(0, size, 50_000):
        e = min(size, s + 50_000)
        v = base[rng.integers(0, len(base), e - s)] + rng.standard_normal((e - s, base.shape[1])).astype(np.float32) * noise
        out[s:e] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def load_store_vectors(home: Path, engine=None) -> np.ndarray:
    """The store's passage vectors as laid out by curbside.store.vector_index (HOME/vectors/<stamp>.vectors.npy, unit
    float32 rows), read without opening the store; through the engine (which rebuilds a stale index) when absent."""
    saved = sorted((home / "vectors").glob("*.vectors.npy"), key=lambda f: f.stat().st_mtime)
    path = saved[-1] if saved else home / "vectors" / "vectors.npy"
    if path.exists():
        return np.array(np.load(path, mmap_mode="r"), dtype=np.float32)
    if engine is None:
        raise SystemExit(f"{path} not found: run `curbside index --home {home}` (or this script with --build)")
    return np.array(engine.retriever.vectors.index().mat, dtype=np.float32)


def query_vectors(questions: list[str], base: np.ndarray) -> tuple[np.ndarray, str]:
    """Real question vectors from the shipped embedder, or (no model installed) perturbed passage vectors."""
    try:
        from curbside.retrieve.embed import shared_embedder

        t = time.perf_counter()
        qv = shared_embedder().encode(questions)
        return qv.astype(np.float32), (f"{len(questions)} BioASQ dev questions embedded with MiniLM "
                                       f"({time.perf_counter() - t:.0f} s)")
    except Exception as exc:   # the embedding model is optional
        rng = np.random.default_rng(1)
        v = base[rng.choice(len(base), len(questions), replace=False)]
        v = v + rng.standard_normal(v.shape).astype(np.float32) * 0.05
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32), \
            f"{len(questions)} perturbed passage vectors (embedder unavailable: {exc})"


def machine() -> str:
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vers = [f"numpy {np.__version__}"]
    for mod in ("usearch", "faiss"):
        try:
            vers.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            vers.append(f"{mod} not importable")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {', '.join(vers)}"


def print_index_table(rows: list[dict], markdown: bool) -> None:
    cols = [("index", "index", "{}"), ("data", "data", "{}"), ("n", "n", "{:,}"), ("recall", "recall@10", "{:.3f}"),
            ("p50", "p50 ms", "{:.2f}"), ("p95", "p95 ms", "{:.2f}"), ("build", "build s", "{:.1f}"),
            ("index_mb", "index MB", "{:.1f}"), ("rss_mb", "RSS +MB", "{:.0f}"), ("mmap", "memory-mapped", "{}")]
    cells = [[(f.format(r[k]) if k in r else "-") for k, _, f in cols] for r in rows]
    heads = [h for _, h, _ in cols]
    if markdown:
        print("| " + " | ".join(heads) + " |")
        print("|" + "|".join("---" if i in (0, 1, 9) else "--:" for i in range(len(cols))) + "|")
        for c in cells:
            print("| " + " | ".join(c) + " |")
        return
    w = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    left = (0, 1, 9)
    print("  ".join(h.ljust(w[i]) if i in left else h.rjust(w[i]) for i, h in enumerate(heads)))
    for c in cells:
        print("  ".join(x.ljust(w[i]) if i in left else x.rjust(w[i]) for i, x in enumerate(c)))


def index_report(args, questions: list[str], engine=None) -> None:
    base = load_store_vectors(Path(args.home), engine)
    qv, qnote = query_vectors(questions[: args.queries], base)
    print(f"store vectors: {base.shape[0]:,} x {base.shape[1]}; queries: {qnote}", file=sys.stderr)
    only = [o for o in args.only.split(",") if o]
    efs = [int(x) for x in str(args.ef_search).split(",") if x]
    rows = bench_indexes(base, qv, "real", args.runs, args.build_threads, only, efs)
    for size in (int(s) for s in str(args.scale).split(",") if s and int(s) > 0):
        syn = synthetic(base, size, args.noise)
        rows += bench_indexes(syn, qv, f"synthetic σ={args.noise}", args.runs, args.build_threads, only, efs)
        del syn
    print(f"\nmachine: {machine()}")
    print(f"queries: {qnote}; one query at a time, 1 thread; p50/p95 = median over {args.runs} runs; "
          f"builds on {args.build_threads} threads; recall@10 vs exact float32 search\n")
    print_index_table(rows, args.markdown)


# ---- search and ask latency ----
def bench_search(engine, questions: list[str], runs: int) -> list[tuple[str, str, str]]:
    """Wall-clock p50/p95 per mode, and the process's CPU time per search (all its threads), which moves less
    than wall time when other jobs share the cores."""
    rows = []
    for mode in ("bm25", "dense", "hybrid"):
        engine.search(questions[0], top_k=10, mode=mode)
        p50s, p95s, cpus = [], [], []
        for _ in range(runs):
            cpu = time.process_time()
            lat = timed(lambda q: engine.search(q, top_k=10, mode=mode), questions)
            cpus.append((time.process_time() - cpu) * 1000 / len(questions))
            p50s.append(statistics.median(lat))
            p95s.append(pct(lat, 0.95))
        rows.append((f"{mode} search p50 (ms)", f"{statistics.median(p50s):.1f}",
                     f"p95 {statistics.median(p95s):.1f} ms; {len(questions)} questions x {runs} runs, "
                     f"top 10 (p50 per run: {', '.join(f'{x:.1f}' for x in p50s)}); CPU "
                     f"{statistics.median(cpus):.1f} ms per search (load {os.getloadavg()[0]:.1f})"))
    return rows


def bench_ask(engine, questions: list[str], runs: int) -> tuple[str, str, str]:
    engine.ask(questions[0], save=False)
    p50s, p95s = [], []
    for _ in range(runs):
        lat = timed(lambda q: engine.ask(q, save=False), questions)
        p50s.append(statistics.median(lat))
        p95s.append(pct(lat, 0.95))
    return ("ask p50 (ms)", f"{statistics.median(p50s):.0f}",
            f"p95 {statistics.median(p95s):.0f} ms; {len(questions)} clinical questions x {runs} runs, warm, "
            f"mode {engine.retriever.last_mode} (p50 per run: {', '.join(f'{x:.0f}' for x in p50s)})")


def synthetic_encode(texts: list[str]) -> np.ndarray:
    """Random unit vectors (seeded by the text), for a timing-only store."""
    out = np.empty((len(texts), 384), dtype=np.float32)
    for i, t in enumerate(texts):
        v = np.random.default_rng(abs(hash(t)) % (2 ** 32)).standard_normal(384).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


def build(engine, shared: Path, copy_from: str | None, synthetic: bool = False) -> None:
    if engine.store.counts()[0] == 0:
        if synthetic:
            from dataclasses import replace

            from curbside.engine import Engine

            lexical = Engine(replace(engine.settings, embed=False))
            s = lexical.ingest([shared / f for f in FILES])
            lexical.close()
        else:
            s = engine.ingest([shared / f for f in FILES])
        print(f"ingested {s.added:,} documents, {s.passages:,} passages in {s.seconds:.0f} s", file=sys.stderr)
    if synthetic:
        done, _ = engine.retriever.vectors.embed_missing(synthetic_encode)
        print(f"gave {done:,} passages a synthetic random vector (timing only)", file=sys.stderr)
        return
    if copy_from:
        src = Path(copy_from) / "curbside.sqlite"
        c = engine.store.conn
        c.execute("ATTACH DATABASE ? AS other", (str(src),))
        n = c.execute("INSERT OR IGNORE INTO embeddings(hash, vec) SELECT hash, vec FROM other.embeddings").rowcount
        c.execute("DETACH DATABASE other")
        print(f"copied {n:,} cached vectors from {src}", file=sys.stderr)
    missing = engine.retriever.vectors.missing_count()
    if missing:
        print(f"embedding {missing:,} passages ...", file=sys.stderr)
        t = time.perf_counter()
        done, computed = engine.embed_missing(lambda d, n: print(f"  {d:,}/{n:,}", end="\r", file=sys.stderr))
        secs = time.perf_counter() - t
        print(f"\n{done:,} passages, {computed:,} computed in {secs:.0f} s ({computed / secs:.0f}/s)", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--home", default="/tmp/curbside-bench-retrieval")
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--copy-vectors-from", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--asks", type=int, default=40)
    ap.add_argument("--indexes", action="store_true", help="compare vector indexes (only that)")
    ap.add_argument("--scale", default="0", help="also compare indexes on N synthetic vectors (comma list)")
    ap.add_argument("--noise", type=float, default=0.03, help="per-dimension noise of synthetic vectors")
    ap.add_argument("--build-threads", type=int, default=2, help="threads for building usearch/faiss indexes")
    ap.add_argument("--ef-search", default="64", help="HNSW search breadths to measure (comma list, one build)")
    ap.add_argument("--only", default="", help="comma list: compare only indexes whose name contains one")
    ap.add_argument("--markdown", action="store_true", help="print the index table as markdown")
    ap.add_argument("--skip", default="", help="comma list of: embed,search,ask")
    ap.add_argument("--synthetic-vectors", action="store_true",
                    help="with --build: random vectors instead of embeddings (a timing-only store)")
    ap.add_argument("--questions", default=None, help="JSONL whose 'question' fields are timed (default BioASQ)")
    args = ap.parse_args()
    shared = Path(args.shared)
    skip = set(filter(None, args.skip.split(",")))
    qfile = Path(args.questions) if args.questions else shared / "data/eval/bioasq/questions_dev.jsonl"
    questions = [json.loads(line)["question"] for line in qfile.open() if line.strip()][: max(args.queries, 1)]

    engine = None
    if args.build or not args.indexes:
        from curbside.engine import Engine
        from curbside.settings import load_settings

        engine = Engine(load_settings(args.home, load_default_corpus=False, embed=True))
    if args.build:
        build(engine, shared, args.copy_vectors_from, args.synthetic_vectors)
    if args.indexes:
        index_report(args, questions, engine)
        return
    have, total = engine.retriever.vectors.counts()
    rows: list[tuple[str, str, str]] = [("store", f"{total:,} passages", f"{have:,} with vectors; {args.home}")]
    if "embed" not in skip:
        rows.append(("embedding passages/s", *bench_embedding(engine, args.runs)))
    t = time.perf_counter()
    index = engine.retriever.vectors.index()
    rows.append(("vector index load (s)", f"{time.perf_counter() - t:.2f}", f"{len(index):,} vectors, exact f32"))
    if "search" not in skip:
        rows += bench_search(engine, questions, args.runs)
    if "ask" not in skip:
        medquad = [json.loads(line) for line in (shared / FILES[0]).open()]
        asks = [r["question"] for r in medquad[:: max(1, len(medquad) // args.asks)]][: args.asks]
        rows.append(bench_ask(engine, asks, max(1, args.runs // 2)))
    rows.append(("peak RSS (MB)", f"{rss_mb():.0f}", "this process (model + index + store)"))
    w = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{w}}  {'value':>14}  notes")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>14}  {r[2]}")


if __name__ == "__main__":
    main()
