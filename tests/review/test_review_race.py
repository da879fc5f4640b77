"""The four-eyes rule under concurrency: a reviewer who makes a new version of an article while approving it in
parallel (two connections, as two server workers would) must never publish a version they made themselves."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest

from curbside.review import workflow as W
from curbside.review.articles import ArticleStore
from tests.review.conftest import make_article

RITA, CARL = W.Actor("rita", "reviewer"), W.Actor("carl", "clinician")


def self_approved(store: ArticleStore) -> list[tuple]:
    """Versions approved by someone who wrote the article or made that version."""
    return [tuple(r) for r in store.db.all(
        "SELECT v.article_id, v.version, v.created_by, v.approved_by FROM article_versions v "
        "JOIN articles a ON a.id = v.article_id WHERE v.approved_by IS NOT NULL "
        "AND (v.approved_by = v.created_by OR v.approved_by = a.author)")]


def under_review(store: ArticleStore) -> str:
    aid = store.save_new(make_article(), author="carl").id
    store.transition(aid, RITA, "start_review")
    return aid


def test_new_version_landing_just_before_the_approval_transaction_is_seen(review_db):
    """Deterministic: another worker commits rita's new version after rita's approve request has begun but
    before its write transaction starts; the approval must see it and refuse."""
    db = review_db
    approver, other = ArticleStore(db), ArticleStore(db)
    aid = under_review(approver)
    real_tx = approver.db.tx

    @contextmanager
    def tx_after_a_new_version():
        other.add_version(aid, make_article(state="s2"), RITA, "rita's edit")
        with real_tx() as c:
            yield c

    approver.db.tx = tx_after_a_new_version
    with pytest.raises(W.WorkflowError) as e:
        approver.transition(aid, RITA, "approve")
    assert e.value.status == 403
    approver.db.tx = real_tx
    assert approver.summary(aid).state == W.UNDER_REVIEW and self_approved(approver) == []
    approver.close(), other.close()


def test_expected_version_guards_against_approving_a_version_not_seen(review_db):
    store = ArticleStore(review_db)
    aid = under_review(store)
    store.add_version(aid, make_article(state="s2"), W.Actor("ravi", "reviewer"))
    with pytest.raises(W.WorkflowError) as e:
        store.transition(aid, RITA, "approve", expected_version=1)
    assert e.value.status == 409
    assert store.transition(aid, RITA, "approve", expected_version=2).state == W.APPROVED
    store.close()


def test_hammer_new_version_against_approve(review_db):
    """Many rounds of: rita approves carl's article on one connection while, on another, she makes a new
    version of it; whatever the interleaving, nobody ever approves their own version."""
    rounds = int(os.environ.get("CURBSIDE_RACE_ROUNDS", "200"))
    db = review_db
    a1, a2 = ArticleStore(db), ArticleStore(db)
    outcomes = {"approved": 0, "approval_refused": 0, "new_version_refused": 0}
    for i in range(rounds):
        aid = under_review(a1)
        start = threading.Barrier(2)
        result: dict = {}

        def approve():
            start.wait()
            try:
                a1.transition(aid, RITA, "approve")
                result["approve"] = "ok"
            except W.WorkflowError as exc:
                result["approve"] = exc.status

        def revise():
            start.wait()
            try:
                a2.add_version(aid, make_article(state=f"s{i}"), RITA, "edit")
                result["revise"] = "ok"
            except W.WorkflowError as exc:
                result["revise"] = exc.status

        threads = [threading.Thread(target=approve), threading.Thread(target=revise)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        outcomes["approved" if result.get("approve") == "ok" else "approval_refused"] += 1
        outcomes["new_version_refused"] += result.get("revise") != "ok"
        assert result.get("approve") in ("ok", 403), result
        assert result.get("revise") in ("ok", 403, 409), result
    bad = self_approved(a1)
    print(f"\nfour-eyes race: {rounds} rounds, {outcomes}, self-approved versions: {len(bad)}")
    assert bad == []
    a1.close(), a2.close()
