"""A polite request pacer for NCBI E-utilities: at most `per_second` request starts in any second.

Two rules, both kept: requests start at least ``1 / per_second`` seconds apart (plus a small safety margin), and
a request starts only once the ``per_second``-th request before it has been *answered* at least one second ago
(``done()``). The second rule makes the limit hold where the server counts, whatever the network's jitter: that
earlier request reached the server before its answer came back, and this one reaches it after it is sent. NCBI allows 3
requests/s without an API key and 10/s with one, per user; with ``shared_path`` the pacing is shared by every
Curbside process on the machine using the same file (the CLI and each web worker of one store), through an
``flock``-ed file holding the next free time slot.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: pacing is per process there
    fcntl = None  # type: ignore[assignment]

NO_KEY_PER_SECOND = 3
WITH_KEY_PER_SECOND = 10


class RateLimiter:
    def __init__(self, per_second: float, *, margin: float = 0.08, shared_path: Path | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = per_second
        self.interval = (1.0 / per_second) * (1.0 + margin)
        self.shared_path = Path(shared_path) if shared_path and fcntl is not None else None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0
        self._answered: deque[float] = deque(maxlen=max(1, int(per_second)))   # when the last requests were answered
        self.window = 1.0 + margin / 4
        self.waited = 0.0          # total seconds spent waiting (for summaries and benches)

    def wait(self) -> float:
        """Block until a request may start; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = self._reserve_shared(now) if self.shared_path else self._reserve(now)
        delay = max(0.0, slot - now)
        if delay:
            self._sleep(delay)
        self.waited += delay
        return delay

    def done(self) -> None:
        """Tell the limiter a request was answered (or failed): see the module docstring."""
        with self._lock:
            self._answered.append(self._clock())

    def _earliest(self, now: float) -> float:
        if len(self._answered) == self._answered.maxlen:
            return max(now, self._answered[0] + self.window)
        return now

    def _reserve(self, now: float) -> float:
        now = self._earliest(now)
        slot = max(now, self._next)
        self._next = slot + self.interval
        return slot

    def _reserve_shared(self, now: float) -> float:
        try:
            self.shared_path.parent.mkdir(parents=True, exist_ok=True)   # type: ignore[union-attr]
            fd = os.open(self.shared_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return self._reserve(now)         # an unwritable home still gets per-process pacing
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                raw = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                shared_next = float(raw) if raw else 0.0
            except ValueError:
                shared_next = 0.0
            if shared_next > now + 60:        # the clock went back: forget the stale slot
                shared_next = 0.0
            slot = max(self._earliest(now), shared_next, self._next)
            self._next = slot + self.interval
            data = f"{self._next:.6f}".encode("ascii")
            os.pwrite(fd, data.ljust(32), 0)
            return slot
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
