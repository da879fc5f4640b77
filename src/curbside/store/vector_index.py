"""The exact in-memory vector index over passage vectors, its files, and the snapshot shared by the VectorStores of
one store file in a process (see store/vectors.py for the embedding cache and the passage -> vector mapping)."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable

import numpy as np

from curbside.retrieve.embed import DIM

log = logging.getLogger("curbside.vectors")


def matvec(mat: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """mat @ vec on one thread (einsum's own SIMD loop, not BLAS): as fast as BLAS for a memory-bound
    matrix-vector product, and immune to the stalls a multi-threaded BLAS call suffers on a busy 2-core machine
    (measured: 16 ms instead of 1 ms for 11k vectors under load)."""
    return np.einsum("ij,j->i", mat, np.asarray(vec, dtype=np.float32))


class VectorIndex:
    """Exact cosine index over unit vectors, keyed by int ids kept in ascending order."""

    def __init__(self, dim: int = DIM):
        self.dim = dim
        self.ids = np.zeros(0, dtype=np.int64)
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.keys: np.ndarray | None = None   # per id, the first 8 bytes of its vector's cache key (see refresh)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: Iterable[int], vecs: np.ndarray) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        vecs = np.asarray(vecs, dtype=np.float32).reshape(len(ids), self.dim)
        if len(ids) == 0:
            return
        keep = ~np.isin(self.ids, ids)          # re-adding an id replaces its vector
        all_ids = np.concatenate([self.ids[keep], ids])
        all_vecs = np.concatenate([np.asarray(self.mat[keep]), vecs])
        order = np.argsort(all_ids, kind="stable")
        self.ids, self.mat = all_ids[order], np.ascontiguousarray(all_vecs[order])

    def delete(self, ids: Iterable[int]) -> int:
        ids = np.asarray(list(ids), dtype=np.int64)
        keep = ~np.isin(self.ids, ids)
        removed = int((~keep).sum())
        if removed:
            self.ids, self.mat = self.ids[keep], np.ascontiguousarray(self.mat[keep])
        return removed

    def positions(self, ids: Iterable[int]) -> np.ndarray:
        """Row position of each id, or -1 when the id has no vector."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(self.ids) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos = np.minimum(pos, len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def vectors(self, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, found mask) for ids; missing ids get zero vectors."""
        pos = self.positions(ids)
        out = np.zeros((len(pos), self.dim), dtype=np.float32)
        ok = pos >= 0
        if ok.any():
            out[ok] = self.mat[pos[ok]]
        return out, ok

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top-k (id, cosine) by exact inner product."""
        n = len(self.ids)
        if n == 0 or k <= 0:
            return []
        scores = matvec(self.mat, query)
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    # ---- persistence ----
    def save(self, folder: Path, stamp: str) -> None:
        """Write `<stamp>.ids.npy`, `.keys.npy` and `.vectors.npy` (each through a private temporary file and an
        atomic rename, so processes saving at once never mix their files: the same stamp means the same
        content), then drop the files of other stamps."""
        folder.mkdir(parents=True, exist_ok=True)
        keys = self.keys if self.keys is not None else np.zeros(len(self.ids), dtype=np.int64)
        tag = f"{os.getpid()}-{threading.get_ident()}"
        for name, arr in (("ids", self.ids), ("keys", keys), ("vectors", self.mat)):
            tmp = folder / f".{stamp}.{name}.{tag}.tmp"
            with open(tmp, "wb") as fh:
                np.save(fh, arr)
            os.replace(tmp, folder / f"{stamp}.{name}.npy")
        now = time.time()
        for old in folder.iterdir():
            try:
                if (old.name.endswith(".npy") and not old.name.startswith(stamp + ".") or old.name == "stamp"
                        or old.name.endswith(".tmp") and now - old.stat().st_mtime > 600):   # left by a crash
                    old.unlink()       # a process that memory-mapped it keeps its pages
            except OSError:
                pass

    @classmethod
    def load(cls, folder: Path, stamp: str) -> "VectorIndex | None":
        try:
            idx = cls()
            idx.ids = np.load(folder / f"{stamp}.ids.npy")
            idx.keys = np.load(folder / f"{stamp}.keys.npy")
            # memory-mapped (pages load on first use, shared between processes); a plain ndarray view, since
            # numpy's memmap subclass makes every derived array slower
            idx.mat = np.asarray(np.load(folder / f"{stamp}.vectors.npy", mmap_mode="r"))
            if idx.mat.shape != (len(idx.ids), idx.dim) or idx.keys.shape != idx.ids.shape:
                return None
            return idx
        except (OSError, ValueError):
            return None


def hash_prefixes(hashes: list[str]) -> np.ndarray:
    """The first 8 bytes of each hex cache key as an int64: enough to tell whether a passage's vector changed."""
    if not hashes:
        return np.zeros(0, dtype=np.int64)
    return np.frombuffer(bytes.fromhex("".join(h[:16] for h in hashes)), dtype=">i8").astype(np.int64)


class SharedIndex:
    """The current index snapshot of one store file, shared by every VectorStore of it in this process. A
    snapshot is never changed in place: a refresh builds a new one and swaps the reference, so a search that
    holds a snapshot reads consistent ids and vectors while another thread refreshes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: VectorIndex | None = None
        self.stamp = ""             # the index key (VectorStore.index_key) of `index`
        self.full_builds = 0        # how many times the index was read whole (for tests and benches)
        self.refreshes = 0          # how many times only the changed rows were read
        self.background_refreshes = 0
        self._refresher: threading.Thread | None = None
        self._refresher_lock = threading.Lock()
        self._next_at = 0.0         # no background refresh before this (monotonic): they take at most 1/3 of a core

    def refresh_soon(self, open_vectors) -> bool:
        """Bring the snapshot up to date in a thread of its own (one at a time; a call while one runs does
        nothing: the next search after it asks again). `open_vectors()` gives a VectorStore on a connection of
        the thread's own. True when a refresh was started."""
        with self._refresher_lock:
            if self._refresher is not None and self._refresher.is_alive() or time.monotonic() < self._next_at:
                return False
            self._refresher = threading.Thread(target=self._refresh, args=(open_vectors,), daemon=True,
                                               name="curbside-index-refresh")
            self._refresher.start()
            return True

    def _refresh(self, open_vectors) -> None:
        vs = None
        try:
            vs = open_vectors()
            if vs is None:
                return
            t = time.monotonic()
            with self.lock:
                if self.index is None or self.stamp != vs.index_key():
                    idx, key = vs._refreshed(self)
                    self.index, self.stamp = idx, key
                    self.background_refreshes += 1
            self._next_at = time.monotonic() + 2 * (time.monotonic() - t)
        except Exception:  # noqa: BLE001 - the store closed or went away; the next search tries again
            log.debug("background index refresh failed", exc_info=True)
        finally:
            if vs is not None:
                try:
                    vs.conn.close()
                except Exception:  # noqa: BLE001
                    pass

    def wait_refreshed(self, timeout: float = 30.0) -> bool:
        """Wait for a background refresh in progress (tests, benches); True when none is running."""
        with self._refresher_lock:
            t = self._refresher
        if t is not None:
            t.join(timeout)
        return t is None or not t.is_alive()


_SHARED: dict[tuple, SharedIndex] = {}
_SHARED_LOCK = threading.Lock()


def shared_index(conn: sqlite3.Connection, folder: Path, model_id: str) -> SharedIndex:
    """The SharedIndex of the store file `conn` has open (keyed by its path and inode, so a store deleted and
    made again at the same path starts afresh); an in-memory database gets its own."""
    key: tuple | None = None
    try:
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        if path:
            st = os.stat(path)
            key = (os.path.realpath(path), st.st_dev, st.st_ino, str(folder), model_id)
    except (OSError, sqlite3.Error):
        key = None
    if key is None:
        return SharedIndex()
    with _SHARED_LOCK:
        return _SHARED.setdefault(key, SharedIndex())
