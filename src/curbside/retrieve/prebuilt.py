"""Prebuilt vectors for the default corpus, shipped with the package.

Embedding the open-medicine guidelines (about 1,900 passages) takes 30-60 s on two cores, which would make the
very first `curbside ask` on a fresh install slow. The package therefore carries their vectors
(`data/default_vectors.npz`: float16 rows keyed by the same content hash as the embedding cache, ~1.5 MB),
built by `scripts/build_default_vectors.py` with the very model used at run time. Before the default corpus is
ingested they are put into the cache; each passage whose exact embedded text matches takes its vector from
there and only the rest (e.g. after an open-medicine update changed a guideline) are computed.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import numpy as np

from curbside.retrieve.embed import DIM, MODEL_ID

log = logging.getLogger(__name__)
FILE_NAME = "default_vectors.npz"


def prebuilt_file() -> Path:
    return Path(str(resources.files("curbside") / "data" / FILE_NAME))


def load_prebuilt(path: Path | None = None, model_id: str = MODEL_ID) -> tuple[list[str], np.ndarray]:
    """(cache keys, float16 vectors) from the shipped file; empty when it is missing, unreadable or was made
    with another model (a stale file is never used: its vectors would not match the query encoder)."""
    path = path or prebuilt_file()
    empty = ([], np.zeros((0, DIM), dtype=np.float16))
    if not path.exists():
        return empty
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model_id"]) != model_id:
                log.warning("%s was built with %s, not %s; ignoring it", path, data["model_id"], model_id)
                return empty
            keys = [str(k) for k in data["keys"]]
            vecs = np.asarray(data["vecs"], dtype=np.float16)
    except (OSError, KeyError, ValueError) as exc:
        log.warning("%s: unreadable prebuilt vectors (%s); the default corpus will be embedded instead", path, exc)
        return empty
    if vecs.shape != (len(keys), DIM):
        log.warning("%s: expected %d x %d vectors, found %s; ignoring it", path, len(keys), DIM, vecs.shape)
        return empty
    return keys, vecs


def save_prebuilt(path: Path, keys: list[str], vecs: np.ndarray, model_id: str = MODEL_ID,
                  source: str = "") -> None:
    order = np.argsort(np.asarray(keys))                  # stable file content for identical inputs
    np.savez_compressed(path, keys=np.asarray(keys)[order], vecs=np.asarray(vecs, dtype=np.float16)[order],
                        model_id=np.asarray(model_id), source=np.asarray(source))
