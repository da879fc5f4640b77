import pytest

from curbside.corpus.evidence import classify
from curbside.corpus.models import EvidenceLevel as L, SourceDocument, SourceSection


@pytest.mark.parametrize("kwargs, expected", [
    ({"publication_types": ["Journal Article", "Randomized Controlled Trial"]}, L.RANDOMIZED_TRIAL),
    ({"publication_types": ["Review", "Meta-Analysis"]}, L.SYSTEMATIC_REVIEW),
    ({"publication_types": ["Case Reports"]}, L.CASE_SERIES),
    ({"publication_types": ["Practice Guideline"]}, L.GUIDELINE),
    ({"title": "A systematic review and meta-analysis of anakinra in MAS"}, L.SYSTEMATIC_REVIEW),
    ({"title": "Consensus recommendations for HLH in adults"}, L.GUIDELINE),
    ({"title": "Salvage therapy for refractory HLH: a review of the published experience"}, L.NARRATIVE_REVIEW),
    ({"title": "Outcomes in a retrospective cohort of 120 adults"}, L.COHORT),
    ({"source_name": "ClinicalTrials.gov"}, L.TRIAL_REGISTRY),
    ({"source_name": "MedlinePlus"}, L.REFERENCE),
    ({"title": "Notes", "tier": L.GUIDELINE}, L.GUIDELINE),
    ({"title": "Notes"}, L.UNCLASSIFIED),
])
def test_classify(kwargs, expected):
    kwargs.setdefault("title", "Untitled")
    doc = SourceDocument(sections=[SourceSection("Some text.")], **kwargs)
    assert classify(doc)[0] is expected


def test_text_cue_used_when_title_is_silent():
    doc = SourceDocument(title="Anakinra in MAS", sections=[SourceSection("We did a randomised double-blind trial of 80 patients.")])
    assert classify(doc)[0] is L.RANDOMIZED_TRIAL


def test_parse_tier_aliases():
    assert L.parse("rct") is L.RANDOMIZED_TRIAL
    assert L.parse("Systematic review / meta-analysis") is L.SYSTEMATIC_REVIEW
    with pytest.raises(ValueError, match="expected one of"):
        L.parse("bogus")
