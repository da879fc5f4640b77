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


def test_a_name_in_a_phrase_of_the_questions_terms_is_enough():
    from curbside.answer.features import QuestionView, featurize
    from curbside.answer.units import units_for_passage
    from curbside.corpus.models import Document, Passage
    from curbside.retrieve.query import parse_question

    body = "Oral XQ-0801 capsules were well tolerated with subcutaneous insulin. Companies produce many capsules."
    doc = Document(id="sha:x", title="Invented abstract", text=body)
    units = units_for_passage(doc, Passage(id="sha:x#0", document_id="sha:x", ordinal=0, text=body, start=0,
                                           end=len(body)))
    view = QuestionView.of(parse_question("Which company produces XQ-0801?"))
    assert "xq-0801" in view.names
    about = {u.display.split()[1]: f.on_topic for u, f in zip(units, featurize(view, units, {"sha:x#0": 1.0}))}
    assert about["XQ-0801"] and not about["produce"]


def test_a_head_of_numbers_and_generic_words_does_not_constrain():
    heads = [{"3 disorders"}, {"kaufman-smith syndrome"}]
    assert topical("The Kaufman-Smith syndrome is characterised by a triad of findings.", heads, [0, 1])
    assert not topical("A triad of findings.", heads, [0, 1])


def test_heading_overlap_counts_the_questions_words_in_the_heading_path_only():
    from curbside.answer.features import FEATURES, QuestionView, featurize
    from curbside.answer.units import units_for_passage
    from curbside.corpus.models import Document, Passage, SourceDocument, SourceSection
    from curbside.corpus.passages import build_text_and_passages
    from curbside.retrieve.query import parse_question

    src = SourceDocument(title="Invented ventriculitis guideline", sections=[
        SourceSection(title="Empiric therapy", text="Give vancomycin plus cefepime.", kind="body"),
        SourceSection(title="Prophylaxis", text="Give cefazolin before drain placement.", kind="body")])
    text, passages = build_text_and_passages(src, "sha:v")
    doc = Document(id="sha:v", title=src.title, text=text)
    units = [u for p in passages for u in units_for_passage(doc, p)]
    view = QuestionView.of(parse_question("What empiric therapy is recommended for ventriculitis?"))
    i = FEATURES.index("heading_overlap")
    got = {u.display.split()[1]: f.x[i] for u, f in zip(units, featurize(view, units, {p.id: 1.0 for p in passages}))
           if u.display.startswith("Give")}
    assert got["vancomycin"] > 0 and got["cefazolin"] == 0


def test_a_drug_class_asked_about_is_answered_by_its_members_as_the_sources_name_them():
    """"Which antiemetic drugs ... in pregnancy?": a unit naming ondansetron is about antiemetics because a unit of
    the pool names ondansetron under an antiemetic heading; statins are named nowhere near the class."""
    from curbside.answer.features import QuestionView, featurize
    from curbside.answer.units import units_for_passage
    from curbside.corpus.models import Document, SourceDocument, SourceSection
    from curbside.corpus.passages import build_text_and_passages
    from curbside.retrieve.query import parse_question

    src = SourceDocument(title="Invented nausea guideline", sections=[
        SourceSection(title="Preferred antiemetic agents", text="Ondansetron is given at 4 mg IV.", kind="body"),
        SourceSection(title="Special populations: pregnancy", text="Use ondansetron or doxylamine when needed. "
                      "Statins are contraindicated in pregnancy.", kind="body")])
    text, passages = build_text_and_passages(src, "sha:n")
    doc = Document(id="sha:n", title=src.title, text=text)
    units = [u for p in passages for u in units_for_passage(doc, p)]
    for question, expected in (("Which antiemetic drugs can be used in pregnancy?", True),
                               ("antiemetic drugs safe in pregnancy", True),
                               ("Is ondansetron safe in pregnancy?", True)):
        view = QuestionView.of(parse_question(question))
        about = {u.display.split()[0]: f.on_topic
                 for u, f in zip(units, featurize(view, units, {p.id: 1.0 for p in passages}))}
        assert about["Use"] is expected and about["Statins"] is False, question
    view = QuestionView.of(parse_question("Which antiemetic drugs can be used in pregnancy?"))
    assert view.class_head and not QuestionView.of(parse_question("Is ondansetron safe in pregnancy?")).class_head


def test_a_common_prefix_does_not_make_unrelated_words_one_stem():
    """Five letters were the stem, so "anticoagulants" matched "anticipated" and "hypertension" matched
    "hyperglycaemia": a question about anticoagulants in pregnancy was answered from an obstetric guideline."""
    assert _stem("anticoagulants") != _stem("anticipated")
    assert _stem("hypertension") != _stem("hyperglycaemia") and _stem("hypertension") == _stem("hypertensive")
    assert _stem("antibodies") == _stem("antibody") and _stem("micrornas") == _stem("microrna")
    assert _stem("nucleus") == _stem("nuclear") and _stem("genes") == _stem("gene")
    assert not topical("Magnesium sulfate is given when birth is anticipated before 32 weeks.", [{"anticoagulants"}])


def test_alternatives_and_causal_qualifiers():
    from curbside.answer.features import QuestionView
    from curbside.retrieve.query import parse_question

    # "X or Y": either one suffices
    view = QuestionView.of(parse_question("What is the drug zorboquine or hydroxyzorboquine used for?"))
    assert len(view.heads) == 2 and len(set(view.head_groups)) == 1
    # "radiation induced enteritis" is "radiation enteritis": the causal participle is not required
    heads = [{"radiation induced zorbitis"}]
    assert topical("Quorbone might be used for radiation zorbitis treatment.", heads)
    assert not topical("Quorbone might be used for zorbitis treatment.", heads)
