"""Users, roles, argon2 password hashes, API tokens and browser sessions (tokens and session ids hashed at rest)."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel

from curbside.review.db import Database, new_id, now
from curbside.review.workflow import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
TOKEN_PREFIX = "cs_"
SESSION_HOURS = 12

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


class AccountError(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


class User(BaseModel):
    id: int
    username: str
    role: str
    display_name: str = ""
    active: bool = True
    created_at: str
    last_login_at: str | None = None


class TokenInfo(BaseModel):
    id: str
    label: str
    created_at: str
    last_used_at: str | None = None
    revoked: bool = False


class Session(BaseModel):
    user: User
    csrf: str
    expires_at: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def check_username(name: str) -> str:
    if not USERNAME.match(name or ""):
        raise AccountError("username: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise AccountError(f"password: between {MIN_PASSWORD} and {MAX_PASSWORD} characters")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role: unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


class AccountStore:
    def __init__(self, db_path: str | Path | None = None, db: Database | None = None):
        self.db = db or Database(db_path)  # type: ignore[arg-type]

    def close(self) -> None:
        self.db.close()

    # ---- users ----
    def add_user(self, username: str, password: str, role: str, display_name: str = "") -> User:
        check_username(username), check_password(password), check_role(role)
        pw = _hasher.hash(password)
        try:
            with self.db.tx() as c:
                c.execute("INSERT INTO users (username, role, password_hash, display_name, created_at) "
                          "VALUES (?,?,?,?,?)", (username, role, pw, display_name[:200], now()))
        except sqlite3.IntegrityError:
            raise AccountError(f"username: {username!r} is taken", 409) from None
        return self.user(username)  # type: ignore[return-value]

    def user(self, username: str) -> User | None:
        r = self.db.one("SELECT * FROM users WHERE username = ?", (username,))
        return None if r is None else _user(r)

    def user_by_id(self, uid: int) -> User | None:
        r = self.db.one("SELECT * FROM users WHERE id = ?", (uid,))
        return None if r is None else _user(r)

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.all("SELECT * FROM users ORDER BY username")]

    def count_users(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM users") or 0)

    def update_user(self, username: str, *, role: str | None = None, active: bool | None = None,
                    password: str | None = None, display_name: str | None = None) -> User:
        u = self.user(username)
        if u is None:
            raise AccountError(f"{username}: no such user", 404)
        sets, params = [], []
        if role is not None:
            sets.append("role = ?")
            params.append(check_role(role))
        if active is not None:
            sets.append("active = ?")
            params.append(1 if active else 0)
        if password is not None:
            sets.append("password_hash = ?")
            params.append(_hasher.hash(check_password(password)))
        if display_name is not None:
            sets.append("display_name = ?")
            params.append(display_name[:200])
        if sets:
            with self.db.tx() as c:
                c.execute(f"UPDATE users SET {', '.join(sets)} WHERE id = ?", (*params, u.id))
                if active is False or password is not None:   # log out everywhere
                    c.execute("DELETE FROM sessions WHERE user_id = ?", (u.id,))
                if active is False:
                    c.execute("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                              (now(), u.id))
        return self.user(username)  # type: ignore[return-value]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None (constant work whether or not the user exists)."""
        r = self.db.one("SELECT * FROM users WHERE username = ?", (username or "",))
        stored = r["password_hash"] if r is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeError):
            return None
        if r is None or not r["active"]:
            return None
        if _hasher.check_needs_rehash(stored):
            with self.db.tx() as c:
                c.execute("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), r["id"]))
        with self.db.tx() as c:
            c.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now(), r["id"]))
        return _user(r)

    # ---- API tokens ----
    def create_token(self, user: User, label: str = "") -> tuple[str, TokenInfo]:
        """A new bearer token for `user`: the plain token is returned once; only its hash is stored."""
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tid = new_id()
        with self.db.tx() as c:
            c.execute("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at) VALUES (?,?,?,?,?)",
                      (tid, user.id, _sha(plain), (label or "")[:100], now()))
        return plain, self.tokens(user, tid)[0]

    def tokens(self, user: User, token_id: str | None = None) -> list[TokenInfo]:
        sql, params = "SELECT * FROM api_tokens WHERE user_id = ?", [user.id]
        if token_id:
            sql += " AND id = ?"
            params.append(token_id)
        return [TokenInfo(id=r["id"], label=r["label"], created_at=r["created_at"], last_used_at=r["last_used_at"],
                          revoked=r["revoked_at"] is not None)
                for r in self.db.all(sql + " ORDER BY created_at DESC", tuple(params))]

    def revoke_token(self, user: User, token_id: str) -> bool:
        with self.db.tx() as c:
            return c.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? "
                             "AND revoked_at IS NULL", (now(), token_id, user.id)).rowcount > 0

    def user_for_token(self, plain: str) -> User | None:
        r = self.db.one("SELECT u.*, t.id AS token_id, t.last_used_at AS token_used FROM api_tokens t "
                        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL "
                        "AND u.active = 1", (_sha(plain or ""),))
        if r is None:
            return None
        stamp = now()
        if (r["token_used"] or "")[:16] != stamp[:16]:   # at most one write a minute per token
            with self.db.tx() as c:
                c.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (stamp, r["token_id"]))
        return _user(r)

    # ---- browser sessions ----
    def create_session(self, user: User, hours: int = SESSION_HOURS) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()
        with self.db.tx() as c:
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (_utc_now_iso(),))
            c.execute("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
                      (_sha(sid), user.id, csrf, now(), expires))
        return sid, Session(user=user, csrf=csrf, expires_at=expires)

    def session(self, sid: str) -> Session | None:
        if not sid:
            return None
        r = self.db.one("SELECT u.*, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.id_hash = ? AND u.active = 1", (_sha(sid),))
        if r is None or r["expires_at"] < _utc_now_iso():
            return None
        return Session(user=_user(r), csrf=r["csrf"], expires_at=r["expires_at"])

    def end_session(self, sid: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM sessions WHERE id_hash = ?", (_sha(sid or ""),))


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _user(r: sqlite3.Row) -> User:
    return User(id=r["id"], username=r["username"], role=r["role"], display_name=r["display_name"],
                active=bool(r["active"]), created_at=r["created_at"], last_login_at=r["last_login_at"])
