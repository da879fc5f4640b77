"""Polarity of evidence units: what advises against, and what only describes the patients it applies to."""

from __future__ import annotations

from curbside.answer.roles import classify


def test_recommendation_for_patients_in_whom_others_are_contraindicated_is_for():
    t = ("For adults in whom zentamycin and plorabant are ineffective or contraindicated, vexolimab is "
         "conditionally recommended (Conditional, Low).")
    assert classify(t).polarity == "for"


def test_advice_against_stays_against():
    for t in ("Vexolimab is strongly recommended against as first-line therapy (Strong, Moderate).",
              "Plorabant is contraindicated in severe renal impairment.",
              "Zentamycin is not recommended in children, even where other agents are contraindicated.",
              "SABA-only treatment is no longer recommended."):
        assert classify(t).polarity == "against", t


def test_statements_that_no_report_was_found_are_no_evidence_never_an_option():
    for t in ("Additionally, we did not find any reports of examplumab used as salvage therapy.",
              "We found no studies of examplumab in children.",
              "The authors could not identify any published data on examplumab."):
        assert classify(t).no_evidence, t
    assert not classify("Examplumab was effective in 7 of 10 patients.").no_evidence
