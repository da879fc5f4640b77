"""Answer latency benchmark (issue 9): warm `ask` time per question on one or more stores, medians of runs.

    python bench/bench_answers.py --home /tmp/cs-eval/default --questions ../shared/data/eval/clinical/questions_dev.jsonl
    python bench/bench_answers.py --home /tmp/curbside-bench --questions ../shared/data/eval/bioasq/questions_dev.jsonl --limit 60

Each run asks every question once (in-process, warm: one ask is made before timing); the table shows the median over
runs of each run's p50 and p95, the slowest question, and the stage split of one run (retrieve / units+relevance /
the rest). Targets: p50 <= 500 ms on the default corpus, <= 1 s on the 93k-passage benchmark store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", action="append", required=True, help="store(s) to ask in (repeatable)")
    ap.add_argument("--questions", type=Path, required=True, help="JSONL with a 'question' field")
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from curbside.answer.compose import select_units
    from curbside.engine import open_engine

    qs = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8") if line.strip()]
    qs = qs[:args.limit]
    rows = []
    for home in args.home:
        engine = open_engine(home, load_default_corpus=False)
        engine.ask(qs[0], save=False)
        p50s, p95s, worst, cpus = [], [], (0.0, ""), []
        for _ in range(args.runs):
            times = []
            c0 = time.process_time()
            for q in qs:
                t0 = time.perf_counter()
                engine.ask(q, save=False)
                dt = time.perf_counter() - t0
                times.append(dt)
                worst = max(worst, (dt, q))
            cpus.append(1000 * (time.process_time() - c0) / len(qs))
            p50s.append(1000 * statistics.median(times))
            p95s.append(1000 * pct(times, 0.95))
        # stage split of one pass
        retrieve = units = 0.0
        for q in qs:
            t0 = time.perf_counter()
            hits = engine.answer_hits(parsed := engine.retriever.parse(q))
            t1 = time.perf_counter()
            select_units(parsed, hits)
            t2 = time.perf_counter()
            retrieve += t1 - t0
            units += t2 - t1
        n = len(qs)
        rows.append((home, engine.store.counts()[1],
                     statistics.median(p50s), statistics.median(p95s), 1000 * worst[0], statistics.median(cpus),
                     1000 * retrieve / n, 1000 * units / n))
        engine.close()
    print(f"{'store':40} {'passages':>9} {'p50 ms':>8} {'p95 ms':>8} {'worst ms':>9} {'CPU ms/ask':>10} "
          f"{'retrieve':>9} {'units+rel':>10}")
    for home, n, p50, p95, w, cpu, r, u in rows:
        print(f"{str(home)[-40:]:40} {str(n):>9} {p50:8.0f} {p95:8.0f} {w:9.0f} {cpu:10.0f} {r:9.0f} {u:10.0f}")
    print(f"(median over {args.runs} runs of {len(qs)} questions; CPU ms/ask is this process's CPU time per ask, "
          "which a busy machine inflates less than wall time; retrieve and units+relevance: means of one pass)")


if __name__ == "__main__":
    main()
