"""Searches and answers run on reader connections: they never wait for the engine's write lock (an ingest or an
upload being embedded), they see what writers commit, and answers made side by side equal answers made one at a
time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

QUESTIONS = ["What are the treatment options for refractory HLH?", "What is the dose of etoposide in HLH?",
             "How is asthma treated in adults?", "What is the role of ruxolitinib in HLH?"]


def content(article) -> tuple:
    return (article.abstained, [(s.title, [it.text for it in s.items]) for s in article.sections],
            [r.document_id for r in article.references], article.follow_ups,
            [tuple(map(str, row.model_dump().values())) for row in article.evidence_table])


def test_reads_do_not_wait_for_the_write_lock(loaded_engine):
    held, release = threading.Event(), threading.Event()

    def writer() -> None:                  # an ingest (or an upload's embedding) holding the write lock
        with loaded_engine._lock:
            held.set()
            release.wait(120)

    w = threading.Thread(target=writer)
    w.start()
    assert held.wait(30)
    got: dict = {}

    def reader() -> None:
        got["hits"] = loaded_engine.search("refractory HLH treatment", top_k=5)
        got["article"] = loaded_engine.ask(QUESTIONS[0], save=False)
        got["sources"] = loaded_engine.sources()
        got["state"] = loaded_engine.corpus_state()

    r = threading.Thread(target=reader)
    try:
        r.start()
        r.join(60)
        assert not r.is_alive(), "a read waited for the write lock"
    finally:
        release.set()
        w.join()
        r.join()
    assert got["hits"] and not got["article"].abstained and len(got["sources"]) == 3 and got["state"]


def test_concurrent_answers_equal_serial_ones(loaded_engine):
    serial = {q: content(loaded_engine.ask(q, save=False)) for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: (q, content(loaded_engine.ask(q, save=False))), QUESTIONS * 3))
    for q, c in together:
        assert c == serial[q], q
    assert len(loaded_engine._readers._made) <= loaded_engine._readers.size


def test_readers_see_committed_writes_and_removals(loaded_engine, tmp_path):
    before = {h.document_id for h in loaded_engine.search("asthma inhaled corticosteroids", top_k=10)}
    assert before
    note = tmp_path / "copd.txt"
    note.write_text("COPD exacerbation\n\nTiotropium and pulmonary rehabilitation reduce COPD exacerbations.")
    summary = loaded_engine.ingest([note])
    new_id = summary.document_ids[0]
    assert new_id in {h.document_id for h in loaded_engine.search("tiotropium COPD exacerbation", top_k=5)}
    assert loaded_engine.remove(new_id)
    assert new_id not in {h.document_id for h in loaded_engine.search("tiotropium COPD exacerbation", top_k=5)}
    assert new_id not in {d.id for d in loaded_engine.sources()}


def test_a_reader_given_back_goes_to_the_caller_that_waited_longest(loaded_engine):
    """First come, first served: the thread that gives a reader back and asks again at once (a busy request
    loop) queues behind the caller already waiting, instead of taking the reader back before it wakes."""
    import time

    from curbside.readers import ReaderPool

    pool = ReaderPool(lambda: loaded_engine.retriever, lambda: loaded_engine.store, size=1)
    order: list[str] = []
    cm = pool.reader()
    cm.__enter__()

    def waiter() -> None:
        with pool.reader():
            order.append("waiter")

    t = threading.Thread(target=waiter)
    t.start()
    deadline = time.monotonic() + 30
    while not getattr(pool, "_waiting", None) and time.monotonic() < deadline:      # the waiter is queued
        time.sleep(0.01)
    cm.__exit__(None, None, None)                                  # given back ...
    with pool.reader():                                            # ... and asked for again at once
        order.append("returner")
    t.join(30)
    assert order == ["waiter", "returner"]
