"""`curbside pubmed search|sync` and `curbside ask --pubmed [N]` through the real CLI, against the fake E-utilities
server on 127.0.0.1 (no network)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sources.pubmed_fake import FIXTURES, FakeEutils, kill_when_stored, make_record

QUESTION = "What are the treatment options for refractory HLH?"


def run(home: Path, *args: str, url: str | None = None, popen: bool = False, **env_extra):
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "COLUMNS": "200", "NCBI_EMAIL": "tests@example.org", **env_extra}
    env.pop("NCBI_API_KEY", None)
    if url:
        env["CURBSIDE_EUTILS_URL"] = url
    cmd = [sys.executable, "-m", "curbside.interfaces.cli", *args]
    if popen:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture
def fake():
    with FakeEutils(max_requests=300, max_seconds=150) as f:
        f.add_records([make_record(95000000 + i, f"Invented gout trial {i}", f"Colchicine for gout flare, cohort {i}.",
                                   types=("Randomized Controlled Trial",)) for i in range(12)])
        yield f


def test_search_lists_records_with_a_summary(tmp_path, fake):
    r = run(tmp_path, "pubmed", "search", "hemophagocytic lymphohistiocytosis", "--max", "5", url=fake.url)
    assert r.returncode == 0, r.stderr
    assert "PMID 90000001  2023  Consensus recommendations for refractory hemophagocytic" in r.stdout
    assert "found 3, fetched 3, failed 0 (2 requests" in r.stdout
    assert all(p["tool"] == "curbside" and p["email"] == "tests@example.org" for *_, p in fake.log)


def test_search_filters_reach_esearch(tmp_path, fake):
    r = run(tmp_path, "pubmed", "search", "gout", "--since", "2015", "--until", "2024", "--types",
            "Randomized Controlled Trial,Practice Guideline", "--api-key", "k1", "--json", url=fake.url)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["found"] == 13 and len(data["records"]) == 13 and data["failed"] == 0
    (_, _, _, p), *_ = fake.requests("esearch.fcgi")
    assert p["term"] == '(gout) AND ("Randomized Controlled Trial"[pt] OR "Practice Guideline"[pt])'
    assert (p["datetype"], p["mindate"], p["maxdate"]) == ("pdat", "2015", "2024")
    assert all(q.get("api_key") == "k1" for *_, q in fake.log)


def test_search_ingest_then_again_is_already_present(tmp_path, fake):
    r = run(tmp_path, "pubmed", "search", "gout", "--max", "8", "--ingest", url=fake.url)
    assert r.returncode == 0, r.stderr
    assert "found 13, fetched 8, added 8, already present 0, failed 0" in r.stdout
    r = run(tmp_path, "pubmed", "search", "gout", "--max", "10", "--ingest", url=fake.url)
    assert "found 13, fetched 2, added 2, already present 8, failed 0" in r.stdout
    r = run(tmp_path, "sources", "--json")
    assert len(json.loads(r.stdout)) == 10


def test_bad_options_are_one_line(tmp_path, fake):
    for args, what in ((["--since", "3000"], "--since"), (["--types", "x[pt]"], "--types"),
                       (["--since", "2020", "--until", "2010"], "--since")):
        r = run(tmp_path, "pubmed", "search", "gout", *args, url=fake.url)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        assert r.stderr.strip().count("\n") == 0 and what in r.stderr
    r = run(tmp_path, "pubmed", "search", "gout", url="ftp://example.org/")
    assert r.returncode != 0 and "CURBSIDE_EUTILS_URL" in r.stderr and "Traceback" not in r.stderr


def test_search_offline_says_so(tmp_path):
    r = run(tmp_path, "pubmed", "search", "gout", url="http://pubmed.invalid/entrez/eutils/")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "cannot be reached from this machine" in r.stderr


def test_ask_with_fresh_evidence(tmp_path, fake):
    r = run(tmp_path, "ask", QUESTION, "--pubmed", "--format", "json", url=fake.url)
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert art["pubmed_note"] == "3 PubMed records added for this question"
    assert "3 PubMed records added for this question" in r.stderr
    assert any(ref["pmid"] == "90000001" for ref in art["references"])
    terms = [p["term"] for *_, p in fake.requests("esearch.fcgi")]
    assert '"Practice Guideline"[pt]' in terms[0]
    assert int(fake.requests("esearch.fcgi")[0][3]["retmax"]) >= 10     # room to skip records already stored
    fake.add_records([make_record(95100000, "Ruxolitinib for refractory hemophagocytic lymphohistiocytosis",
                                  "An invented cohort of 30 adults with refractory HLH treated with ruxolitinib.",
                                  types=("Clinical Trial",))])
    r = run(tmp_path, "ask", QUESTION, "--pubmed", "2", url=fake.url)     # only one new record exists now
    assert r.returncode == 0, r.stderr
    assert "1 PubMed record added for this question (3 already in the library)" in r.stdout


def test_ask_offline_answers_from_the_library(tmp_path, fake):
    run(tmp_path, "pubmed", "search", "hemophagocytic lymphohistiocytosis", "--ingest", url=fake.url)
    r = run(tmp_path, "ask", QUESTION, "--pubmed", "5", url="http://pubmed.invalid/entrez/eutils/")
    assert r.returncode == 0, r.stderr
    assert "cannot be reached from this machine" in r.stdout and "answered from the library only" in r.stdout
    assert "Bottom Line" in r.stdout and "Traceback" not in r.stderr


def _mirror(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        p = folder / (name + ".gz")
        p.write_bytes(gzip.compress((FIXTURES / "mirror" / name).read_bytes(), mtime=0))
        (folder / (p.name + ".md5")).write_text(f"MD5({p.name})= {hashlib.md5(p.read_bytes()).hexdigest()}\n")


def test_sync_and_living_evidence(tmp_path):
    d = tmp_path / "mirror"
    _mirror(d, ["pubmed99n0001.xml"])
    r = run(tmp_path, "pubmed", "sync", str(d))
    assert r.returncode == 0, r.stderr
    assert "applied pubmed99n0001.xml.gz: 5 records, 5 added, 0 replaced" in r.stdout
    r = run(tmp_path, "ask", "How should gout flares be treated in chronic kidney disease?", "--format", "json")
    art = json.loads(r.stdout)
    assert art["abstained"], r.stdout          # nothing on kidney disease yet
    _approve(tmp_path, art["id"])
    _mirror(d, ["pubmed99n0002.xml", "pubmed99n0003.xml"])
    r = run(tmp_path, "pubmed", "sync", str(d), "--no-embed")
    assert r.returncode == 0, r.stderr
    assert "1 file(s) already applied: skipped" in r.stdout and "2 file(s) applied: 1 added, 1 replaced, 2 deleted" \
        in r.stdout
    assert "1 approved article(s) flagged: new evidence" in r.stderr     # the update brought a CKD trial
    r = run(tmp_path, "pubmed", "sync", str(d), "--json")
    assert json.loads(r.stdout)["skipped"] == 3


def _approve(home: Path, article_id: str) -> None:
    from curbside.review import workflow as W
    from curbside.review.articles import ArticleStore

    store = ArticleStore(home / "curbside.sqlite")
    store.transition(article_id, W.Actor("rita", "reviewer"), "start_review")
    store.transition(article_id, W.Actor("rita", "reviewer"), "approve")


def test_sync_md5_error_exit_code(tmp_path):
    d = tmp_path / "mirror"
    _mirror(d, ["pubmed99n0001.xml"])
    (d / "pubmed99n0001.xml.gz.md5").write_text("0" * 32 + "\n")
    r = run(tmp_path, "pubmed", "sync", str(d))
    assert r.returncode == 1 and "MD5" in r.stderr and "Traceback" not in r.stderr


def test_search_ingest_resumes_after_kill_9(tmp_path):
    with FakeEutils(max_requests=300, max_seconds=150, delay=0.05) as fake:
        fake.add_records([make_record(96000000 + i, f"Invented asthma study {i}", f"Inhaled steroid cohort {i}.")
                          for i in range(60)])
        db = tmp_path / "curbside.sqlite"
        proc = run(tmp_path, "pubmed", "search", "asthma", "--max", "60", "--batch", "5", "--ingest",
                   url=fake.url, popen=True)
        killed, _ = kill_when_stored(proc, db, 10)
        assert killed
        with sqlite3.connect(db) as c:
            stored = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        assert 0 < stored < 60
        r = run(tmp_path, "pubmed", "search", "asthma", "--max", "60", "--batch", "5", "--ingest", "--json",
                url=fake.url)
        data = json.loads(r.stdout)
        assert data["already_present"] == stored and data["added"] == 60 - stored and data["failed"] == 0
        with sqlite3.connect(db) as c:
            assert c.execute("SELECT COUNT(*), COUNT(DISTINCT pmid) FROM documents").fetchone() == (60, 60)
        fetched = [p.get("id", "") for *_, p in fake.requests("efetch.fcgi")[-20:]]
        assert fake.max_in_window(1.0) <= 3 and fake.violations == 0
        assert fetched      # the second run fetched only what was missing


def test_follow_up_searches_pubmed_for_the_resolved_question(tmp_path, fake):
    art = json.loads(run(tmp_path, "ask", QUESTION, "--pubmed", "1", "--format", "json", url=fake.url).stdout)
    r = run(tmp_path, "ask", "What about in children?", "--follow-up", art["id"], "--pubmed", "3", "--format",
            "json", url=fake.url)
    assert r.returncode == 0, r.stderr
    last = fake.requests("esearch.fcgi")[-1][3]["term"]
    first_of_follow_up = [p["term"] for *_, p in fake.requests("esearch.fcgi") if '"pediatric"[tiab]' in p["term"]]
    assert first_of_follow_up and '"hemophagocytic lymphohistiocytosis"[tiab]' in first_of_follow_up[0]
    assert '"hemophagocytic lymphohistiocytosis"[tiab]' in last
    assert json.loads(r.stdout)["pubmed_note"].endswith("added for this question") or "already" in \
        json.loads(r.stdout)["pubmed_note"]


def test_question_with_nothing_to_search_is_answered_without_pubmed(tmp_path, fake):
    r = run(tmp_path, "ask", "Why?", "--pubmed", url=fake.url)
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert "PubMed was not searched" in r.stdout and fake.log == []
