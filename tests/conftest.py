"""Shared fixtures: a temporary Curbside home with a small invented corpus (never data from ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test may touch the user's real data directory, nor reach NCBI (tests use the fake E-utilities server)."""
    monkeypatch.setenv("CURBSIDE_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("CURBSIDE_EUTILS_URL", "http://pubmed.invalid/entrez/eutils/")


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
