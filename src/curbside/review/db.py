"""The review tables (articles, versions, comments, users, tokens, sessions, audit) in the Curbside SQLite store.

One connection per store object, shared by server threads behind a lock; every write runs in `transaction()`.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from curbside.store.sqlite import connect, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT 'clinician',
    author TEXT,
    follow_up_of TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    published_version INTEGER,
    review_requested_at TEXT,
    review_requested_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    evidence_checked_state TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS articles_state ON articles(state, updated_at);
CREATE INDEX IF NOT EXISTS articles_author ON articles(author, updated_at);
CREATE TABLE IF NOT EXISTS article_versions (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    json TEXT NOT NULL,
    question TEXT NOT NULL,
    audience TEXT NOT NULL,
    corpus_state TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT,
    state TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
);
CREATE TABLE IF NOT EXISTS article_variants (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    audience TEXT NOT NULL,
    json TEXT NOT NULL,
    corpus_state TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version, audience)
);
CREATE TABLE IF NOT EXISTS article_events (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS article_events_article ON article_events(article_id, id);
CREATE TABLE IF NOT EXISTS review_comments (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    section_index INTEGER,
    item_index INTEGER,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_comments_article ON review_comments(article_id, id);
CREATE TABLE IF NOT EXISTS evidence_flags (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    detected_at TEXT NOT NULL,
    corpus_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    proposed_json TEXT NOT NULL,
    added_json TEXT NOT NULL,
    removed_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
"""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_id(nbytes: int = 6) -> str:
    """Short url-safe random id (8 characters for 6 bytes)."""
    return secrets.token_urlsafe(nbytes)


class Database:
    """A connection to the store with the review schema, a lock for threads, and small query helpers."""

    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        self.conn = connect(self.path, check_same_thread=False)
        self.lock = threading.RLock()
        with self.lock, transaction(self.conn):
            for stmt in _statements(SCHEMA):
                self.conn.execute(stmt)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock, transaction(self.conn) as conn:
            yield conn

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple | dict = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
