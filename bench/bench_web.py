"""Web benchmark: ask latency through the JSON API (p50, warm) against the same call in process, then N concurrent
clients asking for S seconds (requests/s, p50, p95, errors), against uvicorn on 127.0.0.1 in a separate process.

    python bench/bench_web.py --home /tmp/curbside-bench --seconds 60 --clients 20

The server runs with ask rate limiting and the living-evidence check off (CURBSIDE_WEB_ASK_PER_MINUTE=0,
CURBSIDE_WEB_EVIDENCE_CHECK=0): it measures the app, not the limiter. Without --home a temporary home is made and
the default corpus is loaded into it (the first run takes a while)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

QUESTIONS = [
    "What are the treatment options for refractory hemophagocytic lymphohistiocytosis?",
    "What is the first-line treatment for community-acquired pneumonia in adults?",
    "How should hypertension be treated in adults?",
    "What is the recommended dose of amoxicillin for acute otitis media in children?",
    "How is an acute asthma exacerbation managed?",
]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def serve(home: str, port: int, fake: bool) -> None:
    """Child process: the app on 127.0.0.1:port (uvicorn, one process)."""
    import uvicorn

    from curbside.interfaces.web.app import create_app
    from curbside.interfaces.web.config import WebConfig
    from curbside.settings import load_settings

    settings = load_settings(home)
    engine = None
    if fake:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.interfaces.web.fakes import FakeEngine

        engine = FakeEngine(settings)
    app = create_app(settings, engine, WebConfig.from_env(ask_per_minute=0, evidence_check=False))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def token_for(home: str) -> str:
    from curbside.review.accounts import AccountStore
    from curbside.settings import load_settings

    accounts = AccountStore(load_settings(home).db_path)
    user = accounts.user("bench") or accounts.add_user("bench", "bench-password-not-secret", "clinician")
    plain, _ = accounts.create_token(user, "bench")
    accounts.close()
    return plain


def in_process(home: str, questions: list[str], n: int, fake: bool) -> tuple[list[float], float]:
    from curbside.settings import load_settings

    settings = load_settings(home)
    if fake:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.interfaces.web.fakes import FakeEngine

        engine = FakeEngine(settings)
    else:
        from curbside.engine import Engine

        t0 = time.perf_counter()
        engine = Engine(settings)
        print(f"engine ready in {time.perf_counter() - t0:.1f} s (store {settings.db_path})", file=sys.stderr)
    for q in questions:                                   # warm-up
        engine.ask(q, save=True, user="bench")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        engine.ask(questions[i % len(questions)], save=True, user="bench")
        times.append(time.perf_counter() - t0)
    state = engine.corpus_state()
    engine.close()
    return times, len(state)


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not come up")


def api_latency(url: str, token: str, questions: list[str], n: int) -> list[float]:
    import httpx

    times = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for q in questions:
            c.post("/api/ask", json={"question": q}).raise_for_status()
        for i in range(n):
            t0 = time.perf_counter()
            r = c.post("/api/ask", json={"question": questions[i % len(questions)]})
            times.append(time.perf_counter() - t0)
            if r.status_code != 201:
                raise SystemExit(f"ask failed: {r.status_code} {r.text[:300]}")
    return times


def load(url: str, token: str, questions: list[str], clients: int, seconds: float) -> dict:
    import httpx

    lat: list[float] = []
    errors: list[str] = []
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        nonlocal done
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
            i = k
            while time.monotonic() < stop:
                q = questions[i % len(questions)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = c.post("/api/ask", json={"question": q})
                    ok, why = r.status_code == 201, f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, why = False, type(exc).__name__
                dt = time.perf_counter() - t0
                with lock:
                    done += 1
                    lat.append(dt)
                    if not ok:
                        errors.append(why)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"requests": done, "errors": len(errors), "error_kinds": sorted(set(errors)), "seconds": wall,
            "rps": done / wall if wall else 0.0, "p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000,
            "max_ms": max(lat) * 1000 if lat else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", help="Curbside home (store) to use; default: a new temporary one")
    ap.add_argument("--seconds", type=float, default=60.0, help="load phase duration (default 60)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    ap.add_argument("--n", type=int, default=30, help="asks for each latency figure (default 30)")
    ap.add_argument("--question", action="append", help="question(s) to ask (default: a built-in set)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    ap.add_argument("--fake-engine", action="store_true", help="(testing the benchmark) use the test fake engine")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="curbside-bench-")
    if args.serve:
        serve(home, args.port, args.fake_engine)
        return
    questions = args.question or QUESTIONS

    inproc, _ = in_process(home, questions, args.n, args.fake_engine)
    token = token_for(home)
    from curbside.interfaces.web.server import free_port

    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CURBSIDE_WEB_ASK_PER_MINUTE="0", CURBSIDE_WEB_EVIDENCE_CHECK="0")
    cmd = [sys.executable, __file__, "--serve", "--home", home, "--port", str(port)]
    if args.fake_engine:
        cmd.append("--fake-engine")
    proc = subprocess.Popen(cmd, env=env)
    try:
        wait_up(url, proc)
        api = api_latency(url, token, questions, args.n)
        conc = load(url, token, questions, args.clients, args.seconds)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    p50_in, p50_api = statistics.median(inproc) * 1000, statistics.median(api) * 1000
    rows = [("ask p50, in process (warm)", f"{p50_in:8.1f} ms"),
            ("ask p50, through the API (warm)", f"{p50_api:8.1f} ms"),
            ("API overhead (p50 difference)", f"{p50_api - p50_in:8.1f} ms"),
            ("ask p95, in process / API", f"{pct(inproc, 95) * 1000:8.1f} / {pct(api, 95) * 1000:.1f} ms"),
            (f"{args.clients} clients x {args.seconds:.0f} s: requests", f"{conc['requests']:8d}"),
            ("  requests/s", f"{conc['rps']:8.1f}"),
            ("  p50 / p95 / max latency", f"{conc['p50_ms']:8.1f} / {conc['p95_ms']:.1f} / {conc['max_ms']:.1f} ms"),
            ("  errors", f"{conc['errors']:8d} {', '.join(conc['error_kinds'])}")]
    width = max(len(k) for k, _ in rows)
    print(f"\nCurbside web benchmark (home {home}; {len(questions)} questions; n={args.n})")
    print("-" * (width + 30))
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"p50_in_process_ms": p50_in, "p50_api_ms": p50_api,
                                                   "overhead_ms": p50_api - p50_in, "concurrency": conc,
                                                   "clients": args.clients, "seconds": args.seconds}, indent=2))
    if conc["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
