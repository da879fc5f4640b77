"""Users, roles, argon2 password hashes, API tokens and browser sessions (tokens and session ids hashed at rest)."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel

from curbside.review.db import Database, new_id, now
from curbside.review.workflow import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_PASSWORD = 12          # OWASP ASVS 2.1.1
MAX_PASSWORD = 1024        # ASVS 2.1.2 asks for at least 64 (128 allowed)
TOKEN_PREFIX = "cs_"
SESSION_HOURS = 12
TOKEN_DAYS = 90            # default API token lifetime

# Sign-in back-off per account (ASVS 2.2.1): FREE_FAILURES failed attempts, then each further attempt must wait
# 2^(n - FREE_FAILURES) seconds after the last failure, up to MAX_DELAY; failures older than RESET_AFTER are
# forgotten. At most ~18 failed attempts in the first hour on one account, 4 an hour after that.
FREE_FAILURES = 5
MAX_DELAY = 900.0
RESET_AFTER = 3600.0

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
    credentials: str = ""          # e.g. "MD, Consultant Haematologist" (set by an admin)
    active: bool = True
    created_at: str
    last_login_at: str | None = None


class TokenInfo(BaseModel):
    id: str
    label: str
    created_at: str
    last_used_at: str | None = None
    revoked: bool = False
    expires_at: str | None = None
    expired: bool = False


class TokenError(Exception):
    """Why a bearer token was refused (the message for the 401)."""


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


def check_password(password: str, username: str = "") -> str:
    """OWASP ASVS 2.1: at least 12 characters (spaces count; no composition rules), not a common or breached
    password (the 30,000 most common passwords from `zxcvbn`'s list) and not easy to guess (zxcvbn score >= 3,
    which also catches the username and small variations of common passwords)."""
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise AccountError(f"password: between {MIN_PASSWORD} and {MAX_PASSWORD} characters "
                           "(a passphrase of a few words works well)")
    if password.strip().lower() in _common_passwords():
        raise AccountError("password: this is one of the most common passwords; choose another")
    from zxcvbn import zxcvbn

    sample = password[:72]     # zxcvbn's limit; the rest only adds strength
    result = zxcvbn(sample, user_inputs=[u for u in (username, "curbside") if u])
    if result["score"] < 3:
        hint = (result.get("feedback") or {}).get("warning") or "it is too easy to guess"
        raise AccountError(f"password: {hint.rstrip('.')}; add a few more uncommon words")
    return password


_COMMON: frozenset[str] | None = None


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        _COMMON = frozenset(FREQUENCY_LISTS["passwords"])
    return _COMMON


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
    def add_user(self, username: str, password: str, role: str, display_name: str = "",
                 credentials: str = "") -> User:
        check_username(username), check_password(password, username), check_role(role)
        pw = _hasher.hash(password)
        try:
            with self.db.tx() as c:
                c.execute("INSERT INTO users (username, role, password_hash, display_name, credentials, "
                          "created_at) VALUES (?,?,?,?,?,?)",
                          (username, role, pw, display_name[:200], credentials.strip()[:200], now()))
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
                    password: str | None = None, display_name: str | None = None,
                    credentials: str | None = None) -> User:
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
            params.append(_hasher.hash(check_password(password, username)))
        if display_name is not None:
            sets.append("display_name = ?")
            params.append(display_name[:200])
        if credentials is not None:
            sets.append("credentials = ?")
            params.append(credentials.strip()[:200])
        if sets:
            with self.db.tx() as c:
                c.execute(f"UPDATE users SET {', '.join(sets)} WHERE id = ?", (*params, u.id))
                if active is False or password is not None:   # log out everywhere
                    c.execute("DELETE FROM sessions WHERE user_id = ?", (u.id,))
                if active is False or password is not None:   # and every API token stops working
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
            self.db.later("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
                          (_hasher.hash(password), r["id"], stored))
        stamp = now()
        self.db.later("UPDATE users SET last_login_at = ? WHERE id = ?", (stamp, r["id"]), key=f"login:{r['id']}")
        return _user(r).model_copy(update={"last_login_at": stamp})

    # ---- sign-in back-off (failures per account, shared by every worker through the store) ----
    def login_wait(self, username: str) -> float:
        """Seconds before this account may try a password again (0.0: now)."""
        r = self.db.one("SELECT failures, last_at FROM login_failures WHERE key = ?", (_login_key(username),))
        return 0.0 if r is None else _wait(r["failures"], r["last_at"], time.time())

    def login_attempt(self, username: str) -> float:
        """Reserve one attempt for this account before checking the password: 0.0 and counted as a failure
        (undone by `login_succeeded`), or the seconds to wait (nothing counted). Checking and counting in one
        write transaction means parallel guesses cannot all slip through on one stale count."""
        key, t = _login_key(username), time.time()
        with self.db.tx() as c:
            r = c.execute("SELECT failures, last_at FROM login_failures WHERE key = ?", (key,)).fetchone()
            failures, last = (0, 0.0) if r is None else (r["failures"], r["last_at"])
            if t - last > RESET_AFTER:
                failures = 0
            wait = _wait(failures, last, t)
            if wait > 0:
                return wait
            c.execute("INSERT INTO login_failures (key, failures, last_at) VALUES (?,?,?) ON CONFLICT(key) DO "
                      "UPDATE SET failures = excluded.failures, last_at = excluded.last_at", (key, failures + 1, t))
            if secrets.randbelow(50) == 0:     # forget quiet accounts now and then (keeps the table small)
                c.execute("DELETE FROM login_failures WHERE last_at < ?", (t - RESET_AFTER,))
        return 0.0

    def login_succeeded(self, username: str) -> None:
        """A correct password: the attempt reserved for it does not count."""
        with self.db.tx() as c:
            c.execute("UPDATE login_failures SET failures = MAX(0, failures - 1) WHERE key = ?",
                      (_login_key(username),))
            c.execute("DELETE FROM login_failures WHERE key = ? AND failures = 0", (_login_key(username),))

    # ---- API tokens ----
    def create_token(self, user: User, label: str = "", days: float | None = TOKEN_DAYS) -> tuple[str, TokenInfo]:
        """A new bearer token for `user`, valid for `days` (None: until revoked): the plain token is returned
        once; only its hash is stored."""
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tid = new_id()
        expires = _stamp(datetime.now(timezone.utc) + timedelta(days=days)) if days else None
        with self.db.tx() as c:
            c.execute("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) "
                      "VALUES (?,?,?,?,?,?)", (tid, user.id, _sha(plain), (label or "")[:100], now(), expires))
        return plain, self.tokens(user, tid)[0]

    def tokens(self, user: User, token_id: str | None = None) -> list[TokenInfo]:
        sql, params = "SELECT * FROM api_tokens WHERE user_id = ?", [user.id]
        if token_id:
            sql += " AND id = ?"
            params.append(token_id)
        stamp = now()
        return [TokenInfo(id=r["id"], label=r["label"], created_at=r["created_at"], last_used_at=r["last_used_at"],
                          revoked=r["revoked_at"] is not None, expires_at=r["expires_at"],
                          expired=bool(r["expires_at"]) and r["expires_at"] <= stamp)
                for r in self.db.all(sql + " ORDER BY created_at DESC", tuple(params))]

    def revoke_token(self, user: User, token_id: str) -> bool:
        with self.db.tx() as c:
            return c.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? "
                             "AND revoked_at IS NULL", (now(), token_id, user.id)).rowcount > 0

    def user_for_token(self, plain: str) -> User | None:
        try:
            return self.check_token(plain)
        except TokenError:
            return None

    def check_token(self, plain: str) -> User:
        """The active user this token belongs to, or TokenError saying why not (unknown, revoked, expired,
        account disabled). Reads only: the last-used time is written later, off the request's path."""
        r = self.db.one("SELECT u.*, t.id AS token_id, t.last_used_at AS token_used, t.revoked_at, t.expires_at "
                        "FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
                        (_sha(plain or ""),))
        if r is None:
            raise TokenError("unknown API token; sign in again (POST /api/auth/login) for a new one")
        stamp = now()
        if r["revoked_at"] is not None:
            raise TokenError("this API token was revoked (by its owner, a password change or an admin); "
                             "sign in again for a new one")
        if r["expires_at"] and r["expires_at"] <= stamp:
            raise TokenError(f"this API token expired on {r['expires_at']}; sign in again for a new one")
        if not r["active"]:
            raise TokenError("this account is disabled")
        if (r["token_used"] or "")[:16] != stamp[:16]:   # at most one write a minute per token
            self.db.later("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (stamp, r["token_id"]),
                          key=f"token:{r['token_id']}")
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


def _stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _login_key(username: str) -> str:
    return "user:" + (username or "").strip().lower()[:64]


def _wait(failures: int, last_at: float, t: float) -> float:
    if failures < FREE_FAILURES or t - last_at > RESET_AFTER:
        return 0.0
    delay = min(MAX_DELAY, 2.0 ** (failures - FREE_FAILURES))
    return max(0.0, last_at + delay - t)


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _user(r: sqlite3.Row) -> User:
    return User(id=r["id"], username=r["username"], role=r["role"], display_name=r["display_name"],
                credentials=r["credentials"] or "", active=bool(r["active"]), created_at=r["created_at"], last_login_at=r["last_login_at"])
