"""Fixtures: the web app on a temporary store with a fake engine, one user per role, tokens and logged-in browsers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from tests.interfaces.web.fakes import FakeEngine

PASSWORD = "correct horse battery"
USERS = {"admin": "admin", "rita": "reviewer", "ravi": "reviewer", "carl": "clinician", "cleo": "clinician",
         "rhea": "reader"}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """argon2 with small parameters in tests (the production defaults take ~0.2 s a hash)."""
    from curbside.review import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Web:
    app: object
    ctx: object
    engine: FakeEngine
    client: TestClient
    tokens: dict

    def h(self, user: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def ask(self, user: str = "carl", question: str = "What treats refractory HLH?", **kw) -> dict:
        r = self.client.post("/api/ask", json={"question": question, **kw}, headers=self.h(user))
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, user: str, article_id: str, action: str, note: str = ""):
        return self.client.post(f"/api/articles/{article_id}/transitions", json={"action": action, "note": note},
                                headers=self.h(user))

    def browser(self, user: str) -> "Browser":
        return Browser.login(TestClient(self.app), user)


@dataclass
class Browser:
    client: TestClient
    csrf: str

    @classmethod
    def login(cls, client: TestClient, user: str, password: str = PASSWORD) -> "Browser":
        page = client.get("/login")
        token = csrf_of(page.text)
        r = client.post("/login", data={"username": user, "password": password, "csrf_token": token, "next": "/"},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        home = client.get("/")
        return cls(client, csrf_of(home.text))

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return self.client.post(url, data=data, follow_redirects=False, **kw)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def real_engine(settings):
    """The real Engine on a small invented corpus (a guideline with PubMed and DOI ids)."""
    from pathlib import Path

    from curbside.engine import Engine

    engine = Engine(settings)
    fixtures = Path(__file__).parent / "fixtures"
    engine.ingest([fixtures / "web_guideline.md"], pmid="90000001", doi="10.9999/invented.2021.1", year=2021,
                  journal="Journal of Invented Medicine")
    return engine


def make_web(tmp_path, real: bool = False, **config) -> Web:
    from curbside.interfaces.web.app import create_app
    from curbside.interfaces.web.config import WebConfig
    from curbside.settings import load_settings

    settings = load_settings(tmp_path / "home", load_default_corpus=False, embed=False)
    engine = real_engine(settings) if real else FakeEngine(settings)
    cfg = WebConfig(**({"ask_per_minute": 6000, "ask_burst": 1000, "login_per_minute": 6000, "login_burst": 1000}
                       | config))
    app = create_app(settings, engine, cfg)
    ctx = app.state.ctx
    tokens = {}
    for name, role in USERS.items():
        user = ctx.accounts.add_user(name, PASSWORD, role)
        tokens[name] = ctx.accounts.create_token(user, "test")[0]
    return Web(app, ctx, engine, TestClient(app), tokens)


@pytest.fixture
def web(tmp_path) -> Web:
    w = make_web(tmp_path)
    yield w
    w.engine.close()
