"""Embedding throughput and time to the first answer after a large ingest (issue 10), printed as one table.

    python bench/bench_first_answer.py [--passages 20000] [--index-seconds 60] [--sample 256] [--runs 3]

Rows (medians where repeated; load average shown, since other work on the machine changes every figure):

- embedding, passages/s: `Embedder.encode` on `--sample` of the generated passages, 2 and 1 threads and 2
  workers of 1 thread each (what ingest and `curbside index` use), taking turns; wall and per CPU-second (CPU
  time of all threads: the figure that does not depend on what else runs);
- ingest --no-embed: wall time to store PASSAGES one-passage documents (BM25 searchable when it ends);
- first answer (lexical): `curbside ask` in a new process right after that ingest (engine start included);
- `curbside index` in the background for INDEX_SECONDS (at least as long as the two commands below): passages
  embedded per second through the real pipeline (model loading, cache lookups, commits every ~2 s), from the
  store's counts;
- answer while indexing: `curbside ask` and `curbside search --json` during the background index; search reports
  `hybrid` with a note saying how many passages are found by BM25 only (vectors are used as they are committed);
- first answer with embedding at ingest: ingest --no-embed + all passages at the indexing rate (an estimate, said so;
  `--full` runs `curbside index` to the end instead and measures it).

The documents are generated (invented clinical-looking words), so the bench needs no data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WORDS = ("anakinra etoposide ruxolitinib emapalumab dexamethasone ciclosporin ferritin fever cytopenia splenomegaly "
         "macrophage activation syndrome lymphohistiocytosis infection adults children remission survival response "
         "cohort trial registry outcome dose weekly daily infusion toxicity relapse gout colchicine allopurinol "
         "hypertension thiazide asthma corticosteroid inhaled sepsis antibiotics fluids").split()
QUESTION = "What is the dose of anakinra for macrophage activation syndrome?"


def make_jsonl(path: Path, n: int, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    texts = []
    with path.open("w") as f:
        for i in range(n):
            text = " ".join(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 18))).capitalize() + "."
                            for _ in range(rnd.randint(3, 7)))
            texts.append(text)
            f.write(json.dumps({"id": f"gen-{i}", "title": f"Generated study {i} of {rnd.choice(WORDS)}",
                                "text": text, "year": 1995 + i % 30}) + "\n")
    return texts


def cli(env: dict, *args: str, timeout: float = 3600) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], env=env, capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit(f"curbside {' '.join(args[:2])} failed ({r.returncode}): {r.stderr[-2000:]}")
    return time.perf_counter() - t, r.stdout


def counts(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        have = conn.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    finally:
        conn.close()
    return have, total


def embed_rates(texts: list[str], runs: int) -> list[tuple[str, str]]:
    from curbside.retrieve.embed import Embedder

    names = ["embedding, 2 thread(s), passages/s (per CPU-s)", "embedding, 1 thread(s), passages/s (per CPU-s)",
             "embedding, 2 workers x 1 thread (ingest, index), passages/s (per CPU-s)"]
    embedders = [Embedder(threads=2).load(), Embedder(threads=1).load(), Embedder(threads=2, workers=2).load()]
    wall: list[list[float]] = [[] for _ in embedders]
    cpu: list[list[float]] = [[] for _ in embedders]
    for emb in embedders:
        emb.encode(texts[:8])
    for _ in range(runs):                  # the rows take turns, so each sees the same load
        for i, emb in enumerate(embedders):
            t, c = time.perf_counter(), time.process_time()
            emb.encode(texts)
            wall[i].append(time.perf_counter() - t)
            cpu[i].append(time.process_time() - c)
    return [(name, f"{len(texts) / statistics.median(w):.1f} ({len(texts) / statistics.median(c):.1f})")
            for name, w, c in zip(names, wall, cpu)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=20000)
    ap.add_argument("--index-seconds", type=float, default=60)
    ap.add_argument("--sample", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="run `curbside index` to the end (slow) instead of estimating")
    ap.add_argument("--keep", help="keep the store in this folder")
    args = ap.parse_args()
    from curbside.retrieve import embed

    if not embed.available():
        sys.exit("the embedding model is not installed")
    work = Path(args.keep or tempfile.mkdtemp(prefix="curbside-first-answer-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1"}
    rows: list[tuple[str, str]] = []
    try:
        data = work / "generated.jsonl"
        texts = make_jsonl(data, args.passages)
        rows += embed_rates(random.Random(3).sample(texts, min(args.sample, len(texts))), args.runs)
        took, _ = cli(env, "ingest", str(data), "--id-field", "id", "--text-field", "text", "--no-embed")
        from curbside.settings import load_settings

        db = load_settings(home).db_path
        have, total = counts(db)
        rows.append((f"ingest --no-embed, {total:,} passages", f"{took:.1f} s ({total / took:.0f} passages/s)"))
        ask, out = cli(env, "ask", QUESTION, "--format", "json")
        rows.append(("first answer after it (new process, lexical)", f"{ask:.1f} s"))
        rows.append(("  time to first answer", f"{took + ask:.1f} s"))
        index = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "index"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        time.sleep(min(10.0, args.index_seconds / 3))
        ask2, _ = cli(env, "ask", QUESTION, "--format", "json")
        _, found = cli(env, "search", QUESTION, "--json")
        info = json.loads(found)
        rows.append(("answer while `curbside index` runs (new process)", f"{ask2:.1f} s"))
        rows.append(("  search mode while indexing", f"{info['mode']}: {info['note'][:60]}"))
        if args.full:
            index.wait()
        else:
            time.sleep(max(0.0, args.index_seconds - (time.monotonic() - t0)))
        have, total = counts(db)
        rate = have / max(time.monotonic() - t0, 1e-9)        # model loading included
        rows.append((f"`curbside index`, passages/s ({have:,} of {total:,} embedded)", f"{rate:.1f}"))
        if args.full:
            rows.append(("first answer with embedding (ingest + index)", f"{took + time.monotonic() - t0 + ask:.0f} s"))
        elif rate > 0:
            rows.append(("first answer with embedding at ingest (estimate)", f"{took + total / rate + ask:.0f} s"))
        if index.poll() is None:
            index.send_signal(signal.SIGINT)        # Ctrl-C is safe; committed vectors are kept
            try:
                index.wait(timeout=120)
            except subprocess.TimeoutExpired:
                index.kill()
                index.wait()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nTime to first answer, {args.passages:,} generated passages (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    width = max(len(k) for k, _ in rows)
    print("-" * (width + 24))
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
