"""Patient-mode glossary: insertions never edit the quote (strip_annotations(annotate(s)) == s)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curbside.answer.glossary import Gloss, annotate, find_terms, load_glossary, reading_grade, strip_annotations

SENTENCES = [
    "Patients presented with cytopenias and hepatosplenomegaly.",
    "Hemophagocytic lymphohistiocytosis (HLH) is a hyperinflammatory syndrome.",
    "Etoposide is a first-line option; refractory cases may need HSCT.",
    "Intravenous immunoglobulin was given as prophylaxis.",
    "Corticosteroids are contraindicated in some comorbidities.",
    "Remission was achieved after immunosuppressive therapy with ciclosporin.",
    "A bone marrow transplant (allogeneic) followed induction therapy.",
    "Stem-cell transplantation and stem cell transplant are the same thing here.",
    "Thrombocytopenia, neutropenia and anaemia were common — 12% had febrile neutropenia.",
    "Le patient a reçu une chimiothérapie; the hepatomegaly résolu après 3 semaines.",
    "Fièvre, splenomegaly, et hypertriglyceridemia: critères remplis ✓.",
    "Metastases were seen; the metastasis was biopsied.",
    "Petechiae and purpura over the legs, with hyperferritinemia >10,000 µg/L.",
    "No glossary words in this sentence at all.",
    "",
    "Cytopenia",
    "(Hepatosplenomegaly)",
    "Relapsed/refractory disease after chemotherapy.",
    "Give the vaccine intravenously, not intramuscularly.",
    "The ECG and EEG were normal; MRI showed encephalopathy.",
    "T-cell lymphoma and NK-cell neoplasms were excluded.",
    "Type 2 diabetes, hypertension and chronic kidney disease coexisted.",
    "Sepsis\u00a0with septic shock required vasopressors.",
]


def test_glossary_size_and_shape() -> None:
    g = load_glossary()
    assert len(g) >= 400
    for term, expl in g.items():
        assert term == term.lower() and term.strip() == term
        assert 2 <= len(expl.split()) <= 6, (term, expl)
        assert "(" not in expl and ")" not in expl
    for term in ("cytopenia", "hepatosplenomegaly", "thrombocytopenia", "neutropenia", "hyperinflammatory", "remission",
                 "refractory", "etoposide", "corticosteroid", "immunosuppressive", "hsct", "stem cell transplant",
                 "intravenous", "prophylaxis", "contraindicated", "comorbidity"):
        assert term in g, term
    assert g["hepatosplenomegaly"] == "enlarged liver and spleen"
    assert g["etoposide"] == "a chemotherapy medicine"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_round_trip(sentence: str) -> None:
    glosses = find_terms(sentence, limit=10)
    for g in glosses:
        assert sentence[g.start:g.end] == g.term
    annotated = annotate(sentence, glosses)
    assert strip_annotations(annotated, glosses) == sentence
    if glosses:
        assert annotated != sentence and len(annotated) > len(sentence)


def test_insertion_places_and_plurals() -> None:
    s = "Patients presented with cytopenias and hepatosplenomegaly."
    glosses = find_terms(s)
    assert [g.term for g in glosses] == ["cytopenias", "hepatosplenomegaly"]
    assert annotate(s, glosses) == ("Patients presented with cytopenias (low blood cell counts) and "
                                    "hepatosplenomegaly (enlarged liver and spleen).")


def test_longest_match_and_abbreviation() -> None:
    s = "A bone marrow transplant is offered; bone marrow is sampled."
    glosses = find_terms(s, limit=5)
    assert glosses[0].term == "bone marrow transplant"
    assert glosses[1].term == "bone marrow"
    s = "Hemophagocytic lymphohistiocytosis (HLH) is rare."
    glosses = find_terms(s)
    assert [g.term for g in glosses] == ["Hemophagocytic lymphohistiocytosis"]      # HLH not explained twice
    assert annotate(s, glosses) == ("Hemophagocytic lymphohistiocytosis (HLH) (a rare, severe immune overreaction) "
                                    "is rare.")
    assert strip_annotations(annotate(s, glosses), glosses) == s


def test_whole_words_only() -> None:
    assert find_terms("The renalysis of data and preterminal words.") == []
    assert [g.term for g in find_terms("Etoposide-based chemotherapy")] == ["chemotherapy"]


def test_seen_and_limit() -> None:
    seen: set[str] = set()
    first = find_terms("Cytopenias and neutropenia were seen.", seen=seen)
    assert [g.term for g in first] == ["Cytopenias", "neutropenia"]
    again = find_terms("The cytopenia and the neutropenias improved; remission followed.", seen=seen)
    assert [g.term for g in again] == ["remission"]
    many = "Anemia, neutropenia, thrombocytopenia, splenomegaly and hepatomegaly."
    assert len(find_terms(many, limit=3)) == 3
    assert find_terms("Anemia and anemia again.", limit=5)[1:] == []


def test_strip_with_foreign_text_returns_unchanged() -> None:
    glosses = [Gloss(term="anemia", start=0, end=6, explanation="low red blood cell count")]
    assert strip_annotations("anemia (something else)", glosses) == "anemia (something else)"
    assert strip_annotations(annotate("anemia", glosses), glosses) == "anemia"


_TERMS = sorted(load_glossary())
_pieces = st.one_of(
    st.sampled_from(_TERMS),
    st.sampled_from([t.upper() for t in _TERMS[:50]] + [t.capitalize() + "s" for t in _TERMS[50:120]]),
    st.text(alphabet=st.sampled_from(list("abc xyzé–—()[].,;:µ≥✓\u00a0-'’\n")), max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=12))
def test_round_trip_property(parts: list[str]) -> None:
    sentence = " ".join(parts)
    glosses = find_terms(sentence, limit=6)
    for g in glosses:
        assert sentence[g.start:g.end] == g.term
    assert strip_annotations(annotate(sentence, glosses), glosses) == sentence


def test_reading_grade() -> None:
    easy = reading_grade("The cat sat on the mat. It was a warm day. We had fun.")
    hard = reading_grade("Hemophagocytic lymphohistiocytosis is a hyperinflammatory syndrome characterized by "
                         "cytopenias, hepatosplenomegaly and hypertriglyceridemia.")
    assert isinstance(easy, float) and easy < 4 < hard
    assert reading_grade("") == 0.0
    assert reading_grade(". ".join(load_glossary().values()) + ".") <= 8
