"""The article as readers see it (issue 12): only reviewed text for readers, a plain not-answered page, the answer
first."""

from __future__ import annotations

NOTE = "This article was approved for clinicians; a patient version has not been reviewed."


def _approved(web, user: str = "carl") -> dict:
    art = web.ask(user)
    assert web.act("rita", art["id"], "start_review").status_code == 200
    assert web.act("rita", art["id"], "approve").status_code == 200
    return art


def test_reader_never_gets_an_unreviewed_audience_api(web):
    art = _approved(web)
    n = len(web.engine.asked)
    for user in ("rhea", "carl", "rita"):   # a reader, the author and a reviewer, all on the approved version
        r = web.client.get(f"/api/articles/{art['id']}?audience=patient", headers=web.h(user))
        assert r.status_code == 200, (user, r.text)
        got = r.json()
        assert got["audience"] == "clinician" and got["status"] == "Approved", user
        assert "explanation)" not in str(got["sections"]), user
        assert got["requested_audience"] == "patient" and got["audience_note"] == NOTE, user
        # the shape is kept: every field of the stored article is there, unchanged
        plain = web.client.get(f"/api/articles/{art['id']}", headers=web.h(user)).json()
        assert {k: v for k, v in got.items() if k not in ("requested_audience", "audience_note")} == plain
        assert "requested_audience" not in plain
    assert len(web.engine.asked) == n      # nothing was written after the approval


def test_variant_made_before_approval_is_not_shown_to_readers(web):
    art = web.ask("carl")
    draft = web.client.get(f"/api/articles/{art['id']}?audience=patient", headers=web.h("carl")).json()
    assert draft["audience"] == "patient"          # an author may look at other audiences of a draft
    web.act("rita", art["id"], "start_review")
    web.act("rita", art["id"], "approve")
    got = web.client.get(f"/api/articles/{art['id']}?audience=patient", headers=web.h("rhea")).json()
    assert got["audience"] == "clinician" and "explanation)" not in str(got["sections"])
    assert got["audience_note"] == NOTE


def test_reader_page_shows_the_approved_audience_with_a_note(web):
    art = _approved(web)
    n = len(web.engine.asked)
    page = web.browser("rhea").client.get(f"/articles/{art['id']}?audience=patient")
    assert page.status_code == 200
    assert "explanation)" not in page.text and NOTE in page.text
    assert len(web.engine.asked) == n
