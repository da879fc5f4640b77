"""ArticleStore: the contract Engine.ask relies on, versions, review states and their rules, comments."""

from __future__ import annotations

import pytest

from curbside.review import workflow as W
from curbside.review.comments import add_comment, comments
from tests.review.conftest import make_article

REV, REV2, CLIN, READER, ADMIN = (W.Actor("rita", "reviewer"), W.Actor("ravi", "reviewer"),
                                  W.Actor("carl", "clinician"), W.Actor("rhea", "reader"), W.Actor("ada", "admin"))


def test_save_new_and_get_exactly_as_stored(store):
    art = make_article()
    saved = store.save_new(art, author="carl")
    assert saved.id and len(saved.id) >= 8 and saved.status == "Submitted"
    assert art.id == ""                                    # the caller's object is not modified
    got = store.get(saved.id)
    assert got == saved
    assert got.model_dump() == saved.model_dump()
    assert store.get("nope") is None and store.get(saved.id, 7) is None
    rows = store.list()
    assert [r.id for r in rows] == [saved.id] and rows[0].state == "Submitted" and rows[0].author == "carl"
    assert store.list(state="Approved") == []


def test_ids_are_unique_and_url_safe(store):
    ids = {store.save_new(make_article(f"q{i}?")).id for i in range(50)}
    assert len(ids) == 50
    assert all(i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_states_and_rules(store):
    a = store.save_new(make_article(), author="carl").id
    with pytest.raises(W.WorkflowError) as e:
        store.transition(a, REV, "approve")
    assert e.value.status == 409                            # Submitted -> Approved skips review
    with pytest.raises(W.WorkflowError) as e:
        store.transition(a, CLIN, "start_review")
    assert e.value.status == 403
    with pytest.raises(W.WorkflowError):
        store.transition(a, READER, "start_review")
    assert store.transition(a, REV, "start_review").state == "Under Review"
    with pytest.raises(W.WorkflowError) as e:
        store.transition(a, REV, "request_changes", "")
    assert e.value.status == 422
    assert store.transition(a, REV, "request_changes", "fix it").state == "Changes requested"
    v2 = store.add_version(a, make_article("What treats HLH in adults?"), CLIN, "adults")
    assert v2.status == "Under Review" and v2.id == a
    # the reviser may not approve their own version; another reviewer may
    revised_by_rev = store.add_version(a, make_article("v3?"), REV2, "reworded")
    with pytest.raises(W.WorkflowError):
        store.transition(a, REV2, "approve")
    s = store.transition(a, REV, "approve", "ok")
    assert s.state == "Approved" and s.published_version == 3
    assert store.get(a).caution == "Reviewed and approved by a medical reviewer"
    assert revised_by_rev.question == "v3?"
    versions = store.versions(a)
    assert [(v.version, v.state) for v in versions] == [(1, "Changes requested"), (2, "Under Review"),
                                                        (3, "Approved")]
    assert versions[2].approved_by == "rita" and versions[2].published
    # a new version after approval: the approved one stays published until the new one is approved
    store.add_version(a, make_article("v4?"), CLIN, "new evidence")
    s = store.summary(a)
    assert s.state == "Under Review" and s.published_version == 3 and s.current_version == 4
    store.transition(a, REV, "approve")
    assert [v.state for v in store.versions(a)][2:] == ["Superseded", "Approved"]
    assert store.transition(a, ADMIN, "retire").state == "Retired"
    with pytest.raises(W.WorkflowError):
        store.add_version(a, make_article(), CLIN)
    assert [e.action for e in store.events(a)] == ["create", "start_review", "request_changes", "new_version",
                                                   "new_version", "approve", "new_version", "approve", "retire"]


def test_request_review(store):
    a = store.save_new(make_article(), author="carl").id
    with pytest.raises(W.WorkflowError):
        store.request_review(a, W.Actor("cleo", "clinician"))
    with pytest.raises(W.WorkflowError):
        store.request_review(a, READER)
    s = store.request_review(a, CLIN, "please")
    assert s.review_requested and s.review_requested_by == "carl"
    assert store.list(review_requested=True)[0].id == a
    with pytest.raises(KeyError):
        store.request_review("nope", CLIN)


def test_allowed_actions():
    assert W.allowed_actions(REV, "Submitted", {"carl"}) == ["start_review", "request_changes", "retire"]
    assert W.allowed_actions(REV, "Under Review", {"carl"}) == ["request_changes", "approve", "retire"]
    assert W.allowed_actions(REV, "Under Review", {"rita"}) == ["retire"]
    assert W.allowed_actions(CLIN, "Under Review", {"carl"}) == []
    assert W.allowed_actions(ADMIN, "Approved", set()) == ["retire"]
    assert W.allowed_actions(REV, "Retired", set()) == []


def test_comments_on_article_and_sentence(store):
    a = store.save_new(make_article(passages=(("d", "d#0", "One."), ("e", "e#1", "Two."))), author="carl").id
    c = add_comment(store, a, REV, "Looks fine")
    s = add_comment(store, a, REV, "<b>cite</b> this", section=0, item=1)
    assert (c.section, c.item) == (None, None) and (s.section, s.item) == (0, 1) and s.version == 1
    for bad in [dict(section=5, item=0), dict(section=0, item=9), dict(section=None, item=1)]:
        with pytest.raises(W.WorkflowError):
            add_comment(store, a, REV, "x", **bad)
    with pytest.raises(W.WorkflowError):
        add_comment(store, a, REV, "   ")
    with pytest.raises(W.WorkflowError):
        add_comment(store, a, W.Actor("cleo", "clinician"), "not my article")
    add_comment(store, a, CLIN, "author reply")
    assert [x.body for x in comments(store, a)] == ["Looks fine", "<b>cite</b> this", "author reply"]


def test_variants_are_stored_per_version(store):
    a = store.save_new(make_article(), author="carl").id
    assert store.get_variant(a, 1, "patient") is None
    store.save_variant(a, 1, make_article(audience="patient"))
    got = store.get_variant(a, 1, "patient")
    assert got.audience == "patient" and got.id == a and got.status == "Submitted"


def test_writes_are_atomic(store, monkeypatch):
    """A failure in the middle of save_new leaves nothing behind."""
    import curbside.review.articles as mod

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(mod.ArticleStore, "_event", staticmethod(boom))
    with pytest.raises(RuntimeError):
        store.save_new(make_article())
    assert store.list() == [] and store.db.scalar("SELECT COUNT(*) FROM article_versions") == 0
