"""PostgreSQL connections come from one bounded pool per database per process (store/pg_pool.py)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from curbside.errors import StoreError
from curbside.store import pg_pool
from curbside.store.backends import open_corpus_store


def _pid(store) -> int:
    return store.conn.execute("SELECT pg_backend_pid() AS p").fetchone()["p"]


def _server_connections(url: str) -> int:
    import psycopg

    db = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        return c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (db,)).fetchone()[0]


def test_a_closed_store_gives_its_connection_back_for_the_next(pg_url, settings):
    s = replace(settings, store=pg_url, pg_pool=3)
    first = open_corpus_store(s)
    pid = _pid(first)
    first.close()
    second = open_corpus_store(s)
    assert _pid(second) == pid                           # the same server session, no new login
    assert pg_pool.pool_for(pg_url).max_size == 3        # the size came from the settings
    second.close()
    vectors = second.vector_store()
    second.close()
    second.close()                                       # closing twice gives nothing back twice
    assert pg_pool.stats(pg_url)["pool_available"] == 1
    with pytest.raises(StoreError, match="closed"):      # never runs on a session another store now holds
        second.counts()
    with pytest.raises(StoreError, match="closed"):
        vectors.counts()


def test_the_pool_is_bounded_and_a_lease_waits_for_a_returned_connection(pg_url, settings):
    s = replace(settings, store=pg_url, pg_pool=2)
    a, b = open_corpus_store(s), open_corpus_store(s)
    with pytest.raises(StoreError, match="all 2 PostgreSQL connections .* CURBSIDE_PG_POOL"):
        pg_pool.lease(pg_url, timeout=0.2)
    got: list = []
    waiter = threading.Thread(target=lambda: got.append(pg_pool.lease(pg_url, timeout=20)))
    waiter.start()
    a.close()                                            # the waiting lease gets this one
    waiter.join(25)
    assert got and not got[0].closed
    assert _server_connections(pg_url) <= 2
    pg_pool.release(got[0])
    b.close()


def test_a_returned_connection_is_reset(pg_url, settings):
    s = replace(settings, store=pg_url, pg_pool=1)
    store = open_corpus_store(s)
    store.conn.execute("SET hnsw.ef_search = 777")
    store.begin()
    store.set_meta("left", "open")                       # a transaction its owner never finished
    store.close()
    again = open_corpus_store(s)
    assert again.conn.execute("SHOW hnsw.ef_search").fetchone()["hnsw.ef_search"] == "40"
    assert again.get_meta("left", "") == ""              # rolled back, not committed by the next owner
    assert not again.in_transaction()
    again.close()


def test_review_store_and_corpus_store_share_the_pool(pg_url, settings):
    from curbside.review.db import Database

    s = replace(settings, store=pg_url, pg_pool=4)
    corpus = open_corpus_store(s)
    db = Database(pg_url)                                # its read and write connections
    assert pg_pool.stats(pg_url)["pool_size"] - pg_pool.stats(pg_url).get("pool_available", 0) == 3
    db.close()
    corpus.close()
    assert pg_pool.stats(pg_url)["pool_available"] == pg_pool.stats(pg_url)["pool_size"] <= 4


def test_pool_size_from_the_environment(monkeypatch):
    from curbside.settings import load_settings

    monkeypatch.setenv("CURBSIDE_PG_POOL", "7")
    assert load_settings().pg_pool == 7
    monkeypatch.setenv("CURBSIDE_PG_POOL", "many")
    assert load_settings().pg_pool == 20
