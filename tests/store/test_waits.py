"""A request's waits on what an ingest can hold (curbside/waits.py) are recorded where they happen: SQLite's write
lock and COMMIT of a review write, the vector index catching up with vectors another connection committed, the
corpus counts re-read after a batch, and the wait for a free reader. No timings are asserted, only that a wait
that happened is reported under its cause, and that nothing is recorded outside a request."""

from __future__ import annotations

import sqlite3
import threading
import time

from curbside import waits
from curbside.readers import ReaderPool
from curbside.store.vector_index import SharedIndex
from curbside.store.vectors import VectorStore
from tests.retrieve.test_vectors import fake_encode


def test_write_lock_held_by_another_connection_is_a_write_lock_wait(tmp_path):
    from curbside.review.db import Database

    db = Database(tmp_path / "store.sqlite")
    other = sqlite3.connect(str(db.path), timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")                    # e.g. an ingest in another process, mid-batch
    got: dict = {}

    def write() -> None:
        with waits.recording() as spent:
            with db.tx() as c:
                c.execute("INSERT INTO audit_log (at, action) VALUES ('now', 'test')")
        got.update(spent)

    t = threading.Thread(target=write)
    t.start()
    time.sleep(0.3)
    assert t.is_alive(), "the write did not wait for the lock another connection holds"
    other.execute("COMMIT")
    t.join(30)
    assert not t.is_alive()
    assert got.get("write_lock", 0) > 0 and "commit" in got
    assert waits.ingest_wait(got) >= got["write_lock"]
    assert "readers" not in got and "index" not in got
    other.close()
    db.close()


def test_nothing_is_recorded_outside_a_request(tmp_path):
    from curbside.review.db import Database

    db = Database(tmp_path / "store.sqlite")
    waits.add("write_lock", 1.0)                          # no request: a no-op
    with db.tx() as c:
        c.execute("INSERT INTO audit_log (at, action) VALUES ('now', 'test')")
    with waits.recording() as spent:
        pass
    assert spent == {}
    db.close()


def test_index_refresh_after_vectors_committed_elsewhere_is_an_index_wait(loaded_engine, tmp_path):
    store = loaded_engine.store
    writer = VectorStore(store.conn, tmp_path / "vectors")
    from curbside.store.sqlite import connect

    reader = VectorStore(connect(store.path), tmp_path / "vectors")
    reader.shared = SharedIndex()
    _, total = writer.counts()
    writer.embed_batch(writer.missing(limit=total // 2), fake_encode)
    reader.index()                                        # loaded (before any request)
    with waits.recording() as unchanged:
        reader.index()                                    # same stamp: the snapshot, no wait
    assert "index" not in unchanged
    writer.embed_missing(fake_encode)                     # "another process" commits the rest
    with waits.recording() as spent:
        idx = reader.index()
        reader.counts()
    assert len(idx) == total and reader.shared.refreshes == 1
    assert spent.get("index", 0) > 0 and spent.get("corpus", 0) > 0
    assert waits.ingest_wait(spent) == spent["index"] + spent["corpus"]


def test_waiting_for_a_free_reader_is_a_readers_wait(loaded_engine):
    pool = ReaderPool(lambda: loaded_engine.retriever, lambda: loaded_engine.store, size=1)
    lent, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pool.reader():
            lent.set()
            release.wait(30)

    h = threading.Thread(target=hold)
    h.start()
    assert lent.wait(30)
    got: dict = {}

    def use() -> None:
        with waits.recording() as spent:
            with pool.reader() as r:
                r.store.corpus_state()
        got.update(spent)

    u = threading.Thread(target=use)
    u.start()
    time.sleep(0.2)
    assert u.is_alive(), "the second caller did not wait for the one reader"
    release.set()
    u.join(30)
    h.join(30)
    assert got.get("readers", 0) > 0 and "reader" in got and "cpu" in got
    assert waits.ingest_wait(got) == 0                    # busy readers are not the ingest


def test_server_timing_round_trip():
    header = waits.server_timing({"write_lock": 0.25, "index": 0.5, "readers": 2.0}, 3.0)
    parsed = waits.parse_server_timing(header)
    assert parsed == {"write-lock": 0.25, "index": 0.5, "readers": 2.0, "ingest": 0.75, "total": 3.0}
