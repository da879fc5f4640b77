"""PostgreSQL-only behaviour: the command line on `--store postgresql://...`, `curbside migrate` both ways, the
HNSW index above its size threshold, and numbered migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from curbside.store.postgres import MIGRATIONS, PostgresCorpusStore, migrate

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus"


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1", "CURBSIDE_HOME": str(home)}
    env.pop("CURBSIDE_STORE", None)
    return subprocess.run([sys.executable, "-c", "from curbside.interfaces.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def _review_data(where) -> None:
    """A user, an article with two versions and events, an audit entry."""
    from curbside.review import workflow as W
    from curbside.review.accounts import AccountStore
    from curbside.review.articles import ArticleStore
    from curbside.review.audit import AuditLog
    from tests.review.conftest import make_article

    accounts = AccountStore(where)
    accounts.add_user("rita", "a long test password 1", "reviewer")
    AuditLog(accounts.db).record("rita", "test.action", "x", {"k": 1})
    articles = ArticleStore(where)
    aid = articles.save_new(make_article(), author="carl").id
    articles.transition(aid, W.Actor("rita", "reviewer"), "start_review")
    articles.add_version(aid, make_article(state="s2"), W.Actor("rita", "reviewer"), "edit")
    accounts.close(), articles.close()


def test_migrate_copies_review_data_and_verifies(pg_url, tmp_path):
    home = tmp_path / "h"
    _review_data(home / "curbside.sqlite")
    r = _cli("ingest", str(CORPUS / "salvage_review.txt"), home=home)
    r = _cli("migrate", "--to", pg_url, "--json", home=home)
    report = json.loads(r.stdout)
    assert report["verified"], r.stderr
    review = report["target"]["review"]
    assert review["users"]["rows"] == 1 and review["articles"]["rows"] == 1 and review["audit_log"]["rows"] == 1
    assert review["article_versions"]["rows"] == 2 and review["article_events"]["rows"] >= 2
    from curbside.review.accounts import AccountStore
    from curbside.review.articles import ArticleStore

    accounts = AccountStore(pg_url)
    assert accounts.authenticate("rita", "a long test password 1").username == "rita"
    accounts.add_user("ravi", "another long password 2", "reviewer")     # ids continue after the copied ones
    assert len(accounts.users()) == 2
    assert [v.version for v in ArticleStore(pg_url).versions(ArticleStore(pg_url).list()[0].id)] == [1, 2]
    r = _cli("migrate", "--to", pg_url, home=tmp_path / "other")
    assert r.returncode == 2 and "expected an empty store" in r.stderr


def test_cli_commands_on_postgres_and_migrate_both_ways(pg_server, pg_url, tmp_path):
    home = tmp_path / "h"
    r = _cli("ingest", str(CORPUS / "salvage_review.txt"), "--store", pg_url, home=home)
    assert r.returncode == 0, r.stderr
    r = _cli("sources", "--json", f"--store={pg_url}", home=home)
    docs = json.loads(r.stdout)
    assert len(docs) == 1 and docs[0]["passages"] >= 1
    r = _cli("search", "salvage therapy refractory", "--json", "--store", pg_url, home=home)
    assert json.loads(r.stdout)["hits"][0]["document_id"] == docs[0]["id"]
    r = _cli("ask", "What are the salvage therapies for refractory HLH?", "--format", "json", "--store", pg_url,
             home=home)
    article = json.loads(r.stdout)
    assert r.returncode == 0 and docs[0]["id"] in {ref["document_id"] for ref in article["references"]}
    r = _cli("pubmed", "sync", str(tmp_path), "--store", pg_url, home=home)
    assert r.returncode != 0 and "SQLite store only" in r.stderr and "Traceback" not in r.stderr
    assert not (home / "curbside.sqlite").exists() or _cli("sources", "--json", home=home).stdout.strip() == "[]"
    # PostgreSQL -> a SQLite file, verified; then back into a second database
    back = tmp_path / "back.sqlite"
    r = _cli("migrate", "--store", pg_url, "--to", f"sqlite:///{back}", "--json", home=home)
    report = json.loads(r.stdout)
    assert report["verified"] and report["target"]["documents"] == 1 and report["target"]["passages"] >= 1
    second = pg_server.create_database("migrated_back")
    r = _cli("migrate", "--store", f"sqlite:///{back}", "--to", second, "--json", home=home)
    assert json.loads(r.stdout)["verified"], r.stderr
    r = _cli("migrate", "--store", f"sqlite:///{back}", "--to", second, home=home)
    assert r.returncode == 2 and "expected an empty store" in r.stderr
    r = _cli("remove", docs[0]["id"], "--store", pg_url, home=home)
    assert r.returncode == 0 and _cli("sources", "--json", "--store", pg_url, home=home).stdout.strip() == "[]"


def test_cli_bad_store_is_one_line(tmp_path):
    r = _cli("sources", "--store", "postgresql://nobody@127.0.0.1:1/db", home=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") <= 3 and "expected a running server" in r.stderr.replace("\n", " ")
    r = _cli("sources", "--store", "mysql://x", home=tmp_path)
    assert r.returncode != 0 and "is not a store" in r.stderr


def test_hnsw_above_threshold_matches_exact(pg_url, settings, tmp_path):
    from curbside.store.ingest import IngestSummary, Ingestor
    from curbside.corpus.models import SourceDocument, SourceSection

    store = PostgresCorpusStore(pg_url, tmp_path)
    docs = [SourceDocument(title=f"D{i}", sections=[SourceSection(f"Text number {i} about topic {i % 7}.")],
                           pmid=str(i + 1)) for i in range(300)]
    Ingestor(store, settings).ingest_documents(docs, IngestSummary())
    rng = np.random.default_rng(0)

    def encode(texts):
        v = rng.standard_normal((len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    vs = store.vector_store()
    vs.embed_missing(encode)
    queries = encode(["q"] * 10)
    exact = [[k for k, _ in vs.index().search(q, 10)] for q in queries]
    assert not vs.has_hnsw()
    vs.hnsw_min = 100
    vs._index = None
    idx = vs.index()
    assert vs.has_hnsw()
    store.conn.execute("SET enable_seqscan = off")   # 300 rows: the planner would rather scan; make it use HNSW
    approx = [[k for k, _ in idx.search(q, 10)] for q in queries]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.9
    plan = "\n".join(r["QUERY PLAN"] for r in store.conn.execute(
        "EXPLAIN SELECT passage_id FROM passage_vectors ORDER BY embedding <#> %s::halfvec LIMIT 10",
        (str(list(map(float, queries[0]))).replace(" ", ""),)))
    assert "passage_vectors_hnsw" in plan
    store.close()


def test_migrations_apply_once_in_order(pg_url):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        from psycopg.rows import dict_row

        c.row_factory = dict_row
        extra = [(1, "CREATE TABLE m_one (x int)"), (2, "CREATE TABLE m_two (x int)")]
        assert migrate(c, extra[:1], table="m_schema") == 1
        assert migrate(c, extra, table="m_schema") == 2      # only version 2 runs now
        assert migrate(c, extra, table="m_schema") == 2      # nothing runs again
        assert [r["version"] for r in c.execute("SELECT version FROM m_schema ORDER BY version")] == [1, 2]
    store_versions = [v for v, _ in MIGRATIONS]
    assert store_versions == sorted(store_versions)


def test_kill_during_ingest_keeps_committed_documents_whole(pg_url, tmp_path):
    """kill -9 an ingest into PostgreSQL midway: every stored document has all its passages, and running the same
    command again stores the rest."""
    import signal
    import time

    import psycopg

    src = tmp_path / "many.jsonl"
    with src.open("w") as f:
        for i in range(3000):
            text = f"Record {i} about drug{i % 50} dosing. " + "Further detail on outcomes and safety. " * 30
            f.write(json.dumps({"id": f"r{i}", "title": f"Record {i}", "text": text}) + "\n")
    env = {**os.environ, "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "CURBSIDE_HOME": str(tmp_path / "h")}
    cmd = [sys.executable, "-c", "from curbside.interfaces.cli import main; main()", "ingest", str(src),
           "--store", pg_url]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(pg_url, autocommit=True) as c:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                n = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            except psycopg.errors.UndefinedTable:
                n = 0
            if n > 0 or proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        docs, = c.execute("SELECT COUNT(*) FROM documents").fetchone()
        partial, = c.execute("SELECT COUNT(*) FROM documents d WHERE (SELECT COUNT(*) FROM passages p "
                             "WHERE p.document_id = d.id) = 0").fetchone()
        assert 0 < docs < 3000 and partial == 0
        per_doc = {r[0] for r in c.execute("SELECT COUNT(*) FROM passages GROUP BY document_id")}
        assert len(per_doc) == 1                      # every stored document has the same (whole) passage count
        assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
        assert c.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3000
        assert len({r[0] for r in c.execute("SELECT COUNT(*) FROM passages GROUP BY document_id")}) == 1


def test_postings_and_counters_follow_adds_replacements_and_removals(pg_url, settings, tmp_path):
    from curbside.corpus.models import SourceDocument, SourceSection
    from curbside.store.ingest import IngestSummary, Ingestor

    store = PostgresCorpusStore(pg_url, tmp_path)

    def ingest(docs):
        Ingestor(store, settings).ingest_documents(docs, IngestSummary())

    ingest([SourceDocument(title=f"T{i}", sections=[SourceSection(f"Etoposide dosing {i}. " * (i + 1))],
                           pmid=str(i + 1)) for i in range(5)])
    ingest([SourceDocument(title="T0", sections=[SourceSection("Now about ruxolitinib only.")], pmid="1")])
    store.remove_document("pmid:3")
    c = store.conn
    expected = c.execute("SELECT COUNT(*) AS n FROM passages p CROSS JOIN LATERAL unnest(p.tsv)").fetchone()["n"]
    assert c.execute("SELECT COUNT(*) AS n FROM postings").fetchone()["n"] == expected
    stats = c.execute("SELECT passages, tokens FROM corpus_stats").fetchone()
    real = c.execute("SELECT COUNT(*) AS n, SUM(ntok) AS t FROM passages").fetchone()
    assert (stats["passages"], stats["tokens"]) == (real["n"], real["t"]) == (4, real["t"])
    assert c.execute("SELECT COUNT(*) AS n FROM postings WHERE seq NOT IN (SELECT seq FROM passages)"
                     ).fetchone()["n"] == 0
    hits = store.search_fts('"ruxolitinib"', 5)
    assert [store.get_passages_by_key([k])[k].document_id for k, _ in hits] == ["pmid:1"]
    assert [k for k, _ in store.search_fts('"etoposide"', 5)][:1] and all(
        store.get_passages_by_key([k])[k].document_id != "pmid:1" for k, _ in store.search_fts('"etoposide"', 5))
    store.close()


def test_a_failed_local_start_is_one_error_and_leaves_nothing():
    import socket

    import pytest

    from curbside.errors import StoreError
    from curbside.store.pg_local import LocalPostgres

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        pg = LocalPostgres(port=busy.getsockname()[1])
        with pytest.raises(StoreError) as e:
            pg.start()
    assert "pg_ctl" in str(e.value) and not pg.folder.exists()
