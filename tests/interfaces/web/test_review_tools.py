"""Review that covers what readers see (issue 12): the reviewer's note on top for the author, two versions side by
side, striking one sentence (a new version without it), display names, and which audience was approved."""

from __future__ import annotations

import re
from html import unescape

from tests.interfaces.web.conftest import PASSWORD, Browser


def _rosa(web) -> Browser:
    """A reviewer with a display name."""
    web.ctx.accounts.add_user("rosa", PASSWORD, "reviewer", display_name="Dr Rosa Ng")
    web.tokens["rosa"] = web.ctx.accounts.create_token(web.ctx.accounts.user("rosa"), "test")[0]
    return web.browser("rosa")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_request_changes_note_is_on_top_for_the_author(web):
    rosa = _rosa(web)
    art = web.ask("carl")
    assert rosa.post(f"/articles/{art['id']}/review", {"action": "request_changes",
                                                       "note": "Restrict to adults, please."}).status_code == 303
    html = web.browser("carl").client.get(f"/articles/{art['id']}").text
    box = html[html.index('id="changes-asked"'):]
    box = _text(box[:box.index("</div>")])
    assert "Changes requested by Dr Rosa Ng" in box and "Restrict to adults, please." in box
    assert "Make a new version" in box
    # above the answer, right under the status line
    assert html.index('id="article-meta"') < html.index('id="changes-asked"') < html.index("article-section")
    # once a new version is made the request is answered and no longer on top
    web.client.post(f"/api/articles/{art['id']}/versions", json={"note": "done"}, headers=web.h("carl"))
    assert 'id="changes-asked"' not in web.browser("carl").client.get(f"/articles/{art['id']}").text


def test_strike_one_sentence_makes_a_new_version_and_compare_shows_it(web):
    rosa = _rosa(web)
    art = web.ask("carl")
    struck = art["sections"][1]["items"][1]["text"]        # "Ruxolitinib helped."
    page = rosa.client.get(f"/articles/{art['id']}").text
    assert 'id="strike-form"' in page
    # a reason is required; nothing changes without one
    r = rosa.post(f"/articles/{art['id']}/strike", {"target": "1-1", "reason": " ", "version": "1"})
    assert r.status_code == 422 and web.ctx.articles.summary(art["id"]).current_version == 1
    r = rosa.post(f"/articles/{art['id']}/strike", {"target": "9-9", "reason": "x", "version": "1"})
    assert r.status_code == 422
    r = rosa.post(f"/articles/{art['id']}/strike", {"target": "1-1", "reason": "Not about refractory disease.",
                                                    "version": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("msg=struck")
    s = web.ctx.articles.summary(art["id"])
    assert s.current_version == 2 and s.state == "Under Review"
    v2 = web.ctx.articles.get(art["id"])
    assert struck not in [it.text for sec in v2.sections for it in sec.items]
    assert [it.text for it in v2.sections[0].items] == [it["text"] for it in art["sections"][0]["items"]]
    note = web.ctx.articles.versions(art["id"])[-1].note
    assert "Struck §2.2" in note and "Not about refractory disease." in note
    # a stale version is refused (someone else changed it meanwhile)
    assert rosa.post(f"/articles/{art['id']}/strike", {"target": "1-0", "reason": "x", "version": "1"}).status_code == 409
    # four eyes: the reviewer who struck it made this version and may not approve it; another reviewer may
    assert web.act("rosa", art["id"], "approve").status_code == 403
    assert web.act("rita", art["id"], "approve").status_code == 200
    # the comparison: version 1 with the struck sentence removed, version 2 without it
    cmp = rosa.client.get(f"/articles/{art['id']}/compare")
    assert cmp.status_code == 200
    left = cmp.text[cmp.text.index('id="cur-title"'):cmp.text.index('id="new-title"')]
    right = cmp.text[cmp.text.index('id="new-title"'):]
    assert f"<del>{struck}</del>" in left and struck not in right and "Not about refractory disease." in cmp.text
    assert web.browser("carl").client.get(f"/articles/{art['id']}/compare?a=1&b=2").status_code == 200
    assert rosa.client.get(f"/articles/{art['id']}/compare?a=1&b=7").status_code == 404
    # readers never see the review tools
    assert web.browser("rhea").client.get(f"/articles/{art['id']}/compare").status_code == 403
    assert web.browser("rhea").post(f"/articles/{art['id']}/strike", {"target": "0-0", "reason": "x"}).status_code in (403, 404)


def test_display_names_and_the_approved_audience_on_a_published_article(web):
    rosa = _rosa(web)
    art = web.ask("carl")
    assert web.act("rosa", art["id"], "start_review").status_code == 200
    rosa.post(f"/articles/{art['id']}/comments", {"body": "Fine.", "target": "article", "version": "1"})
    assert web.act("rosa", art["id"], "approve").status_code == 200
    reader = web.browser("rhea").client.get(f"/articles/{art['id']}").text
    line = _text(reader[reader.index('class="approval"'):reader.index("</span>", reader.index('class="approval"'))])
    assert "Approved for clinicians by Dr Rosa Ng on" in line
    staff = web.browser("rita").client.get(f"/articles/{art['id']}").text
    assert "approved by Dr Rosa Ng" in staff and "<strong>Dr Rosa Ng</strong>" in staff    # versions, comments
    assert "rosa:" not in _text(staff[staff.index('class="history"'):])                     # history too


def test_the_reviewer_is_told_which_audience_approval_publishes(web):
    art = web.ask("carl", audience="trainee")
    web.act("rita", art["id"], "start_review")
    html = web.browser("rita").client.get(f"/articles/{art['id']}").text
    scope = _text(html[html.index('id="approve-scope"'):html.index("</p>", html.index('id="approve-scope"'))])
    assert "as written for trainees and students" in scope
    assert 'href="#review" class="jump"' in html            # a jump to the review panel (far down on a phone)
    assert 'class="jump"' not in web.browser("rhea").client.get(f"/articles/{_published(web)}").text


def _published(web) -> str:
    art = web.ask("carl")
    web.act("rita", art["id"], "start_review")
    web.act("rita", art["id"], "approve")
    return art["id"]


def test_reviewer_credentials_set_by_an_admin_are_shown_on_the_published_article(web):
    # the API: an admin creates a reviewer with credentials and changes them
    r = web.client.post("/api/users", headers=web.h("admin"), json={
        "username": "ann", "password": PASSWORD, "role": "reviewer", "display_name": "Dr A. Smith",
        "credentials": "MD"})
    assert r.status_code == 201 and r.json()["credentials"] == "MD", r.text
    r = web.client.patch("/api/users/ann", headers=web.h("admin"), json={"credentials": "MD, Haematologist"})
    assert r.status_code == 200 and r.json()["credentials"] == "MD, Haematologist", r.text
    assert web.client.patch("/api/users/ann", headers=web.h("carl"), json={"credentials": "Prof"}).status_code == 403
    assert web.client.post("/api/users", headers=web.h("admin"), json={
        "username": "x", "password": PASSWORD, "role": "reader", "credentials": "y" * 201}).status_code == 422
    # the admin page: shown in the users table, changed with the row's Save
    admin = web.browser("admin")
    page = admin.client.get("/admin").text
    assert 'name="credentials"' in page and 'name="credentials_field"' in page and "MD, Haematologist" in page
    r = admin.post("/admin/users/ann", {"role": "reviewer", "active": "1", "credentials_field": "1",
                                        "credentials": " MD, Consultant Haematologist "})
    assert r.status_code == 303
    assert web.ctx.accounts.user("ann").credentials == "MD, Consultant Haematologist"
    assert admin.post("/admin/users", {"username": "bea", "password": PASSWORD, "role": "reviewer",
                                       "display_name": "Dr B. Lee", "credentials": "FRCPath"}).status_code == 303
    assert web.ctx.accounts.user("bea").credentials == "FRCPath"
    web.tokens["ann"] = web.ctx.accounts.create_token(web.ctx.accounts.user("ann"), "test")[0]
    # the published article: the approver's name and credentials; other people's names stay plain
    art = web.ask("carl")
    assert web.act("ann", art["id"], "start_review").status_code == 200
    assert web.act("ann", art["id"], "approve").status_code == 200
    reader = web.browser("rhea").client.get(f"/articles/{art['id']}").text
    line = _text(reader[reader.index('class="approval"'):reader.index("</span>", reader.index('class="approval"'))])
    assert "Approved for clinicians by Dr A. Smith, MD, Consultant Haematologist on" in line, line
    staff = web.browser("rita").client.get(f"/articles/{art['id']}").text
    assert "approved by Dr A. Smith, MD, Consultant Haematologist" in _text(staff)     # the versions list
    # without credentials only the name is shown
    admin.post("/admin/users/ann", {"role": "admin", "active": "1"})     # a form without the field keeps them
    assert web.ctx.accounts.user("ann").credentials == "MD, Consultant Haematologist"
    admin.post("/admin/users/ann", {"role": "reviewer", "active": "1", "credentials_field": "1", "credentials": ""})
    reader = web.browser("rhea").client.get(f"/articles/{art['id']}").text
    line = _text(reader[reader.index('class="approval"'):reader.index("</span>", reader.index('class="approval"'))])
    assert "Approved for clinicians by Dr A. Smith on" in line, line
