"""Team-server hardening measured on a real server (issue 11), against 127.0.0.1 only, bounded in time and bytes.

    python bench/bench_hardening.py body   [--mb 1024]                       # anonymous chunked bodies
    python bench/bench_hardening.py ingest [--docs 40000] [--clients 20] [--seconds 60] [--workers 1]

`body`: starts `curbside serve` on a fresh store and sends MB megabytes of chunked (no Content-Length) body,
without credentials, to POST /api/auth/login (JSON) and to POST /api/sources (multipart); prints how the server
answered, how many bytes it took before closing, its peak RSS (sampled every 50 ms) and the peak size of its
temporary folder (where an upload would be spooled).

`ingest`: starts `curbside serve` on a fresh store holding a small seed corpus and two approved articles, runs
CLIENTS clients for BASELINE seconds, then for SECONDS seconds while a separate `curbside ingest` process loads
DOCS generated documents (JSONL; embedded as by default, or --no-embed) into the same store; the ingest is
stopped with Ctrl-C at the end if it has not finished. Each client (its own API token, and a browser session for
pages) loops over reads (GET /api/me, /api/articles, an article, /api/search, the home page) and, one request in
ten, an ask (which saves an article, so it needs SQLite's write lock). Prints, per kind of request and phase, the
count, p50, p99, the worst latency and how many took over 1 s. Exit status 1 on any error.

Each response's Server-Timing header (interfaces/web/timing.py, curbside/waits.py) says what the request waited
for; the tables add the server's own worst time (`srv max`), the time waited on what an ingest can hold up
(`ingest-wait`: SQLite's write lock, COMMIT with its WAL checkpoint, the vector-index refresh after another
process's vectors, the corpus caches re-read after its batches) at p99 and worst, and the worst wait for a free
reader connection (`readers`: queueing for busy cores, not the ingest); then the worst wait per cause, the five
slowest requests with where their time went (server time, reader time and its CPU time, waits), and the baseline
vs during-ingest comparison per kind. The load average is printed for each phase. `--json PATH` keeps every
request's latency and Server-Timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from curbside.waits import INGEST_KINDS, parse_server_timing  # noqa: E402

PASSWORD = "bench passphrase never reused"
WORDS = ("anakinra etoposide ruxolitinib dexamethasone ciclosporin emapalumab fever ferritin splenomegaly "
         "cytopenia macrophage activation syndrome lymphohistiocytosis infection adult children remission "
         "survival response cohort trial registry outcome dose weekly daily infusion toxicity relapse").split()


MAKE_USERS = f"""
import sys
from curbside.review.accounts import AccountStore
from curbside.settings import load_settings
accounts = AccountStore(load_settings().db_path)
for name, role in [("rev", "reviewer")] + [(f"c{{i}}", "clinician") for i in range(int(sys.argv[1]))]:
    print(accounts.create_token(accounts.add_user(name, {PASSWORD!r}, role), "bench")[0])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict, *args: str, stdin: str | None = None, timeout: float = 600) -> str:
    r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], env=env, input=stdin,
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit(f"curbside {' '.join(args)} failed: {r.stderr[-2000:]}")
    return r.stdout


def start_server(env: dict, port: int, workers: int = 1) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/health")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += children(k)
    return out


def tmp_bytes(pid: int, tmp: Path) -> int:
    """Bytes in temporary files the server holds open under `tmp` (spooled uploads are unlinked at once, so
    they are found through /proc/PID/fd), plus files left in `tmp`."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{p}/fd/{fd}")
                if target.startswith(str(tmp)):
                    total += os.stat(f"/proc/{p}/fd/{fd}").st_size
            except OSError:
                pass
    for root, _, files in os.walk(tmp):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


# ---------------------------------------------------------------- body

def send_chunked(port: int, path: str, content_type: str, head: bytes, total: int) -> tuple[str, int, float]:
    """Send `head` then zeros up to `total` bytes as chunked transfer encoding: (answer, bytes sent, seconds)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n").encode())
    block = b"0" * (256 * 1024)
    sent, t0, answer = 0, time.perf_counter(), ""
    sock.settimeout(0)
    try:
        payload = head
        while sent < total:
            data = payload or block[: min(len(block), total - sent)]
            payload = b""
            sock.setblocking(True)
            sock.sendall(b"%x\r\n" % len(data) + data + b"\r\n")
            sent += len(data)
            sock.setblocking(False)
            try:
                got = sock.recv(65536)
                if got:
                    answer = got.split(b"\r\n", 1)[0].decode(errors="replace")
                    break
                answer = "closed"
                break
            except BlockingIOError:
                pass
        else:
            sock.setblocking(True)
            sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(65536).split(b"\r\n", 1)[0].decode(errors="replace")
    except (BrokenPipeError, ConnectionResetError):
        try:                           # the answer may still be waiting in the receive buffer
            sock.setblocking(True)
            sock.settimeout(1)
            got = sock.recv(65536)
            answer = got.split(b"\r\n", 1)[0].decode(errors="replace") if got else ""
        except OSError:
            pass
        answer = (answer + ", " if answer else "") + "connection closed"
    finally:
        sock.close()
    return answer, sent, time.perf_counter() - t0


def bench_body(args) -> None:
    home = Path(tempfile.mkdtemp(prefix="curbside-bench-body-"))
    tmp = home / "tmp"
    tmp.mkdir()
    env = {**os.environ, "CURBSIDE_HOME": str(home / "store"), "CURBSIDE_NO_DEFAULT_CORPUS": "1",
           "CURBSIDE_NO_EMBED": "1", "TMPDIR": str(tmp)}
    port = free_port()
    server = start_server(env, port)
    rows = []
    try:
        base = rss_mb(server.pid)
        multipart = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
                     b"Content-Type: text/plain\r\n\r\n")
        for label, path, ctype, head in (("JSON to /api/auth/login", "/api/auth/login", "application/json", b"{"),
                                         ("multipart to /api/sources", "/api/sources",
                                          "multipart/form-data; boundary=b", multipart)):
            peak, peak_tmp, done = [base], [0], threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], rss_mb(server.pid))
                    peak_tmp[0] = max(peak_tmp[0], tmp_bytes(server.pid, tmp))
                    time.sleep(0.05)

            t = threading.Thread(target=sample)
            t.start()
            answer, sent, secs = send_chunked(port, path, ctype, head, args.mb * 1024 * 1024)
            time.sleep(0.3)
            done.set()
            t.join()
            rows.append((label, answer, sent, secs, peak[0], peak_tmp[0]))
        after = rss_mb(server.pid)
    finally:
        stop(server)
        shutil.rmtree(home, ignore_errors=True)
    print(f"\nAnonymous chunked bodies of {args.mb} MB against `curbside serve` (RSS before: {base:.0f} MB, "
          f"after: {after:.0f} MB)")
    print(f"{'request':<27} {'server answer':<44} {'MB sent':>8} {'s':>6} {'peak RSS MB':>11} {'peak tmp MB':>11}")
    for label, answer, sent, secs, peak, ptmp in rows:
        print(f"{label:<27} {answer[:44]:<44} {sent / 2**20:>8.1f} {secs:>6.2f} {peak:>11.0f} {ptmp / 2**20:>11.1f}")


# ---------------------------------------------------------------- ingest

def make_jsonl(path: Path, n: int, seed: int = 7, prefix: str = "bench") -> None:
    rnd = random.Random(seed)
    with path.open("w") as f:
        for i in range(n):
            text = " ".join(" ".join(rnd.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(12))
            f.write(json.dumps({"id": f"{prefix}-{i}", "title": f"Generated record {i} on {rnd.choice(WORDS)}",
                                "text": text, "year": 2000 + i % 25}) + "\n")


class Client:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""
        self.timing: dict[str, float] = {}     # the last response's Server-Timing, name -> seconds

    def call(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> tuple[int, bytes]:
        headers = {"Authorization": "Bearer " + self.token} if auth else {}
        if self.cookie and not auth:
            headers["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                self.timing = parse_server_timing(r.getheader("Server-Timing") or "")
                return r.status, payload
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def sign_in_page(port: int, user: str) -> str:
    """A session cookie for pages (the sign-in form with its double-submit token)."""
    import re

    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/login")
    r = c.getresponse()
    html = r.read().decode()
    pre = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie"][0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    c.request("POST", "/login", body=urlencode({"username": user, "password": PASSWORD, "csrf_token": token}),
              headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre})
    r = c.getresponse()
    r.read()
    cookies = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and "session" in v]
    if r.status != 303 or not cookies:
        raise SystemExit(f"page sign-in failed: {r.status}")
    return cookies[0]


def run_clients(port: int, users: list, cookies: list, articles: list[str], seconds: float,
                timings: dict | None = None) -> tuple[dict, list]:
    """Latencies per kind of request (and, into `timings`, each response's Server-Timing in the same order)."""
    lat: dict[str, list[float]] = {}
    timings = {} if timings is None else timings
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        c = Client(port, users[k][1])
        c.cookie = cookies[k]
        rnd = random.Random(k)
        plan = [("me", "GET", "/api/me", None, True), ("articles", "GET", "/api/articles?limit=20", None, True),
                ("article", "GET", f"/api/articles/{articles[k % len(articles)]}", None, True),
                ("search", "GET", "/api/search?q=anakinra+macrophage+activation&top_k=5", None, True),
                ("page /", "GET", "/", None, False)]
        while time.monotonic() < stop_at:
            if rnd.random() < 0.1:
                kind, method, path, body, auth = ("ask (writes)", "POST", "/api/ask",
                                                  {"question": f"What is the dose of {rnd.choice(WORDS)}?"}, True)
            else:
                kind, method, path, body, auth = rnd.choice(plan)
            t = time.perf_counter()
            c.timing = {}
            try:
                status, _ = c.call(method, path, body, auth)
                ok, why = status in (200, 201), f"{kind}: HTTP {status}"
            except Exception as exc:  # noqa: BLE001 - counted
                ok, why = False, f"{kind}: {type(exc).__name__}"
            dt = time.perf_counter() - t
            with lock:
                lat.setdefault(kind, []).append(dt)
                timings.setdefault(kind, []).append(c.timing)
                if not ok:
                    errors.append(why)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors


def pct(v: list[float], p: float) -> float:
    s = sorted(v)
    return s[min(len(s) - 1, int(p / 100 * (len(s) - 1) + 0.5))] if s else float("nan")


WAIT_NAMES = tuple(k.replace("_", "-") for k in INGEST_KINDS)     # as the Server-Timing header names them


def table(title: str, lat: dict, errors: list, timings: dict | None = None) -> None:
    """Latency per kind of request; with `timings` (each response's Server-Timing) also the server's own time and
    the time the request waited on what an ingest can hold (write lock, commit/checkpoint, vector-index refresh,
    corpus caches: `ingest`), and on a free reader connection (`readers`: CPU queueing, not the ingest)."""
    timings = timings or {}
    print(f"\n{title}")
    print(f"{'request':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'> 1 s':>6}"
          f" {'srv max':>8} {'ingest-wait p99':>15} {'max':>8} {'> 1 s':>6} {'readers max':>11}")
    reads = [x for k, v in lat.items() if k != "ask (writes)" for x in v]
    read_t = [x for k, v in timings.items() if k != "ask (writes)" for x in v]
    rows = [(kind, lat[kind], timings.get(kind, [])) for kind in sorted(lat)] + \
        ([("all reads", reads, read_t)] if reads else [])
    for kind, v, t in rows:
        iw = [x.get("ingest", 0.0) for x in t]
        line = (f"{kind:<14} {len(v):>6} {pct(v, 50) * 1000:>8.1f} {pct(v, 95) * 1000:>8.1f} {pct(v, 99) * 1000:>8.1f} "
                f"{max(v) * 1000:>8.1f} {sum(x > 1 for x in v):>6}")
        if t:
            line += (f" {max(x.get('total', 0.0) for x in t) * 1000:>8.1f} {pct(iw, 99) * 1000:>15.1f}"
                     f" {max(iw) * 1000:>8.1f} {sum(x > 1 for x in iw):>6}"
                     f" {max(x.get('readers', 0.0) for x in t) * 1000:>11.1f}")
        print(line)
    if any(timings.values()):
        print("worst wait per cause, ms (Server-Timing):")
        print(f"{'request':<14} " + " ".join(f"{n:>10}" for n in WAIT_NAMES + ("readers",)))
        for kind in sorted(timings):
            t = timings[kind]
            print(f"{kind:<14} " + " ".join(f"{max((x.get(n, 0.0) for x in t), default=0) * 1000:>10.1f}"
                                           for n in WAIT_NAMES + ("readers",)))
    print(f"errors: {len(errors)} {sorted(set(errors))[:5]}")


def slowest(lat: dict, timings: dict, n: int = 5) -> None:
    """The n slowest requests with where their time went: the server's whole time, holding a reader and its CPU
    time there (the rest of the reader time is runnable-but-waiting: GIL, busy cores), the reader-pool wait and
    the ingest-related waits."""
    rows = sorted(((dt, kind, t) for kind, v in lat.items() for dt, t in zip(v, timings.get(kind, []))),
                  key=lambda r: -r[0])[:n]
    print(f"slowest {n}: {'request':<14} {'client ms':>9} {'server':>8} {'reader':>8} {'cpu':>8} {'readers':>8} "
          f"{'ingest':>8}  ingest waits by cause")
    for dt, kind, t in rows:
        causes = ", ".join(f"{k} {t[k] * 1000:.0f}" for k in WAIT_NAMES if t.get(k))
        print(f"{'':<10}{kind:<14} {dt * 1000:>9.1f} " + " ".join(
            f"{t.get(k, 0.0) * 1000:>8.1f}" for k in ("total", "reader", "cpu", "readers", "ingest"))
            + f"  {causes or '-'}")


def compare(base: tuple, during: tuple, base_t: dict, during_t: dict) -> None:
    """The ingest's effect: the same clients' latency without and during the ingest, and their worst waits."""
    print("\nNo ingest vs during the ingest (same clients, same server):")
    print(f"{'request':<14} {'p50 ms':>15} {'p99 ms':>17} {'max ms':>17} {'worst ingest-wait ms':>21}")
    for kind in sorted(set(base[0]) | set(during[0])):
        b, d = base[0].get(kind, []), during[0].get(kind, [])
        wb = max((x.get("ingest", 0.0) for x in base_t.get(kind, [])), default=0.0)
        wd = max((x.get("ingest", 0.0) for x in during_t.get(kind, [])), default=0.0)
        cell = (lambda v, p: f"{pct(v, p) * 1000:.0f}" if v else "-")
        print(f"{kind:<14} {cell(b, 50):>7} -> {cell(d, 50):<5} {cell(b, 99):>8} -> {cell(d, 99):<6} "
              f"{(max(b) * 1000 if b else 0):>8.0f} -> {(max(d) * 1000 if d else 0):<6.0f} {wb * 1000:>9.0f} -> "
              f"{wd * 1000:<8.0f}")


ADD_VECTORS = """
import hashlib, sqlite3, sys
import numpy as np
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
rows = [r[0] for r in conn.execute("SELECT p.rowid FROM passages p LEFT JOIN passage_vectors v ON v.rowid = p.rowid "
                                   "WHERE v.rowid IS NULL")]
rng = np.random.default_rng(3)
conn.execute("BEGIN IMMEDIATE")
for s in range(0, len(rows), 5000):
    part = rows[s:s + 5000]
    vecs = rng.standard_normal((len(part), 384)).astype(np.float32)
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float16)
    keys = [hashlib.sha256(b"bench-library-%d" % r).hexdigest() for r in part]
    conn.executemany("INSERT OR IGNORE INTO embeddings(hash, vec) VALUES (?, ?)", zip(keys, map(bytes, vecs)))
    conn.executemany("INSERT OR REPLACE INTO passage_vectors(rowid, hash) VALUES (?, ?)", zip(part, keys))
conn.execute("INSERT INTO meta(key, value) VALUES ('vectors_version', '1') "
             "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
conn.execute("COMMIT")
print(len(rows))
"""


def add_library(env: dict, work: Path, n: int) -> None:
    """A library of `n` generated documents already in the store, every passage with a vector (random unit
    vectors written straight into the cache: embedding them would take hours here), so the server searches a
    vector index of a realistic size while the ingest runs."""
    lib = work / "library.jsonl"
    make_jsonl(lib, n, seed=3, prefix="library")             # ids of their own, apart from the ingest's
    cli({**env, "CURBSIDE_INGEST_PRIORITY": "normal", "CURBSIDE_NO_EMBED": "1"}, "ingest", str(lib),
        "--id-field", "id", "--text-field", "text", timeout=1800)
    r = subprocess.run([sys.executable, "-c", ADD_VECTORS, str(work / "store" / "curbside.sqlite")], env=env,
                       capture_output=True, text=True, timeout=1800, check=True)
    print(f"library: {n:,} documents, {int(r.stdout.split()[-1]):,} passages given random vectors")


def store_counts(db: Path) -> tuple[int, int]:
    """(documents, passages with a vector) committed in the store, read from a read-only connection."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return (conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                    conn.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return (0, 0)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_ingest(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="curbside-bench-ingest-"))
    env = {**os.environ, "CURBSIDE_HOME": str(work / "store"), "CURBSIDE_NO_DEFAULT_CORPUS": "1",
           "CURBSIDE_WEB_ASK_PER_MINUTE": "0", "CURBSIDE_WEB_EVIDENCE_CHECK": "0",
           "CURBSIDE_WEB_LOGIN_PER_MINUTE": "0"}
    if args.no_embed:
        env["CURBSIDE_NO_EMBED"] = "1"
    seed, big = work / "seed.jsonl", work / "big.jsonl"
    make_jsonl(seed, 300, seed=1)
    make_jsonl(big, args.docs, seed=2)
    # the seed is set-up, not measured: at normal priority (at nice 19 on a busy machine it took minutes)
    cli({**env, "CURBSIDE_INGEST_PRIORITY": "normal"}, "ingest", str(seed), "--id-field", "id", "--text-field", "text")
    if args.library:
        add_library(env, work, args.library)
    # the reviewer and one clinician per client, with API tokens, in one process (40 CLI runs took minutes)
    made = subprocess.run([sys.executable, "-c", MAKE_USERS, str(args.clients)], env=env, capture_output=True,
                          text=True, timeout=900, check=True).stdout.split()
    rev = made[0]
    users = [(f"c{i}", tok) for i, tok in enumerate(made[1:])]
    port = free_port()
    server = start_server(env, port, args.workers)
    ingest = None
    span = [0.0, 0.0]
    try:
        author, reviewer = Client(port, users[0][1]), Client(port, rev)
        articles = []
        for q in ("What treats refractory lymphohistiocytosis?", "What is the dose of anakinra?"):
            _, body = author.call("POST", "/api/ask", {"question": q})
            aid = json.loads(body)["id"]
            for action in ("start_review", "approve"):        # published: every client may read it
                reviewer.call("POST", f"/api/articles/{aid}/transitions", {"action": action})
            articles.append(aid)
        cookies = [sign_in_page(port, u) for u, _ in users]
        base_t: dict = {}
        load0 = load()
        base = run_clients(port, users, cookies, articles, args.baseline, base_t) if args.baseline else None
        if base:
            load0 = [load0, load()]
            table(f"{args.clients} clients for {args.baseline:.0f} s, no ingest ({args.workers} worker(s); load "
                  f"average {load0[0]} -> {load0[1]})", *base, base_t)
            slowest(base[0], base_t)
        if not args.seconds:
            stop(server)
            shutil.rmtree(work, ignore_errors=True)
            sys.exit(1 if base and base[1] else 0)
        t0 = time.monotonic()
        ingest = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "ingest", str(big),
                                   "--id-field", "id", "--text-field", "text"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the ingest is writing when the clients start: wait for its first committed batch (at nice 19 on a busy
        # machine its start alone can take a minute; clients started before it would measure no ingest at all)
        db = work / "store" / "curbside.sqlite"
        seeded = store_counts(db)
        head_start = time.monotonic()
        while store_counts(db)[0] <= seeded[0] and ingest.poll() is None and time.monotonic() - head_start < 300:
            time.sleep(0.2)
        head_start = time.monotonic() - head_start
        during_t: dict = {}
        load1 = load()
        at_start = store_counts(db)
        lat, errors = run_clients(port, users, cookies, articles, args.seconds, during_t)
        at_end = store_counts(db)
        load2 = load()
        span[1] = time.monotonic() - t0
        finished = ingest.poll() is not None
        if not finished:                                     # Ctrl-C is safe: committed batches are kept
            ingest.send_signal(2)
            try:
                ingest.wait(timeout=120)
            except subprocess.TimeoutExpired:                # a model batch under heavy load: kill (also safe)
                ingest.kill()
                ingest.wait()
    finally:
        if ingest is not None and ingest.poll() is None:
            ingest.kill()
        stop(server)
    docs = cli(env, "sources", "--json")
    shutil.rmtree(work, ignore_errors=True)
    try:
        n_docs = len(json.loads(docs))
    except ValueError:
        n_docs = -1
    table(f"{args.clients} clients for {args.seconds:.0f} s ({args.workers} worker(s)) while `curbside ingest` "
          f"loads {args.docs} generated documents ({'no embedding' if args.no_embed else 'with embedding'}; "
          f"{'finished' if finished else 'stopped with Ctrl-C'} after {span[1]:.0f} s; {n_docs} documents in the "
          f"store after; load average {load1} -> {load2})", lat, errors, during_t)
    print(f"ingest: first batch committed {head_start:.1f} s after it started (clients idle until then); while the "
          f"clients ran it stored {at_end[0] - at_start[0]:,} documents and gave {at_end[1] - at_start[1]:,} "
          f"passages a vector ({seeded[0]:,} documents before it)")
    slowest(lat, during_t)
    if base:
        compare(base, (lat, errors), base_t, during_t)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "load": {"baseline": load0 if base else None, "ingest": [load1, load2]},
            "baseline": {k: [[dt, t] for dt, t in zip(v, base_t.get(k, []))] for k, v in (base[0] if base else {}).items()},
            "ingest": {k: [[dt, t] for dt, t in zip(v, during_t.get(k, []))] for k, v in lat.items()}}))
    if errors or (base and base[1]):
        sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    b = sub.add_parser("body", help="anonymous chunked bodies: server RSS and temporary files")
    b.add_argument("--mb", type=int, default=1024)
    i = sub.add_parser("ingest", help="request latency while a large ingest runs")
    i.add_argument("--docs", type=int, default=40000)
    i.add_argument("--clients", type=int, default=20)
    i.add_argument("--seconds", type=float, default=60, help="seconds of load during the ingest (0: no ingest)")
    i.add_argument("--workers", type=int, default=1)
    i.add_argument("--baseline", type=float, default=15, help="seconds of the same load before the ingest (0: none)")
    i.add_argument("--no-embed", action="store_true", help="ingest without embedding (longer write-lock holds)")
    i.add_argument("--library", type=int, default=0,
                   help="documents stored before, each passage with a (random) vector, so searches read a vector "
                        "index of that size (0: only the 300-document seed)")
    i.add_argument("--json", default="", help="also write every request's latency and Server-Timing to this file")
    args = ap.parse_args()
    (bench_body if args.what == "body" else bench_ingest)(args)


if __name__ == "__main__":
    main()
