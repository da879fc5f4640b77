"""Users' ids are the document ids: kept, found by remove, replaced on changed text; never de-duplicated by URL."""

from __future__ import annotations

import json
import sqlite3

import pytest

from curbside.errors import DiskFullError, StoreDamagedError
from curbside.sources import JsonlMapping
from curbside.store.corpus_store import CorpusStore
from curbside.store.sqlite import translate


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _integrity(store: CorpusStore) -> None:
    c = store.conn
    c.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert c.execute("SELECT COUNT(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
    assert c.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0] == c.execute("SELECT COUNT(*) FROM passages").fetchone()[0]


ROWS = [
    {"rid": "site-17", "title": "Anakinra in adults", "text": "Anakinra was given to adults with HLH. Most responded.",
     "url": "https://example.org/shared", "doi": "10.1000/same", "pmid": "111"},
    {"rid": "site-18", "title": "Ruxolitinib in adults", "text": "Ruxolitinib was given to adults with HLH. Half responded.",
     "url": "https://example.org/shared", "doi": "10.1000/same", "pmid": "111"},
    {"rid": "site-19", "title": "Etoposide in children", "text": "Etoposide was given to children with HLH. Many responded.",
     "url": "https://example.org/shared"},
]


def test_given_ids_are_document_ids_and_shared_url_doi_pmid_drop_nothing(engine, tmp_path):
    f = _jsonl(tmp_path / "r.jsonl", ROWS)
    s = engine.ingest([f], mapping=JsonlMapping(id_field="rid"))
    assert (s.added, s.duplicates, s.failed) == (3, 0, 0)
    assert sorted(d.id for d in engine.sources()) == ["site-17", "site-18", "site-19"]
    hit = engine.search("ruxolitinib HLH", mode="bm25")[0]
    assert hit.to_json()["document_id"] == "site-18" and hit.to_json()["external_id"] == "site-18"
    assert engine.remove("site-18") is True
    assert sorted(d.id for d in engine.sources()) == ["site-17", "site-19"]
    _integrity(engine.store)


def test_changed_text_under_same_id_is_a_new_version(engine, tmp_path):
    f = _jsonl(tmp_path / "r.jsonl", ROWS)
    engine.ingest([f], mapping=JsonlMapping(id_field="rid"))
    state = engine.corpus_state()
    changed = [dict(ROWS[0], text="Anakinra was given to adults with HLH. Nobody responded to the dose.")] + ROWS[1:]
    s = engine.ingest([_jsonl(tmp_path / "r2.jsonl", changed)], mapping=JsonlMapping(id_field="rid"))
    assert (s.added, s.replaced, s.duplicates) == (0, 1, 2)
    doc = engine.store.get_document("site-17")
    assert doc.version == 2 and "Nobody responded" in doc.text
    assert engine.corpus_state() != state
    assert engine.store.counts()[0] == 3
    assert [h.document_id for h in engine.search("nobody responded anakinra", mode="bm25")][:1] == ["site-17"]
    assert not [h for h in engine.search("most responded anakinra", mode="bm25") if "Most responded" in h.text]
    _integrity(engine.store)


def test_repeated_given_id_in_one_run_is_refused_with_its_line(engine, tmp_path):
    rows = [ROWS[0], dict(ROWS[1], rid="site-17")]
    s = engine.ingest([_jsonl(tmp_path / "r.jsonl", rows)], mapping=JsonlMapping(id_field="rid"))
    assert (s.added, s.failed) == (1, 1)
    assert "line 2" in s.errors[0] and "site-17" in s.errors[0] and "unique" in s.errors[0]


def test_repeated_guessed_id_is_kept_under_a_content_id_with_a_note(engine, tmp_path):
    rows = [{"id": "q-1", "question": "What is HLH?", "answer": "HLH is a syndrome of immune activation."},
            {"id": "q-1", "question": "How is HLH treated?", "answer": "HLH is treated with etoposide."}]
    f = _jsonl(tmp_path / "mq.jsonl", rows)
    s = engine.ingest([f])
    assert (s.added, s.failed) == (2, 0) and len(s.notes) == 1 and "q-1" not in s.notes[0]
    ids = sorted(d.id for d in engine.sources())
    assert ids[0] == "q-1" and ids[1].startswith("sha:")
    assert {d.external_id for d in engine.sources()} == {"q-1"}
    again = engine.ingest([f])                       # a re-run is a no-op, not a flip-flop between versions
    assert (again.added, again.replaced, again.duplicates) == (0, 0, 2)


def test_same_content_under_another_id_is_kept_unless_deduplicated(engine, tmp_path):
    a = _jsonl(tmp_path / "a.jsonl", [ROWS[0]])
    b = _jsonl(tmp_path / "b.jsonl", [dict(ROWS[0], rid="other-1")])
    engine.ingest([a], mapping=JsonlMapping(id_field="rid"))
    assert engine.ingest([b], mapping=JsonlMapping(id_field="rid"), dedupe_content=True).duplicates == 1
    assert engine.ingest([b], mapping=JsonlMapping(id_field="rid")).added == 1
    assert sorted(d.id for d in engine.sources()) == ["other-1", "site-17"]


def test_natural_ids_pmid_nct_and_remove_by_given_id(engine, tmp_path):
    rows = [{"pmid": "123456", "title": "A PubMed record", "text": "Alemtuzumab was used in refractory HLH."},
            {"nct_id": "nct01234567", "title": "A trial", "text": "Emapalumab is tested in primary HLH."}]
    engine.ingest([_jsonl(tmp_path / "p.jsonl", rows[:1])], mapping=JsonlMapping(id_field="pmid"))
    engine.ingest([_jsonl(tmp_path / "t.jsonl", rows[1:])], mapping=JsonlMapping(id_field="nct_id"))
    docs = {d.id: d for d in engine.sources()}
    assert set(docs) == {"pmid:123456", "NCT01234567"}
    assert docs["pmid:123456"].external_id == "123456"
    assert engine.resolve_document_id("123456") == "pmid:123456"
    assert engine.remove("123456") is True and engine.remove("nct01234567") is False
    assert engine.remove("NCT01234567") is True


def test_bioasq_style_ids_stay_pmid_ids(engine, tmp_path):
    rows = [{"id": "pmid:42", "pmid": "42", "title": "", "text": "Xist is expressed in female tissues."}]
    engine.ingest([_jsonl(tmp_path / "b.jsonl", rows)])
    assert [d.id for d in engine.sources()] == ["pmid:42"]


def test_old_store_with_unique_content_hash_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    from curbside.store.corpus_store import SCHEMA
    old = SCHEMA.replace("content_hash TEXT NOT NULL,\n    added_at TEXT NOT NULL,\n    version INTEGER NOT NULL DEFAULT 1",
                         "content_hash TEXT NOT NULL UNIQUE,\n    added_at TEXT NOT NULL")
    assert old != SCHEMA
    conn.executescript(old)
    conn.execute("INSERT INTO documents (id, title, text, evidence_level, content_hash, added_at) "
                 "VALUES ('sha:1', 'T', 'Some text.', 'unclassified', 'h1', 'now')")
    conn.execute("INSERT INTO passages (id, document_id, ordinal, [start], [end], text) VALUES ('sha:1#0', 'sha:1', 0, 0, 10, 'Some text.')")
    conn.execute("INSERT INTO passages_fts(rowid, text, section, title) SELECT rowid, text, section, title FROM passages")
    conn.commit()
    conn.close()
    store = CorpusStore(path)
    assert store.counts() == (1, 1)
    assert store.get_document("sha:1").version == 1
    store.conn.execute("INSERT INTO documents (id, title, text, evidence_level, content_hash, added_at) "
                       "VALUES ('x', 'T', 'Some text.', 'unclassified', 'h1', 'now')")   # same content, other id
    _integrity(store)


def test_store_errors_are_translated():
    full = translate(sqlite3.OperationalError("database or disk is full"), "/s.sqlite")
    assert isinstance(full, DiskFullError) and "disk is full" in str(full) and full.exit_code == 4
    bad = translate(sqlite3.DatabaseError("database disk image is malformed"), "/s.sqlite")
    assert isinstance(bad, StoreDamagedError) and "store is damaged" in str(bad) and bad.exit_code == 3
    assert translate(ValueError("x")) is None
    with pytest.raises(DiskFullError):
        from curbside.store.sqlite import guarded
        with guarded("/s.sqlite"):
            raise OSError(28, "No space left on device")
