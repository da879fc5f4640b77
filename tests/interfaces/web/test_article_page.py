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


def _abstained(web, author: str = "carl") -> str:
    """An article the library could not answer, as the engine writes one (notice items, reason, 2 checked)."""
    from curbside.answer import templates as T
    from curbside.answer.models import Item, Section, Verification

    art = web.engine.ask("What treats zebra fever?", save=False)
    art.abstained = True
    art.abstain_reason = "no retrieved passage addresses the question's main concepts"
    art.sections = [Section(title=T.SECTION_TITLES["notice"], kind="notice",
                            items=[Item(text=T.ABSTAIN_TEXT, kind="notice"),
                                   Item(text=T.abstain_suggestion(["zebra fever"]), kind="notice")])]
    art.references, art.follow_ups = [], []
    art.verification = Verification(checked=2)
    return web.engine.articles().save_new(art, author=author).id


def test_not_answered_page_is_plain_language(web):
    aid = _abstained(web)
    for user in ("carl", "admin"):
        page = web.browser(user).client.get(f"/articles/{aid}")
        assert page.status_code == 200, user
        text = page.text
        assert 'id="not-answered"' in text and "could not find an answer" in text, user
        for internal in ("no retrieved passage", "curbside ingest", "PATH", "Verified:", "statements checked",
                         "submit-for-review", "Submit for review"):
            assert internal not in text, (user, internal)
        # what the library holds near the topic (the fake library's titles), as such
        assert "near this topic" in text and "Salvage review" in text, user
    # only a role that can upload is told an editor can add sources in the Library
    assert "An editor can add sources in the" in web.browser("admin").client.get(f"/articles/{aid}").text
    assert "An editor can add sources" not in web.browser("carl").client.get(f"/articles/{aid}").text


def _with_bottom_line(web, verdict: str = "yes") -> str:
    """An article whose first section is the Bottom Line (as the engine writes one), with a verdict."""
    from curbside.answer.models import BottomLine, Section

    art = web.engine.ask("Does emapalumab help refractory HLH?", save=False)
    lead = art.sections[1].items[0].model_copy(deep=True)
    art.sections.insert(0, Section(title="Bottom Line", kind="bottom_line", items=[lead]))
    art.bottom_line = BottomLine(verdict=verdict, item=lead)
    return web.engine.articles().save_new(art, author="carl").id


def test_answer_first_with_verdict_and_compact_status_line(web):
    aid = _with_bottom_line(web)
    html = web.browser("carl").client.get(f"/articles/{aid}").text
    meta, bottom = html.index('id="article-meta"'), html.index("kind-bottom_line")
    audience, rest = html.index('id="audience-form"'), html.index("kind-options")
    assert meta < bottom < audience < rest
    # status, date, version and audience on the one line above the answer
    line = html[meta:html.index("</p>", meta)]
    assert "Submitted" in line and "Updated" in line and "Version 1 of 1" in line and "For: Clinician" in line
    # the verdict is a label beside the bottom line's quote
    section = html[bottom:html.index("</section>", bottom)]
    assert 'class="verdict verdict-yes"' in section and "Yes</strong>" in section
    assert section.index("verdict-yes") < section.index("Ruxolitinib helped.")
    # the reviewers line and the status stepper no longer come before the answer
    assert html.index('class="board"') > audience and html.index('class="steps"') > audience
    # no verdict, no label
    plain = web.browser("carl").client.get(f"/articles/{_with_bottom_line(web, '')}").text
    assert 'class="verdict' not in plain


def test_audience_switch_changes_only_on_an_explicit_action(web):
    aid = _with_bottom_line(web)
    html = web.browser("carl").client.get(f"/articles/{aid}").text
    form = html[html.index('id="audience-form"'):]
    form = form[:form.index("</form>")]
    assert 'type="submit"' in form and 'id="audience-update"' in form
    js = web.client.get("/static/app.js").text
    assert "audience-form" not in js and "form.submit()" not in js     # no submit on change (WCAG 3.2.2)


def test_a_non_answer_cannot_be_submitted_for_review(web):
    aid = _abstained(web)
    r = web.client.post(f"/api/articles/{aid}/submit", json={"note": "please"}, headers=web.h("carl"))
    assert r.status_code == 422, r.text
    assert "not answered" in r.json()["message"] and "nothing to review" in r.json()["message"]
    # the page form is refused the same way, with the navigation kept, and nothing reached the queue
    page = web.browser("carl").post(f"/articles/{aid}/submit", {"note": "please"})
    assert page.status_code == 422 and "nothing to review" in page.text and 'href="/library"' in page.text
    assert not web.ctx.articles.summary(aid).review_requested
    assert [e.action for e in web.ctx.articles.events(aid)].count("submit") == 0
    # an answered article still goes to the queue
    ok = web.ask("carl")
    assert web.client.post(f"/api/articles/{ok['id']}/submit", headers=web.h("carl")).status_code == 200
