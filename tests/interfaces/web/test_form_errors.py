"""Form errors inline (issue 12): a refused form comes back as the same page, the message beside the form and at
the top (announced), what was typed kept, the navigation there; refusals of access stay error pages."""

from __future__ import annotations

NAV = ('href="/articles"', 'href="/library"', 'class="logout"')


def _same_page(r, form: str, status: int = 422) -> str:
    assert r.status_code == status, r.text[:300]
    html = r.text
    assert f'id="{form}-error"' in html and 'role="alert" id="error-summary"' in html
    assert f'aria-describedby="{form}-error"' in html or form == "submit"
    for link in NAV:
        assert link in html, link
    return html


def test_empty_question_stays_on_the_ask_page(web):
    b = web.browser("carl")
    n = len(web.engine.asked)
    html = _same_page(b.post("/ask", {"question": "   ", "audience": "patient"}), "ask")
    assert 'id="ask-form"' in html and "question: is empty" in html
    assert 'value="patient" checked' in html                 # the choice is kept
    assert len(web.engine.asked) == n


def test_request_changes_without_a_note_stays_on_the_article(web):
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    rita = web.browser("rita")
    html = _same_page(rita.post(f"/articles/{art['id']}/review", {"action": "request_changes", "note": " ",
                                                                 "version": "1"}), "review")
    assert "a note is required" in html and 'id="review-form"' in html and 'id="article-title"' in html
    assert web.ctx.articles.summary(art["id"]).state == "Under Review"
    # a stale version is shown the same way (409), the note kept
    web.client.post(f"/api/articles/{art['id']}/versions", json={"note": "v2"}, headers=web.h("carl"))
    html = _same_page(rita.post(f"/articles/{art['id']}/review", {"action": "approve", "note": "Looks right.",
                                                                 "version": "1"}), "review", 409)
    assert ">Looks right.</textarea>" in html and "no longer the current version" in html


def test_empty_follow_up_and_comment_and_strike_reason_stay_on_the_article(web):
    art = web.ask("carl")
    carl = web.browser("carl")
    html = _same_page(carl.post(f"/articles/{art['id']}/follow-up", {"question": " "}), "follow_up")
    assert 'id="follow-up-form"' in html
    html = _same_page(carl.post(f"/articles/{art['id']}/comments", {"body": " ", "target": "1-0", "version": "1"}),
                      "comment")
    assert '<option value="1-0" selected>' in html          # the sentence chosen is kept
    rita = web.browser("rita")
    html = _same_page(rita.post(f"/articles/{art['id']}/strike", {"target": "1-1", "reason": "", "version": "1"}),
                      "strike")
    assert '<details class="strike" open>' in html


def test_bad_upload_stays_on_the_library_page(web):
    admin = web.browser("admin")
    r = admin.post("/library/upload", {"title": "My guideline", "tier": "guideline"},
                   files={"file": ("notes.exe", b"MZ\x00\x01", "application/octet-stream")})
    html = _same_page(r, "upload", 415)
    assert "unsupported file type" in html and 'value="My guideline"' in html
    assert '<option value="guideline" selected>' in html and 'id="upload-form"' in html
    html = _same_page(admin.post("/library/upload", {"title": "x"}), "upload")
    assert "choose a file" in html


def test_access_refusals_stay_error_pages(web):
    art = web.ask("carl")
    r = web.browser("rhea").post(f"/articles/{art['id']}/review", {"action": "approve"})
    assert r.status_code == 404 and 'id="error-summary"' not in r.text and 'href="/library"' in r.text


def test_progress_is_announced_while_answering(web):
    html = web.browser("carl").client.get("/").text
    region = html[html.index('id="ask-progress"'):]
    region = region[:region.index(">")]
    assert 'role="status"' in region and 'aria-live="polite"' in region and "hidden" not in region
    assert f"Searching {len(web.engine.docs)} sources" in region
    js = web.client.get("/static/app.js").text
    assert 'getAttribute("data-progress")' in js
