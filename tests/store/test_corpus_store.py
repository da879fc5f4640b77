import pytest

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.store.corpus_store import CorpusStore
from curbside.store.ingest import IngestSummary, Ingestor, MetadataOverrides, prepare


def _src(i: int, text: str | None = None) -> SourceDocument:
    return SourceDocument(title=f"Doc {i}", sections=[SourceSection(text or f"Anakinra dose study number {i}. It worked.")],
                          pmid=str(1000 + i))


def _integrity(store: CorpusStore) -> None:
    store.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
    orphans = store.conn.execute("SELECT COUNT(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)").fetchone()[0]
    assert orphans == 0


def test_add_search_remove(tmp_path, settings):
    store = CorpusStore(tmp_path / "s.sqlite")
    summary = IngestSummary()
    Ingestor(store, settings).ingest_documents([_src(1), _src(2, "Ruxolitinib for refractory HLH. Responses were 80%.")], summary)
    assert (summary.added, summary.passages) == (2, 2)
    hits = store.search_fts('"ruxolitinib"', 5)
    assert len(hits) == 1
    p = store.get_passages_by_rowid([hits[0][0]])[hits[0][0]]
    assert p.document_id == "pmid:1002"
    state = store.corpus_state()
    assert store.remove_document("pmid:1002") is True
    assert store.remove_document("pmid:1002") is False
    assert store.search_fts('"ruxolitinib"', 5) == []
    assert store.corpus_state() != state
    _integrity(store)


def test_reingest_is_a_noop(tmp_path, settings):
    store = CorpusStore(tmp_path / "s.sqlite")
    ing = Ingestor(store, settings)
    ing.ingest_documents([_src(1), _src(2)], IngestSummary())
    again = IngestSummary()
    ing.ingest_documents([_src(1), _src(2)], again)
    assert (again.added, again.duplicates) == (0, 2)
    assert store.counts() == (2, 2)


def test_crash_midway_keeps_earlier_documents_and_consistency(tmp_path, settings):
    store = CorpusStore(tmp_path / "s.sqlite")

    def docs():
        for i in range(10):
            yield _src(i)
        raise RuntimeError("simulated crash while reading")

    with pytest.raises(RuntimeError):
        Ingestor(store, settings, batch_docs=3).ingest_documents(docs(), IngestSummary())
    store.close()
    reopened = CorpusStore(tmp_path / "s.sqlite")
    assert reopened.counts() == (10, 10)
    _integrity(reopened)


def test_failing_document_rolls_back_alone(tmp_path, settings, monkeypatch):
    store = CorpusStore(tmp_path / "s.sqlite")
    real = store.add_document

    def flaky(doc, passages, abbreviations=(), **kw):
        if doc.id == "pmid:1003":
            real(doc, passages, abbreviations, **kw)  # write it fully, then fail after: savepoint must undo it
            raise KeyboardInterrupt
        return real(doc, passages, abbreviations, **kw)

    monkeypatch.setattr(store, "add_document", flaky)
    with pytest.raises(KeyboardInterrupt):
        Ingestor(store, settings).ingest_documents([_src(i) for i in range(6)], IngestSummary())
    ids = {d.id for d in store.list_documents()}
    assert ids == {"pmid:1000", "pmid:1001", "pmid:1002", "pmid:1003"} or ids == {"pmid:1000", "pmid:1001", "pmid:1002"}
    _integrity(store)


def test_empty_document_fails_cleanly(settings):
    from curbside.errors import InputError

    with pytest.raises(InputError, match="no text"):
        prepare(SourceDocument(title="x", sections=[SourceSection("  ")]), settings)


def test_overrides_replace_metadata():
    doc = MetadataOverrides(title="New", year=2017, authors=["Marsh RA, et al."]).apply(_src(1))
    assert (doc.title, doc.year, doc.authors) == ("New", 2017, ["Marsh RA, et al."])
