"""Reviewer comments on an article version, on the whole article or on one sentence (section index, item index)."""

from __future__ import annotations

from pydantic import BaseModel

from curbside.review import workflow as W
from curbside.review.articles import ArticleStore
from curbside.review.db import now

MAX_COMMENT_CHARS = 5000


class Comment(BaseModel):
    id: int
    article_id: str
    version: int
    section: int | None = None     # 0-based section index, None for a comment on the whole article
    item: int | None = None        # 0-based item index within the section
    author: str
    body: str
    created_at: str


def add_comment(store: ArticleStore, article_id: str, actor: W.Actor, body: str, section: int | None = None,
                item: int | None = None, version: int | None = None) -> Comment:
    body = (body or "").strip()
    if not body:
        raise W.WorkflowError("the comment is empty", 422)
    if len(body) > MAX_COMMENT_CHARS:
        raise W.WorkflowError(f"the comment is {len(body):,} characters; the limit is {MAX_COMMENT_CHARS:,}", 422)
    summary = store.summary(article_id)
    if summary is None:
        raise KeyError(article_id)
    if not actor.can("comment") or not (actor.can("read_all") or summary.author == actor.username):
        raise W.WorkflowError("only reviewers and the article's author may comment", 403)
    v = summary.current_version if version is None else version
    article = store.get(article_id, v)
    if article is None:
        raise W.WorkflowError(f"version {v} does not exist", 404)
    if (section is None) != (item is None) and item is not None:
        raise W.WorkflowError("a sentence comment needs both a section and an item index", 422)
    if section is not None:
        if not 0 <= section < len(article.sections):
            raise W.WorkflowError(f"section {section} does not exist (the article has {len(article.sections)})", 422)
        if item is not None and not 0 <= item < len(article.sections[section].items):
            raise W.WorkflowError(f"item {item} does not exist in section {section}", 422)
    with store.db.tx() as c:
        cur = c.execute("INSERT INTO review_comments (article_id, version, section_index, item_index, author, body, "
                        "created_at) VALUES (?,?,?,?,?,?,?)", (article_id, v, section, item, actor.username, body,
                                                               now()))
        cid = cur.lastrowid
        c.execute("UPDATE articles SET updated_at = ? WHERE id = ?", (now(), article_id))
        c.execute("INSERT INTO article_events (article_id, version, at, actor, action, from_state, to_state, note) "
                  "VALUES (?,?,?,?,?,?,?,?)", (article_id, v, now(), actor.username, "comment", summary.state,
                                               summary.state, body[:200]))
    return comments(store, article_id, comment_id=cid)[0]


def comments(store: ArticleStore, article_id: str, version: int | None = None,
             comment_id: int | None = None) -> list[Comment]:
    sql = "SELECT * FROM review_comments WHERE article_id = ?"
    params: list = [article_id]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    if comment_id is not None:
        sql += " AND id = ?"
        params.append(comment_id)
    rows = store.db.all(sql + " ORDER BY id", tuple(params))
    return [Comment(id=r["id"], article_id=r["article_id"], version=r["version"], section=r["section_index"],
                    item=r["item_index"], author=r["author"], body=r["body"], created_at=r["created_at"])
            for r in rows]
