"""The answer class a question asks for ("Which <organs> ...", "List <types of cancer> where ...", "Is X a
<microRNA>?") names what the answer is, not what it is about: it is never the head concept while another concept
remains. All names are invented."""

from __future__ import annotations

from curbside.answer.concepts import asked_class
from curbside.answer.features import QuestionView, topical
from curbside.retrieve.query import parse_question


def _span(q: str) -> str | None:
    s = asked_class(q)
    return q[s[0]:s[1]] if s else None


def _heads(q: str) -> list[str]:
    parsed = parse_question(q)
    view = QuestionView.of(parsed)
    return [parsed.concepts[i].text for i in view.heads]


def test_the_class_is_the_noun_phrase_before_the_verb():
    assert _span("Which intoxication is associated with Zarkov's line?") == "intoxication"
    assert _span("What particles does Quorbex therapy use?") == "particles"
    assert _span("In which tissues is the transcript Blorf expressed?") == "tissues"
    assert _span("Which organizations approved Zentrava in 2018?") == "organizations"
    assert _span("Name three binding partners of frobulin 2.") == "three binding partners"
    assert _span("List types of cancer where ZQX-7 is involved") == "types of cancer"
    assert _span("How many different miRNAs can be upregulated by QX-100?") == "different miRNAs"
    assert _span("Is QRT6 a microRNA?") == "microRNA"
    # no auxiliary: the class and its verb are the asking words
    assert _span("Which database contains expression data for zorbs?") == "database contains"


def test_no_class_for_definitions_attributes_and_groups_of_people():
    assert _span("What is vesiclomorphosis?") is None
    # an attribute is restated by its answers ("the target INR is ...")
    assert _span("What is the target INR for a patient with a mechanical mitral valve?") is None
    # "Which <condition> patients ...": the condition is the topic, the patients are who is asked about
    assert _span("Which heart failure patients should receive resynchronization therapy?") is None
    assert _span("Which stroke patients qualify for thrombectomy after 6 hours?") is None


def test_the_asking_sentence_is_read_after_a_preamble():
    assert _span("Quick question from the ward: which organs are damaged in zorbosis?") == "organs"


def test_a_concept_inside_the_class_is_not_a_head_while_another_remains():
    assert _heads("List types of cancer where ZQX-7 is involved") == ["ZQX-7"]
    assert "intoxication" not in _heads("Which intoxication is associated with Zarkov's line?")
    assert _heads("Is QRT6 a microRNA?") == ["QRT6"]
    # ... and the class's members answer it without repeating the class
    parsed = parse_question("List types of cancer where ZQX-7 is involved")
    view = QuestionView.of(parsed)
    heads = [view.terms[i] for i in view.heads]
    assert topical("ZQX-7 is overexpressed in glioblastoma.", heads, view.head_groups)


def test_the_class_stays_the_head_when_nothing_else_would():
    # the class is the whole topic
    assert _heads("List Blorfin inhibitors.") != []
    # a class that swallowed the verb's object leaves only a population: the condition stays
    assert "gout" in _heads("What causes gout in children?")
    # a class holding the drug leaves a population and a common word: the drug stays the head
    assert _heads("Which antihypertensive drugs can be used in pregnancy, and which are contraindicated?") == \
        _heads("antihypertensive drugs can be used in pregnancy, and which are contraindicated")
    # a group of people: the condition stays
    assert "heart failure" in _heads("Which heart failure patients should receive resynchronization therapy?")


def test_a_passive_verb_after_the_class_is_asking_words_too():
    assert asked_class("Which organs are primarily damaged in zorbosis?", with_verb=True) is not None
    q = "Which organs are primarily damaged in zorbosis?"
    s = asked_class(q, with_verb=True)
    assert q[s[0]:s[1]] == "organs are primarily damaged"
    assert _span(q) == "organs"                      # the class itself stops before the verb
    assert _heads("Which organs are primarily damaged by ZQX-7?") == ["ZQX-7"]
    # an active verb's subject is not swallowed
    q2 = "Which proteins does QX-7992 target?"
    s2 = asked_class(q2, with_verb=True)
    assert q2[s2[0]:s2[1]] == "proteins"


def test_a_word_capitalised_inside_the_question_is_a_name_that_carries_its_phrase():
    from curbside.answer.features import question_names

    names = question_names("In which tissues is the lincRNA Blorf expressed? What about Zarkov")
    assert {"lincrna", "blorf", "zarkov"} <= names and "in" not in names and "what" not in names
    parsed = parse_question("In which tissues is the lincRNA Blorf expressed?")
    view = QuestionView.of(parsed)
    from curbside.answer.features import featurize
    from .test_compose_selection import _one_doc

    _, units = _one_doc("sha:x", "Invented expression atlas", "Among male tissues, Blorf was detected only in testis.")
    feats = featurize(view, units, {units[0].passage.id: 1.0})
    assert feats[0].on_topic


def test_a_condition_named_also_as_another_is_one_head_either_name_suffices():
    from curbside.answer.features import alias_groups

    for q in ("Which genes cause Zorbo syndrome, also known as blorfosis type III?",
              "Is Zorbo syndrome, otherwise known as blorfosis, caused by a deletion?"):
        parsed = parse_question(q)
        view = QuestionView.of(parsed)
        assert len(view.heads) == 2 and len(set(view.head_groups)) == 1, (q, view.heads, view.head_groups)
    parsed = parse_question("Does Zorbo syndrome cause blorfosis?")
    view = QuestionView.of(parsed)
    assert len(set(alias_groups(parsed, view.heads))) == len(view.heads) == 2


def test_what_the_question_says_of_its_topic_is_not_its_head():
    # a relation after "is the ... of": asked of the name, not the topic
    assert _heads("Which is the catalytic activity of the protein encoded by the gene ZQK4B?") == ["ZQK4B"]
    assert _heads("Which organisms are the focus of the Blorfbase?") == ["Blorfbase"]
    # a passive verb after the subject
    assert _heads("Quorbaline could be repositioned for what diseases?") == ["Quorbaline"]
    # nothing else to be about: the relation stays
    assert _heads("What is the refractory period of zorbs?") != []


def test_a_class_asked_at_the_end_and_a_relative_clause():
    # "... from what <plant>?": the class asked at the end is not the topic
    assert _heads("Zorbotannin is extracted from what plant?") == ["Zorbotannin"]
    # a relative clause's verb restricts the class: it stays a head
    assert "dephosphorylated" in _heads("List Qdk targets that are dephosphorylated during cytokinesis")
