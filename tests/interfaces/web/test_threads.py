"""Follow-ups as threads (issue 12): a follow-up that qualifies the earlier question is read in its context and
shown, editable, before it is answered; follow-ups are titled by the question they were answered as and listed
under their parent."""

from __future__ import annotations

import re

from curbside.answer.models import Article
from curbside.interfaces.web.thread import as_follow_up, combine, resolved_question, threaded

PARENT_Q = "What are the treatment options for refractory HLH?"
EBV = "What about in adults with EBV-driven disease?"
COMBINED = "What are the treatment options for refractory HLH in adults with EBV-driven disease?"


def _article(question: str, **kw) -> Article:
    return Article(question=question, generated_at="2025-01-01T00:00:00Z", title=question, **kw)


def test_combine_reads_a_qualifying_follow_up_in_its_parent_context():
    parent = _article(PARENT_Q)
    assert combine(parent, EBV) == COMBINED
    assert combine(parent, "And for pregnancy?") == "What are the treatment options for refractory HLH for pregnancy?"
    assert combine(parent, "how about  in children ") == "What are the treatment options for refractory HLH in children?"
    # questions that stand on their own, or that the engine resolves itself, are left alone
    for q in ("What is the dose?", "What about ruxolitinib?", "Is emapalumab safe in adults?", "What about?", ""):
        assert combine(parent, q) == "", q
    # a follow-up of a follow-up builds on the question its parent was answered as
    child = _article("What is the dose?", follow_up_of="a1")
    child.title = "What is the recommended dose of emapalumab for refractory HLH?"
    assert combine(child, "What about in infants?") == \
        "What is the recommended dose of emapalumab for refractory HLH in infants?"


def test_a_follow_up_is_titled_by_the_question_it_was_answered_as():
    parent = _article(PARENT_Q)
    resolved = _article("What is the dose?", follow_up_of="p1", interpretation=(
        "Interpreted as: What is the recommended dose of emapalumab for refractory HLH? (carried over condition: "
        "refractory HLH; intervention: emapalumab)"))
    assert resolved_question(resolved) == "What is the recommended dose of emapalumab for refractory HLH?"
    assert as_follow_up(resolved, parent, "What is the dose?").title == resolved_question(resolved)
    new = _article("Is emapalumab safe?", follow_up_of="p1", interpretation="Read as a new question: Is emapalumab safe?")
    assert as_follow_up(new, parent, "Is emapalumab safe?").title == "Is emapalumab safe?"
    made = as_follow_up(_article(COMBINED, follow_up_of="p1"), parent, EBV, COMBINED)
    assert made.title == COMBINED and EBV in made.interpretation and PARENT_Q in made.interpretation


def test_threaded_lists_follow_ups_under_their_parent():
    from types import SimpleNamespace as R

    rows = [R(id="c2", follow_up_of="c1"), R(id="x", follow_up_of=""), R(id="c1", follow_up_of="p"),
            R(id="p", follow_up_of=""), R(id="o", follow_up_of="gone")]
    got = [(t.row.id, t.depth) for t in threaded(rows)]
    assert got == [("x", 0), ("p", 0), ("c1", 1), ("c2", 2), ("o", 0)]
    loop = [R(id="a", follow_up_of="b"), R(id="b", follow_up_of="a")]
    assert sorted(t.row.id for t in threaded(loop)) == ["a", "b"]


def test_follow_up_page_shows_the_interpretation_before_answering(web):
    parent = web.ask("carl", PARENT_Q)
    b = web.browser("carl")
    n = len(web.engine.asked)
    r = b.post(f"/articles/{parent['id']}/follow-up", {"question": EBV, "audience": "clinician"})
    assert r.status_code == 200 and len(web.engine.asked) == n         # nothing answered yet
    assert f'<textarea id="interpreted" name="interpreted" rows="3" maxlength="2000" required>{COMBINED}</textarea>' in r.text
    assert 'href="/library"' in r.text                                   # the navigation is there
    # the asker edits the interpretation and confirms: that question is answered, on the parent's thread
    edited = COMBINED.replace("adults", "adults over 40")
    r = b.post(f"/articles/{parent['id']}/follow-up", {"question": EBV, "audience": "clinician", "interpreted": edited})
    assert r.status_code == 303
    aid = r.headers["location"].rsplit("/", 1)[1]
    assert web.engine.asked[-1][:3] == (edited, "clinician", parent["id"])
    art = web.client.get(f"/api/articles/{aid}", headers=web.h("carl")).json()
    assert art["title"] == edited and art["follow_up_of"] == parent["id"]
    assert EBV in art["interpretation"] and PARENT_Q in art["interpretation"]
    page = b.client.get(f"/articles/{aid}").text
    nav = page[page.index('<nav class="thread"'):]
    assert f'Follow-up to <a href="/articles/{parent["id"]}">{PARENT_Q}</a>' in nav[:nav.index("</nav>")]
    # the parent lists it in its thread; the article list shows it right under its parent
    parent_page = b.client.get(f"/articles/{parent['id']}").text
    replies = parent_page[parent_page.index('id="thread-replies"'):]
    assert f'<a href="/articles/{aid}">{edited}</a>' in replies[:replies.index("</section>")]
    listing = b.client.get("/articles").text
    rows = re.findall(r'<tr( class="thread-child depth-1")?>\s*<td>.*?href="/articles/([^"]+)"', listing, re.S)
    ids = [i for _, i in rows]
    assert ids.index(aid) == ids.index(parent["id"]) + 1 and rows[ids.index(aid)][0]


def test_follow_up_asked_as_written_and_plain_follow_ups_answer_at_once(web):
    parent = web.ask("carl", PARENT_Q)
    b = web.browser("carl")
    r = b.post(f"/articles/{parent['id']}/follow-up", {"question": EBV, "as_written": "1"})
    assert r.status_code == 303 and web.engine.asked[-1][0] == EBV
    r = b.post(f"/articles/{parent['id']}/follow-up", {"question": "What is the dose of emapalumab?"})
    assert r.status_code == 303 and web.engine.asked[-1][0] == "What is the dose of emapalumab?"


def test_api_follow_up_is_read_in_context(web):
    parent = web.ask("carl", PARENT_Q)
    art = web.ask("carl", EBV, follow_up_of=parent["id"])
    assert art["question"] == COMBINED and art["title"] == COMBINED and art["follow_up_of"] == parent["id"]
    assert web.engine.asked[-1][0] == COMBINED
    # a reader cannot ask, and nobody can follow up an article they may not read
    r = web.client.post("/api/ask", json={"question": EBV, "follow_up_of": parent["id"]}, headers=web.h("cleo"))
    assert r.status_code == 404
