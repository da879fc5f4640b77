"""Audit log: who did what, to what, and when (append-only; shown to admins)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from curbside.review.db import Database, now


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str | None = None
    action: str
    target: str = ""
    detail: str = ""
    ip: str = ""


class AuditLog:
    """`deferred=True` (the web app): entries are written by the store's background bookkeeping writer, so a
    request never waits for SQLite's write lock to log what it did; `entries()` waits for them first."""

    def __init__(self, db: Database, deferred: bool = False):
        self.db = db
        self.deferred = deferred

    def record(self, actor: str | None, action: str, target: str = "", detail: Any = "", ip: str = "") -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, default=str)
        sql = "INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (?,?,?,?,?,?)"
        params = (now(), actor, action, str(target)[:500], text[:2000], (ip or "")[:100])
        if self.deferred:
            self.db.later(sql, params)
            return
        with self.db.tx() as c:
            c.execute(sql, params)

    def entries(self, limit: int = 200, actor: str | None = None, action: str | None = None) -> list[AuditEntry]:
        self.db.flush(5.0)
        sql, params = "SELECT * FROM audit_log WHERE 1=1", []
        if actor:
            sql += " AND actor = ?"
            params.append(actor)
        if action:
            sql += " AND action = ?"
            params.append(action)
        rows = self.db.all(sql + " ORDER BY id DESC LIMIT ?", (*params, max(1, min(int(limit), 5000))))
        return [AuditEntry(**dict(r)) for r in rows]
