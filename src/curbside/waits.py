"""Where a request waits on something outside its own work (issue 11: "no request waits on the ingest for more than
1 s"), measured per request and reported in its Server-Timing header (interfaces/web/timing.py).

A request's waits are kept in a dict held by a context variable: the web middleware sets it for each request, and
the threads Starlette runs handlers in copy the context, so code anywhere below (store, readers, review) adds to
the request that called it with `add()` / `timed()`. Outside a request (the CLI, background threads) nothing is
recorded and the cost is one context-variable read.

Kinds (seconds, summed over the request):

* ``write_lock``: getting SQLite's write lock for a write in the request (saving an asked article, a review
  action, an account change): this process's other writers first, then BEGIN IMMEDIATE while another connection,
  e.g. an ingest in another process, holds the lock;
* ``commit``: COMMIT of such a write (an automatic WAL checkpoint runs inside it when the WAL has grown, e.g. by an
  ingest's writes);
* ``index``: bringing the shared vector index up to date with vectors another process committed (only the request
  that does it waits; the others search the previous snapshot), or waiting for its first load;
* ``corpus``: re-reading what the retriever caches per corpus version (passage/vector counts, abbreviations), which
  an ingest changes with every committed batch;
* ``readers``: waiting for a free reader connection (all are lent to other requests: CPU queueing, not the ingest);
* ``reader`` and ``cpu``: wall time holding a reader, and the thread's CPU time in it (wall minus CPU is time spent
  runnable but not running: the GIL and busy cores).

The first four are what an ingest can make a request wait for (INGEST_KINDS); `ingest_wait()` sums them.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

INGEST_KINDS = ("write_lock", "commit", "index", "corpus")
KINDS = INGEST_KINDS + ("readers", "reader", "cpu")

_current: ContextVar[dict | None] = ContextVar("curbside_waits", default=None)


@contextmanager
def recording() -> Iterator[dict]:
    """Record the waits of the code run inside the block (and of threads started with a copy of its context) into
    the dict it yields, kind -> seconds."""
    waits: dict[str, float] = {}
    token = _current.set(waits)
    try:
        yield waits
    finally:
        _current.reset(token)


def add(kind: str, seconds: float) -> None:
    """Add `seconds` of `kind` to the current request's waits (nothing outside a request)."""
    waits = _current.get()
    if waits is not None and seconds > 0:
        waits[kind] = waits.get(kind, 0.0) + seconds


@contextmanager
def timed(kind: str) -> Iterator[None]:
    """Count the time spent inside the block as a wait of `kind`."""
    if _current.get() is None:
        yield
        return
    t = time.perf_counter()
    try:
        yield
    finally:
        add(kind, time.perf_counter() - t)


def ingest_wait(waits: dict) -> float:
    """Seconds a request waited on what an ingest can hold up (INGEST_KINDS)."""
    return sum(waits.get(k, 0.0) for k in INGEST_KINDS)


def server_timing(waits: dict, total: float) -> str:
    """A Server-Timing header value: each kind, the ingest-related sum (`ingest`), and the server's whole time
    (`total`), in milliseconds (`write_lock` is written `write-lock`)."""
    parts = [f"{k.replace('_', '-')};dur={waits[k] * 1000:.1f}" for k in KINDS if k in waits]
    parts.append(f"ingest;dur={ingest_wait(waits) * 1000:.1f}")
    parts.append(f"total;dur={total * 1000:.1f}")
    return ", ".join(parts)


def parse_server_timing(value: str) -> dict[str, float]:
    """name -> seconds from a Server-Timing header value (names as sent: `write-lock`, `ingest`, `total`...)."""
    out: dict[str, float] = {}
    for part in (value or "").split(","):
        name, _, rest = part.strip().partition(";")
        for param in rest.split(";"):
            k, _, v = param.strip().partition("=")
            if k == "dur" and name:
                try:
                    out[name] = float(v) / 1000
                except ValueError:
                    pass
    return out
