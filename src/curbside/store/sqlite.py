"""Opening the embedded SQLite database: WAL, foreign keys, a busy timeout, and one transaction helper."""

from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from curbside.errors import DiskFullError, StoreDamagedError, StoreError

_DAMAGED = ("malformed", "not a database", "database corrupt", "file is encrypted")


def _disk_nearly_full(path: str | Path) -> bool:
    import shutil

    try:
        p = Path(path) if path else Path(".")
        return shutil.disk_usage(p if p.is_dir() else p.parent).free < 1 << 20
    except OSError:
        return False


def translate(exc: BaseException, path: str | Path = "") -> StoreError | None:
    """The one-line StoreError for a SQLite or OS error that a user can act on (full disk, damaged store), or
    None when `exc` is something else."""
    where = f"{path}: " if path else ""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"{where}disk is full; free some space and run the command again "
                             "(everything committed before this point is kept)")
    if isinstance(exc, sqlite3.Error):
        msg = str(exc).lower()
        code = getattr(exc, "sqlite_errorcode", None)
        if "disk is full" in msg or code == 13 or ("disk i/o error" in msg and _disk_nearly_full(path)):
            return DiskFullError(f"{where}disk is full; free some space and run the command again "
                                 "(everything committed before this point is kept)")
        if any(m in msg for m in _DAMAGED) or code in (11, 26):
            return StoreDamagedError(
                f"{where}store is damaged ({exc}); restore it from a backup, or try `sqlite3 {path or 'STORE'} "
                f"\".recover\"` into a new file")
    return None


@contextmanager
def guarded(path: str | Path = "") -> Iterator[None]:
    """Turn a full disk or a damaged store met inside the block into DiskFullError / StoreDamagedError."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        mapped = translate(exc, path)
        if mapped is None or mapped is exc:
            raise
        raise mapped from None


def connect(path: str | Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path` in WAL mode. Autocommit mode: use `transaction()`."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(p), timeout=30.0, isolation_level=None, check_same_thread=check_same_thread)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except (sqlite3.Error, OSError) as exc:
        raise (translate(exc, p) or StoreError(f"{p}: cannot open the Curbside store ({exc})")) from None
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception: a crash midway leaves the store as it was before."""
    conn.execute(f"BEGIN {mode}")
    try:
        yield conn
    except BaseException:
        rollback(conn)
        raise
    else:
        conn.execute("COMMIT")


def rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK when a transaction is open; a failing rollback (full disk, damaged file) is not allowed to hide
    the error that caused it (SQLite rolls back by itself when the connection closes)."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
