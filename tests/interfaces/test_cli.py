"""End-to-end through the real CLI entry point: ingest -> search -> ask, plus bad input."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS


def run(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], capture_output=True, text=True,
                          env=env, input=input, timeout=120)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    h = tmp_path_factory.mktemp("cli-home")
    r = run(h, "ingest", str(CORPUS / "hlh_guideline.md"), str(CORPUS / "asthma_page.txt"))
    assert r.returncode == 0, r.stderr
    r = run(h, "ingest", str(CORPUS / "salvage_review.txt"), "--title", "Salvage therapies for refractory HLH: a review",
            "--authors", "Doe J, et al.", "--journal", "Test J Hematol", "--year", "2017")
    assert r.returncode == 0, r.stderr
    assert "1 documents added" in r.stdout
    return h


def test_sources_and_reingest_noop(home):
    r = run(home, "sources", "--json")
    docs = json.loads(r.stdout)
    assert len(docs) == 3
    review = next(d for d in docs if d["title"].startswith("Salvage"))
    assert review["year"] == 2017 and review["evidence_level"] == "narrative_review"
    r = run(home, "ingest", str(CORPUS / "hlh_guideline.md"))
    assert "0 documents added, 1 skipped as duplicates" in r.stdout


def test_search_json(home):
    r = run(home, "search", "alemtuzumab refractory HLH", "--top-k", "3", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    hit = data["hits"][0]
    assert {"document_id", "passage_id", "score", "text"} <= set(hit)
    assert "lemtuzumab" in " ".join(h["text"] for h in data["hits"])


def test_ask_json_contract(home):
    r = run(home, "ask", "What are the treatment options for refractory HLH?", "--format", "json")
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert {"question", "status", "generated_at", "abstained", "sections", "references"} <= set(art)
    assert art["status"] == "Submitted" and art["abstained"] is False
    assert art["verification"]["passed"] is True
    item = art["sections"][0]["items"][0]
    assert {"text", "citations", "quotes"} <= set(item)
    assert {"document_id", "passage_id", "text", "start", "end"} <= set(item["quotes"][0])
    assert {"n", "document_id", "title", "authors", "journal", "year", "pmid", "doi", "url", "evidence_level"} <= set(art["references"][0])


@pytest.mark.parametrize("fmt, needle", [("text", "From the Guidelines"), ("markdown", "## From the Guidelines"),
                                         ("html", "<h2")])
def test_ask_formats(home, fmt, needle):
    r = run(home, "ask", "What are the treatment options for refractory HLH?", "--format", fmt, "--no-save")
    assert r.returncode == 0, r.stderr
    assert needle in r.stdout
    assert "pending human review" in r.stdout


def test_ask_abstains(home):
    r = run(home, "ask", "How is plantar fasciitis treated in runners?", "--format", "json", "--no-save")
    art = json.loads(r.stdout)
    assert art["abstained"] is True and art["references"] == []


@pytest.mark.parametrize("question, msg", [("", "empty"), ("x" * 10_000, "limit")])
def test_bad_questions(home, question, msg):
    r = run(home, "ask", question)
    assert r.returncode != 0
    assert msg in r.stderr and "Traceback" not in r.stderr


def test_bad_files_are_reported_and_others_still_ingested(tmp_path):
    h = tmp_path / "h"
    bad = tmp_path / "mixed"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    (bad / "broken.xml").write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation>")
    (bad / "latin1.txt").write_bytes("Caf\xe9 au lait spots and neurofibromas.".encode("latin-1") + b"\xff\xfe\x00\x81")
    (bad / "data.bin").write_bytes(bytes(range(256)) * 10)
    (bad / "good.txt").write_text("Good document\n\nRuxolitinib was used in refractory HLH with responses in 8 of 10 patients.")
    with gzip.open(bad / "bad.jsonl.gz", "wt") as fh:
        fh.write('{"id": "1", "title": "ok", "text": "Valid record about IVIG."}\n{not json}\n')
    r = run(h, "ingest", str(bad))
    assert "Traceback" not in r.stderr, r.stderr
    assert "good.txt" not in r.stderr
    for name in ("empty.txt", "broken.pdf", "broken.xml", "data.bin"):
        assert name in r.stderr, (name, r.stderr)
    assert "bad.jsonl.gz" in r.stderr and "line 2" in r.stderr
    docs = json.loads(run(h, "sources", "--json").stdout)
    titles = {d["title"] for d in docs}
    assert "Good document" in titles and "ok" in titles


def test_unknown_format_and_missing_file(tmp_path):
    r = run(tmp_path / "h", "ingest", str(tmp_path / "nope.txt"))
    assert r.returncode != 0 and "no such file" in r.stderr
    r = run(tmp_path / "h", "ingest", str(CORPUS / "asthma_page.txt"), "--format", "docx")
    assert r.returncode == 2 and "--format" in r.stderr


def test_remove(home, tmp_path):
    docs = json.loads(run(home, "sources", "--json").stdout)
    asthma = next(d for d in docs if d["title"].startswith("Asthma"))
    assert run(home, "remove", asthma["id"]).returncode == 0
    r = run(home, "remove", asthma["id"])
    assert r.returncode == 1 and "no such document" in r.stderr


def run_bytes(home: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], capture_output=True, env=env,
                          timeout=120)


def test_given_ids_markup_in_data_and_show_document(tmp_path):
    h = tmp_path / "h"
    d = tmp_path / "odd [bold] ["          # the file's path reads ".../odd [bold] [/] trials.jsonl"
    d.mkdir()
    rows = [{"nct_id": "NCT00000011", "title": "Ruxolitinib [in process citation] for HLH [/]",
             "text": "Ruxolitinib was given to adults with refractory HLH. Most responded.", "url": "https://x.org/a"},
            {"nct_id": "NCT00000012", "title": "Etoposide [red]for[/red] HLH",
             "text": "Etoposide was given to children with HLH. Many responded.", "url": "https://x.org/a"}]
    f = d / "] trials.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = run(h, "ingest", str(d), "--id-field", "nct_id")
    assert r.returncode == 0, r.stderr
    assert "2 documents added" in r.stdout and "Traceback" not in r.stderr
    r = run(h, "sources")
    assert r.returncode == 0 and "[in process citation]" in r.stdout and "[red]for[/red]" in r.stdout
    r = run(h, "search", "ruxolitinib [/] HLH")
    assert r.returncode == 0, r.stderr
    assert "[in process citation]" in r.stdout
    hits = json.loads(run(h, "search", "ruxolitinib HLH", "--json").stdout)["hits"]
    assert hits[0]["document_id"] == "NCT00000011" and hits[0]["external_id"] == "NCT00000011"
    shown = json.loads(run(h, "show", "NCT00000011", "--format", "json").stdout)
    assert shown["document_id"] == "NCT00000011" and shown["passages"][0]["passage_id"] == "NCT00000011#0"
    assert run(h, "show", "nope [/]").returncode == 1
    r = run(h, "remove", "NCT00000012")
    assert r.returncode == 0 and "removed NCT00000012" in r.stdout
    r = run(h, "ask", "What is [/] the treatment of refractory HLH [in process citation]?", "--no-save")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    r = run(h, "ingest", str(d / "] missing.txt"))
    assert r.returncode == 1 and "[/] missing.txt" in r.stderr and "Traceback" not in r.stderr


def test_non_utf8_question_does_not_crash(home):
    for cmd in (["search", b"anakinra \xff\xfe HLH"], ["search", b"anakinra \xff HLH", "--json"],
                ["ask", b"treatment of HLH \xff?", "--no-save"]):
        r = run_bytes(home, *cmd)
        assert r.returncode == 0, r.stderr
        assert b"Traceback" not in r.stderr


def test_damaged_store_has_its_own_message_and_exit_code(tmp_path):
    h = tmp_path / "h"
    assert run(h, "ingest", str(CORPUS / "asthma_page.txt")).returncode == 0
    db = h / "curbside.sqlite"
    run(h, "sources")                      # checkpoint the WAL into the main file
    import sqlite3
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    data = bytearray(db.read_bytes())
    page = 4096
    for p in range(1, len(data) // page):  # scribble over every page but the header page
        data[p * page + 8:p * page + 200] = b"\xa5" * 192
    db.write_bytes(bytes(data))
    for cmd in (["sources"], ["search", "asthma"], ["ingest", str(CORPUS / "hlh_guideline.md")]):
        r = run(h, *cmd)
        assert r.returncode == 3, (cmd, r.returncode, r.stderr)
        assert "store is damaged" in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) <= 2


def test_user_credentials(tmp_path):
    r = run(tmp_path, "user", "add", "rosa", "--role", "reviewer", "--name", "Dr Rosa Ng", "--credentials",
            "MD, Consultant Haematologist", "--password-stdin", input="a long test password 1\n")
    assert r.returncode == 0, r.stderr
    users = json.loads(run(tmp_path, "user", "list", "--json").stdout)
    assert [(u["username"], u["display_name"], u["credentials"]) for u in users] == \
        [("rosa", "Dr Rosa Ng", "MD, Consultant Haematologist")]
    r = run(tmp_path, "user", "set", "rosa", "--credentials", "MD, PhD")
    assert r.returncode == 0 and "rosa: reviewer, active, MD, PhD" in r.stdout, r.stdout + r.stderr
    r = run(tmp_path, "user", "set", "rosa", "--credentials", "", "--name", "Dr R. Ng")
    assert r.returncode == 0, r.stderr
    assert [(u["display_name"], u["credentials"]) for u in json.loads(run(tmp_path, "user", "list", "--json").stdout)] \
        == [("Dr R. Ng", "")]
