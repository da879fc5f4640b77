"""Question concepts as matched in evidence: abbreviation meanings, population weight, heads, type cues."""

from __future__ import annotations

from curbside.answer.concepts import local_meaning, weighted_coverage
from curbside.retrieve.abbreviations import AbbreviationIndex
from curbside.retrieve.query import parse_question, same_meaning, sentence_terms


def test_an_abbreviations_other_meaning_is_not_a_variant_of_the_question():
    index = AbbreviationIndex([("CAP", "community-acquired pneumonia"),
                               ("CAP", "controlled attenuation parameter")])
    parsed = parse_question("What is the first-line treatment for community-acquired pneumonia?", index)
    variants = {v.lower() for c in parsed.concepts for v in c.variants}
    assert "cap" in variants
    assert "controlled attenuation parameter" not in variants


def test_a_passage_that_defines_the_abbreviation_otherwise_does_not_match_it():
    heads = [{"community-acquired pneumonia", "community acquired pneumonia", "cap"}]
    liver = "Transient elastography with CAP (controlled attenuation parameter) grades steatosis."
    lung = "Adults with CAP (community-acquired pneumonia) should receive antibiotics promptly."
    other = "Outpatients with CAP need no blood cultures."
    assert "cap" not in local_meaning(heads, liver)[0]
    assert "cap" in local_meaning(heads, lung)[0]
    assert local_meaning(heads, other) == heads


def test_spelling_variants_are_the_same_meaning():
    assert same_meaning("haemophagocytic lymphohistiocytosis", "hemophagocytic lymphohistiocytosis")
    assert not same_meaning("community-acquired pneumonia", "controlled attenuation parameter")


def test_broad_groups_weigh_half_clinical_populations_in_full():
    from curbside.answer.concepts import concept_weights

    parsed = parse_question("Is methotrexate effective for psoriasis in adults?")
    terms, weights = sentence_terms(parsed), concept_weights(parsed)
    assert 0.5 in weights
    only_adults = weighted_coverage("Adults were enrolled in the registry.", terms, weights)
    main = weighted_coverage("Methotrexate improved psoriasis severity.", terms, weights)
    assert main > only_adults > 0
    renal = parse_question("What is the treatment of gout in patients with renal impairment?")
    assert concept_weights(renal) == [1.0] * len(renal.concepts)


def test_expanded_abbreviation_needs_its_long_form_in_the_document():
    from curbside.answer.concepts import document_meaning, expansion_shorts

    index = AbbreviationIndex([("RA", "rheumatoid arthritis")])
    parsed = parse_question("What are the treatment options for rheumatoid arthritis?", index)
    terms = sentence_terms(parsed)
    exp = expansion_shorts(parsed)
    diabetes = "diabetes care standards. add a glp-1 ra when the target is not met."
    rheum = "guideline for the treatment of rheumatoid arthritis. in ra, methotrexate is first line."
    assert not any("ra" in t for t in document_meaning(terms, exp, diabetes))
    assert any("ra" in t for t in document_meaning(terms, exp, rheum))
    # asked as the abbreviation itself: the user's own word always counts
    asked = parse_question("How is COPD diagnosed?")
    assert any("copd" in t for t in document_meaning(sentence_terms(asked), expansion_shorts(asked), "copd only"))


def test_dosing_options_stay_on_the_asked_drug(loaded_engine):
    question = "What is the dose of anakinra in refractory HLH?"
    parsed = parse_question(question, loaded_engine.retriever.abbreviations())
    assert parsed.question_type == "dosing" and parsed.intervention
    art = loaded_engine.ask(question, save=False)
    options = [it for s in art.sections if s.kind == "options" for it in s.items]
    assert options and all(it.label.lower() == "anakinra" for it in options), [it.label for it in options]


def test_heads_are_named_conditions_then_drugs_never_the_asked_slot():
    from curbside.answer.concepts import head_indices

    for question, head in [("Tofersen has been developed for treatment of which disease?", "tofersen"),
                           ("Which mutation is targeted by tepotinib?", "tepotinib"),
                           ("What are the treatment options for refractory HLH?", "hlh")]:
        parsed = parse_question(question)
        assert [parsed.concepts[i].text.lower() for i in head_indices(parsed)] == [head], question


def test_symptom_questions_prefer_the_clinical_picture():
    from curbside.answer.concepts import TYPE_CUES, asks_symptoms

    parsed = parse_question("What are the symptoms of kidney stones?")
    assert asks_symptoms(parsed) and parsed.question_type == "diagnosis"
    assert TYPE_CUES["symptoms"].search("Other common signs include flank pain.")
    assert not asks_symptoms(parse_question("How are kidney stones diagnosed?"))



def test_an_abbreviation_the_question_writes_itself_names_its_head_in_any_document():
    from curbside.answer.concepts import document_meaning, expansion_shorts, written_shorts
    from curbside.answer.features import QuestionView, featurize
    from .test_compose_selection import _one_doc

    parsed = parse_question("Which genetic loci are implicated in irritable bowel syndrome (IBS)?")
    assert {"ibs"} in written_shorts(parsed)
    # passages that never spell it out: coverage drops the abbreviation as before (it may mean something else) ...
    terms = sentence_terms(parsed)
    assert not any("ibs" in t for t in document_meaning(terms, expansion_shorts(parsed), "six loci for ibs."))
    # ... but a unit naming it is about the question's head
    _, units = _one_doc("sha:x", "Invented genome-wide study", "Our study identified six genetic loci for IBS.")
    assert featurize(QuestionView.of(parsed), units, {units[0].passage.id: 1.0})[0].on_topic
    # an abbreviation the question did not write is not restored
    assert not any(written_shorts(parse_question("Which genetic loci are implicated in irritable bowel syndrome?")))
