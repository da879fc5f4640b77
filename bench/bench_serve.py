"""Team-server throughput: `curbside serve --workers N` under clients asking non-stop, for each N given.

    python bench/bench_serve.py --home STORE [--workers 1,2] [--clients 8] [--seconds 30] [--questions FILE]

Starts the real server (subprocess) on the store with the ask rate limit off, creates a throw-away API user,
and prints answers/s, p50/p95 latency and errors per worker count. Without --questions it asks a built-in list of
clinical questions (each client cycles through them). The store must exist (e.g. any home after one
`curbside ask`); the benchmark user is left in it, disabled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

QUESTIONS = [
    "What is the first-line treatment for a gout flare?",
    "How should sepsis be managed in the first hour?",
    "What is the target blood pressure for adults with hypertension?",
    "Which patients with chronic kidney disease should receive SGLT2 inhibitors?",
    "How is COPD diagnosed?",
    "When should statins be started for primary prevention?",
    "What are the adverse effects of colchicine?",
    "What is the treatment of diabetic ketoacidosis?",
]


def cli(env, *args, stdin=None) -> str:
    r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], env=env, input=stdin,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    return r.stdout


def load(base: str, token: str, questions: list[str], seconds: float, clients: int) -> dict:
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(i: int) -> None:
        end, k = time.monotonic() + seconds, i
        while time.monotonic() < end:
            body = json.dumps({"question": questions[k % len(questions)]}).encode()
            k += clients
            req = urllib.request.Request(base + "/api/ask", data=body, method="POST",
                                         headers={"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"})
            t = time.perf_counter()
            try:
                urllib.request.urlopen(req, timeout=120).read()
                with lock:
                    lat.append(time.perf_counter() - t)
            except Exception:  # noqa: BLE001 - counted, the benchmark goes on
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {"ok": len(lat), "errors": errors[0], "rate": len(lat) / elapsed,
            "p50": statistics.median(lat) * 1000 if lat else float("nan"),
            "p95": lat[int(0.95 * (len(lat) - 1))] * 1000 if lat else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--questions", type=Path)
    args = ap.parse_args()
    from curbside.interfaces.web.server import free_port

    questions = [q for q in args.questions.read_text().splitlines() if q.strip()] if args.questions else QUESTIONS
    env = {**os.environ, "CURBSIDE_HOME": str(args.home), "CURBSIDE_WEB_ASK_PER_MINUTE": "0"}
    user = f"bench{os.getpid()}"
    cli(env, "user", "add", user, "--role", "clinician", "--password-stdin", stdin="bench password " + user + "\n")
    token = cli(env, "user", "token", user).strip().split()[-1]
    rows = []
    try:
        for n in [int(x) for x in args.workers.split(",")]:
            port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "serve", "--port", str(port),
                                       "--workers", str(n)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        urllib.request.urlopen(base + "/api/openapi.json", timeout=2)
                        break
                    except OSError:
                        if time.monotonic() > deadline or server.poll() is not None:
                            raise SystemExit(f"server with {n} workers did not start")
                        time.sleep(0.3)
                load(base, token, questions[:2], 3, 2)          # warm every worker
                rows.append((n, load(base, token, questions, args.seconds, args.clients)))
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        cli(env, "user", "set", user, "--disabled")
    print(f"\n{args.clients} clients asking non-stop for {args.seconds:.0f} s, store {args.home}")
    print(f"{'workers':>7}  {'answers/s':>9}  {'p50 ms':>7}  {'p95 ms':>7}  {'ok':>5}  {'errors':>6}")
    for n, r in rows:
        print(f"{n:>7}  {r['rate']:>9.1f}  {r['p50']:>7.0f}  {r['p95']:>7.0f}  {r['ok']:>5}  {r['errors']:>6}")


if __name__ == "__main__":
    main()
