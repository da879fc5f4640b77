"""JSON API: every endpoint, every role, the review rules and the article JSON contract."""

from __future__ import annotations

from curbside.answer.models import Article


def test_health_needs_no_login_and_everything_else_does(web):
    assert web.client.get("/api/health").json() == {"status": "ok"}
    for method, url in [("get", "/api/me"), ("get", "/api/articles"), ("post", "/api/ask"), ("get", "/api/sources"),
                        ("get", "/api/users"), ("get", "/api/tokens"), ("get", "/api/audit")]:
        r = getattr(web.client, method)(url)
        assert r.status_code == 401, (url, r.text)
        assert r.json()["error"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"


def test_bad_tokens_are_rejected(web):
    for header in ("Bearer nope", "Bearer ", "Basic YWRtaW46eA==", "Bearer " + web.tokens["carl"] + "x"):
        r = web.client.get("/api/me", headers={"Authorization": header})
        assert r.status_code == 401, header


def test_me_and_tokens_belong_to_their_user(web):
    assert web.client.get("/api/me", headers=web.h("carl")).json()["username"] == "carl"
    assert web.client.get("/api/me", headers=web.h("rita")).json()["role"] == "reviewer"
    r = web.client.post("/api/tokens", json={"label": "laptop"}, headers=web.h("carl"))
    assert r.status_code == 201
    new = r.json()
    assert new["token"].startswith("cs_") and new["user"]["username"] == "carl"
    # the token is stored hashed only
    rows = web.ctx.accounts.db.all("SELECT token_hash FROM api_tokens")
    assert all(new["token"] not in r[0] for r in rows)
    listed = web.client.get("/api/tokens", headers=web.h("carl")).json()
    assert new["info"]["id"] in [t["id"] for t in listed]
    # cleo cannot see or revoke carl's token
    assert new["info"]["id"] not in [t["id"] for t in web.client.get("/api/tokens", headers=web.h("cleo")).json()]
    assert web.client.delete(f"/api/tokens/{new['info']['id']}", headers=web.h("cleo")).status_code == 404
    assert web.client.delete(f"/api/tokens/{new['info']['id']}", headers=web.h("carl")).status_code == 204
    assert web.client.get("/api/me", headers={"Authorization": "Bearer " + new["token"]}).status_code == 401


def test_login_for_a_token(web):
    r = web.client.post("/api/auth/login", json={"username": "carl", "password": "correct horse battery"})
    assert r.status_code == 201
    tok = r.json()["token"]
    assert web.client.get("/api/me", headers={"Authorization": f"Bearer {tok}"}).json()["username"] == "carl"
    bad = web.client.post("/api/auth/login", json={"username": "carl", "password": "wrong password"})
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"
    ghost = web.client.post("/api/auth/login", json={"username": "ghost", "password": "wrong password"})
    assert ghost.status_code == 401
    assert any(e.action == "login_failed" for e in web.ctx.audit.entries())


def test_ask_returns_exactly_the_article_json(web):
    art = web.ask("carl", "What treats refractory HLH?")
    assert set(art) == set(Article.model_fields)
    assert art["status"] == "Submitted" and art["id"]
    stored = web.ctx.articles.get(art["id"])
    assert art == stored.model_dump()
    got = web.client.get(f"/api/articles/{art['id']}", headers=web.h("carl")).json()
    assert got == stored.model_dump()


def test_ask_input_errors_are_clear(web):
    for body, status in [({}, 422), ({"question": ""}, 422), ({"question": "   "}, 422),
                         ({"question": "x" * 2001}, 422), ({"question": "ok?", "audience": "robot"}, 422),
                         ({"question": "ok?", "follow_up_of": "doesnotexist"}, 404)]:
        r = web.client.post("/api/ask", json=body, headers=web.h("carl"))
        assert r.status_code == status, (body, r.text)
        assert r.json()["message"]
    r = web.client.post("/api/ask", content=b"{not json", headers=web.h("carl") | {"content-type": "application/json"})
    assert r.status_code == 422


def test_reader_cannot_ask_and_sees_only_published(web):
    assert web.client.post("/api/ask", json={"question": "q?"}, headers=web.h("rhea")).status_code == 403
    art = web.ask("carl")
    assert web.client.get(f"/api/articles/{art['id']}", headers=web.h("rhea")).status_code == 404
    assert web.client.get("/api/articles", headers=web.h("rhea")).json() == []
    # another clinician does not see carl's unpublished article either
    assert web.client.get(f"/api/articles/{art['id']}", headers=web.h("cleo")).status_code == 404
    assert web.act("rita", art["id"], "start_review").status_code == 200
    assert web.act("rita", art["id"], "approve").status_code == 200
    got = web.client.get(f"/api/articles/{art['id']}", headers=web.h("rhea"))
    assert got.status_code == 200 and got.json()["status"] == "Approved"
    assert [a["id"] for a in web.client.get("/api/articles", headers=web.h("rhea")).json()] == [art["id"]]
    assert web.client.get(f"/api/articles/{art['id']}/review", headers=web.h("rhea")).status_code == 403


def test_reader_cannot_approve(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    r = web.act("rhea", art["id"], "approve")
    assert r.status_code == 404  # not even visible to a reader before approval
    web.act("rita", art["id"], "approve")
    # and after publication: visible, but still not allowed to act
    r = web.act("rhea", art["id"], "retire")
    assert r.status_code == 403


def test_clinician_cannot_approve_own_article_nor_anyone_approve_their_own(web):
    art = web.ask("carl")
    r = web.act("carl", art["id"], "start_review")
    assert r.status_code == 403
    # a reviewer who asked the question may not review it either
    own = web.ask("rita")
    assert web.act("rita", own["id"], "start_review").status_code == 403
    assert web.act("ravi", own["id"], "start_review").status_code == 200
    assert web.act("rita", own["id"], "approve").status_code == 403
    assert web.act("ravi", own["id"], "approve").status_code == 200


def test_admin_is_not_a_reviewer(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    assert web.act("admin", art["id"], "approve").status_code == 403
    assert web.act("admin", art["id"], "retire").status_code == 200


def test_full_review_workflow_with_versions(web):
    art = web.ask("carl")
    aid = art["id"]
    r = web.client.post(f"/api/articles/{aid}/submit", json={"note": "please check doses"}, headers=web.h("carl"))
    assert r.status_code == 200 and r.json()["review_requested"]
    queue = web.client.get("/api/articles?queue=true", headers=web.h("rita")).json()
    assert aid in [a["id"] for a in queue]
    assert web.client.get("/api/articles?queue=true", headers=web.h("carl")).status_code == 403
    # wrong-state and missing-note errors
    assert web.act("rita", aid, "approve").status_code == 409
    assert web.act("rita", aid, "request_changes").status_code == 422
    assert web.act("rita", aid, "start_review").json()["state"] == "Under Review"
    r = web.act("rita", aid, "request_changes", "Add the paediatric dose.")
    assert r.json()["state"] == "Changes requested"
    # comments on the article and on one sentence
    c1 = web.client.post(f"/api/articles/{aid}/comments", json={"body": "Overall fine."}, headers=web.h("rita"))
    c2 = web.client.post(f"/api/articles/{aid}/comments", json={"body": "Cite the trial", "section": 1, "item": 0},
                         headers=web.h("rita"))
    assert c1.status_code == c2.status_code == 201
    assert c2.json()["section"] == 1 and c2.json()["item"] == 0
    bad = web.client.post(f"/api/articles/{aid}/comments", json={"body": "x", "section": 9, "item": 0},
                          headers=web.h("rita"))
    assert bad.status_code == 422
    assert web.client.post(f"/api/articles/{aid}/comments", json={"body": "hi"}, headers=web.h("cleo")).status_code == 404
    comments = web.client.get(f"/api/articles/{aid}/comments", headers=web.h("carl")).json()
    assert [c["body"] for c in comments] == ["Overall fine.", "Cite the trial"]
    # the author makes a new version: Under Review
    r = web.client.post(f"/api/articles/{aid}/versions", json={"question": "What treats refractory HLH in children?",
                                                               "note": "added children"}, headers=web.h("carl"))
    assert r.status_code == 201
    v2 = r.json()
    assert v2["id"] == aid and v2["status"] == "Under Review" and "children" in v2["question"]
    versions = web.client.get(f"/api/articles/{aid}/versions", headers=web.h("carl")).json()
    assert [(v["version"], v["state"]) for v in versions] == [(1, "Changes requested"), (2, "Under Review")]
    # the reviewer approves: recorded with reviewer and time
    r = web.act("rita", aid, "approve", "Good now.")
    assert r.status_code == 200 and r.json()["state"] == "Approved" and r.json()["published_version"] == 2
    versions = web.client.get(f"/api/articles/{aid}/versions", headers=web.h("carl")).json()
    assert versions[1]["approved_by"] == "rita" and versions[1]["approved_at"]
    review = web.client.get(f"/api/articles/{aid}/review", headers=web.h("rita")).json()
    assert [e["action"] for e in review["events"]] == ["create", "submit", "start_review", "request_changes",
                                                        "comment", "comment", "new_version", "approve"]
    # version 1 stays readable as stored, with its own state
    v1 = web.client.get(f"/api/articles/{aid}?version=1", headers=web.h("carl")).json()
    assert v1["question"] == "What treats refractory HLH?" and v1["status"] == "Changes requested"
    # readers see version 2 only
    assert web.client.get(f"/api/articles/{aid}?version=1", headers=web.h("rhea")).status_code == 404
    assert web.client.get(f"/api/articles/{aid}", headers=web.h("rhea")).json()["question"].endswith("children?")
    # retire: no longer published
    assert web.act("carl", aid, "retire").status_code == 403
    assert web.act("rita", aid, "retire").json()["state"] == "Retired"
    assert web.client.get(f"/api/articles/{aid}", headers=web.h("rhea")).status_code == 404
    assert web.act("rita", aid, "retire").status_code == 409
    assert web.client.post(f"/api/articles/{aid}/versions", json={}, headers=web.h("carl")).status_code == 409


def test_unknown_article_and_bad_ids(web):
    for url in ("/api/articles/nope", "/api/articles/nope/versions", "/api/articles/nope/comments",
                "/api/articles/nope/review", "/api/articles/nope/changes"):
        assert web.client.get(url, headers=web.h("rita")).status_code == 404, url
    assert web.client.get("/api/articles/%3Cscript%3E", headers=web.h("rita")).status_code == 422
    assert web.act("rita", "nope", "approve").status_code == 404
    r = web.client.post("/api/articles/nope/transitions", json={"action": "explode"}, headers=web.h("rita"))
    assert r.status_code == 422


def test_audience_switch_and_follow_up(web):
    art = web.ask("carl")
    patient = web.client.get(f"/api/articles/{art['id']}?audience=patient", headers=web.h("carl")).json()
    assert patient["audience"] == "patient" and patient["id"] == art["id"]
    assert "(patient explanation)" in patient["sections"][1]["items"][0]["text"]
    n = len(web.engine.asked)
    again = web.client.get(f"/api/articles/{art['id']}?audience=patient", headers=web.h("carl")).json()
    assert again == patient and len(web.engine.asked) == n          # stored once, shown again unchanged
    fu = web.ask("carl", "And the dose?", follow_up_of=art["id"])
    assert fu["follow_up_of"] == art["id"]


def test_cookie_session_on_the_api_needs_the_csrf_header(web):
    b = web.browser("rita")
    art = web.ask("carl")
    r = b.client.post(f"/api/articles/{art['id']}/transitions", json={"action": "start_review"})
    assert r.status_code == 403 and r.json()["error"] == "csrf_failed"
    r = b.client.post(f"/api/articles/{art['id']}/transitions", json={"action": "start_review"},
                      headers={"X-CSRF-Token": b.csrf})
    assert r.status_code == 200
    assert b.client.get("/api/me").json()["username"] == "rita"   # reads need no header


def test_token_for_one_user_cannot_act_as_another(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    # carl's token with rita's session cookie: the token wins, and carl may not approve
    b = web.browser("rita")
    r = b.client.post(f"/api/articles/{art['id']}/transitions", json={"action": "approve"},
                      headers=web.h("carl") | {"X-CSRF-Token": b.csrf})
    assert r.status_code == 403
    # everything done with a token is recorded as its owner
    cleo = web.ask("cleo")
    assert web.ctx.articles.summary(cleo["id"]).author == "cleo"
    assert web.client.post(f"/api/articles/{cleo['id']}/submit", headers=web.h("carl")).status_code == 404
    # no endpoint lets a user mint a token for someone else
    r = web.client.post("/api/tokens", json={"label": "x", "user": "rita"}, headers=web.h("carl"))
    assert r.json()["user"]["username"] == "carl"


def test_sources_list_upload_delete(web):
    docs = web.client.get("/api/sources", headers=web.h("rhea")).json()
    assert {d["id"] for d in docs} == {"pmid:111", "doi:10.1/xyz"}
    only = web.client.get("/api/sources?evidence_level=guideline", headers=web.h("rhea")).json()
    assert [d["id"] for d in only] == ["pmid:111"]
    assert web.client.get("/api/sources?evidence_level=bogus", headers=web.h("rhea")).status_code == 422
    files = {"file": ("../../etc/passwd.txt", b"A new trial of etoposide.\n", "text/plain")}
    assert web.client.post("/api/sources", files=files, headers=web.h("carl")).status_code == 403
    r = web.client.post("/api/sources", files=files, data={"tier": "rct"}, headers=web.h("admin"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["added"] == 1 and body["file"] == "passwd.txt"
    new_id = body["document_ids"][0]
    assert web.client.delete(f"/api/sources/{new_id}", headers=web.h("rita")).status_code == 403
    assert web.client.delete(f"/api/sources/{new_id}", headers=web.h("admin")).status_code == 204
    assert web.client.delete(f"/api/sources/{new_id}", headers=web.h("admin")).status_code == 404
    assert web.client.delete("/api/sources/doi:10.1/xyz", headers=web.h("admin")).status_code == 204


def test_users_admin_only(web):
    assert web.client.get("/api/users", headers=web.h("rita")).status_code == 403
    assert len(web.client.get("/api/users", headers=web.h("admin")).json()) == 6
    r = web.client.post("/api/users", json={"username": "nina", "password": "long enough passphrase", "role": "reviewer"},
                        headers=web.h("admin"))
    assert r.status_code == 201 and r.json()["role"] == "reviewer"
    assert web.client.post("/api/users", json={"username": "nina", "password": "long enough passphrase", "role": "reader"},
                           headers=web.h("admin")).status_code == 409
    assert web.client.post("/api/users", json={"username": "x y", "password": "long enough passphrase", "role": "reader"},
                           headers=web.h("admin")).status_code == 422
    assert web.client.post("/api/users", json={"username": "z", "password": "short", "role": "reader"},
                           headers=web.h("admin")).status_code == 422
    assert web.client.post("/api/users", json={"username": "z", "password": "long enough passphrase", "role": "god"},
                           headers=web.h("admin")).status_code == 422
    assert web.client.post("/api/users", json={"username": "z", "password": "long enough passphrase", "role": "admin"},
                           headers=web.h("rita")).status_code == 403
    r = web.client.patch("/api/users/carl", json={"active": False}, headers=web.h("admin"))
    assert r.status_code == 200 and not r.json()["active"]
    assert web.client.get("/api/me", headers=web.h("carl")).status_code == 401   # tokens revoked with the account
    assert web.client.patch("/api/users/admin", json={"role": "reader"}, headers=web.h("admin")).status_code == 409
    assert web.client.patch("/api/users/ghost", json={"role": "reader"}, headers=web.h("admin")).status_code == 404


def test_audit_log_records_who_did_what(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    assert web.client.get("/api/audit", headers=web.h("rita")).status_code == 403
    entries = web.client.get("/api/audit", headers=web.h("admin")).json()
    assert ("rita", "start_review", art["id"]) in [(e["actor"], e["action"], e["target"]) for e in entries]
    assert ("carl", "ask", art["id"]) in [(e["actor"], e["action"], e["target"]) for e in entries]


def test_search(web):
    r = web.client.get("/api/search?q=emapalumab", headers=web.h("carl"))
    assert r.status_code == 200 and r.json()[0]["document_id"]
    assert web.client.get("/api/search?q=x", headers=web.h("rhea")).status_code == 403


def test_rate_limit_on_ask(tmp_path):
    from tests.interfaces.web.conftest import make_web

    w = make_web(tmp_path, ask_per_minute=1, ask_burst=2)
    codes = [w.client.post("/api/ask", json={"question": "q?"}, headers=w.h("carl")).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = w.client.post("/api/ask", json={"question": "q?"}, headers=w.h("carl"))
    assert r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    # another user has their own bucket
    assert w.client.post("/api/ask", json={"question": "q?"}, headers=w.h("cleo")).status_code == 201


def test_openapi_documents_the_api(web):
    spec = web.client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/ask", "/api/articles/{article_id}", "/api/articles/{article_id}/transitions",
            "/api/sources", "/api/users", "/api/tokens", "/api/auth/login"} <= paths
    assert not any(not p.startswith("/api/") for p in paths)


def test_transition_with_the_reviewed_version_refuses_a_newer_one(web):
    a = web.ask("carl")["id"]
    assert web.act("rita", a, "start_review").status_code == 200
    r = web.client.post(f"/api/articles/{a}/versions", json={"note": "edit"}, headers=web.h("ravi"))
    assert r.status_code == 201, r.text
    r = web.client.post(f"/api/articles/{a}/transitions", json={"action": "approve", "version": 1},
                        headers=web.h("rita"))
    assert r.status_code == 409 and "no longer the current version" in r.json()["message"]
    r = web.client.post(f"/api/articles/{a}/transitions", json={"action": "approve", "version": 2},
                        headers=web.h("rita"))
    assert r.status_code == 200 and r.json()["state"] == "Approved"
