"""`curbside serve --workers 2`: two processes on one store answer at once, and each sees what the other saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from curbside.interfaces.web.server import free_port

CORPUS = Path(__file__).parents[2] / "fixtures" / "corpus"
pytestmark = pytest.mark.slow


def _cli(env, *args, stdin: str | None = None) -> str:
    r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], env=env, input=stdin,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _call(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out



def _wait_until_serving(server: subprocess.Popen, base: str, seconds: float = 60) -> None:
    """Poll the server's schema until it answers (the server must still be running, within `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/api/openapi.json", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)

def test_two_worker_processes_share_one_store(tmp_path):
    env = {**os.environ, "CURBSIDE_HOME": str(tmp_path / "home"), "CURBSIDE_NO_EMBED": "1",
           "CURBSIDE_NO_DEFAULT_CORPUS": "1", "PYTHONUNBUFFERED": "1"}
    _cli(env, "ingest", str(CORPUS / "hlh_guideline.md"), str(CORPUS / "salvage_review.txt"))
    _cli(env, "user", "add", "carl", "--role", "clinician", "--password-stdin", stdin="a long test password 1\n")
    token = _cli(env, "user", "token", "carl").strip().split()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "serve", "--port", str(port),
                               "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(server, base)
        questions = ["What treats refractory HLH?", "What is the dose of anakinra in refractory HLH?",
                     "Which salvage therapies exist for HLH?", "What about etoposide for HLH?"]
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda q: _call(base + "/api/ask", token, {"question": q}), questions))
        assert [status for status, _ in answers] == [201] * 4
        for _, article in answers:            # saved by one worker, readable through any of them
            for _ in range(3):
                status, again = _call(base + f"/api/articles/{article['id']}", token)
                assert status == 200 and again["question"] == article["question"]
        if Path("/proc").is_dir():
            assert len(_children(server.pid)) >= 2, "expected two worker processes"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
