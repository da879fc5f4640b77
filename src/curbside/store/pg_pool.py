"""One bounded connection pool per PostgreSQL database per process (psycopg_pool).

Every PostgreSQL connection Curbside uses (the engine's store, each reader's store, the background embedder's,
the review store's read and write connections) is leased from the process's pool for that URL and given back when
its owner closes, so a server with N workers holds at most N x `pg_pool` connections (Settings.pg_pool,
CURBSIDE_PG_POOL; default 20), and a store closed and opened again (a reader, a CLI step, a test) reuses an
idle connection instead of a new login. A lease that finds every connection in use waits up to `LEASE_TIMEOUT`
seconds for one to come back, then fails with one line naming the setting.

A returned connection is reset before its next lease: a transaction left open is rolled back,
session settings (`SET hnsw.ef_search`) are reset, and the lease sets autocommit and the row factory again.
"""

from __future__ import annotations

import atexit
import os
import threading

from curbside.errors import StoreError

LEASE_TIMEOUT = 30.0
_pools: dict[str, object] = {}
_lock = threading.Lock()


def _reset(conn) -> None:
    """Before a connection goes back: end an unfinished transaction (rolled back, never committed for its owner)
    and drop session settings. Done here, in the caller's thread, so the return is complete when `release` ends
    (the pool's own reset hook would run it later in a worker)."""
    from psycopg.pq import TransactionStatus

    if conn.closed:
        return
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.execute("RESET ALL")
    except Exception:
        conn.close()             # the pool replaces a closed connection


def pool_for(url: str, size: int | None = None):
    """The pool of this process for `url` (made on first use with `size` connections at most; a later `size` is
    ignored). The server is tried once with a plain connection first, so an unreachable one fails at once with
    PostgreSQL's own message instead of after the lease timeout."""
    with _lock:
        pool = _pools.get(url)
        if pool is not None:
            return pool
        import psycopg
        from psycopg_pool import ConnectionPool

        from curbside.settings import load_settings

        psycopg.connect(url, connect_timeout=10).close()       # raises psycopg.OperationalError, translated above
        size = max(1, int(size or load_settings().pg_pool))
        pool = ConnectionPool(url, min_size=0, max_size=size, open=True, timeout=LEASE_TIMEOUT,
                              kwargs={"autocommit": True, "connect_timeout": 10}, name=f"curbside-{len(_pools)}")
        _pools[url] = pool
        return pool


def lease(url: str, size: int | None = None, timeout: float | None = None):
    """A connection of the pool for `url`, autocommit on; give it back with `release`."""
    from psycopg_pool import PoolTimeout

    pool = pool_for(url, size)
    try:
        conn = pool.getconn(timeout=timeout)
    except PoolTimeout:
        raise StoreError(f"all {pool.max_size} PostgreSQL connections of this process are in use (waited "
                         f"{timeout or pool.timeout:.0f} s); raise CURBSIDE_PG_POOL or lower CURBSIDE_READERS") \
            from None
    conn.autocommit = True
    return conn


def release(conn) -> None:
    """Give a leased connection back to its pool (a closed or broken one is replaced by the pool)."""
    pool = getattr(conn, "_pool", None)
    if pool is None:             # already given back
        return
    _reset(conn)
    pool.putconn(conn)


def stats(url: str) -> dict:
    """The pool's counters (pool_size, pool_available, requests_waiting, ...) or {} when there is none."""
    pool = _pools.get(url)
    return pool.get_stats() if pool is not None else {}


def close_all() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close(timeout=1.0)


def _forget_in_child() -> None:
    """A forked child must not use its parent's sockets: it starts with no pools (uvicorn's workers are spawned,
    but a fork elsewhere would otherwise share connections)."""
    global _lock
    _pools.clear()
    _lock = threading.Lock()


atexit.register(close_all)
os.register_at_fork(after_in_child=_forget_in_child)
