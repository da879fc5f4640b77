"""Ask with fresh PubMed evidence in the web app and the API: only roles that may add sources, the article says
what was fetched, offline it says so (fake E-utilities server on 127.0.0.1, real Engine)."""

from __future__ import annotations

import pytest

from tests.interfaces.web.conftest import csrf_of, make_web
from tests.sources.pubmed_fake import FakeEutils

Q = "What are the treatment options for refractory HLH?"


@pytest.fixture
def web(tmp_path):
    w = make_web(tmp_path, real=True)
    yield w
    w.engine.close()


@pytest.fixture
def fake(monkeypatch):
    with FakeEutils(max_requests=100, max_seconds=60) as f:
        monkeypatch.setenv("CURBSIDE_EUTILS_URL", f.url)
        yield f


def test_api_ask_with_pubmed_adds_records_and_says_so(web, fake):
    before = len(web.engine.sources())
    art = web.ask("admin", Q, pubmed=5)
    # the web fixture corpus already holds PMID 90000001 (its guideline): it is not fetched again
    assert art["pubmed_note"] == "2 PubMed records added for this question (1 already in the library)"
    assert len(web.engine.sources()) == before + 2
    assert all(p["tool"] == "curbside" and p.get("email") for *_, p in fake.log)
    assert fake.max_in_window() <= 3
    events = web.ctx.audit.entries(action="pubmed_fetch")
    assert [e.target for e in events] == [art["id"]] and '"added": 2' in events[0].detail


def test_api_pubmed_needs_a_role_that_may_add_sources(web, fake):
    r = web.client.post("/api/ask", json={"question": Q, "pubmed": 5}, headers=web.h("carl"))
    assert r.status_code == 403 and fake.log == []
    for n in (0, 51, "x"):
        r = web.client.post("/api/ask", json={"question": Q, "pubmed": n}, headers=web.h("admin"))
        assert r.status_code == 422
    assert web.ask("carl", Q)["pubmed_note"] == ""          # asking without it is unchanged


def test_api_pubmed_offline_answers_from_the_library(web):
    art = web.ask("admin", Q, pubmed=5)        # tests/conftest points CURBSIDE_EUTILS_URL at pubmed.invalid
    assert "cannot be reached" in art["pubmed_note"] and "answered from the library" in art["pubmed_note"]


def test_ask_form_checkbox_only_for_roles_that_may_add_sources(web, fake):
    assert 'name="pubmed"' not in web.browser("carl").client.get("/").text
    b = web.browser("admin")
    page = b.client.get("/").text
    assert 'name="pubmed"' in page
    r = b.post("/ask", {"question": Q, "audience": "clinician", "pubmed": "10"})
    assert r.status_code == 303, r.text
    article = b.client.get(r.headers["location"]).text
    assert "2 PubMed records added for this question (1 already in the library)" in article
    c = web.browser("carl")
    r = c.post("/ask", {"question": Q, "audience": "clinician", "pubmed": "10", "csrf_token": csrf_of(
        c.client.get("/").text)})
    assert r.status_code == 403
