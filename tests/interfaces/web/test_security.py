"""Security details: headers, upload limits and sniffing, file names, input with odd characters, no 500s."""

from __future__ import annotations

import pytest

from tests.interfaces.web.conftest import make_web


def test_security_headers(web):
    b = web.browser("carl")
    r = b.client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    api = web.client.get("/api/me", headers=web.h("carl"))
    assert api.headers["cache-control"] == "no-store"


def test_upload_size_limit(tmp_path):
    w = make_web(tmp_path, max_upload_bytes=1000)
    big = {"file": ("big.txt", b"a" * 5000, "text/plain")}
    r = w.client.post("/api/sources", files=big, headers=w.h("admin"))
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    huge = b"x" * (200 * 1024)     # over the limit plus the multipart allowance: refused before it is read
    r = w.client.post("/api/sources", files={"file": ("h.txt", huge, "text/plain")}, headers=w.h("admin"))
    assert r.status_code == 413
    ok = w.client.post("/api/sources", files={"file": ("ok.txt", b"small text", "text/plain")}, headers=w.h("admin"))
    assert ok.status_code == 201


def test_non_upload_bodies_are_capped(web):
    r = web.client.post("/api/ask", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                        headers=web.h("carl") | {"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("name,data,status", [
    ("x.exe", b"MZ", 415), ("noext", b"hello", 415), ("fake.pdf", b"hello, not a pdf", 415),
    ("bin.txt", b"\x00\x01\x02binary", 415), ("latin.txt", "caf\xe9".encode("latin-1") + b" more text", 415),
    ("empty.txt", b"", 422), ("bad.xml", b"just words", 415), ("fail.txt", b"FAIL here", 201),
])
def test_upload_types_are_checked(web, name, data, status):
    r = web.client.post("/api/sources", files={"file": (name, data, "application/octet-stream")}, headers=web.h("admin"))
    assert r.status_code == status, r.text
    if status == 201:
        assert r.json()["failed"] == 1 and "fail.txt" in r.json()["errors"][0]
        assert "/tmp" not in r.json()["errors"][0]           # no server paths leak


def test_upload_never_uses_client_filename_as_path(web, tmp_path, monkeypatch):
    seen = []
    real = web.engine.ingest

    def spy(paths, fmt=None, **kw):
        seen.extend(paths)
        return real(paths, fmt, **kw)

    monkeypatch.setattr(web.engine, "ingest", spy)
    for name in ("../../../../tmp/owned.txt", "/etc/passwd.txt", "..\\..\\win.txt", "a/../../b.md", ".hidden.txt",
                 "con.txt\x00.pdf", "<script>.txt"):
        r = web.client.post("/api/sources", files={"file": (name, b"some text " + name.encode(), "text/plain")},
                            headers=web.h("admin"))
        assert r.status_code in (201, 415), (name, r.text)
    assert seen
    for p in seen:
        assert p.parent.name.startswith("curbside-upload-") and ".." not in p.parts
        assert not p.exists()                                   # temporary files are removed
    assert not (tmp_path / "owned.txt").exists()


def test_odd_characters_never_cause_a_500(web):
    for q in ["\x00", "a\x00b", "emoji 🧪 ok?", "‮right-to-left", "a" * 2000,
              "'; DROP TABLE articles; --", "\" OR 1=1", "NEAR(a b)", "*", "()", "\\u0000"]:
        r = web.client.post("/api/ask", json={"question": q}, headers=web.h("carl"))
        assert r.status_code in (201, 422), (q, r.status_code, r.text)
    r = web.client.post("/api/ask", content='{"question": "\\ud800"}'.encode(),
                        headers=web.h("carl") | {"content-type": "application/json"})
    assert r.status_code == 422
    r = web.client.post("/api/auth/login", content='{"username": "carl", "password": "\\udfff\\ud800xxxxxxxx"}'.encode(),
                        headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = web.client.post("/api/ask", content=b'{"question": "\xff\xfe"}',
                        headers=web.h("carl") | {"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["message"]


def test_login_is_throttled(tmp_path):
    w = make_web(tmp_path, login_per_minute=1, login_burst=3)
    codes = [w.client.post("/api/auth/login", json={"username": "carl", "password": "wrong one"}).status_code
             for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_rate_limit_in_pages(tmp_path):
    w = make_web(tmp_path, ask_per_minute=1, ask_burst=1)
    b = w.browser("carl")
    assert b.post("/ask", {"question": "q?"}).status_code == 303
    r = b.post("/ask", {"question": "q?"})
    assert r.status_code == 429 and "text/html" in r.headers["content-type"] and "Slow down" in r.text
