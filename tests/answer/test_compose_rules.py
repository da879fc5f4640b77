"""Section rules of the composer: findings in research, treatments (not patients' courses) as options."""

from __future__ import annotations

from curbside.answer.candidates import Candidate, near_duplicate
from curbside.answer.compose import _CASE_NARRATIVE, _DEFINES, _option_key, _option_rank, _research, _Picker
from curbside.corpus.models import Document, EvidenceLevel, Passage


def cand(text: str, *, level=EvidenceLevel.NARRATIVE_REVIEW, doc_id="d1", coverage=1.0, context=1.0,
         result=False, number=False, drugs=(), score=0.8) -> Candidate:
    doc = Document(id=doc_id, title="A review", text=text, evidence_level=level)
    p = Passage(id=f"{doc_id}#0", document_id=doc_id, ordinal=0, text=text, start=0, end=len(text))
    import re

    return Candidate(document=doc, passage=p, start=0, end=len(text), quote=text, display=text, hit_score=1.0,
                     coverage=coverage, context_coverage=context, head=True, head_in_sentence=coverage > 0,
                     drugs=list(drugs), result=result, has_number=number, score=score,
                     words=frozenset(re.findall(r"[a-z0-9]+", text.lower())))


def test_research_prefers_reported_numbers_and_skips_definitions_and_registry_plans():
    finding = cand("Nine of 27 adults reached a complete remission (33%).", coverage=0.0, result=True,
                   number=True, score=0.44)
    definition = cand("Resistant disease is defined as no adequate remission after the first course.",
                      result=True, score=1.0)
    vague = cand("Few reports describe effective rescue treatments for this group.", result=True, score=1.0)
    plan = cand("The trial will assess the outcome of rescue treatment in 40 patients.", number=True, result=True,
                level=EvidenceLevel.TRIAL_REGISTRY, doc_id="nct1", score=0.9)
    plan.meta = True   # set by the PLAN cue in build_candidates
    got = _research([definition, vague, plan, finding], _Picker(), 3)
    assert got[0] is finding
    assert definition not in got and plan not in got
    assert _DEFINES.search(definition.display)


def test_same_finding_restated_is_a_near_duplicate():
    a = cand("Roughly 30-40% of children with the syndrome never reach remission on the standard protocol.")
    b = cand("Taken together, roughly 30-40% of treated children will need a second protocol, the data show.")
    c = cand("In the prospective cohort, 35% of adults with the syndrome reached a complete remission after rescue.")
    assert near_duplicate(a, b)
    assert not near_duplicate(a, c)


def test_option_ranking_prefers_the_treatment_as_subject_over_a_patients_course():
    subject = cand("Tocilizumab gave partial remissions in most treated adults.", drugs=["tocilizumab"],
                   result=True, coverage=0.0, score=0.46)
    course = cand("The second was a 9-year-old girl first given dexamethasone by her local team.",
                  drugs=["dexamethasone"], score=0.9)
    assert _CASE_NARRATIVE.search(course.display)
    assert _option_rank(subject) > _option_rank(course)


def test_transplant_spellings_are_one_option():
    assert _option_key("Allogeneic hematopoietic stem cell transplantation") == _option_key("HSCT") \
        == _option_key("hematopoietic cell transplantation")
    assert _option_key("Anakinra") == "anakinra"


def test_abstain_hint_names_the_topics_as_asked():
    from curbside.answer.compose import _topics
    from curbside.retrieve.query import parse_question

    q = "Does vitamin D prevent fractures in older adults?"
    topics = _topics(q, parse_question(q))
    assert topics[-1].endswith("in older adults") and "vitamin D" in topics[0]
    q = "What is the treatment of acute otitis media in children?"
    assert " ".join(_topics(q, parse_question(q))).endswith("in children")


def test_option_labels_follow_the_sources_spelling_and_silences_are_not_options():
    from curbside.answer.compose import _SILENT, _label

    assert _label("nsaids", "Three NSAIDs are approved for acute gout.") == "NSAIDs"
    assert _label("anakinra", "Anakinra appears promising.") == "Anakinra"
    assert _label("colchicine") == "Colchicine"
    assert _SILENT.search("The guideline does not specify exact glucocorticoid doses for acute flares.")
    assert not _SILENT.search("Glucocorticoids are recommended for acute flares.")
