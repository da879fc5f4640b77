"""The vector index is re-read only when vectors changed, and a server's searches never wait for it (issue 11):
passages stored without a vector (an ingest's batches before they are embedded) leave the index key alone; a
removed document changes it; reader connections refresh in a thread of their own and search the previous snapshot
meanwhile, recording no `index` wait. Nothing here is timed."""

from __future__ import annotations

from curbside import waits
from curbside.store.vectors import VectorStore
from tests.conftest import CORPUS
from tests.retrieve.test_vector_refresh import other_process, same_index
from tests.retrieve.test_vectors import fake_encode


def half_embedded(engine, folder) -> tuple[VectorStore, VectorStore, int]:
    """(writer, reader as another process, passages): half of the store's passages have vectors."""
    writer = VectorStore(engine.store.conn, folder)
    _, total = writer.counts()
    writer.embed_batch(writer.missing(limit=total // 2), fake_encode)
    return writer, other_process(engine.store, folder), total


def test_passages_without_vectors_leave_the_index_alone_and_removals_refresh_it(loaded_engine, tmp_path):
    store = loaded_engine.store
    writer = VectorStore(store.conn, tmp_path / "vectors")
    writer.embed_missing(fake_encode)
    reader = other_process(store, tmp_path / "vectors")
    idx = reader.index()
    stamp, key = reader.stamp(), reader.index_key()
    loaded_engine.ingest([CORPUS / "asthma_page.txt"], title="Asthma again", embed=False)   # an ingest batch
    assert reader.stamp() != stamp and reader.index_key() == key
    assert reader.index() is idx and reader.shared.refreshes == 0
    doc = next(d for d in store.list_documents() if d.title.startswith("Consensus"))
    n = store.passage_count(doc.id)
    store.remove_document(doc.id)                 # its passages' vectors go: the index must follow
    assert reader.index_key() != key
    after = reader.index()
    assert len(after) == len(idx) - n and reader.shared.refreshes == 1
    assert same_index(after, reader._build())


def test_readers_refresh_in_the_background_and_never_wait_for_it(loaded_engine, tmp_path):
    writer, reader, total = half_embedded(loaded_engine, tmp_path / "vectors")
    reader.refresh_in_background, reader.background_from = True, 0     # as a server's reader of a large index
    first = reader.index()                        # no snapshot yet: loaded here
    writer.embed_missing(fake_encode)             # "another process" commits the rest
    with waits.recording() as spent:
        again = reader.index()
    assert again is first and "index" not in spent          # the previous snapshot, at once
    assert reader.shared.wait_refreshed(60)
    now = reader.index()
    assert len(now) == total and reader.shared.background_refreshes == 1
    assert len(first) < total
    assert same_index(now, reader._build())


def test_a_small_index_is_refreshed_in_the_search_itself(loaded_engine, tmp_path):
    writer, reader, total = half_embedded(loaded_engine, tmp_path / "vectors")
    reader.refresh_in_background = True               # default background_from: this index is small
    reader.index()
    writer.embed_missing(fake_encode)
    assert len(reader.index()) == total and reader.shared.background_refreshes == 0


def test_a_servers_reader_connections_refresh_in_the_background(loaded_engine):
    with loaded_engine._readers.reader() as r:
        assert r.vectors.refresh_in_background
    assert not loaded_engine.retriever.vectors.refresh_in_background   # the CLI's own searches stay exact
