"""A team server on PostgreSQL: `curbside serve --workers 2 --store postgresql://...` answers from the corpus in
PostgreSQL, keeps users and articles there (not in the home's SQLite file), and an ingest into the same database
while it serves is found by the next question."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from curbside.interfaces.web.server import free_port
from tests.interfaces.web.test_workers import _call, _children, _cli, _wait_until_serving

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
pytestmark = pytest.mark.slow


def test_two_workers_on_postgres_with_an_ingest_while_serving(pg_url, tmp_path):
    env = {**os.environ, "CURBSIDE_HOME": str(tmp_path / "home"), "CURBSIDE_NO_EMBED": "1",
           "CURBSIDE_NO_DEFAULT_CORPUS": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("CURBSIDE_STORE", None)
    _cli(env, "ingest", str(CORPUS / "hlh_guideline.md"), str(CORPUS / "salvage_review.txt"), "--store", pg_url)
    _cli(env, "user", "add", "carl", "--role", "clinician", "--password-stdin", "--store", pg_url,
         stdin="a long test password 1\n")
    token = _cli(env, "user", "token", "carl", "--store", pg_url).strip().split()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", "serve", "--port", str(port),
                               "--workers", "2", "--store", pg_url], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(server, base)
        questions = ["What treats refractory HLH?", "Which salvage therapies exist for HLH?"] * 2
        with ThreadPoolExecutor(4) as pool:
            ingest = pool.submit(_cli, env, "ingest", str(CORPUS / "asthma_page.txt"), "--store", pg_url)
            answers = list(pool.map(lambda q: _call(base + "/api/ask", token, {"question": q}), questions))
            ingest.result()
        assert [status for status, _ in answers] == [201] * 4
        for _, article in answers:
            status, again = _call(base + f"/api/articles/{article['id']}", token)
            assert status == 200 and again["question"] == article["question"]
        status, asthma = _call(base + "/api/ask", token, {"question": "How are asthma inhalers used?"})
        assert status == 201
        assert any("asthma" in (r.get("title", "") + r.get("document_id", "")).lower()
                   for r in asthma.get("references", [])), asthma.get("references")   # the ingested page answers
        if Path("/proc").is_dir():
            assert len(_children(server.pid)) >= 2, "expected two worker processes"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    from curbside.review.articles import ArticleStore

    store = ArticleStore(pg_url)
    assert len(store.list(limit=50)) == 5           # the articles are in PostgreSQL
    store.close()
    local = ArticleStore(tmp_path / "home" / "curbside.sqlite")
    assert local.list(limit=50) == []                # and not in the home's SQLite file
    local.close()
