"""One contract for every corpus store backend (SQLite and PostgreSQL): documents, passages, lexical candidates,
vectors keyed by passage, transactions. Each test runs against both (see conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.errors import StoreError
from curbside.store.ingest import IngestSummary, Ingestor, prepare
from curbside.store.protocols import CorpusStoreLike, VectorIndexLike, VectorStoreLike


def _src(i: int, text: str | None = None, **kw) -> SourceDocument:
    return SourceDocument(title=kw.pop("title", f"Doc {i}"),
                          sections=[SourceSection(text or f"Anakinra dose study number {i}. It worked.")],
                          pmid=str(1000 + i), **kw)


def _ingest(store, settings, docs) -> IngestSummary:
    summary = IngestSummary()
    Ingestor(store, settings).ingest_documents(docs, summary)
    return summary


def _keys_to_docs(store, scored) -> list[str]:
    ps = store.get_passages_by_key([k for k, _ in scored])
    return [ps[k].document_id for k, _ in scored]


def test_implements_the_protocols(store):
    assert isinstance(store, CorpusStoreLike)
    vs = store.vector_store()
    assert isinstance(vs, VectorStoreLike)
    assert isinstance(vs.index(), VectorIndexLike)


def test_add_search_remove(store, settings):
    s = _ingest(store, settings, [_src(1), _src(2, "Ruxolitinib for refractory HLH. Responses were 80%.")])
    assert (s.added, s.passages) == (2, 2)
    assert store.counts() == (2, 2)
    hits = store.search_fts('"ruxolitinib"', 5)
    assert _keys_to_docs(store, hits) == ["pmid:1002"] and hits[0][1] > 0
    state = store.corpus_state()
    assert store.remove_document("pmid:1002") is True
    assert store.remove_document("pmid:1002") is False
    assert store.search_fts('"ruxolitinib"', 5) == []
    assert store.corpus_state() != state
    assert store.counts() == (1, 1)
    assert store.get_document("pmid:1002") is None and store.passages_of("pmid:1002") == []


def test_any_term_candidates_ranked_by_bm25(store, settings):
    _ingest(store, settings, [
        _src(1, "Etoposide is the backbone of induction therapy. Etoposide dosing is weekly."),
        _src(2, "Emapalumab was approved for refractory disease."),
        _src(3, "Supportive care matters. Etoposide may be added."),
        _src(4, "Asthma inhalers and spacers."),
        _src(5, "Long unrelated text about asthma " * 20)])
    hits = store.search_fts('"etoposide" OR "emapalumab"', 10)
    docs = _keys_to_docs(store, hits)
    assert set(docs) == {"pmid:1001", "pmid:1002", "pmid:1003"}      # any term; nothing without one
    assert docs.index("pmid:1001") < docs.index("pmid:1003")         # more occurrences rank higher
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    assert docs[0] == "pmid:1002" or docs[0] == "pmid:1001"
    assert store.search_fts('"macrophage activation syndrome"', 5) == []
    assert len(store.search_fts('"asthma"', 1)) == 1                   # the limit holds
    phrase = _keys_to_docs(store, store.search_fts('"induction therapy"', 5))
    assert phrase == ["pmid:1001"]


def test_new_version_replaces_and_ids_resolve(store, settings):
    _ingest(store, settings, [_src(1, "First text about anakinra.", doi="10.1/ABC")])
    assert store.stored_version("pmid:1001")[1] == 1
    s = _ingest(store, settings, [_src(1, "Changed text about ruxolitinib.", doi="10.1/ABC")])
    assert s.replaced == 1
    assert store.stored_version("pmid:1001")[1] == 2
    assert _keys_to_docs(store, store.search_fts('"ruxolitinib"', 5)) == ["pmid:1001"]
    assert store.search_fts('"anakinra"', 5) == []
    assert store.resolve_id("1001") == ["pmid:1001"]
    assert store.resolve_id("doi:10.1/abc") == ["pmid:1001"]
    assert store.resolve_id("nothing") == []
    assert store.pmids_present(["1001", "999"]) == {"1001"}
    doc = store.get_document("pmid:1001")
    assert doc.text.startswith("Changed") and store.has_content(doc.content_hash) == "pmid:1001"
    assert [d.id for d in store.list_documents()] == ["pmid:1001"]
    assert store.get_documents(["pmid:1001", "x"])["pmid:1001"].title == "Doc 1"


def test_passages_neighbours_meta_and_abbreviations(store, settings):
    long = " ".join(f"Sentence {i} about hemophagocytic lymphohistiocytosis (HLH) treatment." for i in range(80))
    _ingest(store, settings, [_src(1, long)])
    ps = store.passages_of("pmid:1001")
    assert len(ps) > 2 and store.passage_count("pmid:1001") == len(ps)
    assert store.get_passage(ps[1].id) == ps[1]
    assert [p.ordinal for p in store.neighbours(ps[1])] == [0, 1, 2]
    assert ("HLH", "hemophagocytic lymphohistiocytosis") in store.abbreviation_pairs()
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2" and store.get_meta("absent", "d") == "d"


def test_a_failed_document_rolls_back_alone(store, settings):
    doc, passages = prepare(_src(1), settings)
    dup, dup_passages = prepare(_src(2), settings)
    store.begin()
    store.add_document(doc, passages)
    with pytest.raises(Exception):
        store.add_document(doc, passages)              # same id again: refused
    store.add_document(dup, dup_passages)
    store.commit()
    assert store.counts() == (2, 2) and not store.in_transaction()


def test_a_crash_midway_keeps_committed_documents_whole(store, settings):
    def docs():
        for i in range(5):
            yield _src(i)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Ingestor(store, settings, batch_docs=2).ingest_documents(docs(), IngestSummary())
    n_docs, n_passages = store.counts()
    assert n_docs == 5 and n_passages == 5
    assert all(store.passage_count(d.id) == 1 for d in store.list_documents())


def _fake_encode(texts):
    out = []
    for t in texts:
        rng = np.random.default_rng(abs(hash(t)) % 2**32)
        v = rng.standard_normal(384).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def test_vectors_keyed_by_passage_and_cached(store, settings):
    _ingest(store, settings, [_src(i) for i in range(6)])
    vs = store.vector_store()
    assert vs.counts() == (0, 6) and not vs.has_vectors() and vs.missing_count() == 6
    before = vs.stamp()
    done, computed = vs.embed_missing(_fake_encode)
    assert (done, computed) == (6, 6) and vs.counts() == (6, 6) and vs.stamp() != before
    idx = vs.index()
    assert len(idx) == 6
    target = store.passages_of("pmid:1003")[0]
    by_id = vs.vectors_by_passage_id([target.id])
    hits = idx.search(by_id[target.id], 3)
    top = store.get_passages_by_key([hits[0][0]])[hits[0][0]]
    assert top.id == target.id and hits[0][1] == pytest.approx(1.0, abs=1e-2)
    vecs, found = idx.vectors([hits[0][0], hits[1][0]])
    assert found.all() and np.allclose(vecs[0], by_id[target.id], atol=1e-3)
    # a new version of a document loses its passages' vectors; re-embedding reuses the cache
    store.remove_document("pmid:1003")
    assert vs.counts() == (5, 5)
    _ingest(store, settings, [_src(3)])
    assert vs.counts() == (5, 6)
    done, computed = vs.embed_items(vs.missing_for(["pmid:1003"]), _fake_encode)
    assert (done, computed) == (1, 0)
    assert len(vs.index()) == 6


def test_retriever_runs_on_the_store(store, settings):
    from curbside.retrieve.search import Retriever

    _ingest(store, settings, [_src(1, "Ruxolitinib for refractory hemophagocytic lymphohistiocytosis."),
                              _src(2, "Asthma inhalers and spacers.")])
    hits = Retriever(store, embed=False).search("ruxolitinib in refractory HLH", top_k=5)
    assert hits and hits[0].document_id == "pmid:1001"


def test_bad_postgres_url_is_one_line(settings):
    from dataclasses import replace

    from curbside.store.backends import open_corpus_store

    with pytest.raises(StoreError) as e:
        open_corpus_store(replace(settings, store="postgresql://nobody@127.0.0.1:1/none"))
    assert "\n" not in str(e.value) and "expected a running server" in str(e.value)
