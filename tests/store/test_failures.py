"""Full disk and damaged store: one clear error, nothing half-written, the store as it was before."""

from __future__ import annotations

import pytest

from curbside.errors import DiskFullError


def test_full_disk_during_ingest_is_one_error_and_keeps_the_store(engine, tmp_path):
    (tmp_path / "first.txt").write_text("Anakinra is used in HLH. It helps most patients.")
    assert engine.ingest([tmp_path / "first.txt"]).added == 1
    before = engine.store.counts()
    pages = engine.store.conn.execute("PRAGMA page_count").fetchone()[0]
    engine.store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")     # the "disk" has two pages left
    big = tmp_path / "big"
    big.mkdir()
    for i in range(40):
        (big / f"doc{i:02}.txt").write_text(f"Document {i} about ruxolitinib in refractory HLH. " * 200)
    with pytest.raises(DiskFullError, match="disk is full") as info:
        engine.ingest([big])
    assert info.value.exit_code == 4
    assert info.value.__context__ is None or info.value.__suppress_context__
    engine.store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert engine.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    engine.store.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
    d, p = engine.store.counts()
    assert d >= before[0] and engine.store.conn.execute(
        "SELECT COUNT(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
    again = engine.ingest([big])                     # space again: the run completes
    assert again.added + again.duplicates == 40
    assert engine.store.counts()[0] == 41


def test_summary_keeps_counting_but_stops_listing_messages():
    from curbside.store.ingest import MAX_LISTED_MESSAGES, IngestSummary

    s = IngestSummary()
    for i in range(MAX_LISTED_MESSAGES + 5):
        s.fail(f"f{i}.txt: bad")
    assert s.failed == MAX_LISTED_MESSAGES + 5 and len(s.errors) == MAX_LISTED_MESSAGES
