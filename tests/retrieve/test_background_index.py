"""A store is useful while it is being embedded: a running engine (a server) searches with the vectors that exist
(BM25 for the rest, and says so), and uses the vectors a background `curbside index` commits without a restart."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from curbside.retrieve import embed
from tests.retrieve.test_dense_e2e import DOCS, QUESTION, titles

pytestmark = pytest.mark.skipif(not embed.available(), reason="embedding model not installed")


def test_server_engine_uses_vectors_as_a_background_index_commits_them(tmp_path):
    from curbside.engine import Engine
    from curbside.settings import load_settings
    from curbside.store.sqlite import connect
    from curbside.store.vector_index import SharedIndex
    from curbside.store.vectors import VectorStore

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    home = tmp_path / "home"
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1"}
    r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", "ingest", str(folder), "--no-embed"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    engine = Engine(load_settings(home, load_default_corpus=False, embed=True))     # the server's engine
    try:
        hits = engine.search(QUESTION, top_k=5)
        assert engine.retriever.last_mode == "bm25" and "no passage has an embedding" in engine.retriever.last_note
        assert "Hypertension care" not in titles(hits)
        # another process embeds one document's passages: the server uses that vector at once, BM25 for the rest
        other = VectorStore(connect(engine.settings.db_path), engine.settings.home / "vectors")
        other.shared = SharedIndex()
        doc = next(d for d in engine.sources() if d.title == "Hypertension care")
        other.embed_items(other.missing_for([doc.id]), engine.retriever.embedder().encode)
        hits = engine.search(QUESTION, top_k=5)
        assert engine.retriever.last_mode == "hybrid" and "have no embedding yet" in engine.retriever.last_note
        assert "Hypertension care" in titles(hits)[:3]
        assert any(h.dense_score is None and h.lexical_score > 0 for h in hits)    # lexical-only passages still in
        # a background `curbside index` finishes the rest; no restart needed
        r = subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", "index"], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        hits = engine.search(QUESTION, top_k=5)
        assert engine.retriever.last_mode == "hybrid" and engine.retriever.last_note == ""
        assert all(h.dense_score is not None for h in hits)
    finally:
        engine.close()
