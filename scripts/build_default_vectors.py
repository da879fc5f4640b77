"""Rebuild src/curbside/data/default_vectors.npz: the vectors of the default corpus (open-medicine), shipped so
that a fresh install answers its first question with hybrid search at once instead of embedding ~1,900
passages first (see curbside/retrieve/prebuilt.py).

    python scripts/build_default_vectors.py [--out src/curbside/data/default_vectors.npz]

Run it after changing passage splitting, `embed_input`, the model, or the open-medicine version pin;
tests/retrieve/test_prebuilt.py fails when the shipped file no longer covers the default corpus.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "curbside" / "data" / "default_vectors.npz")
    args = ap.parse_args()

    from curbside.engine import Engine
    from curbside.retrieve.embed import MODEL_ID
    from curbside.retrieve.prebuilt import save_prebuilt
    from curbside.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), embed=True, load_default_corpus=False)
        engine = Engine(settings)
        t = time.perf_counter()
        engine.ensure_default_corpus()
        done, computed = engine.embed_missing()
        rows = engine.store.conn.execute(
            "SELECT DISTINCT e.hash, e.vec FROM passage_vectors v JOIN embeddings e ON e.hash = v.hash").fetchall()
        have, total = engine.retriever.vectors.counts()
        keys = [r[0] for r in rows]
        vecs = np.stack([np.frombuffer(r[1], dtype=np.float16) for r in rows])
        save_prebuilt(args.out, keys, vecs, MODEL_ID, source=f"open-medicine {version('open-medicine')}")
        engine.close()
    print(f"{len(keys)} vectors for {have}/{total} passages in {time.perf_counter() - t:.1f} s -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
