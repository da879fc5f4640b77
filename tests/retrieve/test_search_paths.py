"""Issue 14, latency of long questions: the candidates' concept coverage is computed by a matcher indexed once
per question (same numbers as `coverages`), and the query is embedded while the BM25 query runs. No timings
here (benchmarks live in bench/); texts are invented."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from curbside.retrieve.embed import DIM
from curbside.retrieve.query import keyword_terms, parse_question, sentence_terms
from curbside.retrieve.search import CoverageMatcher, coverages

TEXTS = [
    "",
    "Paget disease of bone is treated with bisphosphonates such as zoledronic acid.",
    "Treatments for osteitis deformans: the non-steroidal anti-inflammatory drugs help with pain.",
    "Anti-TNF agents (anti-tnfalpha) and PD-L1 inhibitors; pdl1 expression was measured.",
    "Children with acute lymphoblastic leukaemia; all of them were treated.",
    "treating treated treatment-related outcomes in bisphosphonate-naive patients",
    "Heading: Zoledronate\n\nzoledronic-acid infusion once yearly",
]

TERM_LISTS = [
    [{"paget disease of bone", "paget", "osteitis deformans"}, {"bisphosphonates", "bisphosphonat"}],
    [{"treat", "treatment", "treated"}, {"zoledronic acid", "zoledron"}, {"pain"}],
    [{"anti-tnf", "anti tnf"}, {"pd-l1", "pd l1", "pdl1"}, {"expressio"}],
    [{"acute lymphoblastic leukemia", "acute lymphoblastic leukaemia", "all"}, {"child", "children"}],
    [{"bisphosphonate-naive"}, {"treatment-related"}, {"outcom"}],
    [],
]


@pytest.mark.parametrize("text", TEXTS)
def test_coverage_matcher_gives_the_numbers_of_coverages(text):
    matcher = CoverageMatcher(*TERM_LISTS)
    assert matcher(text) == coverages(text, *TERM_LISTS)
    for terms in TERM_LISTS:
        assert CoverageMatcher(terms)(text) == coverages(text, terms)


def test_coverage_matcher_on_parsed_questions():
    for q in ("What is the treatment for Paget disease of bone?",
              "Hello doctor, my son was told he has acute lymphoblastic leukemia. He also takes cetirizine. "
              "What are the symptoms of acute lymphoblastic leukemia? Thanks"):
        parsed = parse_question(q)
        lists = (sentence_terms(parsed), keyword_terms(parsed))
        matcher = CoverageMatcher(*lists)
        for text in TEXTS:
            assert matcher(text) == coverages(text, *lists)
    # a stem matches the start of a word only: 'zoledron' in 'zoledronate', not inside another word
    assert CoverageMatcher([{"zoledron"}])("Zoledronate yearly") == [1.0]
    assert CoverageMatcher([{"zoledron"}])("prezoledronate") == [0.0]
    assert CoverageMatcher([{"pain"}])("painful") == [0.0]          # under 5 characters: whole words only


class _SignallingEmbedder:
    """Says when a query embedding starts; returns a fixed unit vector."""

    def __init__(self):
        self.started = threading.Event()
        self.texts: list[str] = []

    def encode_query(self, text: str) -> np.ndarray:
        self.texts.append(text)
        self.started.set()
        v = np.zeros(DIM, dtype=np.float32)
        v[0] = 1.0
        return v


def test_hybrid_candidates_embed_the_query_while_bm25_runs(loaded_engine, monkeypatch):
    """The BM25 query waits until the query embedding has started: done one after the other (embedding after
    BM25, as before), it would wait in vain."""
    ret = loaded_engine.retriever
    fake = _SignallingEmbedder()
    ret._embedder = fake
    original = ret.store.search_fts
    seen: dict[str, bool] = {}

    def search_fts(match, limit, *args, **kwargs):
        seen["embedding started during BM25"] = fake.started.wait(10)
        return original(match, limit, *args, **kwargs)

    monkeypatch.setattr(ret.store, "search_fts", search_fts)
    long_q = ("Hello doctor, my father was told last month that he has refractory HLH and we are worried. He also "
              "takes allopurinol for his gout. What are the salvage therapies for refractory HLH? Thank you")
    c = ret.candidates(ret.parse(long_q), 20)
    assert seen == {"embedding started during BM25": True}
    assert len(fake.texts) == 2                     # a long question: its focus and the whole message
    assert c.hits and c.X.shape[0] == len(c.hits)


def test_a_failing_embedder_still_falls_back_to_bm25(loaded_engine):
    """An embedding error raised in the embedding thread reaches search, which answers lexically and says why."""
    ret = loaded_engine.retriever

    class Broken:
        def encode_query(self, text):
            raise RuntimeError("model exploded")

    ret._embedder = Broken()
    ret.dense_status = lambda: (True, "")
    hits = ret.search("What are the salvage therapies for refractory HLH?", mode="hybrid")
    assert hits and ret.last_mode == "bm25" and "model exploded" in ret.last_note


# ---------------------------------------------------------------------------------------------- issue 14: BioASQ

def test_a_stopword_variant_never_reaches_the_bm25_query():
    """'ALL' (acute lymphoblastic leukaemia) and 'AS' (ankylosing spondylitis) are 'all' and 'as' once FTS5 folds
    case: they matched most passages and made long questions' BM25 slow. The long forms stay."""
    from curbside.retrieve.query import fts_query

    q = fts_query(parse_question("What is the treatment of acute lymphoblastic leukemia in children?"))
    assert '"acute lymphoblastic leukemia"' in q and '"all"' not in q
    q = fts_query(parse_question("Is ankylosing spondylitis inherited?"))
    assert '"ankylosing spondylitis"' in q and '"as"' not in q.split(" OR ") and '"as")' not in q
