"""The web app on the real Engine (temporary home, small invented corpus): the API returns exactly the stored
Article JSON, and living evidence flags an approved article when a new source changes its answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

FIX = Path(__file__).parent / "fixtures"
Q = "What is the treatment of invented fever syndrome?"


@pytest.fixture
def real(tmp_path):
    pytest.importorskip("curbside.engine")
    from curbside.engine import Engine
    from curbside.interfaces.web.app import create_app
    from curbside.interfaces.web.config import WebConfig
    from curbside.settings import load_settings

    settings = load_settings(home=tmp_path / "home", load_default_corpus=False, embed=False)
    engine = Engine(settings)
    engine.ingest([FIX / "web_guideline.md"])
    app = create_app(settings, engine, WebConfig(ask_per_minute=6000, ask_burst=1000))
    ctx = app.state.ctx
    tokens = {}
    for name, role in (("admin", "admin"), ("rita", "reviewer"), ("carl", "clinician"), ("rhea", "reader")):
        tokens[name] = {"Authorization": "Bearer " + ctx.accounts.create_token(
            ctx.accounts.add_user(name, "long enough password", role))[0]}
    yield TestClient(app), tokens, engine
    engine.close()


def test_api_article_is_the_stored_article_json(real):
    client, h, engine = real
    r = client.post("/api/ask", json={"question": Q}, headers=h["carl"])
    assert r.status_code == 201, r.text
    art = r.json()
    assert art["status"] == "Submitted" and not art["abstained"] and art["references"]
    stored = engine.articles().get(art["id"])
    assert art == stored.model_dump()
    assert client.get(f"/api/articles/{art['id']}", headers=h["carl"]).json() == art
    # audience switch and follow-up through the real engine
    patient = client.get(f"/api/articles/{art['id']}?audience=patient", headers=h["carl"]).json()
    assert patient["audience"] == "patient" and patient["id"] == art["id"]
    fu = client.post("/api/ask", json={"question": "And if it does not respond?", "follow_up_of": art["id"]},
                     headers=h["carl"])
    assert fu.status_code == 201 and fu.json()["follow_up_of"] == art["id"]
    page = client.get(f"/articles/{art['id']}", headers=h["carl"])   # pages need a session, not a token
    assert page.status_code == 200 and "/login" in str(page.url)


def test_living_evidence_after_upload(real):
    client, h, engine = real
    art = client.post("/api/ask", json={"question": Q}, headers=h["carl"]).json()
    aid = art["id"]
    assert client.post(f"/api/articles/{aid}/transitions", json={"action": "start_review"},
                       headers=h["rita"]).status_code == 200
    assert client.post(f"/api/articles/{aid}/transitions", json={"action": "approve"},
                       headers=h["rita"]).json()["state"] == "Approved"
    with open(FIX / "web_new_trial.txt", "rb") as f:
        up = client.post("/api/sources", files={"file": ("trial.txt", f, "text/plain")}, data={"tier": "rct"},
                         headers=h["admin"])
    assert up.status_code == 201 and up.json()["added"] == 1
    review = client.get(f"/api/articles/{aid}/review", headers=h["rita"]).json()
    assert review["article"]["evidence_flag"].startswith("New evidence")
    diff = client.get(f"/api/articles/{aid}/changes", headers=h["rita"]).json()
    assert any(d["change"] == "added" and "plorabant" in d["text"].lower() for d in diff["proposed"])
    assert any("plorabant" in a["text"].lower() for a in diff["flag"]["added"])
    # the published version is unchanged for readers until a new version is approved
    assert client.get(f"/api/articles/{aid}", headers=h["rhea"]).json() == \
        {**art, "status": "Approved", "caution": engine.articles().get(aid).caution}
    v2 = client.post(f"/api/articles/{aid}/versions", json={"use_proposed": True, "note": "new trial"},
                     headers=h["carl"])
    assert v2.status_code == 201 and v2.json()["status"] == "Under Review"
    assert client.post(f"/api/articles/{aid}/transitions", json={"action": "approve"},
                       headers=h["rita"]).json()["published_version"] == 2
    published = client.get(f"/api/articles/{aid}", headers=h["rhea"]).json()
    assert "plorabant" in str(published["sections"]).lower()
    assert client.get(f"/api/articles/{aid}/changes", headers=h["rita"]).status_code == 404


def test_standalone_html_of_a_real_article(real):
    from curbside.answer.render import render

    client, h, engine = real
    art = engine.ask(Q, save=False)
    html = render(art, "html")
    assert html.startswith("<!doctype html>") and "zentamycin" in html and "<script" not in html
