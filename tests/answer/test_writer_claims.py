"""Claim checks of the llm writer on hand-made evidence units (no store, no model)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from curbside.answer.writer.claims import (check_claim, citations_in, parse_written, quantities, split_sentences,
                                           support_score, supporting_units)
from curbside.answer.writer.units import EvidenceUnit


@dataclass
class _Doc:
    id: str = "d1"
    year: int | None = 2020


@dataclass
class _Unit:
    display: str
    subject: str = ""
    context: tuple = ()
    header: str = ""
    document: _Doc = field(default_factory=_Doc)

    @property
    def context_text(self) -> str:
        return " › ".join(self.context)


def units(*texts, **kw) -> dict[int, EvidenceUnit]:
    from curbside.answer.roles import classify

    out = {}
    for i, t in enumerate(texts, 1):
        u = _Unit(t, **kw)
        r = classify(t, u.context_text)
        out[i] = EvidenceUnit(i, u, 0.9, r.role, r.polarity, frozenset(r.populations))
    return out


def reasons(text, cited, given, q="What is the treatment?", t=0.55):
    return check_claim(text, cited, given, q, t).reasons


def test_numbers_doses_ranges_and_comparisons_must_match_their_quotes():
    g = units("Apixaban 5 mg twice daily; reduce to 2.5 mg twice daily if age >= 80 years or weight <= 60 kg.")
    assert reasons("Apixaban 2.5 mg twice daily if age >= 80 years.", [1], g) == []
    assert reasons("Apixaban 2.5 mg twice daily if age at least 80 years.", [1], g) == []
    assert "number" in reasons("Apixaban 10 mg twice daily.", [1], g)              # value not in the quote
    assert "number" in reasons("Apixaban 2.5 g twice daily.", [1], g)              # unit differs
    assert "number" in reasons("Apixaban 2.5 mg twice daily if age < 80 years.", [1], g)   # comparison flipped
    # "within N days" is not "at least N days": a minimum delay written as a deadline is caught
    delay = units("Bare-metal stent (BMS) | 30 days | Class I, LOE: B",
                  context=("Timing of Elective Surgery", "Intervention | Minimum Delay Before Elective Surgery"))
    assert "number" in reasons("A bare-metal stent (BMS) should be implanted within 30 days.", [1], delay)
    window = units("Thrombolysis is recommended within 4.5 hours of symptom onset.")
    assert reasons("Thrombolysis is recommended within 4.5 hours of symptom onset.", [1], window) == []
    assert "number" in reasons("Thrombolysis is recommended after 4.5 hours of symptom onset.", [1], window)
    r = units("Etoposide 50-100 mg/m2 once weekly.")
    assert reasons("Etoposide 50-100 mg/m2 once weekly.", [1], r) == []
    assert reasons("Etoposide 100 mg/m2 once weekly.", [1], r) == []
    assert "number" in reasons("Etoposide 50-150 mg/m2 once weekly.", [1], r)
    assert "number" in reasons("Etoposide 50-100 mg/kg once weekly.", [1], r)
    assert "token" in reasons("Check IL-6 before etoposide 50 mg/m2.", [1], r)


def test_drugs_procedures_and_populations_must_be_in_the_quotes_or_question():
    g = units("Low-dose colchicine is recommended for an acute gout flare.")
    assert reasons("Colchicine is recommended for a gout flare.", [1], g) == []
    assert "drug" in reasons("Naproxen is recommended for a gout flare.", [1], g)
    # a drug or a dose asked about is not thereby supported: only the quotes (and units' subjects) count
    assert "drug" in reasons("Naproxen or colchicine for a gout flare.", [1], g, q="Naproxen or colchicine for gout?")
    assert "number" in reasons("Colchicine 5 mg is recommended for a gout flare.", [1], g, q="Is colchicine 5 mg ok?")
    assert "procedure" in reasons("Colchicine or plasma exchange is recommended for a gout flare.", [1], g)
    assert "population" in reasons("In pregnancy, colchicine is recommended for a gout flare.", [1], g)
    kids = units("Give 10 mg/kg once daily.", context=("Dosing in children",))
    assert reasons("In children, give 10 mg/kg once daily.", [1], kids) == []          # from the heading path
    owned = units("Dose reduction: 2.5 mg twice daily.", subject="Apixaban")
    assert reasons("Apixaban dose reduction: 2.5 mg twice daily.", [1], owned) == []    # the unit's subject


def test_polarity_comparisons_citations_and_support():
    g = units("Pegloticase is not recommended for an acute gout flare.",
              "Colchicine is recommended for an acute gout flare.")
    assert reasons("Pegloticase is not recommended for an acute gout flare.", [1], g) == []
    assert "polarity" in reasons("Pegloticase is recommended for an acute gout flare.", [1], g)
    assert "polarity" in reasons("Pegloticase is used for an acute gout flare.", [1], g)      # negation dropped
    assert "polarity" in reasons("Colchicine is not recommended for an acute gout flare.", [2], g)
    tolerate = units("Colchicine is recommended for patients who do not tolerate NSAIDs.")
    assert "polarity" in reasons("Colchicine is not recommended for patients.", [1], tolerate)
    avoid = units("Avoid NSAIDs in severe renal impairment.")
    assert reasons("NSAIDs should not be used in severe renal impairment.", [1], avoid) == []
    assert "no_citation" in reasons("Colchicine is recommended for an acute gout flare.", [], g)
    assert "meta" in reasons("None of the evidence units recommend against colchicine.", [2], g)
    assert "meta" in reasons("No specific research on colchicine is provided.", [2], g)
    assert "meta" in reasons("Is colchicine recommended for an acute gout flare?", [2], g)
    listed = units("Trazodone", context=("Interventions and Practices Considered",))
    assert "polarity" in reasons("Trazodone is recommended for chronic insomnia.", [1], listed, q="trazodone insomnia")
    assert "unknown_citation" in reasons("Colchicine is recommended for an acute gout flare.", [2, 7], g)
    c = units("Drug A reduced mortality compared with placebo.")
    assert "comparison" in reasons("Drug A increased mortality compared with placebo.", [1], c)
    assert "comparison" in reasons("Drug A is superior to drug B.", [1], c)
    assert "support" in reasons("Colchicine causes diarrhoea in most elderly people with kidney stones.", [2], g,
                                q="gout")
    assert support_score("colchicine recommended gout flare", "Colchicine is recommended for gout flare", "") == 1.0


def test_a_claim_is_shown_with_the_units_that_carry_it():
    g = units("Colchicine 1.2 mg then 0.6 mg one hour later is recommended for an acute gout flare.",
              "Pegloticase is not recommended for an acute gout flare.",
              "Ice packs relieve pain.")
    assert supporting_units("Colchicine 1.2 mg then 0.6 mg one hour later for a flare.", [1, 2, 3], g, "") == [1]


def test_parsing_sections_bullets_labels_and_citation_forms():
    text = ("**Bottom line:** Colchicine is first-line [E1].\n## From the Guidelines\n- Use it early. [E1, E2] "
            "Then reassess (E3).\nOPTIONS:\n1. Prednisone: an alternative [E4-E6]\nNot recommended:\n"
            "* Pegloticase is not recommended [E7][E8].\n")
    cs = parse_written(text)
    assert [(c.section, c.cited) for c in cs] == [("bottom_line", [1]), ("guidelines", [1, 2]), ("guidelines", [3]),
                                                   ("options", [4, 5, 6]), ("against", [7, 8])]
    assert cs[3].label == "Prednisone" and cs[3].text == "an alternative"
    assert cs[0].text == "Colchicine is first-line."
    assert citations_in("see [E2,E3] and [4]") == [2, 3, 4]
    assert split_sentences("A is b [E1]. C is d. [E2] E f.") == ["A is b [E1].", "C is d. [E2]", "E f."]
    first = parse_written("BOTTOM LINE:\n- [E2] Drug A 10 mg daily is first-line.\nOPTIONS:\n- [E4] Drug B: an "
                          "alternative.\n- Drug C is an option.\n[E5]\n- Drug D is an option.\n\nE1\n")
    assert [(c.label, c.text, c.cited) for c in first] == [
        ("", "Drug A 10 mg daily is first-line.", [2]), ("Drug B", "an alternative.", [4]),
        ("", "Drug C is an option.", [5]), ("", "Drug D is an option.", [])]
    plain = parse_written("Colchicine is first-line [E1]. Prednisone is an alternative [E2].")
    assert [c.section for c in plain] == ["bottom_line", "research"]


@pytest.mark.parametrize("text,expected", [
    ("0.5 mg/kg every 12 hours", [(0.5, "mg/kg", ""), (12.0, "h", "")]),
    ("age 65 years or older", [(65.0, "year", "up")]),
    ("CrCl < 30 mL/min", [(30.0, "ml/min", "down")]),
    ("1,000 mg", [(1000.0, "mg", "")]),
    ("5-10 mg", [(5.0, "mg", ""), (10.0, "mg", "")]),
])
def test_quantities(text, expected):
    assert [(q.value, q.unit, q.direction) for q in quantities(text)] == expected
