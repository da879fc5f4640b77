"""Embedding in the background (what a server does after an upload): documents are stored and searchable by BM25
before any vector exists, the vectors follow on another connection, and searches use them once committed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.retrieve.test_vectors import fake_encode


class GatedEmbedder:
    """Queries are encoded at once; the background thread's passages wait for `gate`."""

    def __init__(self):
        self.gate = threading.Event()

    def encode(self, texts):
        if threading.current_thread().name == "curbside-embed":
            assert self.gate.wait(60)
        return fake_encode(texts)

    def encode_query(self, text):
        return fake_encode([text])[0]


@pytest.fixture
def bg_engine(tmp_path, monkeypatch):
    from curbside.engine import Engine
    from curbside.retrieve import embed
    from curbside.settings import load_settings

    monkeypatch.setattr(embed, "available", lambda: True)
    eng = Engine(load_settings(tmp_path / "home", load_default_corpus=False, embed=True))
    fake = GatedEmbedder()
    monkeypatch.setattr(eng.retriever, "embedder", lambda: fake)
    yield eng, fake
    fake.gate.set()
    eng.close()


def test_stored_first_embedded_after_in_the_background(bg_engine):
    engine, fake = bg_engine
    summary = engine.ingest([CORPUS / "hlh_guideline.md", CORPUS / "asthma_page.txt"], embed=False)
    assert summary.added == 2 and summary.embedded == 0
    have, total = engine.retriever.vectors.counts()
    assert have == 0 and total > 0
    assert engine.embed_in_background() and engine.background.running()
    hits = engine.search("inhaled corticosteroids asthma", top_k=3)     # while the model works: BM25
    assert hits and engine.retriever.last_mode == "bm25"
    assert not engine.background.wait(0.2)                              # still held by the gate
    fake.gate.set()
    assert engine.background.wait(60) and not engine.background.error
    assert engine.retriever.vectors.counts() == (total, total) and engine.background.embedded == total
    engine.search("inhaled corticosteroids asthma", top_k=3)
    assert engine.retriever.last_mode == "hybrid" and engine.retriever.last_note == ""


def test_a_request_during_a_run_is_not_missed_and_close_stops(bg_engine):
    engine, fake = bg_engine
    engine.ingest([CORPUS / "hlh_guideline.md"], embed=False)
    assert engine.embed_in_background()
    engine.ingest([CORPUS / "asthma_page.txt"], embed=False)            # stored while the first run is held
    assert engine.embed_in_background()
    fake.gate.set()
    assert engine.background.wait(60)
    assert engine.retriever.vectors.missing_count() == 0                # the second upload's passages too
    engine.background.close()
    assert not engine.embed_in_background() and not engine.background.running()


def test_upload_is_stored_then_embedded_in_the_background(bg_engine):
    """Through the API: the upload is stored without embedding, its vectors come from the background thread, and
    the living-evidence check after it waits for them (it flags the approved article the new trial changes)."""
    from fastapi.testclient import TestClient

    from curbside.interfaces.web.app import create_app
    from curbside.interfaces.web.config import WebConfig
    from curbside.interfaces.web.uploads import embeds_in_background

    engine, fake = bg_engine
    fake.gate.set()
    web = Path(__file__).parents[1] / "interfaces" / "web" / "fixtures"
    engine.ingest([web / "web_guideline.md"])
    app = create_app(engine.settings, engine, WebConfig(ask_per_minute=6000, ask_burst=1000))
    ctx = app.state.ctx
    h = {name: {"Authorization": "Bearer " + ctx.accounts.create_token(ctx.accounts.add_user(
        name, "long enough password", role))[0]} for name, role in (("admin", "admin"), ("rita", "reviewer"),
                                                                     ("carl", "clinician"))}
    client = TestClient(app)
    aid = client.post("/api/ask", json={"question": "What is the treatment of invented fever syndrome?"},
                      headers=h["carl"]).json()["id"]
    for action in ("start_review", "approve"):
        assert client.post(f"/api/articles/{aid}/transitions", json={"action": action}, headers=h["rita"]).status_code == 200
    assert embeds_in_background(engine) and engine.background.embedded == 0
    with open(web / "web_new_trial.txt", "rb") as f:
        up = client.post("/api/sources", files={"file": ("trial.txt", f, "text/plain")}, data={"tier": "rct"},
                         headers=h["admin"])
    assert up.status_code == 201 and up.json()["added"] == 1
    assert engine.background.wait(60) and engine.background.embedded == up.json()["passages"]
    assert engine.retriever.vectors.missing_count() == 0
    review = client.get(f"/api/articles/{aid}/review", headers=h["rita"]).json()
    assert review["article"]["evidence_flag"].startswith("New evidence")

    class Plain:                                    # an engine without background embedding ingests as before
        def ingest(self, paths, fmt=None, **metadata):
            return None

    assert not embeds_in_background(Plain())
