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


def test_local_idf_coverage_weighs_a_rare_concept_above_a_common_one():
    from curbside.retrieve.ranker import local_idf_coverage

    # concepts: 'disease' (every candidate), 'LB-100' (two), 'assessed' (three)
    hits = [(1, 1, 0), (1, 1, 1), (1, 0, 1), (1, 0, 1), (1, 0, 0), (1, 0, 0)]
    cov, rare = local_idf_coverage(hits)
    plain = [sum(h) / 3 for h in hits]
    assert plain[0] == plain[2] and cov[0] > cov[2]            # same plain coverage: the rare name counts more
    assert cov[4] < 0.05 < plain[4]                             # naming only what every candidate names: ~nothing
    assert list(rare) == [1, 1, 0, 0, 0, 0]                     # the rarest concept some candidate mentions
    assert cov[1] == pytest.approx(1.0)
    zero_cov, zero_rare = local_idf_coverage([(), ()])
    assert not zero_cov.any() and not zero_rare.any()
    # a concept no candidate mentions is not the 'rarest'
    assert list(local_idf_coverage([(0, 1), (0, 0)])[1]) == [1, 0]


def test_document_level_features_take_the_best_passage_of_the_document():
    from curbside.retrieve.ranker import FEATURES, CandidateInfo, feature_matrix

    cands = [CandidateInfo(bm25=9.0, bm25_rank=1, cosine=0.2, dense_rank=50, document_id="a", concept_hits=(1, 0)),
             CandidateInfo(bm25=None, cosine=0.8, dense_rank=1, document_id="a", concept_hits=(0, 1)),
             CandidateInfo(bm25=3.0, bm25_rank=2, cosine=0.5, dense_rank=2, document_id="b", concept_hits=(0, 0))]
    X = feature_matrix(cands)
    col = lambda name: list(X[:, FEATURES.index(name)])  # noqa: E731
    for name in ("cos_z", "bm25_z", "idf_coverage", "rrf"):
        a = max(col(name)[:2])
        assert col("doc_" + name)[:2] == [a, a] and col("doc_" + name)[2] == col(name)[2]


def test_candidates_carry_each_concept_and_keyword_mention(loaded_engine):
    from curbside.retrieve.query import focus_view

    ret = loaded_engine.retriever
    ret._embedder = _SignallingEmbedder()
    parsed = ret.parse("What are the salvage therapies for refractory hemophagocytic lymphohistiocytosis?")
    c = ret.candidates(parsed, 20)
    n_concepts, n_keywords = len(sentence_terms(focus_view(parsed))), len(keyword_terms(focus_view(parsed)))
    assert c.infos and all(len(i.concept_hits) == n_concepts and len(i.keyword_hits) == n_keywords for i in c.infos)
    for h, i in zip(c.hits, c.infos):
        assert sum(i.concept_hits) / n_concepts == pytest.approx(h.coverage)


def test_one_spelling_for_greek_letters_hyphens_and_a_letter_after_a_number():
    for terms, text in (([{"5a reductase deficiency"}], "steroid 5 alpha-reductase deficiency"),
                        ([{"5a reductase deficiency"}], "5alpha-reductase deficiency"),
                        ([{"γ-h2ax"}], "gamma-H2AX foci"), ([{"gamma-h2ax"}], "γ-H2AX foci"),
                        ([{"m6a"}], "m6 A methylation of zorb RNA"), ([{"e cadherin"}], "membrane-bound E-cadherin")):
        assert coverages(text, terms) == [1.0], (terms, text)
        assert CoverageMatcher(terms)(text) == [1.0]
    # at word boundaries only, and a plain word is never found inside a hyphenated one
    assert coverages("TNF and IL-6", [{"tnf alpha"}]) == [0.0]
    assert coverages("non-diabetic adults", [{"diabetic"}]) == [0.0]
    assert CoverageMatcher([{"diabetic"}])("non-diabetic adults") == [0.0]
