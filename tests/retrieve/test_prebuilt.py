"""The shipped default-corpus vectors: well formed, covering the default corpus, and used instead of the model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from curbside.retrieve.embed import DIM, MODEL_ID
from curbside.retrieve.prebuilt import load_prebuilt, prebuilt_file, save_prebuilt
from curbside.store.vectors import vector_key


def test_shipped_file_is_well_formed():
    assert prebuilt_file().exists(), "run scripts/build_default_vectors.py"
    keys, vecs = load_prebuilt()
    assert len(keys) > 1000 and vecs.shape == (len(keys), DIM) and vecs.dtype == np.float16
    assert len(set(keys)) == len(keys)
    norms = np.linalg.norm(vecs.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=2e-3)             # unit vectors, as the encoder makes them


@pytest.mark.skipif(importlib.util.find_spec("open_medicine") is None, reason="open-medicine not installed")
def test_shipped_file_covers_the_default_corpus(tmp_path):
    """Fails when passage splitting, embed_input or the open-medicine version changed without rebuilding it."""
    from curbside.engine import Engine
    from curbside.settings import load_settings

    eng = Engine(load_settings(tmp_path / "h", load_default_corpus=False, embed=False))
    try:
        eng.ensure_default_corpus()
        wanted = {vector_key(text) for _, text in eng.retriever.vectors.missing()}
    finally:
        eng.close()
    keys, _ = load_prebuilt()
    assert wanted, "the default corpus loaded no passages"
    covered = len(wanted & set(keys)) / len(wanted)
    assert covered >= 0.99, f"prebuilt vectors cover {covered:.1%} of the default corpus: " \
                            "run scripts/build_default_vectors.py"


def test_seeded_cache_embeds_without_the_model(engine):
    engine.ingest([Path(__file__).parents[1] / "fixtures" / "corpus" / "asthma_page.txt"])
    vectors = engine.retriever.vectors
    items = vectors.missing()
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((len(items), DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    assert vectors.seed_cache([vector_key(t) for _, t in items], vecs) == len(items)
    assert vectors.seed_cache([vector_key(t) for _, t in items], vecs) == 0       # idempotent

    def no_model(texts):
        raise AssertionError("the model must not run for cached texts")

    done, computed = vectors.embed_missing(no_model)
    assert (done, computed) == (len(items), 0)
    hit = vectors.index().search(vecs[0], 1)[0]
    assert hit[0] == items[0][0] and hit[1] > 0.999


def test_stale_or_broken_files_are_ignored(tmp_path):
    good = tmp_path / "v.npz"
    save_prebuilt(good, ["b", "a"], np.ones((2, DIM), dtype=np.float16) / np.sqrt(DIM))
    keys, vecs = load_prebuilt(good)
    assert keys == ["a", "b"] and vecs.shape == (2, DIM)
    assert load_prebuilt(good, model_id="another-model")[0] == []
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    assert load_prebuilt(broken)[0] == []
    assert load_prebuilt(tmp_path / "missing.npz")[0] == []
    assert MODEL_ID
