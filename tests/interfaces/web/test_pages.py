"""Server-rendered pages: sign-in, ask, article, review actions, library, admin; CSRF on every form; escaping."""

from __future__ import annotations

import re

from tests.interfaces.web.conftest import Browser, csrf_of

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_pages_redirect_to_login(web):
    for url in ("/", "/articles", "/library", "/review", "/admin", "/account", "/articles/abc"):
        r = web.client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), url


def test_login_needs_csrf_and_right_password(web):
    page = web.client.get("/login")
    token = csrf_of(page.text)
    r = web.client.post("/login", data={"username": "carl", "password": "correct horse battery"},
                        follow_redirects=False)
    assert r.status_code == 403
    r = web.client.post("/login", data={"username": "carl", "password": "nope", "csrf_token": token},
                        follow_redirects=False)
    assert r.status_code == 401 and "Wrong username or password" in r.text
    page = web.client.get("/login")
    r = web.client.post("/login", data={"username": "carl", "password": "correct horse battery",
                                        "csrf_token": csrf_of(page.text), "next": "//evil.example/x"},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"     # no open redirect
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie.split("curbside_csrf")[0]


def test_secure_cookie_behind_tls_proxy(web):
    from fastapi.testclient import TestClient

    page = web.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in page.headers["set-cookie"]      # a header from an untrusted client changes nothing
    tls = TestClient(web.app, base_url="https://testserver")
    page = tls.get("/login")
    r = tls.post("/login", data={"username": "carl", "password": "correct horse battery",
                                 "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    session_cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("curbside_session=")][0]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie


def test_ask_read_and_everything_escaped(web):
    b = web.browser("carl")
    r = b.post("/ask", {"question": "HLH? " + XSS, "audience": "clinician"})
    assert r.status_code == 303
    page = b.client.get(r.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;2019&lt;/b&gt;" in html                     # document titles are escaped too
    assert "javascript:alert" not in html                          # unsafe source URLs are never links
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/111/"' in html
    assert 'href="https://doi.org/10.1/xyz"' in html
    assert "pending human review" in html and 'aria-current="step">Submitted' in html
    assert "Which best describes you?" in html and "Have a follow-up question?" in html
    assert "<details class=\"cite\"" in html and "Emapalumab is recommended." in html
    # audience switch
    aid = r.headers["location"].rsplit("/", 1)[1]
    patient = b.client.get(f"/articles/{aid}?audience=patient").text
    assert "(patient explanation)" in patient and 'value="patient" checked' in patient
    # follow-up (typed and suggested)
    r = b.post(f"/articles/{aid}/follow-up", {"question": "And in adults?", "audience": "clinician"})
    assert r.status_code == 200 and 'name="interpreted"' in r.text    # read in context, shown before answering
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    r = b.post(f"/articles/{aid}/follow-up", {"question": "And in adults?", "audience": "clinician",
                                             "interpreted": "HLH in adults?"})
    assert r.status_code == 303
    fu = r.headers["location"].rsplit("/", 1)[1]
    assert web.ctx.articles.get(fu).follow_up_of == aid


def test_every_form_post_needs_the_csrf_token(web):
    b = web.browser("carl")
    art = web.ask("carl")
    rita = web.browser("rita")
    admin = web.browser("admin")
    posts = [(b, "/ask", {"question": "q?"}), (b, f"/articles/{art['id']}/follow-up", {"question": "q?"}),
             (b, f"/articles/{art['id']}/submit", {}), (rita, f"/articles/{art['id']}/review", {"action": "start_review"}),
             (b, f"/articles/{art['id']}/revise", {}), (rita, f"/articles/{art['id']}/comments", {"body": "hi"}),
             (admin, "/admin/users", {"username": "zed", "password": "long enough sentence", "role": "reader"}),
             (admin, "/admin/users/carl", {"role": "reader"}), (b, "/account/tokens", {"label": "x"}),
             (b, "/account/password", {"current": "correct horse battery", "new": "another long one"}),
             (admin, "/library/delete", {"document_id": "pmid:111"}), (b, "/logout", {})]
    for who, url, data in posts:
        r = who.post(url, data, csrf=False)
        assert r.status_code == 403, (url, r.status_code)
        r = who.client.post(url, data=data | {"csrf_token": "forged"}, follow_redirects=False)
        assert r.status_code == 403, url
    assert web.ctx.articles.summary(art["id"]).state == "Submitted"
    assert web.ctx.accounts.user("zed") is None and "pmid:111" in web.engine.docs


def test_approval_without_csrf_token_fails(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    rita = web.browser("rita")
    r = rita.post(f"/articles/{art['id']}/review", {"action": "approve"}, csrf=False)
    assert r.status_code == 403
    assert web.ctx.articles.summary(art["id"]).state == "Under Review"
    r = rita.post(f"/articles/{art['id']}/review", {"action": "approve"})
    assert r.status_code == 303 and web.ctx.articles.summary(art["id"]).state == "Approved"


def test_csrf_token_of_one_session_does_not_work_in_another(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    rita, ravi = web.browser("rita"), web.browser("ravi")
    r = rita.client.post(f"/articles/{art['id']}/review", data={"action": "approve", "csrf_token": ravi.csrf},
                         follow_redirects=False)
    assert r.status_code == 403


def test_review_flow_in_pages(web):
    carl, rita, rhea = web.browser("carl"), web.browser("rita"), web.browser("rhea")
    aid = carl.post("/ask", {"question": "What treats HLH?"}).headers["location"].rsplit("/", 1)[1]
    assert carl.post(f"/articles/{aid}/submit", {"note": "check"}).status_code == 303
    queue = rita.client.get("/review").text
    assert f"/articles/{aid}" in queue
    assert carl.client.get("/review").status_code == 403
    page = rita.client.get(f"/articles/{aid}").text
    assert 'id="action-start_review"' in page and 'id="action-approve"' not in page
    assert rita.post(f"/articles/{aid}/review", {"action": "start_review"}).status_code == 303
    r = rita.post(f"/articles/{aid}/review", {"action": "request_changes", "note": ""})
    assert r.status_code == 422
    assert rita.post(f"/articles/{aid}/review", {"action": "request_changes", "note": "More <b>detail</b>"}).status_code == 303
    r = rita.post(f"/articles/{aid}/comments", {"body": "This <script>x</script> sentence", "target": "1-0"})
    assert r.status_code == 303
    page = carl.client.get(f"/articles/{aid}").text
    assert "This &lt;script&gt;x&lt;/script&gt; sentence" in page and "Changes requested" in page
    assert carl.post(f"/articles/{aid}/revise", {"question": "What treats HLH in adults?", "note": "adults"}).status_code == 303
    page = rita.client.get(f"/articles/{aid}").text
    assert 'aria-current="step">Under Review' in page and 'id="action-approve"' in page
    assert carl.post(f"/articles/{aid}/review", {"action": "approve"}).status_code == 403
    assert rhea.client.get(f"/articles/{aid}").status_code == 404
    assert rita.post(f"/articles/{aid}/review", {"action": "approve"}).status_code == 303
    page = rhea.client.get(f"/articles/{aid}").text
    assert 'aria-current="step">Approved' in page and "pending human review" not in page
    assert "Approved for clinicians by <strong>rita</strong>" in page and "in adults" in page
    assert 'id="review-form"' not in page and "follow-up-form" not in page   # a reader has no actions
    assert f"/articles/{aid}" in rhea.client.get("/").text


def test_library_page_upload_filter_delete(web):
    admin, carl = web.browser("admin"), web.browser("carl")
    page = carl.client.get("/library").text
    assert "HLH guideline &lt;b&gt;2019&lt;/b&gt;" in page and 'id="upload-form"' not in page
    r = carl.post("/library/upload", files={"file": ("a.txt", b"text", "text/plain")})
    assert r.status_code == 403
    r = admin.post("/library/upload", {"tier": "guideline", "title": "New <i>guideline</i>"},
                   files={"file": ("..\\..\\x.md", b"# Etoposide\nUse it.\n", "text/markdown")})
    assert r.status_code == 200 and "1 added" in r.text and "New &lt;i&gt;guideline&lt;/i&gt;" in r.text
    filtered = admin.client.get("/library?level=guideline").text
    assert "New &lt;i&gt;guideline&lt;/i&gt;" in filtered and "Salvage review" not in filtered
    r = admin.post("/library/upload", files={"file": ("evil.exe", b"MZ...", "application/octet-stream")})
    assert r.status_code == 415
    r = admin.post("/library/delete", {"document_id": "pmid:111"})
    assert r.status_code == 303 and "pmid:111" not in web.engine.docs


def test_admin_and_account_pages(web):
    admin, carl = web.browser("admin"), web.browser("carl")
    assert carl.client.get("/admin").status_code == 403
    page = admin.client.get("/admin").text
    assert "Audit log" in page and "carl" in page
    assert admin.post("/admin/users", {"username": "newbie", "password": "long enough sentence", "role": "clinician"}).status_code == 303
    assert web.ctx.accounts.user("newbie").role == "clinician"
    assert admin.post("/admin/users/newbie", {"role": "reviewer", "active": "1"}).status_code == 303
    assert web.ctx.accounts.user("newbie").role == "reviewer"
    assert admin.post("/admin/users/admin", {"role": "reader"}).status_code == 409
    r = carl.post("/account/tokens", {"label": "cli"})
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    assert web.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "carl"
    r = carl.post("/account/password", {"current": "wrong", "new": "another long one"})
    assert r.status_code == 403
    r = carl.post("/account/password", {"current": "correct horse battery", "new": "another long one"})
    assert r.status_code == 303
    assert carl.client.get("/", follow_redirects=False).status_code == 303    # sessions end on password change
    r = web.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})   # and so do API tokens
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    assert web.client.get("/api/me", headers=web.h("carl")).status_code == 401
    Browser.login(carl.client, "carl", "another long one")


def test_logout_ends_the_session(web):
    b = web.browser("carl")
    assert b.post("/logout").status_code == 303
    assert b.client.get("/", follow_redirects=False).status_code == 303


def test_error_pages_are_html_and_api_errors_json(web):
    b = web.browser("carl")
    r = b.client.get("/articles/doesnotexist")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "Not found" in r.text
    r = b.client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    r = web.client.get("/api/no/such")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = web.client.put("/api/ask", headers=web.h("carl"))
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
