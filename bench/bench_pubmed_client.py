"""The E-utilities client against the fake server on 127.0.0.1 (tests/sources/pubmed_fake.py): request rate with
and without an API key, two processes sharing one home, recovery from faults, resume after kill -9. Prints a table.

    nice -n 10 python bench/bench_pubmed_client.py

The fake server logs every request's arrival time; "max in 1 s" is the most requests that arrived in any
1-second window (NCBI's rule: 3 without a key, 10 with one); "429s" counts requests the fake refused for going
over that limit. Everything is invented; no network is used.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from curbside.sources.pubmed.client import EutilsClient  # noqa: E402
from curbside.sources.pubmed.fetch import search_pubmed  # noqa: E402
from tests.sources.pubmed_fake import FakeEutils, kill_when_stored, make_record  # noqa: E402


def records(n: int, start: int = 97000000, word: str = "gout") -> list[bytes]:
    return [make_record(start + i, f"Invented {word} study {i}", f"Invented {word} abstract number {i}.")
            for i in range(n)]


def stats(fake: FakeEutils) -> dict:
    ts = fake.times()
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    span = ts[-1] - ts[0] if len(ts) > 1 else 0
    return {"requests": len(ts), "seconds": span, "rate": (len(ts) - 1) / span if span else 0,
            "max_1s": fake.max_in_window(1.0), "min_gap": min(gaps) if gaps else 0, "violations": fake.violations,
            "no_identity": fake.missing_identity}


def cli(home: Path, url: str, *args: str, popen: bool = False):
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "CURBSIDE_EUTILS_URL": url, "NCBI_EMAIL": "bench@example.org", "PYTHONPATH": str(ROOT / "src")}
    env.pop("NCBI_API_KEY", None)
    cmd = [sys.executable, "-m", "curbside.interfaces.cli", *args]
    if popen:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def main() -> None:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="cs-pubmed-client-"))

    for label, key, n, batch in (("no API key (limit 3/s)", None, 90, 3), ("API key (limit 10/s)", "k", 200, 5)):
        with FakeEutils(max_requests=500, max_seconds=300) as fake:
            fake.add_records(records(n))
            c = EutilsClient(fake.url, api_key=key, email="bench@example.org")
            s = search_pubmed(c, "gout", n, batch=batch)
            st = stats(fake)
        rows.append((label, st, f"{s.fetched}/{n} records, {s.retries} retries"))

    with FakeEutils(max_requests=500, max_seconds=300) as fake:      # two CLI processes, one home
        fake.add_records(records(60) + records(60, 98000000, "asthma"))
        home = tmp / "shared-home"
        procs = [cli(home, fake.url, "pubmed", "search", w, "--max", "60", "--batch", "4", popen=True)
                 for w in ("gout", "asthma")]
        outs = [p.communicate(timeout=600) for p in procs]
        st = stats(fake)
        ok = all(p.returncode == 0 for p in procs)
    rows.append(("2 processes at once, one home, no key", st, f"both ok: {ok}"))

    with FakeEutils(max_requests=500, max_seconds=300) as fake:
        fake.add_records(records(40))
        fake.faults = ["429", "500", "ok", "drop", "ok", "hang", "ok", "429", "ok", "drop"]   # "ok": answered
        c = EutilsClient(fake.url, email="bench@example.org", timeout=1.0)
        t0 = time.perf_counter()
        s = search_pubmed(c, "gout", 40, batch=5)
        secs = time.perf_counter() - t0
        st = stats(fake)
    rows.append(("faults: 429,500,drop,hang(timeout),429,drop", st,
                 f"{s.fetched}/40 records, {s.failed} failed, {s.retries} retries, {secs:.1f} s"))

    with FakeEutils(max_requests=500, max_seconds=300, delay=0.05) as fake:
        fake.add_records(records(120, 99000000, "asthma"))
        home = tmp / "resume-home"
        db = home / "curbside.sqlite"
        p = cli(home, fake.url, "pubmed", "search", "asthma", "--max", "120", "--batch", "5", "--ingest", popen=True)
        kill_when_stored(p, db, 40, timeout=300)
        with sqlite3.connect(db) as con:
            at_kill = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        r = cli(home, fake.url, "pubmed", "search", "asthma", "--max", "120", "--batch", "5", "--ingest", "--json")
        data = json.loads(r.stdout)
        with sqlite3.connect(db) as con:
            total, distinct = con.execute("SELECT COUNT(*), COUNT(DISTINCT pmid) FROM documents").fetchone()
        st = stats(fake)
    rows.append(("kill -9 during search --ingest, then re-run", st,
                 f"{at_kill} stored at kill; re-run: {data['already_present']} already present, {data['added']} "
                 f"added; total {total}, distinct PMIDs {distinct}"))

    print(f"{'scenario':46} {'requests':>8} {'secs':>6} {'req/s':>6} {'max in 1 s':>10} {'min gap s':>9} "
          f"{'429s':>5} {'no tool/email':>13}  result")
    for label, st, note in rows:
        print(f"{label:46} {st['requests']:>8} {st['seconds']:>6.1f} {st['rate']:>6.2f} {st['max_1s']:>10} "
              f"{st['min_gap']:>9.3f} {st['violations']:>5} {st['no_identity']:>13}  {note}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
