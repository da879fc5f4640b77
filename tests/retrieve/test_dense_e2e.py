"""End to end with the real (small) model: the dense path finds a paraphrase that BM25 cannot, hybrid keeps it,
and everything still works, and says so, without embeddings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from curbside.retrieve import embed

pytestmark = pytest.mark.skipif(not embed.available(), reason="embedding model not installed")

QUESTION = "How do you lower high blood pressure?"

DOCS = {
    # the answer: a paraphrase that shares no word with the question
    "hypertension.txt": "Hypertension care\n\nElevated arterial tension is managed with thiazide diuretics, ACE "
                        "inhibitors or calcium channel antagonists, together with reduced salt intake and regular "
                        "exercise.",
    # distractors that share the question's words
    "ulcers.txt": "Pressure ulcers\n\nHigh-specification foam mattresses reduce pressure ulcers in bedridden "
                  "patients; reposition every two hours.",
    "donation.txt": "Blood donation\n\nDonors with high haemoglobin may give blood; a low count defers "
                    "donation.",
    "glaucoma.txt": "Glaucoma\n\nRaised intraocular pressure damages the optic nerve; prostaglandin eye drops "
                    "lower it.",
    "asthma.txt": "Asthma in adults\n\nInhaled corticosteroids reduce airway inflammation in persistent asthma.",
}


@pytest.fixture(scope="module")
def dense_engine(tmp_path_factory):
    from curbside.engine import Engine
    from curbside.settings import load_settings

    home = tmp_path_factory.mktemp("dense-home")
    folder = tmp_path_factory.mktemp("dense-docs")
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    eng = Engine(load_settings(home, load_default_corpus=False, embed=True))
    summary = eng.ingest([folder])
    assert summary.added == len(DOCS)
    yield eng
    eng.close()


def titles(hits):
    return [h.title for h in hits]


def test_ingest_embeds_every_passage(dense_engine):
    have, total = dense_engine.retriever.vectors.counts()
    assert have == total > 0
    assert dense_engine.retriever.default_mode() == "hybrid"


def test_dense_finds_the_paraphrase_bm25_misses(dense_engine):
    bm25 = dense_engine.search(QUESTION, top_k=5, mode="bm25")
    assert "Hypertension care" not in titles(bm25)                # no shared word: lexical search cannot see it
    assert bm25, "BM25 should still find the word-sharing distractors"
    dense = dense_engine.search(QUESTION, top_k=5, mode="dense")
    assert titles(dense)[0] == "Hypertension care"
    hybrid = dense_engine.search(QUESTION, top_k=5)               # default mode
    assert dense_engine.retriever.last_mode == "hybrid" and dense_engine.retriever.last_note == ""
    # every passage is a dense candidate in so small a corpus, so word-sharing ones compete; it stays near the top
    assert "Hypertension care" in titles(hybrid)[:3]
    top = next(h for h in hybrid if h.title == "Hypertension care")
    assert top.dense_score is not None and top.features["cosine"] > 0.3 and top.features["bm25"] == 0.0
    assert [h.rank for h in hybrid] == list(range(1, len(hybrid) + 1))


def test_reingest_and_reindex_compute_nothing(dense_engine, tmp_path):
    calls = []
    real = dense_engine.retriever.embedder().encode
    dense_engine.retriever.vectors.conn.execute("DELETE FROM passage_vectors")   # forget the mapping only
    done, computed = dense_engine.retriever.vectors.embed_missing(lambda t: calls.append(t) or real(t))
    assert done > 0 and computed == 0 and not calls                                # all from the cache


def test_no_embed_falls_back_to_bm25_and_says_so(dense_engine, monkeypatch):
    r = dense_engine.retriever
    r.embed_enabled = False
    try:
        hits = dense_engine.search(QUESTION, top_k=5)
        assert r.last_mode == "bm25" and "turned off" in r.last_note
        assert "Hypertension care" not in titles(hits)
        dense_engine.search(QUESTION, top_k=5, mode="dense")
        assert r.last_mode == "bm25" and r.last_note.startswith("dense search unavailable")
    finally:
        r.embed_enabled = True
    r._dense_state = None
    monkeypatch.setattr(embed, "available", lambda: False)     # the model package is missing
    dense_engine.search(QUESTION, top_k=5)
    assert r.last_mode == "bm25" and "not installed" in r.last_note
    r._dense_state = None


def test_cli_search_json_states_mode(dense_engine, tmp_path):
    env = {**os.environ, "CURBSIDE_HOME": str(dense_engine.settings.home), "CURBSIDE_NO_DEFAULT_CORPUS": "1"}
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *a], capture_output=True,
                                          text=True, env={**env, **kw}, timeout=120)
    r = run("search", QUESTION, "--json", "-k", "3")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["mode"] == "hybrid" and data["hits"][0]["title"] in ("Hypertension care",) + tuple(
        h["title"] for h in data["hits"])
    assert "question_type" in data["understood"]
    r = run("search", QUESTION, "--json", CURBSIDE_NO_EMBED="1")
    data = json.loads(r.stdout)
    assert data["mode"] == "bm25" and "turned off" in data["note"]
    r = run("index")
    assert r.returncode == 0 and "all" in r.stdout
