"""Yes/no verdict (curbside.answer.verdict): question detection and verdicts on invented evidence sentences."""

from __future__ import annotations

import time

import numpy as np
import pytest

from curbside.answer import verdict as V
from curbside.answer.verdict import VerdictResult, decide, is_yes_no


@pytest.mark.parametrize("q", [
    "Can losartan reduce brain atrophy in Alzheimer's disease?",
    "Is zorvatinib effective for relapsed myeloma?",
    "Are statins associated with a lower risk of dementia?",
    "Does early mobilisation shorten hospital stay after hip surgery?",
    "Do probiotics prevent antibiotic-associated diarrhoea in children?",
    "Should aspirin be used for primary prevention in older adults?",
    "Has the incidence of measles increased since 2010?",
    "Was the trial stopped early for benefit?",
    "In adults with sepsis, does hydrocortisone reduce mortality?",
    "Velpanib is an inhibitor of the kinase ABC1, yes or no?",
    "Is there an association between gout and kidney stones?",
])
def test_yes_no_questions_detected(q):
    assert is_yes_no(q)


@pytest.mark.parametrize("q", [
    "What is the first-line treatment for a gout flare?",
    "Which genes are mutated in familial HLH?",
    "How is Kawasaki disease diagnosed?",
    "List the side effects of zorvatinib.",
    "When should the apixaban dose be reduced in AF?",
    "Is the syndrome inherited in an autosomal dominant or recessive manner?",
    "",
])
def test_other_questions_not_yes_no(q):
    assert not is_yes_no(q)


Q = "Does zorvatinib reduce mortality in patients with septic shock?"

YES_SENTENCES = [
    "In this randomised trial, zorvatinib significantly reduced 28-day mortality in patients with septic shock "
    "(21% vs 34%, p < 0.001).",
    "Conclusions: zorvatinib reduces mortality in septic shock and should be considered early.",
    "Septic shock is a common cause of death in intensive care units.",
]

NO_SENTENCES = [
    "Zorvatinib did not reduce 28-day mortality in patients with septic shock compared with placebo.",
    "There was no significant difference in mortality between the zorvatinib and placebo groups (p = 0.64).",
    "Septic shock is a common cause of death in intensive care units.",
]

HEDGED_SENTENCES = [
    "Whether zorvatinib reduces mortality in septic shock remains unclear.",
    "Further studies are needed to determine whether zorvatinib has any effect on mortality in septic shock.",
]


def test_clear_yes_without_embeddings():
    r = decide(Q, YES_SENTENCES, embed=False)
    assert isinstance(r, VerdictResult)
    assert r.verdict == "yes"
    assert r.index in (0, 1)                   # a finding, never the background sentence
    assert 0.5 <= r.confidence <= 1.0


def test_clear_no_without_embeddings():
    r = decide(Q, NO_SENTENCES, embed=False)
    assert r.verdict == "no"
    assert r.index in (0, 1)
    assert 0.5 <= r.confidence <= 1.0


def test_no_significant_difference_alone_is_no():
    r = decide("Is drug-eluting balloon angioplasty superior to plain balloon angioplasty for restenosis?",
               ["At 12 months there was no significant difference in restenosis between drug-eluting balloon "
                "angioplasty and plain balloon angioplasty.",
                "Drug-eluting balloon angioplasty failed to show superiority over plain balloon angioplasty."],
               embed=False)
    assert r.verdict == "no"


def test_hedged_evidence_is_unclear():
    r = decide(Q, HEDGED_SENTENCES, embed=False)
    assert r.verdict == "unclear"


def test_off_topic_evidence_is_unclear():
    r = decide(Q, ["Hand hygiene reduces the spread of respiratory viruses in schools.",
                   "Vitamin D supplementation improved bone density in postmenopausal women."], embed=False)
    assert r.verdict == "unclear"


def test_negated_question_flips_polarity():
    q = "Is zorvatinib not associated with mortality in septic shock?"
    r = decide(q, ["Zorvatinib was not associated with mortality in patients with septic shock "
                   "(hazard ratio 1.02, 95% CI 0.85 to 1.21)."], embed=False)
    assert r.verdict in ("yes", "unclear")


def test_empty_and_blank_inputs_are_unclear():
    assert decide(Q, []) == VerdictResult("unclear", None, 1.0)
    assert decide("", YES_SENTENCES).verdict == "unclear"
    r = decide(Q, ["", "   "] + NO_SENTENCES[:1], embed=False)
    assert r.index in (None, 2)


def test_index_refers_to_given_list_with_blanks_and_scores():
    sents = ["", "Septic shock is common.", NO_SENTENCES[0]]
    r = decide(Q, sents, scores=[0.0, 0.2, 0.9], embed=False)
    assert r.verdict in ("no", "unclear")
    if r.verdict == "no":
        assert r.index == 2


def test_precomputed_vectors_are_used_and_shapes_checked():
    rng = np.random.default_rng(0)
    qv = rng.normal(size=384)
    qv /= np.linalg.norm(qv)
    sv = rng.normal(size=(3, 384))
    sv /= np.linalg.norm(sv, axis=1, keepdims=True)
    r = decide(Q, NO_SENTENCES, vectors=(qv, sv))
    assert r.verdict in ("yes", "no", "unclear")
    assert 0.0 <= r.confidence <= 1.0


def test_embedder_failure_degrades_to_features(monkeypatch):
    monkeypatch.setattr(V, "_embed", lambda q, s: None)
    r = decide(Q, NO_SENTENCES)
    assert r.verdict == "no"


def test_fast_without_embeddings():
    sents = (YES_SENTENCES + NO_SENTENCES + HEDGED_SENTENCES) * 3
    decide(Q, sents[:20], embed=False)
    t0 = time.perf_counter()
    for _ in range(10):
        decide(Q, sents[:20], embed=False)
    assert (time.perf_counter() - t0) / 10 < 0.03


def test_shipped_weights_are_consistent():
    models = V._load_models()
    assert "features" in models                # the model that needs no embedder is always shipped
    for m in models.values():
        assert len(m.sentence.w) == len(V.SENTENCE_FEATURES)
        assert len(m.question.w) == len(m.columns) and max(m.columns) < len(V.FEATURES)
        assert 0.5 <= m.threshold < 1.0 and 0.0 <= m.min_overlap <= 1.0


def test_odd_inputs_never_raise():
    assert decide(None, YES_SENTENCES).verdict == "unclear"           # type: ignore[arg-type]
    assert decide(Q, [None, 3, YES_SENTENCES[0]]).index in (None, 2)   # type: ignore[list-item]
    r = decide(Q, NO_SENTENCES, scores=[None, float("nan"), 1.0], embed=False)   # type: ignore[list-item]
    assert r.verdict in ("no", "unclear")
    r = decide(Q, NO_SENTENCES, scores=[1.0], embed=False)            # wrong length: ignored
    assert r.verdict == "no"
    r = decide(Q, ["x" * 20000, "(" * 500 + NO_SENTENCES[0]], embed=False)
    assert r.verdict in ("yes", "no", "unclear")


@pytest.mark.parametrize("q,sentence", [
    ("Should zorvatinib be avoided in pregnancy?",
     "Zorvatinib should be avoided during pregnancy because of fetal toxicity in animal studies."),
    ("Is zorvatinib contraindicated in pregnancy?", "Zorvatinib is contraindicated in pregnancy."),
])
def test_question_with_negative_claim_is_answered_for_that_claim(q, sentence):
    assert decide(q, [sentence], embed=False).verdict in ("yes", "unclear")


ASTHMA_Q = "Should zorvatinib be used for maintenance therapy in mild asthma?"


@pytest.mark.parametrize("sentence,verdict", [
    ("Zorvatinib is not recommended for maintenance therapy in mild asthma (strong recommendation, "
     "moderate-quality evidence).", "no"),
    ("Zorvatinib is recommended as first-line maintenance therapy in mild asthma (strong recommendation, "
     "high-quality evidence).", "yes"),
])
def test_guideline_recommendations(sentence, verdict):
    assert decide(ASTHMA_Q, [sentence], embed=False).verdict == verdict
