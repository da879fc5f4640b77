"""A team server on PostgreSQL under load: `serve --workers 2 --store postgresql://...`, 20 clients asking
non-stop for 60 s (bench_serve.py), while an ingest adds documents to the same database; then checks that nothing
was lost (every record ingested, one saved article per answer given).

    python bench/bench_pg_team.py --ingest records.jsonl [--workers 2] [--clients 20] [--seconds 60]

Starts a throwaway PostgreSQL (store/pg_local.py) loaded with the default corpus; loopback only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ingest", type=Path, required=True, help="a JSONL file ingested while the server answers")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    from curbside.review.articles import ArticleStore
    from curbside.store.pg_local import LocalPostgres
    from curbside.store.postgres import PostgresCorpusStore

    home = Path(tempfile.mkdtemp(prefix="curbside-pg-team-"))
    with LocalPostgres() as pg:
        url = pg.create_database("team")
        env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_STORE": url}
        cli = [sys.executable, "-m", "curbside.interfaces.cli"]
        subprocess.run([*cli, "sources", "--json"], env=env, check=True, capture_output=True)   # default corpus
        before = PostgresCorpusStore(url, home).counts()[0]
        t0 = time.monotonic()
        load = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bench_serve.py"), "--home", str(home),
                                 "--workers", args.workers, "--clients", str(args.clients),
                                 "--seconds", str(args.seconds)], env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(15)                          # the server is up and warm before the ingest starts
        ing = subprocess.run([*cli, "ingest", str(args.ingest), "--no-embed"], env=env, capture_output=True,
                             text=True)
        ingest_s = time.monotonic() - t0 - 15
        out, _ = load.communicate()
        store = PostgresCorpusStore(url, home)
        after = store.counts()[0]
        expected = sum(1 for line in args.ingest.open() if line.strip())
        articles = ArticleStore(url)
        saved = len(articles.list(limit=1_000_000))
        print(out.strip())
        print(f"ingest while serving: exit {ing.returncode}, {after - before:,} of {expected:,} records stored "
              f"in {ingest_s:.1f} s; articles saved in PostgreSQL: {saved:,}")
        store.close()
        articles.close()
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
