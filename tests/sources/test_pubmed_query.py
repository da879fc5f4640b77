"""PubMed query strings: `pubmed search` filters and the query tiers built from a clinical question."""

from __future__ import annotations

import pytest

from curbside.errors import InputError
from curbside.retrieve.query import parse_question
from curbside.sources.pubmed.query import parse_types, question_tiers, search_term, year_range


def test_types_split_on_commas_but_keep_names_with_commas():
    assert parse_types("Randomized Controlled Trial,Practice Guideline") == ["Randomized Controlled Trial",
                                                                             "Practice Guideline"]
    assert parse_types("Meta-Analysis, Clinical Trial, Phase III") == ["Meta-Analysis", "Clinical Trial, Phase III"]
    assert parse_types("") == [] and parse_types(None) == []
    with pytest.raises(InputError) as e:
        parse_types('Review"[pt] OR x')
    assert str(e.value).startswith("--types:")


def test_search_term_and_years():
    assert search_term("anakinra  MAS", ["Review"]) == '(anakinra MAS) AND ("Review"[pt])'
    assert search_term("gout") == "gout"
    assert year_range(2015, None) == ("2015", None)
    for since, until in ((3000, None), (2020, 2010), (None, 99)):
        with pytest.raises(InputError):
            year_range(since, until)
    with pytest.raises(InputError):
        search_term("   ")


def test_question_tiers_narrow_first():
    tiers = question_tiers(parse_question("What are the treatment options for refractory HLH?"))
    assert len(tiers) == 4
    first, second, third, last = (t.term for t in tiers)
    assert '"hemophagocytic lymphohistiocytosis"[tiab]' in first and '"refractory"[tiab]' in first
    assert '"Practice Guideline"[pt]' in first and '"Systematic Review"[pt]' in first
    assert '"Randomized Controlled Trial"[pt]' in first
    assert '"refractory"' not in second and "[pt]" in second
    assert '"refractory"' in third and "[pt]" not in third
    assert "[pt]" not in last and '"refractory"' not in last
    assert first.count("(") == first.count(")")


def test_question_with_drug_and_population():
    tiers = question_tiers(parse_question("Is anakinra effective for macrophage activation syndrome in children?"))
    core = tiers[-1].term
    assert '"anakinra"[tiab]' in core and '"macrophage activation syndrome"[tiab]' in core and " AND " in core
    assert '"macrophage activation syndrome"[mh]' in core
    assert '"pediatric"[tiab]' in tiers[0].term


def test_question_without_anything_to_search():
    with pytest.raises(InputError):
        question_tiers(parse_question("Why?"))
