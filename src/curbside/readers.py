"""Readers: the engine's read-only work (search, composing and verifying an answer, listing sources) on a small
pool of store connections of their own, so web requests search and answer side by side instead of queueing on
the engine's one connection, and never wait for an ingest, an upload's embedding or another request's answer.

SQLite in WAL mode gives each reader connection a consistent snapshot while a writer commits; the vector index
snapshot is shared by all of them (store/vector_index.SharedIndex), so the pool costs one connection and a few
small caches per reader, not a copy of the vectors.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from curbside import waits

def default_readers() -> int:
    """CURBSIDE_READERS, else one per core (2 to 4). More readers than cores only share the interpreter lock with
    the light requests of the same process (measured on 2 cores, 20 clients: 4 readers gave article reads a p95 of
    1.1 s, 2 readers 0.36 s, with more searches and asks answered); use `serve --workers` for more cores."""
    try:
        return max(1, int(os.environ.get("CURBSIDE_READERS", "") or min(4, max(2, os.cpu_count() or 2))))
    except ValueError:
        return 2


class ReaderPool:
    """Up to `size` (default: `default_readers()`) retrievers, each over its own store connection (opened on first need, kept for reuse).
    A retriever is lent to one thread at a time; a caller waits only when all `size` are lent."""

    def __init__(self, template: Callable[[], object], open_store: Callable[[], object], size: int | None = None):
        self.template = template            # -> the engine's retriever: settings, ranker and model come from it
        self.open_store = open_store
        self.size = max(1, int(size)) if size else default_readers()
        self._free: list = []                    # idle retrievers; the last one given back is lent first (warm)
        self._waiting: deque = deque()           # [event, retriever] of each waiting caller, oldest first
        self._made: list = []
        self._lock = threading.Lock()
        self._closed = False

    def _make(self):
        store = self.open_store()
        r = copy.copy(self.template())      # same settings, ranker and embedder; its own store and caches
        r.store, r.vectors = store, store.vector_store()
        if hasattr(r.vectors, "refresh_in_background"):   # a search never waits for the index to catch up
            r.vectors.refresh_in_background = True
        for name, fresh in (("_docs", {}), ("_docs_version", ""), ("_dense_state", None)):   # the abbreviation
            # index (read-only once built) starts as the engine's; a reader rebuilds its own when the corpus changes
            if hasattr(r, name):
                setattr(r, name, fresh)
        return r

    def _sync(self, r) -> None:
        """Settings changed on the engine's retriever since (public attributes: dense_view, a test's embedder)."""
        for name, value in vars(self.template()).items():
            if not name.startswith("_") and name not in ("store", "vectors", "last_mode", "last_note") \
                    and getattr(r, name, None) is not value:
                setattr(r, name, value)

    @contextmanager
    def reader(self) -> Iterator[object]:
        """A retriever (with `.store`) for this thread until the block ends. A request's wait for a free one is its
        `readers` wait, its time holding it `reader` and the thread's CPU time meanwhile `cpu` (waits.py)."""
        r = self._acquire()
        self._sync(r)
        t, cpu = time.perf_counter(), time.thread_time()
        try:
            yield r
        finally:
            waits.add("cpu", time.thread_time() - cpu)
            waits.add("reader", time.perf_counter() - t)
            self._release(r)

    def _acquire(self):
        """First come, first served: a retriever given back goes straight to the caller that has waited longest,
        so a caller arriving later cannot take it first (with a free list that anyone may grab, a search waited
        5.2 s for a reader it then held 20 ms, while the median search took 0.9 s: 20 clients, load ~10)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine is closed")
            if self._free:                       # (never while callers wait: see _release)
                return self._free.pop()
            if len(self._made) < self.size:
                r = self._make()
                self._made.append(r)
                return r
            ticket = [threading.Event(), None]
            self._waiting.append(ticket)
        with waits.timed("readers"):
            ticket[0].wait()
        return ticket[1]

    def _release(self, r) -> None:
        with self._lock:
            if self._waiting:
                ticket = self._waiting.popleft()
                ticket[1] = r
                ticket[0].set()
            else:
                self._free.append(r)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            made, self._made = self._made, []
        for r in made:
            try:
                r.store.close()
            except Exception:  # noqa: BLE001 - closing on shutdown; nothing to do about a failure
                pass
