"""`pubmed sync`: baseline + update files in order, MD5 checks, deletions, revised records, filters, re-runs and
resume after kill -9 (invented fixture files in tests/fixtures/pubmed/mirror)."""

from __future__ import annotations

import gzip
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from curbside.errors import InputError
from curbside.sources.pubmed.sync import SyncFilter, expected_md5, ordered_files, sync_mirror
from tests.sources.pubmed_fake import FIXTURES, kill_when_stored, make_record

MIRROR = FIXTURES / "mirror"


def write_gz(folder: Path, name: str, data: bytes, md5: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(gzip.compress(data, mtime=0))
    if md5:
        (folder / (name + ".md5")).write_text(f"MD5({name})= {hashlib.md5(p.read_bytes()).hexdigest()}\n")
    return p


@pytest.fixture
def mirror(tmp_path) -> Path:
    d = tmp_path / "mirror"
    for src in sorted(MIRROR.glob("*.xml")):
        sub = "baseline" if src.name.endswith("0001.xml") else "updatefiles"
        write_gz(d / sub, src.name + ".gz", src.read_bytes())
    return d


def ids(engine) -> dict[str, int]:
    return {r[0]: r[1] for r in engine.store.conn.execute("SELECT id, version FROM documents")}


def test_baseline_then_updates_in_order(engine, mirror):
    s = sync_mirror(engine, mirror)
    assert [f.status for f in s.files] == ["applied"] * 3 and not s.stopped
    f1, f2, f3 = s.files
    assert (f1.records, f1.added, f1.deleted) == (5, 5, 0)
    assert (f2.records, f2.added, f2.replaced, f2.deleted) == (2, 1, 1, 1)     # 99999999 was never stored
    assert (f3.records, f3.deleted) == (0, 1)                                   # a file with deletions only
    assert ids(engine) == {"pmid:91000001": 1, "pmid:91000002": 2, "pmid:91000005": 1, "pmid:91000006": 1}
    doc = engine.store.get_document("pmid:91000002")
    assert "REVISED" in doc.text                                   # the newer version replaced the old one
    assert engine.store.passages_of("pmid:91000003") == []         # deleted with its passages
    hits = engine.search("inhaler technique school children asthma", top_k=5, mode="bm25")
    assert not any(h.document_id == "pmid:91000004" for h in hits)  # and out of the FTS index


def test_rerun_skips_applied_files(engine, mirror):
    sync_mirror(engine, mirror)
    state = engine.corpus_state()
    s = sync_mirror(engine, mirror)
    assert [f.status for f in s.files] == ["skipped"] * 3 and not s.changed
    assert engine.corpus_state() == state
    rows = engine.store.conn.execute("SELECT name, records, added, deleted FROM pubmed_sync_files ORDER BY name")
    assert [tuple(r) for r in rows] == [("pubmed99n0001.xml.gz", 5, 5, 0), ("pubmed99n0002.xml.gz", 2, 1, 1),
                                        ("pubmed99n0003.xml.gz", 0, 0, 1)]


def test_md5_mismatch_stops_before_later_updates(engine, mirror):
    md5 = mirror / "updatefiles" / "pubmed99n0002.xml.gz.md5"
    good = md5.read_text()
    md5.write_text("MD5(pubmed99n0002.xml.gz)= " + "0" * 32 + "\n")
    s = sync_mirror(engine, mirror)
    assert [f.status for f in s.files] == ["applied", "failed"]
    assert "MD5" in s.stopped and "download it again" in s.stopped and "1 later file(s) were not applied" in s.stopped
    assert "pmid:91000003" in ids(engine)                 # the update's deletion was not applied
    md5.write_text(good)
    s = sync_mirror(engine, mirror)
    assert [f.status for f in s.files] == ["skipped", "applied", "applied"]
    assert "pmid:91000003" not in ids(engine)


def test_missing_md5_file_is_one_line(engine, tmp_path):
    write_gz(tmp_path / "m", "pubmed99n0001.xml.gz", (MIRROR / "pubmed99n0001.xml").read_bytes(), md5=False)
    s = sync_mirror(engine, tmp_path / "m")
    assert s.files[0].status == "failed" and "pubmed99n0001.xml.gz.md5" in s.stopped and "\n" not in s.stopped
    assert ids(engine) == {}


def test_broken_gzip_stops_with_one_line_and_keeps_earlier_files(engine, mirror):
    p = mirror / "updatefiles" / "pubmed99n0002.xml.gz"
    data = p.read_bytes()[:-40]
    p.write_bytes(data)
    (mirror / "updatefiles" / "pubmed99n0002.xml.gz.md5").write_text(f"{hashlib.md5(data).hexdigest()}  x\n")
    s = sync_mirror(engine, mirror)
    assert [f.status for f in s.files] == ["applied", "failed"]
    assert "pubmed99n0002.xml.gz" in s.stopped and "\n" not in s.stopped
    assert len(ids(engine)) == 5


def test_filter_keeps_the_part_a_site_needs(engine, mirror):
    s = sync_mirror(engine, mirror, ["years=2016-2024", "mesh=gout", "journals=invent gout j."])
    assert set(ids(engine)) == {"pmid:91000001", "pmid:91000002", "pmid:91000005", "pmid:91000006"}
    assert s.total("filtered_out") == 2      # 2015 colchicine letter, 2012 asthma


def test_filter_removes_a_record_whose_new_version_no_longer_matches(engine, tmp_path):
    d = tmp_path / "m"
    write_gz(d, "pubmed99n0001.xml.gz", b"<PubmedArticleSet>" + make_record(93000001, "Gout cohort", "Gout text.",
             types=("Randomized Controlled Trial",)) + b"</PubmedArticleSet>")
    write_gz(d, "pubmed99n0002.xml.gz", b"<PubmedArticleSet>" + make_record(93000001, "Gout cohort", "Gout text.",
             types=("Retracted Publication",)) + b"</PubmedArticleSet>")
    s = sync_mirror(engine, d, ["types=Randomized Controlled Trial"])
    assert s.files[0].added == 1 and s.files[1].deleted == 1 and ids(engine) == {}


def test_metadata_only_revision_replaces(engine, tmp_path):
    d = tmp_path / "m"
    write_gz(d, "pubmed99n0001.xml.gz", b"<PubmedArticleSet>" + make_record(93000002, "Gout cohort", "Gout text.")
             + b"</PubmedArticleSet>")
    write_gz(d, "pubmed99n0002.xml.gz", b"<PubmedArticleSet>" + make_record(93000002, "Gout cohort", "Gout text.",
             types=("Randomized Controlled Trial",), mesh=("Gout",)) + b"</PubmedArticleSet>")
    s = sync_mirror(engine, d)
    assert s.files[1].replaced == 1
    doc = engine.store.get_document("pmid:93000002")
    assert doc.version == 2 and doc.mesh_terms == ["Gout"] and doc.evidence_level.value == "randomized_trial"


def test_filter_specs_are_checked():
    f = SyncFilter.parse(["years=2015-", "types=Meta-Analysis;Practice Guideline",
                          "mesh=Lymphohistiocytosis, Hemophagocytic"])
    assert f.min_year == 2015 and f.max_year is None
    assert f.mesh == {"lymphohistiocytosis, hemophagocytic"}
    assert SyncFilter.parse(["years=2020"]).max_year == 2020
    for bad in ("years", "years=abc", "years=2020-2010", "colour=blue", "mesh="):
        with pytest.raises(InputError) as e:
            SyncFilter.parse([bad])
        assert str(e.value).startswith("--filter:")


def test_files_are_ordered_like_pubmed(tmp_path):
    for name in ("updatefiles/pubmed99n0012.xml.gz", "baseline/pubmed99n0002.xml.gz", "pubmed98n0500.xml.gz",
                 "baseline/pubmed99n0001.xml.gz", "extra.xml.gz", "notes.txt"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    assert [p.name for p in ordered_files(tmp_path)] == ["pubmed98n0500.xml.gz", "pubmed99n0001.xml.gz",
                                                         "pubmed99n0002.xml.gz", "pubmed99n0012.xml.gz",
                                                         "extra.xml.gz"]


def test_md5_file_formats(tmp_path):
    p = tmp_path / "a.xml.gz"
    p.write_bytes(b"x")
    (tmp_path / "a.xml.gz.md5").write_text("MD5(a.xml.gz)= 9DD4E461268C8034F5C8564E155C67A6\n")
    assert expected_md5(p) == "9dd4e461268c8034f5c8564e155c67a6"
    (tmp_path / "a.xml.gz.md5").write_text("9dd4e461268c8034f5c8564e155c67a6  a.xml.gz\n")
    assert expected_md5(p) == "9dd4e461268c8034f5c8564e155c67a6"
    (tmp_path / "a.xml.gz.md5").write_text("nothing here\n")
    with pytest.raises(InputError):
        expected_md5(p)


def test_not_a_folder(engine, tmp_path):
    with pytest.raises(InputError) as e:
        sync_mirror(engine, tmp_path / "nope")
    assert "is not a folder" in str(e.value)


def _cli(home: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1"}
    return subprocess.Popen([sys.executable, "-m", "curbside.interfaces.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_resume_after_kill_9_without_duplicates(tmp_path):
    n = 3000
    d = tmp_path / "m"
    body = b"".join(make_record(94000000 + i, f"Invented record {i} on gout", f"Invented abstract {i} about "
                                f"urate lowering and colchicine in gout, number {i}.") for i in range(n))
    write_gz(d, "pubmed99n0001.xml.gz", b"<PubmedArticleSet>" + body + b"</PubmedArticleSet>")
    write_gz(d, "pubmed99n0002.xml.gz", b"<PubmedArticleSet><DeleteCitation><PMID>94000000</PMID>"
             b"</DeleteCitation></PubmedArticleSet>")
    home = tmp_path / "home"
    db = home / "curbside.sqlite"
    proc = _cli(home, "pubmed", "sync", str(d))
    killed, stored = kill_when_stored(proc, db, 500)
    assert killed, "sync finished before it could be killed: make the file bigger"
    assert 0 < stored < n
    proc = _cli(home, "pubmed", "sync", str(d), "--json")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    with sqlite3.connect(db) as c:
        docs = c.execute("SELECT COUNT(*), COUNT(DISTINCT pmid) FROM documents").fetchone()
        c.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")   # raises if out of step
        orphans = c.execute("SELECT COUNT(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)"
                            ).fetchone()[0]
        files = c.execute("SELECT name FROM pubmed_sync_files ORDER BY name").fetchall()
    assert docs == (n - 1, n - 1)                      # every record once, the deleted one gone
    assert orphans == 0
    assert [f[0] for f in files] == ["pubmed99n0001.xml.gz", "pubmed99n0002.xml.gz"]
