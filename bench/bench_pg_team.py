"""A team server under load: `serve --workers 2 [--store postgresql://...]`, 20 clients asking non-stop for
60 s (bench_serve.py), while an ingest adds documents to the same store; then checks that nothing was lost (every
record ingested, one saved article per answer given).

    python bench/bench_pg_team.py --ingest records.jsonl [--backend postgres|sqlite] [--workers 2] [--clients 20]

PostgreSQL is a throwaway server (store/pg_local.py); either store starts with the default corpus; loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
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
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    args = ap.parse_args()
    from curbside.review.articles import ArticleStore
    from curbside.store.pg_local import LocalPostgres

    home = Path(tempfile.mkdtemp(prefix="curbside-team-"))
    with contextlib.ExitStack() as stack:
        if args.backend == "postgres":
            pg = stack.enter_context(LocalPostgres())
            url = pg.create_database("team")
        else:
            url = ""
        where = url or home / "curbside.sqlite"
        env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_STORE": url}
        cli = [sys.executable, "-m", "curbside.interfaces.cli"]
        subprocess.run([*cli, "sources", "--json"], env=env, check=True, capture_output=True)   # default corpus
        before = _documents(url, home)
        t0 = time.monotonic()
        load = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bench_serve.py"), "--home", str(home),
                                 "--workers", args.workers, "--clients", str(args.clients),
                                 "--seconds", str(args.seconds)], env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(15)                          # the server is up and warm before the ingest starts
        ing = subprocess.run([*cli, "ingest", str(args.ingest), "--no-embed"], env=env, capture_output=True,
                             text=True)
        ingest_s = time.monotonic() - t0 - 15
        out, _ = load.communicate()
        after = _documents(url, home)
        expected = sum(1 for line in args.ingest.open() if line.strip())
        articles = ArticleStore(where)
        saved = len(articles.list(limit=1_000_000))
        articles.close()
        print(out.strip())
        print(f"{args.backend}: ingest while serving: exit {ing.returncode}, {after - before:,} of {expected:,} "
              f"records stored in {ingest_s:.1f} s; articles saved: {saved:,}")
    shutil.rmtree(home, ignore_errors=True)


def _documents(url: str, home: Path) -> int:
    from curbside.settings import load_settings
    from curbside.store.backends import open_corpus_store

    store = open_corpus_store(load_settings(home, store=url, load_default_corpus=False))
    try:
        return store.counts()[0]
    finally:
        store.close()


if __name__ == "__main__":
    main()
