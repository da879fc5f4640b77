"""Core benchmark (issue 2): ingest the development corpora, then time search and ask.

    python bench/bench_core.py [--shared ../shared] [--home /tmp/curbside-bench] [--embed] [--runs 3]

Prints a table: ingest passages/s, store size, search p50/p95, ask p50/p95 (warm, in-process), cold
`curbside ask` wall time (median of --runs), peak RSS. Reads ../shared only here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS = {"ingest passages/s": ">= 1,000", "search p50 (ms)": "<= 20", "ask p50 (ms)": "<= 300",
           "cold ask (s)": "<= 2", "peak RSS (MB)": "<= 500"}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--home", default="/tmp/curbside-bench")
    ap.add_argument("--embed", action="store_true", help="also embed passages (dense/hybrid search)")
    ap.add_argument("--keep", action="store_true", help="reuse an existing store (skip ingest)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--asks", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    shared = Path(args.shared)
    files = [shared / "data/corpus/medquad.jsonl", shared / "data/corpus/ngc_guideline_summaries.jsonl",
             shared / "data/eval/bioasq/corpus_dev.jsonl"]
    for f in files:
        if not f.exists():
            sys.exit(f"missing {f}: pass --shared PATH")

    from curbside.engine import Engine
    from curbside.settings import load_settings

    home = Path(args.home)
    rows: list[tuple[str, str, str]] = []
    if not args.keep and home.exists():
        shutil.rmtree(home)
    settings = load_settings(home, embed=args.embed)
    t0 = time.perf_counter()
    engine = Engine(settings)   # loads the embedded default corpus
    default_s = time.perf_counter() - t0
    if not args.keep:
        summary = engine.ingest(files)
        rows.append(("ingest passages/s", f"{summary.passages_per_second:,.0f}",
                     f"{summary.passages:,} passages, {summary.added:,} docs in {summary.seconds:.1f} s"))
        rows.append(("default corpus load (s)", f"{default_s:.2f}", "open-medicine, first use"))
    size = sum(p.stat().st_size for p in home.glob("curbside.sqlite*"))
    rows.append(("store size (MB)", f"{size / 2**20:.0f}", str(settings.db_path)))

    questions = [json.loads(line)["question"] for line in
                 (shared / "data/eval/bioasq/questions_dev.jsonl").open()][: args.queries]
    engine.search(questions[0])
    lat = []
    for q in questions:
        t = time.perf_counter()
        engine.search(q, top_k=10)
        lat.append((time.perf_counter() - t) * 1000)
    rows.append(("search p50 (ms)", f"{statistics.median(lat):.1f}", f"p95 {pct(lat, 0.95):.1f} ms, {len(lat)} queries"))
    clinical = [json.loads(line) for line in (shared / "data/corpus/medquad.jsonl").open()][:5000:90]
    asks = [q["question"] for q in clinical][: args.asks // 2] + questions[: args.asks // 2]
    lat = []
    for q in asks:
        t = time.perf_counter()
        engine.ask(q, save=False)
        lat.append((time.perf_counter() - t) * 1000)
    rows.append(("ask p50 (ms)", f"{statistics.median(lat):.1f}", f"p95 {pct(lat, 0.95):.1f} ms, {len(lat)} questions"))
    rows.append(("peak RSS (MB)", f"{rss_mb():.0f}", "this process: ingest + search + ask"))
    engine.close()

    cold = []
    env = {**os.environ, "CURBSIDE_HOME": str(home)}
    for _ in range(args.runs):
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", "ask",
                            "What are the treatment options for hemophagocytic lymphohistiocytosis?", "--no-save"],
                           env=env, capture_output=True, text=True)
        cold.append(time.perf_counter() - t)
        if r.returncode:
            sys.exit(r.stderr)
    rows.append(("cold ask (s)", f"{statistics.median(cold):.2f}", f"median of {args.runs} `curbside ask` runs"))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric'.ljust(width)}  {'value':>10}  {'target':>9}  notes")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {TARGETS.get(name, ''):>9}  {note}")


if __name__ == "__main__":
    main()
