"""Which units an article may use and how they are taken: a document that answers lends its topic to its other
units, and a chosen table row brings the other relevant rows of its table.

All fixture text is invented."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from curbside.answer.compose import BLOCK_ROWS, _first, _Picker
from curbside.answer.features import FEATURES
from curbside.answer.relevance import RelevanceModel, Scored, score_units
from curbside.corpus.models import Document, Passage
from curbside.retrieve.query import parse_question

from .test_units import all_units, make_doc


def _name(u) -> str:
    return u.display.strip("| ").split(" |")[0]


def _scored(unit, prob: float) -> Scored:
    return Scored(unit, SimpleNamespace(role=None), prob)


def test_a_chosen_table_row_brings_the_other_rows_of_its_table_in_document_order():
    doc, passages = make_doc([
        ("Staging", "Stages are assigned by the worst criterion.\n\n"
                    "| Stage | Marker | Output |\n|---|---|---|\n"
                    "| Stage 1 | 1.5-1.9 times baseline | < 0.5 mL/kg/h for 6-12 h |\n"
                    "| Stage 2 | 2.0-2.9 times baseline | < 0.5 mL/kg/h for 12 h |\n"
                    "| Stage 3 | 3.0 times baseline | < 0.3 mL/kg/h for 24 h |\n", "body"),
        ("Nutrition", "Give enteral nutrition when possible.\n\nAvoid protein restriction.", "body"),
    ])
    units = all_units(doc, passages)
    rows = [u for u in units if u.kind == "table_row"]
    assert [_name(r) for r in rows] == ["Stage 1", "Stage 2", "Stage 3"]
    other = [u for u in units if u.kind == "sentence"]
    # ranked: stage 2 first, then two unrelated sentences, then stages 3 and 1
    pool = [_scored(rows[1], 0.9)] + [_scored(u, 0.8) for u in other[:2]] + [_scored(rows[2], 0.6),
                                                                              _scored(rows[0], 0.55)]
    taken = _first(pool, _Picker(), limit=4)
    shown = [_name(s.unit) for s in taken]
    # the table's rows come with stage 2, in the table's order, and count toward the section's limit
    assert shown[:3] == ["Stage 2", "Stage 1", "Stage 3"]
    assert len(taken) == 4 and taken[3].unit is other[0]
    assert [_name(s.unit) for s in _first(pool, _Picker(), limit=1)] == ["Stage 2", "Stage 1", "Stage 3"]
    assert BLOCK_ROWS >= 2


def test_rows_of_another_table_are_not_pulled_in():
    doc, passages = make_doc([
        ("Doses", "| Drug | Dose |\n|---|---|\n| Alphamab | 5 mg daily |\n| Betamab | 10 mg daily |\n", "body"),
        ("Monitoring", "| Test | When |\n|---|---|\n| Creatinine | Every 3 months |\n| Potassium | Monthly |\n",
         "body"),
    ])
    rows = [u for u in all_units(doc, passages) if u.kind == "table_row"]
    assert len(rows) == 4
    taken = _first([_scored(rows[0], 0.9), _scored(rows[2], 0.5)], _Picker(), limit=1)
    assert [s.unit.display for s in taken] == [rows[0].display]     # its own table's other row is not in the pool


def _one_doc(doc_id: str, title: str, body: str) -> tuple[Document, list]:
    doc = Document(id=doc_id, title=title, text=body)
    passage = Passage(id=f"{doc_id}#0", document_id=doc_id, ordinal=0, text=body, start=0, end=len(body))
    from curbside.answer.units import units_for_passage

    return doc, units_for_passage(doc, passage)


def test_a_document_that_answers_lends_its_topic_to_its_other_units_but_never_the_bottom_line():
    _, burns = _one_doc("sha:burns", "Invented burn care guideline",
                        "Use the Parkland formula for burn fluid resuscitation. "
                        "Give lactated Ringer's solution as the first fluid.")
    _, other = _one_doc("sha:other", "Invented sepsis guideline", "Give lactated Ringer's solution as the first fluid.")
    parsed = parse_question("How is burn fluid resuscitation calculated with the Parkland formula?")
    w = np.zeros(len(FEATURES), dtype=np.float32)
    w[0] = 5.0                                              # every unit very probable: only topic decides
    model = RelevanceModel(w, answer_threshold=0.5, item_threshold=0.5, about={})
    scored = score_units(parsed, burns + other, {"sha:burns#0": 1.0, "sha:other#0": 1.0}, model)
    by = {(s.unit.document.id, s.unit.display.split()[1]): s for s in scored}
    formula, ringer = by[("sha:burns", "the")], by[("sha:burns", "lactated")]
    assert formula.can_lead and formula.usable
    assert ringer.usable and not ringer.can_lead            # shown from the answering document, never the answer
    assert not by[("sha:other", "lactated")].usable         # the same words in another document: not on topic


def test_a_lead_in_chosen_as_bottom_line_gives_way_to_the_items_it_announces():
    from curbside.answer.compose import _announced

    doc, passages = make_doc([
        ("Screening", "A patient screens positive with at least two of the following three signs:\n"
                      "- Breathing rate of 22 per minute or more\n- New confusion\n- Systolic pressure of 100 mmHg or less\n\n"
                      "Other lists follow.\n\n- Unrelated item one\n- Unrelated item two", "body"),
    ])
    units = all_units(doc, passages)
    lead = next(u for u in units if u.display.endswith("three signs:"))
    kids = [u for u in units if u.kind == "list_item" and "three signs" in u.context_text]
    assert len(kids) == 3
    usable = [_scored(lead, 0.9)] + [_scored(k, 0.89) for k in reversed(kids)] + [
        _scored(u, 0.95) for u in units if u.display.startswith("Unrelated")]
    got = _announced(usable[0], usable)
    assert [s.unit.display for s in got] == [k.display for k in kids]      # in the document's order
    assert _announced(usable[1], usable) == []                             # an item is not a lead-in


def test_a_statement_its_heading_path_limits_to_a_subgroup_is_not_general_advice():
    from curbside.answer.compose import _subgroup_only

    doc, passages = make_doc([
        ("Betadrug", "For individuals with moderate renal impairment, the following apply:\n"
                     "- Betadrug should not be used as a first-line treatment\n"
                     "- Reduce the betadrug dose to 300 mg in renal impairment\n\n"
                     "Betadrug is a first-line treatment for moderate to severe craving disorder.", "body"),
    ])
    units = all_units(doc, passages)
    bare = next(u for u in units if u.display.startswith("Betadrug should not"))
    own = next(u for u in units if u.display.startswith("Reduce the betadrug"))
    general = next(u for u in units if u.display.startswith("Betadrug is a first-line"))
    question = "What is first-line for craving disorder?"
    assert _subgroup_only(bare, question)                   # would read as 'never first-line' on its own
    assert not _subgroup_only(own, question)                # says so itself
    assert not _subgroup_only(general, question)
    assert not _subgroup_only(bare, "Is betadrug first-line in chronic kidney disease (CKD)?")


def test_without_a_guideline_the_research_has_the_room_a_guideline_section_would_have(engine, tmp_path):
    findings = [
        "Zelbarimab reduced flare frequency by 42% in the randomized trial of Korvath syndrome.",
        "In Korvath syndrome, zelbarimab halved the time to remission compared with placebo.",
        "Korvath syndrome relapses were 30% less frequent with zelbarimab maintenance in the cohort.",
        "Zelbarimab improved the Korvath syndrome activity score by 11 points at 12 weeks.",
        "Among 80 patients with Korvath syndrome, 61 responded to zelbarimab within 4 weeks.",
        "Korvath syndrome patients given zelbarimab had fewer hospital admissions (12% vs 25%).",
        "Serious infections occurred in 3% of Korvath syndrome patients treated with zelbarimab.",
    ]
    path = tmp_path / "korvath_trials.txt"
    path.write_text("Zelbarimab in Korvath syndrome: a review of trials\n\nResults\n\n" + "\n\n".join(findings) + "\n",
                    encoding="utf-8")
    engine.ingest([path], title="Zelbarimab in Korvath syndrome: a review of trials", year=2020)
    art = engine.ask("How should Korvath syndrome be treated?", save=False)
    assert not art.abstained
    assert "guidelines" not in [s.kind for s in art.sections]
    research = next(s for s in art.sections if s.kind == "research")
    assert len([it for it in research.items if it.text in findings]) > 4    # beside a guideline it would hold 4


def test_a_list_question_fills_free_places_with_the_other_units_of_documents_that_answer_it():
    from curbside.answer.compose import _list_rest
    from curbside.answer.concepts import asks_list

    assert asks_list("List the genes that frobulin regulates.") and asks_list("Which organs are damaged in zorbosis?")
    assert asks_list("What are the 4 types of zorbosis?") and asks_list("Name three binding partners of frobulin.")
    assert not asks_list("Which gene is mutated in zorbosis?") and not asks_list("Is QRT6 a microRNA?")
    _, units = _one_doc("sha:a", "Invented zorbosis cohort",
                        "Zorbosis damages the kidney. It also damages the skin. Frobulin is a protein.")
    _, elsewhere = _one_doc("sha:b", "Invented review", "Zorbosis damages the liver.")
    model = RelevanceModel(np.zeros(len(FEATURES), dtype=np.float32), answer_threshold=0.3, item_threshold=0.5,
                           about={})
    kidney, skin, protein = (_scored(u, p) for u, p in zip(units, (0.9, 0.4, 0.2)))
    liver = _scored(elsewhere[0], 0.45)
    pool, usable = [kidney], [kidney, liver, skin, protein]
    listing = parse_question("Which organs are damaged in zorbosis?")
    # below the item threshold, above the answer threshold, of a document in the pool: the skin, not the liver
    # (another document) nor the protein (not probable enough to answer at all)
    assert [s.unit.display for s in _list_rest(listing, pool, usable, model)] == [skin.unit.display]
    assert _list_rest(parse_question("Which organ is damaged first in zorbosis?"), pool, usable, model) == []
    assert _list_rest(parse_question("What is the treatment for zorbosis?"), pool, usable, model) == []


def test_a_table_line_that_lost_its_columns_is_not_shown_alone():
    from curbside.answer.compose import _loose_cell

    def unit(kind: str, display: str):
        return SimpleNamespace(kind=kind, display=display)

    for junk in ("Disease", "(45 courses)", "11 (24%) 1(2%) 8", "Familial widgetosis type 2"):
        assert _loose_cell(unit("table_row", junk)), junk
    assert not _loose_cell(unit("table_row", "| Stage 1 | 1.5-1.9 times baseline |"))     # its columns kept
    assert not _loose_cell(unit("table_row", "Marsh et al. 22 At least 25% improvement in two or more markers"))
    assert not _loose_cell(unit("list_item", "Disease"))        # a list item is read under its heading path
    assert not _loose_cell(unit("sentence", "Rare."))


def test_one_patients_course_never_answers_on_its_own():
    """"One of the patients was diagnosed with <disease> ..." is about the disease but is no answer to how it is
    treated: a case narrative may be an item, never the bottom line (nor the reason to answer at all)."""
    from curbside.answer.roles import classify
    from curbside.corpus.models import EvidenceLevel

    doc = SimpleNamespace(evidence_level=EvidenceLevel.NARRATIVE_REVIEW)

    def scored(text: str) -> Scored:
        f = SimpleNamespace(on_topic=True, population_ok=True, population_covered=True, role=classify(text, ""))
        return Scored(SimpleNamespace(document=doc, display=text), f, 0.9)

    case = scored("One of the patients was diagnosed with Zorbo disease and the other patient with a rash.")
    assert case.features.role.case and case.usable and not case.can_lead
    assert scored("Zorbo disease is treated with intravenous immunoglobulin.").can_lead


def test_the_end_of_a_lead_ins_sentence_is_neither_an_option_nor_a_bottom_line():
    """"Patients who ... / Were hospitalized AND received parenteral antibiotics": the item's subject is its lead-in,
    so it is not an "Antibiotics" option, nor an answer on its own."""
    from curbside.answer.features import continues_lead_in
    from curbside.answer.roles import classify
    from curbside.corpus.models import EvidenceLevel

    assert continues_lead_in("Were hospitalized AND received parenteral antibiotics in the last 90 days")
    assert continues_lead_in("Is more likely than erythema migrans to be hot, itchy or painful")
    assert not continues_lead_in("Isoniazid is given for 9 months.") and not continues_lead_in("Use widgetmab.")
    doc = SimpleNamespace(evidence_level=EvidenceLevel.GUIDELINE)
    text = "Are classified as having severe widget disease"
    f = SimpleNamespace(on_topic=True, population_ok=True, population_covered=True, role=classify(text, ""))
    s = Scored(SimpleNamespace(document=doc, display=text), f, 0.9)
    assert s.usable and not s.can_lead
