"""Embedding throughput (passages/s, medians): how passages are grouped before they reach the model.

    python bench/bench_embed.py [--passages 384] [--runs 3] [--chunk 16] [--threads 2] [--rows 1,5]
                                [--budgets 512,2048]

Passages are invented (ingest-like lengths: 150-1600 characters, a title/section prefix as `embed_input` adds)
so the bench needs no data. The rows take turns (run 1 of every row, then run 2 ...), so on a shared machine
each row sees the same load; per CPU-second (CPU time of all threads of this process) is the figure that does
not depend on what else runs. Rows (`--rows` picks some by number):

- one call: every passage in one `Embedder.encode` call (it sorts by token length and batches under a token
  budget): the upper bound;
- chunks in rowid order: `--chunk` passages per call in store order, as ingest/index committed them when a
  commit every ~2 s means small chunks under load;
- chunks sorted by length: the same chunk size after sorting the window by text length (what
  `VectorStore.embed_items` does now), so each chunk pads little;
- threads: the one-call row again with 1 thread (on a busy 2-core machine a second thread may not help);
- workers: the one-call row with `--threads` batches at once, each on a 1-thread session from a thread of its
  own (`Embedder(workers=...)`, what ingest, `curbside index` and background embedding use), in one call and
  in sorted chunks;
- budgets (`--budgets`, after the rows above): the workers row with each token budget (batch x padded length;
  the default is `Embedder.token_budget`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

WORDS = ("anakinra etoposide ruxolitinib emapalumab alemtuzumab dexamethasone ferritin fever cytopenia splenomegaly "
         "response survival relapse dose daily weekly infusion children adults refractory primary secondary "
         "macrophage activation syndrome lymphohistiocytosis interleukin trial cohort remission toxicity the of "
         "and in with was were patients mg kg").split()


def passages(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        target = rng.choice([rng.randint(150, 500), rng.randint(500, 1000), rng.randint(900, 1600)])
        words = []
        while sum(len(w) + 1 for w in words) < target:
            words.append(rng.choice(WORDS))
        out.append(f"Invented study {i} - Results. " + " ".join(words).capitalize() + ".")
    return out


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=384)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--rows", default="", help="comma-separated row numbers (1-6) to run; default all")
    ap.add_argument("--budgets", default="", help="comma-separated token budgets: a workers row for each")
    args = ap.parse_args()
    from curbside.retrieve.embed import Embedder, available

    if not available():
        sys.exit("the embedding model is not installed")
    texts = passages(args.passages, args.seed)
    emb = Embedder(threads=args.threads).load()
    one = Embedder(threads=1).load()
    par = Embedder(threads=args.threads, workers=args.threads).load()
    for e in (emb, one, par):
        e.encode(texts[:8])
    tokens = sum(len(e.ids) for e in emb._tokenizer.encode_batch(texts))
    by_len = sorted(texts, key=len)

    def chunks(seq, e=emb):
        return lambda: [e.encode(seq[i:i + args.chunk]) for i in range(0, len(seq), args.chunk)]

    rows = [("one call (sorted, token budget)", lambda: emb.encode(texts)),
            (f"chunks of {args.chunk} in rowid order", chunks(texts)),
            (f"chunks of {args.chunk} sorted by length", chunks(by_len)),
            ("one call, 1 thread", lambda: one.encode(texts)),
            (f"one call, {par.workers} workers x 1 thread", lambda: par.encode(texts)),
            (f"chunks of {args.chunk} sorted by length, {par.workers} workers", chunks(by_len, par))]
    pick = [int(x) for x in args.rows.split(",") if x.strip()] or list(range(1, len(rows) + 1))
    rows = [rows[i - 1] for i in pick]
    for budget in [int(x) for x in args.budgets.split(",") if x.strip()]:
        e = Embedder(threads=args.threads, workers=args.threads, token_budget=budget).load()
        e.encode(texts[:8])
        rows.append((f"one call, {e.workers} workers, token budget {budget}", lambda e=e: e.encode(texts)))
    loads = [os.getloadavg()[0]]
    wall: dict[str, list[float]] = {name: [] for name, _ in rows}
    cpu: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(args.runs):
        for name, fn in rows:
            c = time.process_time()
            wall[name].append(timed(fn))
            cpu[name].append(time.process_time() - c)
        loads.append(os.getloadavg()[0])
    results = []
    for name, _ in rows:
        secs, med = wall[name], statistics.median(wall[name])
        results.append((name, f"{len(texts) / med:,.1f}", f"{tokens / med:,.0f}",
                        f"{len(texts) / statistics.median(cpu[name]):,.1f}", f"{min(secs):.2f}-{max(secs):.2f}"))
    print(f"{len(texts)} invented passages, {tokens:,} tokens, median of {args.runs} runs (rows take turns); "
          f"load average {statistics.median(loads):.1f} (median; {min(loads):.1f}-{max(loads):.1f}) "
          f"on {os.cpu_count()} cores")
    head = ("grouping", "passages/s", "tokens/s", "passages/CPU-s", "run range s")
    widths = [max(len(r[i]) for r in results + [head]) for i in range(len(head))]
    for r in [head] + results:
        print(" | ".join(v.ljust(w) for v, w in zip(r, widths)))


if __name__ == "__main__":
    main()
