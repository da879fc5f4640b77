"""How long a team server's writes wait on a concurrent ingest (issue 11): the write lock, measured directly.

    python bench/bench_write_wait.py [--docs 20000] [--seconds 40]

Starts `curbside ingest --no-embed` of DOCS generated documents into a fresh store in a separate process and,
meanwhile, does what saving an article does every 100 ms: BEGIN IMMEDIATE (retried as the review store does),
one insert, COMMIT, on its own connection. Prints the count, p50, p99 and worst wait for the write lock, and how
many waited over 1 s. Nothing but 127.0.0.1-free local files are touched; the store is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WORDS = ("fever ferritin splenomegaly cytopenia hepatitis dose response remission infusion weekly daily "
         "trial cohort guideline recommendation patients children adults outcome survival").split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=40.0)
    args = ap.parse_args()
    from curbside.review.db import begin_immediate

    tmp = Path(tempfile.mkdtemp(prefix="cs-write-wait-"))
    try:
        rnd = random.Random(7)
        data = tmp / "docs.jsonl"
        with data.open("w", encoding="utf-8") as fh:
            for i in range(args.docs):
                text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(80, 260))) + "."
                fh.write(json.dumps({"id": f"gen-{i}", "title": f"Generated {i}", "text": text}) + "\n")
        home = tmp / "home"
        env = {"CURBSIDE_NO_DEFAULT_CORPUS": "1", "PATH": "/usr/bin:/bin"}
        cli = [sys.executable, "-c", "from curbside.interfaces.cli import main; main()"]
        subprocess.run(cli + ["sources", "--home", str(home)], check=True, capture_output=True, env=env)
        conn = sqlite3.connect(str(home / "curbside.sqlite"), isolation_level=None, timeout=30)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_writes (at REAL)")
        ingest = subprocess.Popen(cli + ["ingest", str(data), "--no-embed", "--json", "--home", str(home)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        waits = []
        t_end = time.monotonic() + args.seconds
        while time.monotonic() < t_end and ingest.poll() is None:
            t0 = time.perf_counter()
            begin_immediate(conn)
            waits.append(time.perf_counter() - t0)
            conn.execute("INSERT INTO bench_writes VALUES (?)", (time.time(),))
            conn.execute("COMMIT")
            time.sleep(0.1)
        finished = ingest.poll() is not None
        if not finished:
            ingest.terminate()
            ingest.wait()
        conn.close()
        waits.sort()
        p = lambda q: 1000 * waits[min(len(waits) - 1, int(q * (len(waits) - 1)))]  # noqa: E731
        print(f"{'writes':>7} {'p50 ms':>8} {'p99 ms':>8} {'worst ms':>9} {'> 1 s':>6}  ingest")
        print(f"{len(waits):7d} {p(0.5):8.1f} {p(0.99):8.1f} {1000 * waits[-1]:9.1f} "
              f"{sum(w > 1 for w in waits):6d}  {'finished' if finished else 'stopped'} ({args.docs} docs)")
        print(f"(median wait {1000 * statistics.median(waits):.1f} ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
