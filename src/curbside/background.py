"""Embedding in the background: a server stores an upload (searchable by BM25 at once) and answers its request,
then gives the new passages their vectors in a thread of its own, on a store connection of its own, committing
about every 2 s (`VectorStore.embed_missing`). Searches use each vector as soon as it is committed. A crash or a
stop loses at most the chunk being embedded; the next request, or `curbside index`, finishes the rest.
With low_priority (Settings.ingest_priority "low", the default) the thread runs at the lowest CPU priority, so
searches and asks keep the cores (priority.py); `encoder()` is first called from that thread, so an ONNX session
it loads there has its worker threads at that priority too.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger("curbside.background")


class BackgroundEmbedder:
    """One thread at a time; `request()` while it runs makes it look again when it is done (passages stored after
    its last look are not missed)."""

    def __init__(self, open_store: Callable[[], object], encoder: Callable[[], Callable],
                 low_priority: bool = False):
        self._open_store = open_store
        self._encoder = encoder                 # -> the encode function; called in the background thread
        self._low_priority = low_priority
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._stop = threading.Event()
        self.embedded = 0                       # passages given a vector by this process's background runs
        self.error = ""                         # the last run's failure, if any (also logged)

    def request(self) -> bool:
        """Start embedding every passage that has no vector (or look again after the current run). False after
        close()."""
        with self._lock:
            if self._stop.is_set():
                return False
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="curbside-embed", daemon=True)
                self._thread.start()
        return True

    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no run is going (True) or `timeout` seconds pass (False)."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            thread.join(None if end is None else max(0.0, end - time.monotonic()))
            if end is not None and time.monotonic() >= end:
                return not self.running()

    def _run(self) -> None:
        store = None
        if self._low_priority:
            from curbside.priority import lower_thread

            lower_thread()
        try:
            store = self._open_store()
            vectors = store.vector_store()
            while True:
                with self._lock:
                    if not self._again or self._stop.is_set():
                        self._thread = None
                        return
                    self._again = False
                done, _ = vectors.embed_missing(self._encoder(), should_stop=self._stop.is_set)
                self.embedded += done
        except BaseException as exc:   # noqa: BLE001 - a background thread must not die silently
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("background embedding stopped; `curbside index` finishes it")
            with self._lock:
                self._thread = None
        finally:
            if store is not None:
                try:
                    store.close()
                except Exception:  # noqa: BLE001
                    pass

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the chunk being embedded (committed work is kept) and wait up to `timeout` seconds."""
        self._stop.set()
        self.wait(timeout)
