"""Interrupted ingest and index runs resume: a re-run finishes missing vectors; index commits every ~2 s."""

from __future__ import annotations

import numpy as np
import pytest

from curbside.retrieve import embed

pytestmark = pytest.mark.skipif(not embed.available(), reason="embedding runtime not installed")


class FakeEmbedder:
    """Deterministic unit vectors; dies (like a kill) after `die_after` encode calls."""

    def __init__(self, die_after: int | None = None, delay: float = 0.0):
        self.calls = 0
        self.sizes: list[int] = []
        self.die_after = die_after
        self.delay = delay

    def encode(self, texts):
        import time

        self.calls += 1
        if self.die_after is not None and self.calls > self.die_after:
            raise KeyboardInterrupt("killed")
        self.sizes.append(len(texts))
        if self.delay:
            time.sleep(self.delay * len(texts))
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), embed.DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def dense_engine(tmp_path):
    from curbside.engine import Engine
    from curbside.settings import load_settings

    eng = Engine(load_settings(tmp_path / "home", load_default_corpus=False, embed=True))
    yield eng
    eng.close()


def _corpus(tmp_path, n=30):
    d = tmp_path / "docs"
    d.mkdir()
    for i in range(n):
        (d / f"d{i:02}.txt").write_text(f"Document {i}: ruxolitinib in refractory HLH, cohort {i}. " * 30)
    return d


def test_rerun_after_a_kill_during_embedding_finishes_the_vectors(dense_engine, tmp_path, monkeypatch):
    d = _corpus(tmp_path)
    dying = FakeEmbedder(die_after=2)
    monkeypatch.setattr(dense_engine.retriever, "embedder", lambda: dying)
    monkeypatch.setattr(dense_engine, "_lock", __import__("threading").RLock())
    from curbside.store.ingest import Ingestor

    monkeypatch.setattr(Ingestor.__init__, "__defaults__", (1, 2.0, None, False))   # commit after every document
    with pytest.raises(KeyboardInterrupt):
        dense_engine.ingest([d])
    vectors = dense_engine.retriever.vectors
    docs, passages = dense_engine.store.counts()
    missing = vectors.missing_count()
    assert docs >= 1 and missing > 0
    monkeypatch.setattr(dense_engine.retriever, "embedder", lambda: FakeEmbedder())
    again = dense_engine.ingest([d])
    assert again.added + again.duplicates == 30 and again.duplicates == docs
    assert vectors.missing_count() == 0
    assert again.vectors_resumed == missing and again.embedded == again.passages


def test_index_commits_about_every_commit_seconds(dense_engine, tmp_path, monkeypatch):
    d = _corpus(tmp_path, 12)
    monkeypatch.setattr(embed, "available", lambda: False)     # ingest without vectors
    dense_engine.ingest([d])
    monkeypatch.undo()
    vectors = dense_engine.retriever.vectors
    total = vectors.missing_count()
    assert total > 20
    slow = FakeEmbedder(delay=0.01)                    # 100 passages/s
    commits_before = int(vectors.version())
    done, computed = vectors.embed_missing(slow.encode, commit_seconds=0.05)
    assert done == total and vectors.missing_count() == 0
    assert max(slow.sizes[1:]) <= 10                   # ~0.05 s of work per commit, not 256 passages
    assert int(vectors.version()) - commits_before >= total // 10


def test_index_kill_keeps_committed_vectors(dense_engine, tmp_path, monkeypatch):
    d = _corpus(tmp_path, 12)
    monkeypatch.setattr(embed, "available", lambda: False)
    dense_engine.ingest([d])
    monkeypatch.undo()
    vectors = dense_engine.retriever.vectors
    total = vectors.missing_count()
    with pytest.raises(KeyboardInterrupt):
        vectors.embed_missing(FakeEmbedder(die_after=3, delay=0.01).encode, commit_seconds=0.05)
    kept = total - vectors.missing_count()
    assert kept > 0
    done, _ = vectors.embed_missing(FakeEmbedder().encode)
    assert done == total - kept and vectors.missing_count() == 0
