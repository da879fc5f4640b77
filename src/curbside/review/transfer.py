"""Copying the review data (users, tokens, sessions, articles with versions, variants, events, comments, evidence
flags, audit log) between two review databases (SQLite <-> PostgreSQL), row for row with their ids, and
fingerprinting both sides (row counts and a SHA-256 per table in key order) to prove the copy."""

from __future__ import annotations

import hashlib

from curbside.errors import InputError

# parents before children (foreign keys); each with the columns that order it
TABLES = [("users", "id"), ("api_tokens", "id"), ("sessions", "id_hash"), ("login_failures", "key"),
          ("articles", "created_at, id"), ("article_versions", "article_id, version"),
          ("article_variants", "article_id, version, audience"), ("article_events", "id"),
          ("review_comments", "id"), ("evidence_flags", "article_id"), ("audit_log", "id")]
_SKIP = {"seq"}        # PostgreSQL's identity column standing in for SQLite's rowid


def _columns(db, table: str) -> list[str]:
    row = db.one(f"SELECT * FROM {table} LIMIT 1")
    if row is None:
        return []
    return [c for c in row.keys() if c not in _SKIP]


def check_empty(target) -> None:
    """InputError when `target` already holds review rows (a copy goes into an empty store only)."""
    present = {t: target.scalar(f"SELECT COUNT(*) FROM {t}") for t, _ in TABLES}
    if any(present.values()):
        busy = ", ".join(f"{t} {n}" for t, n in present.items() if n)
        raise InputError("--to", f"the target already holds review data ({busy}); expected an empty store")


def copy_review(source, target, batch: int = 1000) -> dict[str, int]:
    """Copy every review row of `source` into `target` (review.db Database objects); the target must hold no
    review data. Returns rows copied per table."""
    check_empty(target)
    copied: dict[str, int] = {}
    with target.tx() as c:
        for table, order in TABLES:
            cols = _columns(source, table)
            copied[table] = 0
            if not cols:
                continue
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            offset = 0
            while True:
                rows = source.all(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?",
                                  (batch, offset))
                for r in rows:
                    c.execute(sql, tuple(r))
                copied[table] += len(rows)
                offset += len(rows)
                if len(rows) < batch:
                    break
    if hasattr(target, "url"):          # PostgreSQL: identity sequences continue after the copied ids
        for table, _ in TABLES:
            if "id" in _columns(target, table) and table in ("users", "article_events", "review_comments",
                                                             "audit_log"):
                target.wconn.raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                         f"GREATEST((SELECT MAX(id) FROM {table}), 1))")
    return copied


def review_fingerprint(db) -> dict[str, dict]:
    """Per table: rows and a SHA-256 (16 hex) over them in key order, values as text (backend-independent)."""
    out = {}
    for table, order in TABLES:
        cols = _columns(db, table)
        h = hashlib.sha256()
        n = 0
        if cols:
            for r in db.all(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}"):
                h.update(repr(tuple(None if v is None else str(v) for v in r)).encode())
                n += 1
        out[table] = {"rows": n, "sha256": h.hexdigest()[:16]}
    return out
