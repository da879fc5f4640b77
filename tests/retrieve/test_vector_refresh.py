"""Vectors are searchable as soon as they are committed, by this process or another: the shared index reads only
the rows that changed (added, removed, re-pointed), and the result equals a full rebuild."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from curbside.store.vector_index import SharedIndex, VectorIndex
from curbside.store.vectors import VectorStore
from tests.retrieve.test_vectors import fake_encode


def same_index(a: VectorIndex, b: VectorIndex) -> bool:
    return np.array_equal(a.ids, b.ids) and np.array_equal(a.keys, b.keys) and np.allclose(a.mat, b.mat)


def other_process(store, folder) -> VectorStore:
    """A VectorStore on its own connection with its own index snapshot, as another process would have."""
    from curbside.store.sqlite import connect

    vs = VectorStore(connect(store.path), folder)
    vs.shared = SharedIndex()
    return vs


def test_index_follows_vectors_committed_elsewhere(loaded_engine, tmp_path):
    store = loaded_engine.store
    writer = VectorStore(store.conn, tmp_path / "vectors")
    reader = other_process(store, tmp_path / "vectors")
    _, total = writer.counts()
    half = writer.missing(limit=total // 2)
    writer.embed_batch(half, fake_encode)
    idx = reader.index()                       # first use: whole index, half of the passages
    assert len(idx) == len(half) and reader.shared.full_builds == 1
    # the rest is embedded "in the background": the reader's next search sees it, reading only the new rows
    writer.embed_missing(fake_encode)
    idx2 = reader.index()
    assert len(idx2) == total and reader.shared.full_builds == 1 and reader.shared.refreshes == 1
    assert len(idx) == len(half)               # the earlier snapshot was not changed under its holder
    assert same_index(idx2, reader._build())
    # a removed document's passages leave the index
    doc = next(d for d in store.list_documents() if d.title.startswith("Consensus"))
    n = store.passage_count(doc.id)
    store.remove_document(doc.id)
    idx3 = reader.index()
    assert len(idx3) == total - n and reader.shared.full_builds == 1
    assert same_index(idx3, reader._build())
    # a passage whose vector changed under the same rowid (a reused rowid) gets the new vector
    rowid = int(idx3.ids[0])
    other = writer.conn.execute("SELECT hash FROM passage_vectors WHERE rowid != ? LIMIT 1", (rowid,)).fetchone()[0]
    writer.conn.execute("UPDATE passage_vectors SET hash = ? WHERE rowid = ?", (other, rowid))
    writer._bump()
    idx4 = reader.index()
    assert same_index(idx4, reader._build())
    assert not np.allclose(idx4.vectors([rowid])[0], idx3.vectors([rowid])[0])
    # unchanged stamp: the same snapshot, nothing read
    assert reader.index() is idx4 and reader.shared.refreshes == 3


def test_saved_index_is_named_by_stamp_and_reloaded(loaded_engine, tmp_path):
    store = loaded_engine.store
    vs = VectorStore(store.conn, tmp_path / "vectors")
    vs.embed_missing(fake_encode)
    built = vs.index()
    names = sorted(p.name for p in (tmp_path / "vectors").iterdir())
    assert names == sorted(f"{vs.stamp()}.{n}.npy" for n in ("ids", "keys", "vectors"))
    restarted = other_process(store, tmp_path / "vectors")
    again = restarted.index()
    assert same_index(again, built) and restarted.shared.full_builds == 1
    # a new stamp replaces the files (and a temporary file a crash left long ago); concurrent savers of one stamp
    # write the same bytes through private files
    stale = tmp_path / "vectors" / ".old.ids.1-2.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    store.remove_document(store.list_documents()[0].id)
    idx = vs.index()
    threads = [threading.Thread(target=idx.save, args=(tmp_path / "vectors", vs.stamp())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(p.name for p in (tmp_path / "vectors").iterdir())
    assert names == sorted(f"{vs.stamp()}.{n}.npy" for n in ("ids", "keys", "vectors"))
    assert same_index(VectorIndex.load(tmp_path / "vectors", vs.stamp()), idx)


def test_stores_of_one_file_share_one_snapshot(loaded_engine, tmp_path):
    from curbside.store.sqlite import connect

    store = loaded_engine.store
    a = VectorStore(store.conn, tmp_path / "vectors")
    b = VectorStore(connect(store.path), tmp_path / "vectors")
    a.embed_missing(fake_encode)
    assert a.shared is b.shared and a.index() is b.index()
