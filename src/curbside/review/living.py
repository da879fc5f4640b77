"""Living evidence: after the library changes, re-ask each published article's question and flag it
"New evidence — needs re-review" when the answer would now cite sources it did not cite before (or a cited
source is gone), keeping the proposed article for a side-by-side comparison and a one-click new version."""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from pydantic import BaseModel

from curbside.answer.models import Article
from curbside.review import workflow as W
from curbside.review.articles import ArticleStore
from curbside.review.db import now

log = logging.getLogger("curbside.review")

NEW_EVIDENCE = "New evidence \u2014 needs re-review"
SOURCE_REMOVED = "A cited source was removed \u2014 needs re-review"
ANSWERING_CHANGED = "Answering changed \u2014 needs re-review"


class AskingEngine(Protocol):
    def ask(self, question: str, *, audience: str = ..., follow_up_of: str | None = ..., save: bool = ...,
            user: str | None = ...) -> Article: ...

    def corpus_state(self) -> str: ...


class CitedPassage(BaseModel):
    passage_id: str
    document_id: str
    title: str = ""
    text: str = ""


class EvidenceFlag(BaseModel):
    article_id: str
    version: int
    detected_at: str
    corpus_state: str
    reason: str
    added: list[CitedPassage]
    removed: list[CitedPassage]


class DiffItem(BaseModel):
    section: str
    text: str
    citations: list[int]
    change: str                   # same | added | removed


class SideBySide(BaseModel):
    flag: EvidenceFlag
    current: list[DiffItem]
    proposed: list[DiffItem]
    proposed_article: dict[str, Any]


def cited(article: Article) -> dict[str, CitedPassage]:
    titles = {r.document_id: r.title for r in article.references}
    out: dict[str, CitedPassage] = {}
    for s in article.sections:
        for it in s.items:
            for q in it.quotes:
                out.setdefault(q.passage_id, CitedPassage(passage_id=q.passage_id, document_id=q.document_id,
                                                          title=titles.get(q.document_id, ""), text=q.text))
    return out


def compare(old: Article, new: Article) -> tuple[str, list[CitedPassage], list[CitedPassage]]:
    """(reason or "", passages newly cited from new sources, passages no longer cited from dropped sources)."""
    a, b = cited(old), cited(new)
    old_docs = {p.document_id for p in a.values()}
    new_docs = {p.document_id for p in b.values()}
    added = [p for pid, p in b.items() if pid not in a and p.document_id not in old_docs]
    removed = [p for pid, p in a.items() if pid not in b and p.document_id not in new_docs]
    if added:
        return NEW_EVIDENCE, added, removed
    if removed:
        return SOURCE_REMOVED, added, removed
    # a new version of the answering settings or model that now says something else from the same sources
    if old.answer_settings and new.answer_settings and old.answer_settings != new.answer_settings \
            and {k for k, _ in _items(old)} != {k for k, _ in _items(new)}:
        return ANSWERING_CHANGED, added, removed
    return "", added, removed


def check_articles(engine: AskingEngine, store: ArticleStore, limit: int = 500) -> list[EvidenceFlag]:
    """Re-check every published article whose corpus state is out of date; returns the flags raised now."""
    # the state an article was last checked against: the library and the answering settings/model together
    state = engine.corpus_state()
    fingerprint = getattr(engine, "answer_fingerprint", None)
    if callable(fingerprint):
        state = f"{state}|{fingerprint()}"
    rows = store.db.all("SELECT id, published_version, follow_up_of FROM articles WHERE published_version IS NOT NULL "
                        "AND state != ? AND evidence_checked_state != ? ORDER BY updated_at DESC LIMIT ?",
                        (W.RETIRED, state, limit))
    flags = []
    for r in rows:
        try:
            flag = check_one(engine, store, r["id"], r["published_version"], r["follow_up_of"], state)
        except Exception:   # one bad article must not stop the others
            log.exception("evidence check failed for article %s", r["id"])
            continue
        if flag:
            flags.append(flag)
    return flags


def check_one(engine: AskingEngine, store: ArticleStore, article_id: str, version: int, follow_up_of: str,
              state: str) -> EvidenceFlag | None:
    old = store.get(article_id, version)
    if old is None:
        return None
    new = engine.ask(old.question, audience=old.audience or "clinician", follow_up_of=follow_up_of or None,
                     save=False)
    reason, added, removed = compare(old, new)
    stamp = now()
    with store.db.tx() as c:
        c.execute("UPDATE articles SET evidence_checked_state = ? WHERE id = ?", (state, article_id))
        if not reason:
            return None
        c.execute("INSERT OR REPLACE INTO evidence_flags (article_id, version, detected_at, corpus_state, reason, "
                  "proposed_json, added_json, removed_json) VALUES (?,?,?,?,?,?,?,?)",
                  (article_id, version, stamp, state, reason, new.model_dump_json(),
                   json.dumps([p.model_dump() for p in added]), json.dumps([p.model_dump() for p in removed])))
        c.execute("INSERT INTO article_events (article_id, version, at, actor, action, from_state, to_state, note) "
                  "VALUES (?,?,?,?,?,?,?,?)", (article_id, version, stamp, None, "evidence_flag", "", "", reason))
    return EvidenceFlag(article_id=article_id, version=version, detected_at=stamp, corpus_state=state, reason=reason,
                        added=added, removed=removed)


def get_flag(store: ArticleStore, article_id: str) -> tuple[EvidenceFlag, Article] | None:
    r = store.db.one("SELECT * FROM evidence_flags WHERE article_id = ?", (article_id,))
    if r is None:
        return None
    flag = EvidenceFlag(article_id=article_id, version=r["version"], detected_at=r["detected_at"],
                        corpus_state=r["corpus_state"], reason=r["reason"],
                        added=[CitedPassage(**p) for p in json.loads(r["added_json"])],
                        removed=[CitedPassage(**p) for p in json.loads(r["removed_json"])])
    return flag, Article.model_validate_json(r["proposed_json"])


def side_by_side(store: ArticleStore, article_id: str) -> SideBySide | None:
    got = get_flag(store, article_id)
    if got is None:
        return None
    flag, proposed = got
    current = store.get(article_id, flag.version)
    if current is None:
        return None
    before, after = diff_items(current, proposed)
    return SideBySide(flag=flag, current=before, proposed=after, proposed_article=proposed.model_dump())


def diff_items(old: Article, new: Article) -> tuple[list[DiffItem], list[DiffItem]]:
    """Two articles item by item (an item is the same when it quotes the same spans): old's items marked same or
    removed, new's marked same or added. Used for new evidence and for comparing two versions."""
    a, b = _items(old), _items(new)
    a_keys, b_keys = {k for k, _ in a}, {k for k, _ in b}
    return ([d.model_copy(update={"change": "same" if k in b_keys else "removed"}) for k, d in a],
            [d.model_copy(update={"change": "same" if k in a_keys else "added"}) for k, d in b])


def _items(article: Article) -> list[tuple[str, DiffItem]]:
    out = []
    for s in article.sections:
        for it in s.items:
            key = "|".join(sorted(q.passage_id + f":{q.start}-{q.end}" for q in it.quotes)) or it.text
            out.append((key, DiffItem(section=s.title, text=it.text, citations=it.citations, change="same")))
    return out
