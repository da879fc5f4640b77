"""Is a unit about the question's head concepts? Plurals of short words, question-slot words inside a head phrase,
and phrases built from the question's own terms. All text is invented."""

from __future__ import annotations

from curbside.answer.features import _LOOSE, _stem, topical


def test_short_plurals_are_the_same_word_but_not_words_ending_in_us_is_or_ss():
    assert _stem("dnas") == _stem("dna") and _stem("ltrs") == _stem("ltr") and _stem("cells") == _stem("cell")
    assert _stem("virus") == _stem("viruses")[:5] and _stem("virus") != "viru"
    assert _stem("class") == "class" and _stem("crisis") == _stem("crisis")


def test_a_phrase_of_the_questions_terms_matches_a_plural_and_either_end():
    heads = [{_LOOSE + "widget ltr"}, {_LOOSE + "circular dna"}]
    assert topical("Widget LTR elements generate circular DNAs by recombination.", heads, [0, 1])
    assert not topical("Widget LTR elements are common.", heads, [0, 1])
    # a verb parsed into the phrase: its first word (the named thing) and half the words suffice
    assert topical("These results link frobulin with myeloid differentiation.",
                   [{_LOOSE + "frobulin linked"}, {_LOOSE + "myeloid differentiation"}], [0, 1])


def test_question_slot_words_inside_a_condition_are_not_required():
    heads = [{"organism causes zorbencephalitis"}]
    assert topical("Bacteria of the genus Examplia are the most common cause of zorbencephalitis.", heads)
    assert not topical("Bacteria of the genus Examplia cause meningitis.", heads)
