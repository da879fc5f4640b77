"""The review tables (articles, versions, comments, users, tokens, sessions, audit) in the Curbside SQLite store.

Two connections per store object, shared by server threads: one for reads and one for writes, each behind its own
lock, so a write that waits for SQLite's write lock (an ingest in another process can hold it for seconds) never
holds up the readers of this process; every write runs in `transaction()`. Bookkeeping writes (token and sign-in
times, the audit log) go through `Database.later()`: a background thread writes them on a third connection,
coalesced into one transaction, so no request waits for them.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from curbside import waits
from curbside.settings import private_store
from curbside.store.sqlite import connect, transaction

log = logging.getLogger("curbside.review")

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
    last_login_at TEXT,
    credentials TEXT NOT NULL DEFAULT ''     -- last: the same column order in new and upgraded stores
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT,
    expires_at TEXT
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    last_at REAL NOT NULL DEFAULT 0
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
    """Connections to the store with the review schema, locks for threads, and small query helpers."""

    def __new__(cls, db_path: str | Path):
        """A postgresql:// URL instead of a path gives the same interface on PostgreSQL (review/pg.py)."""
        if cls is Database and str(db_path).startswith(("postgresql://", "postgres://")):
            from curbside.review.pg import PostgresDatabase

            return PostgresDatabase(str(db_path))
        return super().__new__(cls)

    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        private_store(self.path)
        self.conn = connect(self.path, check_same_thread=False)       # reads
        self.lock = threading.RLock()
        self.wconn = connect(self.path, check_same_thread=False)      # writes
        self.wlock = threading.RLock()
        self._later: Bookkeeper | None = None
        with self.wlock, transaction(self.wconn):
            for stmt in _statements(SCHEMA):
                self.wconn.execute(stmt)
            _migrate(self.wconn)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE) on the write connection; reads inside it see its own writes. The
        time spent getting the lock and committing is reported as the request's `write_lock` and `commit` waits
        (curbside/waits.py)."""
        with waits.timed("write_lock"):
            self.wlock.acquire()
            try:
                begin_immediate(self.wconn)
            except BaseException:
                self.wlock.release()
                raise
        try:
            try:
                yield self.wconn
            except BaseException:
                if self.wconn.in_transaction:
                    self.wconn.execute("ROLLBACK")
                raise
            else:
                with waits.timed("commit"):     # an automatic WAL checkpoint runs inside COMMIT
                    self.wconn.execute("COMMIT")
        finally:
            self.wlock.release()

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        with self.lock:
            cur = self.conn.execute(sql, params)
            try:
                return cur.fetchone()
            finally:
                cur.close()       # a half-read statement would keep this connection on an old snapshot

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple | dict = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def later(self, sql: str, params: tuple = (), key: str | None = None) -> None:
        """Write this statement soon, off the caller's path (bookkeeping that nobody waits for). Statements with
        the same `key` are coalesced: only the latest is written."""
        if self._later is None:
            with self.wlock:
                if self._later is None:
                    self._later = Bookkeeper(self.path)
        self._later.put(sql, params, key)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every `later()` write so far is in the store (True), or `timeout` passed (False)."""
        return self._later.flush(timeout) if self._later is not None else True

    def close(self) -> None:
        if self._later is not None:
            self._later.close()
        with self.wlock:
            self.wconn.close()
        with self.lock:
            self.conn.close()


def begin_immediate(conn: sqlite3.Connection, timeout: float = 30.0) -> None:
    """BEGIN IMMEDIATE, retried every few milliseconds while another connection writes. SQLite's own busy handler
    retries only every 100 ms once it has waited a while, so against an ingest that commits a batch and begins the
    next at once it almost never gets in (a save waited 6-8 s); polling finely catches the gap between batches."""
    deadline = time.monotonic() + timeout
    delay = 0.0005
    conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 1.5, 0.002)
    finally:
        conn.execute("PRAGMA busy_timeout=30000")


class Bookkeeper:
    """A background writer for bookkeeping statements: queued, coalesced by key, written in one transaction per
    round on its own connection. Callers never wait for SQLite's write lock; `flush()` waits for the queue."""

    MAX_QUEUE = 100_000

    def __init__(self, path: Path):
        self.path = path
        self._cond = threading.Condition()
        self._queue: dict[object, tuple[str, tuple]] = {}
        self._seq = 0            # statements queued so far
        self._done = 0           # statements written (or given up) so far
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="curbside-bookkeeping")
        self._thread.start()
        _LIVE.add(self)

    def put(self, sql: str, params: tuple, key: str | None = None) -> None:
        with self._cond:
            while len(self._queue) >= self.MAX_QUEUE and not self._closed:   # back-pressure, never drop
                self._cond.wait(0.1)
            self._seq += 1
            k = ("key", key) if key is not None else ("seq", self._seq)
            if k in self._queue:            # coalesced: the newer statement replaces the queued one
                self._done += 1
            self._queue[k] = (sql, tuple(params))
            self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._seq
            while self._done < target:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def close(self, timeout: float = 30.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        _LIVE.discard(self)

    def _run(self) -> None:
        conn = None
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue and self._closed:
                    break
                batch = list(self._queue.values())
                self._queue.clear()
                self._cond.notify_all()
            try:
                if conn is None:
                    conn = connect(self.path, check_same_thread=False)
                self._write(conn, batch)
            except Exception:       # never lose the thread; the entries are reported and skipped
                log.exception("bookkeeping write of %d statement(s) failed", len(batch))
            with self._cond:
                self._done += len(batch)
                self._cond.notify_all()
        if conn is not None:
            conn.close()

    @staticmethod
    def _write(conn: sqlite3.Connection, batch: list[tuple[str, tuple]]) -> None:
        for attempt in range(20):           # SQLite's busy timeout (30 s) per try: an ingest can hold the lock
            try:
                with transaction(conn):
                    for sql, params in batch:
                        conn.execute(sql, params)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
        raise sqlite3.OperationalError("database stayed locked")


_LIVE: "weakref.WeakSet[Bookkeeper]" = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for keeper in list(_LIVE):
        keeper.flush(30.0)


def _migrate(c: sqlite3.Connection) -> None:
    """Columns added after the first release (ALTER TABLE ADD COLUMN on older stores)."""
    cols = {r[1] for r in c.execute("PRAGMA table_info(api_tokens)")}
    if "expires_at" not in cols:      # tokens made before tokens expired: 90 days from the upgrade
        from datetime import timedelta

        c.execute("ALTER TABLE api_tokens ADD COLUMN expires_at TEXT")
        later = (datetime.now(timezone.utc) + timedelta(days=90)).replace(microsecond=0)
        c.execute("UPDATE api_tokens SET expires_at = ? WHERE expires_at IS NULL",
                  (later.isoformat().replace("+00:00", "Z"),))
    if "credentials" not in {r[1] for r in c.execute("PRAGMA table_info(users)")}:   # reviewer credentials
        c.execute("ALTER TABLE users ADD COLUMN credentials TEXT NOT NULL DEFAULT ''")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
