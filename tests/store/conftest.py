"""Both corpus store backends for the shared contract tests: the SQLite file, and PostgreSQL + pgvector (the
session's server, see pg_server in tests/conftest.py)."""

from __future__ import annotations

import pytest

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
