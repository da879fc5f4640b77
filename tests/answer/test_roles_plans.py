"""Plans and meta text are never evidence, but what authors propose as their conclusion is (all text invented)."""

from __future__ import annotations

from curbside.answer.roles import classify


def test_a_proposed_term_mechanism_or_conclusion_is_not_a_plan():
    for t in ("Here, we propose the term 'zorbulation' as a fourth mode of intercellular transfer.",
              "Based on our results we propose a mechanism for frobulin targeting to the mitochondrion.",
              "We propose that frobulin acts upstream of blorfin."):
        assert not classify(t).meta, t


def test_plans_stay_meta():
    for t in ("We propose to randomise 200 patients to zorbimab or placebo.",
              "We aim to compare zorbimab with placebo.",
              "Patients will receive zorbimab for 12 weeks.",
              "We hypothesize that zorbimab reduces relapse."):
        assert classify(t).meta, t
