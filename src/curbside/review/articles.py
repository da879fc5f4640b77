"""Saved articles with versions and a review state: the store behind `Engine.ask(save=True)`, the web app and the API.

An article's content is stored as the exact Article JSON of each version and shown again unchanged; only the
workflow fields (id, status, and the caution line once approved) follow the review state.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pydantic import BaseModel

from curbside.answer.models import Article
from curbside.review import workflow as W
from curbside.review.db import Database, new_id, now


class ArticleSummary(BaseModel):
    id: str
    question: str
    title: str
    audience: str
    author: str | None = None
    state: str
    current_version: int
    published_version: int | None = None
    review_requested: bool = False
    review_requested_by: str | None = None
    evidence_flag: str = ""
    follow_up_of: str = ""
    created_at: str
    updated_at: str


class VersionInfo(BaseModel):
    version: int
    state: str
    question: str
    audience: str
    corpus_state: str
    created_at: str
    created_by: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    note: str = ""
    published: bool = False
    current: bool = False


class ReviewEvent(BaseModel):
    id: int
    version: int
    at: str
    actor: str | None = None
    action: str
    from_state: str = ""
    to_state: str = ""
    note: str = ""


_SUMMARY_SQL = """SELECT a.*, COALESCE(f.reason, '') AS flag FROM articles a
                  LEFT JOIN evidence_flags f ON f.article_id = a.id"""


class ArticleStore:
    def __init__(self, db_path: str | Path):
        self.db = Database(db_path)

    def close(self) -> None:
        self.db.close()

    # ---- the contract used by Engine.ask ----
    def save_new(self, article: Article, author: str | None = None) -> Article:
        """Store a freshly asked article as version 1, state Submitted; returns it with its id and status."""
        stamp = now()
        for _ in range(8):
            aid = new_id()
            stored = article.model_copy(deep=True, update={"id": aid, "status": W.SUBMITTED})
            try:
                with self.db.tx() as c:
                    c.execute("INSERT INTO articles (id, question, title, audience, author, follow_up_of, state, "
                              "current_version, created_at, updated_at, evidence_checked_state) "
                              "VALUES (?,?,?,?,?,?,?,1,?,?,?)",
                              (aid, article.question, article.title or article.question, article.audience, author,
                               article.follow_up_of or "", W.SUBMITTED, stamp, stamp, article.corpus_state))
                    self._insert_version(c, aid, 1, stored, author, W.SUBMITTED, stamp, "")
                    self._event(c, aid, 1, author, "create", "", W.SUBMITTED, "")
            except sqlite3.IntegrityError:
                continue   # id collision: draw another
            return stored
        raise RuntimeError("could not allocate an article id")

    def get(self, article_id: str, version: int | None = None) -> Article | None:
        """The article (current version unless `version`) exactly as stored, with its review status."""
        a = self.db.one("SELECT * FROM articles WHERE id = ?", (article_id,))
        if a is None:
            return None
        v = a["current_version"] if version is None else version
        row = self.db.one("SELECT * FROM article_versions WHERE article_id = ? AND version = ?", (article_id, v))
        if row is None:
            return None
        return self._article(row["json"], article_id, row["state"])

    def list(self, state: str | None = None, limit: int = 50, *, author: str | None = None,
             published_only: bool = False, review_requested: bool | None = None, flagged: bool | None = None,
             offset: int = 0) -> list[ArticleSummary]:
        where, params = [], []
        if state:
            where.append("a.state = ?")
            params.append(state)
        if author is not None and published_only:
            where.append("(a.author = ? OR (a.published_version IS NOT NULL AND a.state != ?))")
            params += [author, W.RETIRED]
        elif author is not None:
            where.append("a.author = ?")
            params.append(author)
        elif published_only:
            where.append("a.published_version IS NOT NULL AND a.state != ?")
            params.append(W.RETIRED)
        if review_requested is not None:
            where.append("a.review_requested_at IS " + ("NOT NULL" if review_requested else "NULL"))
        if flagged is not None:
            where.append("f.article_id IS " + ("NOT NULL" if flagged else "NULL"))
        sql = _SUMMARY_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY a.updated_at DESC, a.rowid DESC LIMIT ? OFFSET ?"
        rows = self.db.all(sql, (*params, max(0, min(int(limit), 1000)), max(0, int(offset))))
        return [_summary(r) for r in rows]

    # ---- workflow state ----
    def summary(self, article_id: str) -> ArticleSummary | None:
        r = self.db.one(_SUMMARY_SQL + " WHERE a.id = ?", (article_id,))
        return None if r is None else _summary(r)

    def authors(self, article_id: str) -> set[str]:
        """Who wrote the article or made its current version (they may not review it)."""
        with self.db.lock:
            return _authors(self.db.conn, article_id)

    def versions(self, article_id: str) -> list[VersionInfo]:
        a = self.db.one("SELECT current_version, published_version FROM articles WHERE id = ?", (article_id,))
        if a is None:
            return []
        rows = self.db.all("SELECT * FROM article_versions WHERE article_id = ? ORDER BY version", (article_id,))
        return [VersionInfo(version=r["version"], state=r["state"], question=r["question"], audience=r["audience"],
                            corpus_state=r["corpus_state"], created_at=r["created_at"], created_by=r["created_by"],
                            approved_by=r["approved_by"], approved_at=r["approved_at"], note=r["note"],
                            published=r["version"] == a["published_version"],
                            current=r["version"] == a["current_version"]) for r in rows]

    def events(self, article_id: str) -> list[ReviewEvent]:
        rows = self.db.all("SELECT * FROM article_events WHERE article_id = ? ORDER BY id", (article_id,))
        return [ReviewEvent(**{k: r[k] for k in r.keys() if k != "article_id"}) for r in rows]

    def request_review(self, article_id: str, actor: W.Actor, note: str = "") -> ArticleSummary:
        """Put the article in the review queue (the author, or anyone who may read all articles)."""
        with self.db.tx() as c:
            a = c.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if a is None:
                raise KeyError(article_id)
            if not actor.can("submit") or not (actor.can("read_all") or a["author"] == actor.username):
                raise W.WorkflowError("only the author (or a reviewer) may submit this article for review", 403)
            if a["state"] in (W.APPROVED, W.RETIRED):
                raise W.WorkflowError(f"the article is {a['state']}; create a new version to review it again")
            c.execute("UPDATE articles SET review_requested_at = ?, review_requested_by = ?, updated_at = ? "
                      "WHERE id = ?", (now(), actor.username, now(), article_id))
            self._event(c, article_id, a["current_version"], actor.username, "submit", a["state"], a["state"], note)
        return self.summary(article_id)  # type: ignore[return-value]

    def transition(self, article_id: str, actor: W.Actor, action: str, note: str = "",
                   expected_version: int | None = None) -> ArticleSummary:
        """Apply a review action (start_review, request_changes, approve, retire) after checking the rules.
        With `expected_version`, the action applies only if that version is still the current one (409 if not)."""
        with self.db.tx() as c:
            # read the state and who wrote the current version inside the write transaction that changes it:
            # a new version committed by another connection in between cannot slip past the four-eyes rule
            a = c.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if a is None:
                raise KeyError(article_id)
            if expected_version is not None and expected_version != a["current_version"]:
                raise W.WorkflowError(f"version {expected_version} is no longer the current version "
                                      f"(now {a['current_version']}); reload the article and review it again", 409)
            to = W.check_transition(actor, action, a["state"], _authors(c, article_id))
            if action == "request_changes" and not note.strip():
                raise W.WorkflowError("say what should change (a note is required to request changes)", 422)
            v, stamp = a["current_version"], now()
            if action == "approve":
                if a["published_version"] and a["published_version"] != v:
                    c.execute("UPDATE article_versions SET state = ? WHERE article_id = ? AND version = ?",
                              (W.SUPERSEDED, article_id, a["published_version"]))
                c.execute("UPDATE article_versions SET state = ?, approved_by = ?, approved_at = ? "
                          "WHERE article_id = ? AND version = ?", (to, actor.username, stamp, article_id, v))
                c.execute("UPDATE articles SET state = ?, published_version = ?, updated_at = ?, "
                          "review_requested_at = NULL WHERE id = ?", (to, v, stamp, article_id))
                c.execute("DELETE FROM evidence_flags WHERE article_id = ? AND version <= ?", (article_id, v))
            else:
                c.execute("UPDATE article_versions SET state = ? WHERE article_id = ? AND version = ?",
                          (to, article_id, v))
                c.execute("UPDATE articles SET state = ?, updated_at = ? WHERE id = ?", (to, stamp, article_id))
            self._event(c, article_id, v, actor.username, action, a["state"], to, note)
        return self.summary(article_id)  # type: ignore[return-value]

    def add_version(self, article_id: str, article: Article, actor: W.Actor, note: str = "") -> Article:
        """A new version (re-asked after changes were requested or new evidence came in); it goes Under Review."""
        with self.db.tx() as c:
            a = c.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if a is None:
                raise KeyError(article_id)
            if not W.can_revise(actor, a["state"], a["author"]):
                raise W.WorkflowError(f"a {actor.role} may not make a new version of this {a['state']} article",
                                      403 if a["state"] in W.REVISABLE else 409)
            v, stamp = a["current_version"] + 1, now()
            stored = article.model_copy(deep=True, update={"id": article_id, "status": W.UNDER_REVIEW})
            self._insert_version(c, article_id, v, stored, actor.username, W.UNDER_REVIEW, stamp, note)
            c.execute("UPDATE articles SET current_version = ?, state = ?, question = ?, title = ?, updated_at = ?, "
                      "evidence_checked_state = ?, review_requested_at = COALESCE(review_requested_at, ?), "
                      "review_requested_by = COALESCE(review_requested_by, ?) WHERE id = ?",
                      (v, W.UNDER_REVIEW, article.question, article.title or article.question, stamp,
                       article.corpus_state, stamp, actor.username, article_id))
            c.execute("DELETE FROM evidence_flags WHERE article_id = ?", (article_id,))
            self._event(c, article_id, v, actor.username, "new_version", a["state"], W.UNDER_REVIEW, note)
        return self._article(stored.model_dump_json(), article_id, W.UNDER_REVIEW)

    def delete(self, article_id: str) -> bool:
        with self.db.tx() as c:
            return c.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount > 0

    # ---- audience variants of a version (made on demand from the same question) ----
    def get_variant(self, article_id: str, version: int, audience: str) -> Article | None:
        row = self.db.one("SELECT v.json, av.state FROM article_variants v JOIN article_versions av "
                          "ON av.article_id = v.article_id AND av.version = v.version "
                          "WHERE v.article_id = ? AND v.version = ? AND v.audience = ?", (article_id, version, audience))
        return None if row is None else self._article(row["json"], article_id, row["state"])

    def save_variant(self, article_id: str, version: int, article: Article) -> None:
        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO article_variants (article_id, version, audience, json, corpus_state, "
                      "created_at) VALUES (?,?,?,?,?,?)", (article_id, version, article.audience,
                                                          article.model_dump_json(), article.corpus_state, now()))

    # ---- internals ----
    def _article(self, raw: str, article_id: str, state: str) -> Article:
        from curbside.answer.templates import CAUTION_APPROVED

        art = Article.model_validate_json(raw)
        art.id = article_id
        art.status = state
        if state == W.APPROVED:
            art.caution = CAUTION_APPROVED
        return art

    @staticmethod
    def _insert_version(c: sqlite3.Connection, aid: str, v: int, art: Article, by: str | None, state: str,
                        stamp: str, note: str) -> None:
        c.execute("INSERT INTO article_versions (article_id, version, json, question, audience, corpus_state, "
                  "created_at, created_by, state, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
                  (aid, v, art.model_dump_json(), art.question, art.audience, art.corpus_state, stamp, by, state,
                   note))

    @staticmethod
    def _event(c: sqlite3.Connection, aid: str, v: int, actor: str | None, action: str, frm: str, to: str,
               note: str) -> None:
        c.execute("INSERT INTO article_events (article_id, version, at, actor, action, from_state, to_state, note) "
                  "VALUES (?,?,?,?,?,?,?,?)", (aid, v, now(), actor, action, frm, to, note))


def _authors(c: sqlite3.Connection, article_id: str) -> set[str]:
    rows = c.execute("SELECT a.author AS who FROM articles a WHERE a.id = ? UNION "
                     "SELECT v.created_by FROM article_versions v JOIN articles a ON a.id = v.article_id "
                     "AND v.version = a.current_version WHERE a.id = ?", (article_id, article_id)).fetchall()
    return {r[0] for r in rows if r[0]}


def _summary(r: sqlite3.Row) -> ArticleSummary:
    return ArticleSummary(id=r["id"], question=r["question"], title=r["title"], audience=r["audience"],
                          author=r["author"], state=r["state"], current_version=r["current_version"],
                          published_version=r["published_version"],
                          review_requested=r["review_requested_at"] is not None,
                          review_requested_by=r["review_requested_by"], evidence_flag=r["flag"],
                          follow_up_of=r["follow_up_of"], created_at=r["created_at"], updated_at=r["updated_at"])


def article_json(article: Article) -> dict:
    """The API's article body: exactly `Article.model_dump()`."""
    return json.loads(article.model_dump_json())
