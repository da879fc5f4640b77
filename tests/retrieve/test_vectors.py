"""The vector index (add, delete, reopen, recall against exact search) and the embedding cache."""

from __future__ import annotations

import numpy as np

from curbside.store.vectors import VectorIndex, VectorStore, embed_input, vector_key


def unit(rng, n, d=384):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_index_add_search_delete_reopen(tmp_path):
    rng = np.random.default_rng(0)
    vecs = unit(rng, 500)
    idx = VectorIndex()
    idx.add(range(1000, 1500), vecs)
    assert len(idx) == 500
    # recall against brute force on a small random set of queries: exact search must be 1.0
    queries = unit(rng, 20)
    for q in queries:
        truth = [1000 + int(i) for i in np.argsort(-(vecs @ q))[:10]]
        assert [i for i, _ in idx.search(q, 10)] == truth
    hit, score = idx.search(vecs[7], 1)[0]
    assert hit == 1007 and abs(score - 1.0) < 1e-5
    assert idx.delete([1007, 99999]) == 1
    assert 1007 not in [i for i, _ in idx.search(vecs[7], 5)]
    # replace a vector
    idx.add([1008], vecs[7:8])
    assert idx.search(vecs[7], 1)[0][0] == 1008
    idx.save(tmp_path / "v", "stamp-1")
    assert VectorIndex.load(tmp_path / "v", "stamp-2") is None       # stale stamp -> rebuild
    again = VectorIndex.load(tmp_path / "v", "stamp-1")
    assert again is not None and len(again) == 499
    assert np.array_equal(again.ids, idx.ids)
    assert again.search(queries[0], 10) == idx.search(queries[0], 10)
    got, ok = again.vectors([1008, 5])
    assert ok.tolist() == [True, False] and np.allclose(got[0], vecs[7]) and not got[1].any()


def test_index_edge_cases():
    idx = VectorIndex()
    assert idx.search(np.ones(384, dtype=np.float32), 5) == []
    assert idx.positions([1, 2]).tolist() == [-1, -1]
    idx.add([3], np.ones((1, 384), dtype=np.float32) / np.sqrt(384))
    assert len(idx.search(np.ones(384, dtype=np.float32), 5)) == 1


def fake_encode(texts):
    """A deterministic stand-in for the model: a vector from the text's hash."""
    out = []
    for t in texts:
        r = np.random.default_rng(abs(hash(t)) % 2**32)
        v = r.standard_normal(384).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def test_cache_reuses_vectors_and_tracks_deletes(loaded_engine, tmp_path):
    store = loaded_engine.store
    vs = VectorStore(store.conn, tmp_path / "vectors")
    _, total = vs.counts()
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return fake_encode(texts)

    done, computed = vs.embed_missing(encode, batch=4)
    assert done == total and 0 < computed <= total and vs.missing_count() == 0
    idx = vs.index()
    assert len(idx) == total
    # remove a document: its passages leave the mapping (trigger) and the index on next use
    doc = next(d for d in store.list_documents() if d.title.startswith("Consensus"))
    n = store.passage_count(doc.id)
    assert n > 1
    store.remove_document(doc.id)
    assert len(vs.index()) == total - n and vs.missing_count() == 0
    # re-ingesting the same document computes nothing: every vector comes from the cache
    calls.clear()
    loaded_engine.ingest([doc.source_path])
    assert vs.missing_count() == n
    done, computed = vs.embed_missing(encode)
    assert (done, computed) == (n, 0) and not calls
    assert len(vs.index()) == total
    # a fresh VectorStore (a restart) loads the saved index instead of rebuilding
    vs2 = VectorStore(store.conn, tmp_path / "vectors")
    assert len(vs2.index()) == len(vs.index())
    assert vs.gc() >= 0


def test_embed_input_and_keys():
    assert embed_input("Asthma guideline", "Treatment", "Use ICS.") == "Asthma guideline - Treatment. Use ICS."
    assert embed_input("PMID 123", "", "Text.") == "Text."
    assert embed_input("", "", "Text.") == "Text."
    assert vector_key("a") != vector_key("a", "other-model") and vector_key("a") == vector_key("a")
