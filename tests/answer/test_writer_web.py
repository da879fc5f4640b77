"""The web app and JSON API with the llm writer (real Engine, invented corpus, fake OpenAI-compatible server):
`writer` in the ask request, the streamed answer, and review/versions/audiences/follow-ups of written articles."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.answer.test_writer_llm import QUESTION, _load, _number_of, every_usable_unit
from tests.answer.writer_fake import FakeLLM


def reply_for(prompt: str) -> str:
    c, pg = _number_of(prompt, "Low-dose colchicine"), _number_of(prompt, "Pegloticase")
    return (f"BOTTOM LINE:\nLow-dose colchicine 1.2 mg followed by 0.6 mg one hour later is first-line for an acute "
            f"gout flare [E{c}].\nNOT RECOMMENDED:\n- Pegloticase is not recommended for an acute gout flare "
            f"[E{pg}].\n- Colchicine 4.8 mg is recommended for an acute gout flare [E{c}].")


class Replier(FakeLLM):
    """Answers every request from the prompt it was sent."""

    def __init__(self):
        super().__init__([])
        fake = self
        orig = self.server.RequestHandlerClass.do_POST

        def do_post(handler):
            n = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(n)
            body = json.loads(raw or b"{}")
            fake.replies.append(reply_for(body["messages"][1]["content"]))
            import io

            handler.rfile = io.BytesIO(raw)
            orig(handler)

        self.server.RequestHandlerClass.do_POST = do_post


@pytest.fixture
def site(tmp_path, monkeypatch):
    every_usable_unit(monkeypatch)
    from curbside.engine import Engine
    from curbside.interfaces.web.app import create_app
    from curbside.interfaces.web.config import WebConfig
    from curbside.settings import load_settings

    with Replier() as fake:
        settings = load_settings(home=tmp_path / "home", load_default_corpus=False, embed=False, llm_url=fake.url,
                                 llm_model="fake-model", llm_timeout=5.0, llm_deadline=10.0,
                                 llm_max_units=20)
        engine = Engine(settings)
        _load(engine, tmp_path)
        app = create_app(settings, engine, WebConfig(ask_per_minute=6000, ask_burst=1000))
        ctx = app.state.ctx
        tokens = {}
        for name, role in (("rita", "reviewer"), ("carl", "clinician")):
            tokens[name] = {"Authorization": "Bearer " + ctx.accounts.create_token(
                ctx.accounts.add_user(name, "long enough password", role))[0]}
        yield TestClient(app), tokens, engine, fake
        engine.close()


def test_api_ask_with_writer_llm_and_written_articles_through_review(site):
    client, h, engine, fake = site
    r = client.post("/api/ask", json={"question": QUESTION, "writer": "llm"}, headers=h["carl"])
    assert r.status_code == 201, r.text
    art = r.json()
    assert art["writer"] == "llm" and art["verification"]["dropped"] == 1
    assert art["dropped_claims"][0]["support"]["reasons"] == ["number"]
    assert [it["kind"] for it in art["sections"][0]["items"]] == ["claim"]
    assert client.get(f"/api/articles/{art['id']}", headers=h["carl"]).json() == art
    default = client.post("/api/ask", json={"question": QUESTION}, headers=h["carl"]).json()
    assert default["writer"] == "extractive"
    bad = client.post("/api/ask", json={"question": QUESTION, "writer": "poem"}, headers=h["carl"])
    assert bad.status_code == 422
    # audiences, follow-ups and new versions of a written article are written too
    patient = client.get(f"/api/articles/{art['id']}?audience=patient", headers=h["carl"]).json()
    assert patient["audience"] == "patient" and patient["writer"] == "llm"
    fu = client.post("/api/ask", json={"question": "And in older adults?", "follow_up_of": art["id"]},
                     headers=h["carl"])
    assert fu.status_code == 201 and fu.json()["follow_up_of"] == art["id"]
    assert fu.json()["writer"] in ("llm", "extractive") and fake.calls >= 2
    for action in ("start_review", "request_changes"):
        t = client.post(f"/api/articles/{art['id']}/transitions", json={"action": action, "note": "check doses"},
                        headers=h["rita"])
        assert t.status_code == 200, t.text
    v2 = client.post(f"/api/articles/{art['id']}/versions", json={"note": "rewritten"}, headers=h["carl"])
    assert v2.status_code == 201, v2.text
    assert v2.json()["writer"] == "llm"


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.split("\n\n"):
        ev = re.search(r"^event: (\w+)$", block, re.M)
        data = re.search(r"^data: (.*)$", block, re.M)
        if ev and data:
            out.append((ev.group(1), json.loads(data.group(1))))
    return out


def test_streamed_answer_reports_progress_tokens_and_the_checked_article(site):
    client, h, engine, fake = site
    with client.stream("POST", "/api/ask/stream", json={"question": QUESTION, "writer": "llm"},
                       headers=h["carl"]) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = _events(text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "progress" and kinds[-1] == "article" and "token" in kinds
    stages = [d["stage"] for k, d in events if k == "progress"]
    assert "writing" in stages and "checking" in stages
    checking = next(d["text"] for k, d in events if k == "progress" and d["stage"] == "checking")
    assert checking == "checking 3 claims"
    draft = "".join(d["text"] for k, d in events if k == "token")
    assert "4.8 mg" in draft                         # the draft as written ...
    final = events[-1][1]
    assert "4.8 mg" not in json.dumps(final["article"]["sections"])   # ... the checked article without it
    assert final["url"] == f"/articles/{final['id']}"
    assert engine.articles().get(final["id"]).writer == "llm"


def test_streamed_errors_and_permissions(site):
    client, h, engine, fake = site
    r = client.post("/api/ask/stream", json={"question": QUESTION, "writer": "poem"}, headers=h["carl"])
    assert r.status_code == 422
    assert client.post("/api/ask/stream", json={"question": QUESTION}).status_code == 401


def test_pages_offer_the_writer_stream_it_and_show_reviewers_the_removed_sentences(site):
    from tests.interfaces.web.conftest import Browser

    client, h, engine, fake = site
    carl = Browser.login(TestClient(client.app), "carl", "long enough password")
    home = carl.client.get("/").text
    assert 'name="writer" value="llm"' in home and 'id="ask-progress"' in home
    r = carl.post("/ask/stream", {"question": QUESTION, "audience": "clinician", "writer": "llm"})
    assert r.status_code == 200
    final = _events(r.text)[-1]
    assert final[0] == "article"
    assert carl.post("/ask/stream", {"question": QUESTION, "writer": "llm"}, csrf=False).status_code in (400, 403)
    r = carl.post("/ask", {"question": QUESTION, "audience": "clinician", "writer": "llm"})
    assert r.status_code == 303
    page = carl.client.get(r.headers["location"]).text
    assert "Written by a language model (fake-model)" in page and "1 removed as unsupported" in page
    assert "Removed written sentences" in page and "4.8 mg" in page      # the author sees what was removed
    rita = Browser.login(TestClient(client.app), "rita", "long enough password")
    rpage = rita.client.get(r.headers["location"]).text
    assert "Removed written sentences (1)" in rpage and "number:" in rpage
