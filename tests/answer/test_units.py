"""Evidence units: sentences, list items and table rows with the context that keeps their meaning.

All fixture text is invented (shapes copied from the kinds of sources Curbside reads; no source text)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from curbside.answer.units import Unit, units_for_hits, units_for_passage
from curbside.corpus.models import Document, Passage, SourceDocument, SourceSection
from curbside.corpus.passages import build_text_and_passages


def make_doc(sections: list[tuple[str, str, str]], doc_id: str = "sha:test") -> tuple[Document, list[Passage]]:
    """(title, body, kind) sections -> a Document and its Passages, exactly as ingest builds them."""
    src = SourceDocument(title="Invented guideline", sections=[SourceSection(text=b, title=t, kind=k)
                                                                for t, b, k in sections])
    text, passages = build_text_and_passages(src, doc_id)
    return Document(id=doc_id, title="Invented guideline", text=text), passages


def all_units(doc: Document, passages: list[Passage]) -> list[Unit]:
    out = []
    for p in passages:
        out.extend(units_for_passage(doc, p))
    return out


def by_prefix(units: list[Unit], prefix: str) -> Unit:
    hits = [u for u in units if u.display.startswith(prefix)]
    assert hits, f"no unit starts with {prefix!r}: {[u.display for u in units]}"
    return hits[0]


def passage_at(doc: Document, passages: list[Passage], needle: str) -> Passage:
    """A passage that starts exactly at `needle` (mid-list), running to the end of its section's passage."""
    i = doc.text.index(needle)
    host = next(p for p in passages if p.start <= i < p.end)
    return Passage(id=host.id + "b", document_id=doc.id, ordinal=host.ordinal, text=doc.text[i:host.end],
                   start=i, end=host.end, section=host.section, kind=host.kind)


DOSING = """Recommended dosing for adults with normal renal function:

- Warfarin: Start at 5 mg once daily and adjust to the target INR.
- Dose Reduction: Start at 2.5 mg daily if the patient is frail or older than 80 years.
- Enoxaparin: Give 1 mg/kg subcutaneously every 12 hours.
- Dose Reduction: Give 1 mg/kg once daily if creatinine clearance is below 30 mL/min.
- Heparin: Give an 80 unit/kg bolus, then 18 units/kg/h by infusion.
- Monitoring: Check the aPTT six hours after every dose change."""

AGENTS = """Note: Doses assume normal hepatic function.

- Metoprolol:
- Indication: Preferred after a recent myocardial infarction.
- Caveat: Avoid in acute decompensated heart failure.
- Diltiazem:
- Indication: Useful when a beta-blocker is not tolerated.
- Contraindication: Do not use with reduced ejection fraction or together with ivabradine.
- Amiodarone:
- Indication: Reserved for patients in whom other agents have failed.
- Caveat: Requires thyroid and liver tests every six months."""

PROCEDURES = """- Pharmacological conversion:
- Stable patients: Intravenous flecainide or amiodarone.
- Reduced ejection fraction: Intravenous amiodarone is preferred.
- Electrical conversion: Preferred for unstable patients or when drug conversion fails.
- Anticoagulation before conversion:
- Duration over 48 hours: Anticoagulate for three weeks first."""

TABLE = """Agent | Adult dose | Renal adjustment
|---|---|---|
Amoxicillin | 1 g three times daily | Reduce if CrCl < 30 mL/min
Doxycycline | 100 mg twice daily | None
| | |
Oral step-down | |
| 500 mg twice daily | Reduce if CrCl < 15 mL/min
Ceftriaxone | 2 g once daily | None"""


@pytest.fixture(scope="module")
def guideline():
    return make_doc([
        ("Anticoagulant Dosing", DOSING, "text"),
        ("Rate Control: Agents and Caveats", AGENTS, "text"),
        ("Rhythm Control: Conversion", PROCEDURES, "text"),
        ("Empiric Therapy: Outpatient Regimens", TABLE, "table"),
    ])


def test_every_unit_quotes_the_document_exactly(guideline):
    doc, passages = guideline
    units = all_units(doc, passages)
    assert units
    for u in units:
        assert doc.text[u.start:u.end] == u.quote
        assert u.passage.start <= u.start < u.end <= u.passage.end
        assert u.display == " ".join(u.quote.split())
        assert u.kind in ("sentence", "list_item", "table_row")


def test_a_generic_label_item_takes_its_subject_from_the_named_item_before_it(guideline):
    doc, passages = guideline
    units = all_units(doc, passages)
    first = [u for u in units if u.display.startswith("Dose Reduction: Start at 2.5 mg")][0]
    assert first.subject == "Warfarin"
    assert first.context[-1] == "Warfarin: Start at 5 mg once daily and adjust to the target INR."
    assert first.context[0] == "Anticoagulant Dosing"
    second = by_prefix(units, "Dose Reduction: Give 1 mg/kg once daily")
    assert second.subject == "Enoxaparin"
    assert "Enoxaparin" in second.context_text and "Warfarin" not in second.context_text
    assert by_prefix(units, "Monitoring: Check the aPTT").subject == "Heparin"
    # the quote itself is never spliced with its context
    assert first.quote.startswith("Dose Reduction:") and "Warfarin" not in first.quote


def test_sibling_items_that_name_their_own_drug_keep_it(guideline):
    doc, passages = guideline
    units = all_units(doc, passages)
    for prefix in ("Warfarin:", "Enoxaparin:", "Heparin:"):
        u = by_prefix(units, prefix)
        assert u.subject == ""
        assert u.kind == "list_item"
        assert not any(c.startswith(("Warfarin", "Enoxaparin")) for c in u.context)


def test_items_under_a_header_item_belong_to_it_not_to_the_previous_header(guideline):
    doc, passages = guideline
    units = all_units(doc, passages)
    contra = by_prefix(units, "Contraindication: Do not use with reduced")
    assert contra.subject == "Diltiazem"      # although the item also names another drug
    assert contra.context[-1] == "Diltiazem"
    assert by_prefix(units, "Caveat: Avoid in acute").subject == "Metoprolol"
    assert by_prefix(units, "Caveat: Requires thyroid").subject == "Amiodarone"
    # header items ("Metoprolol:") are context, not units
    assert not any(u.display in ("Metoprolol:", "Diltiazem:", "Amiodarone:") for u in units)


def test_a_parallel_item_ends_the_header_items_group(guideline):
    doc, passages = guideline
    units = all_units(doc, passages)
    stable = by_prefix(units, "Stable patients:")
    assert stable.context[-1] == "Pharmacological conversion"
    assert stable.subject == ""          # it names its drugs; the header stays in its context
    electrical = by_prefix(units, "Electrical conversion:")
    assert "Pharmacological conversion" not in electrical.context
    duration = by_prefix(units, "Duration over 48 hours:")
    assert duration.context[-1] == "Anticoagulation before conversion"
    assert duration.subject == "Anticoagulation before conversion"


def test_table_rows_carry_the_header_and_the_header_row_is_not_a_unit(guideline):
    doc, passages = guideline
    units = [u for u in all_units(doc, passages) if u.passage.kind == "table"]
    assert all(u.kind == "table_row" for u in units)
    assert all(u.header == "Agent | Adult dose | Renal adjustment" for u in units)
    displays = [u.display for u in units]
    assert "Agent | Adult dose | Renal adjustment" not in displays
    assert not any(set(d) <= set("|-: ") for d in displays)          # separator and empty rows dropped
    assert not any(d.startswith("Oral step-down") for d in displays)  # a group row names the rows below it
    amox = by_prefix(units, "Amoxicillin |")
    assert amox.context == ("Empiric Therapy: Outpatient Regimens",)
    assert amox.context_text.endswith("Agent | Adult dose | Renal adjustment")
    cont = by_prefix(units, "| 500 mg twice daily")
    assert "Oral step-down" in cont.context


def test_markdown_style_table_with_outer_pipes_and_a_carried_first_cell():
    body = ("| Score | Points | Action |\n| --- | --- | --- |\n| Heart rate | > 100 | 1 |\n| | > 120 | 2 |\n"
            "| Age | > 65 | 1 |")
    doc, passages = make_doc([("Invented Score", body, "table")])
    units = all_units(doc, passages)
    assert [u.display for u in units] == ["| Heart rate | > 100 | 1 |", "| | > 120 | 2 |", "| Age | > 65 | 1 |"]
    assert all(u.header == "Score | Points | Action" for u in units)
    assert units[1].subject == "Heart rate" and units[1].context[-1] == "Heart rate"
    assert units[0].subject == "" and units[2].subject == ""


def test_headings_are_context_not_units():
    body = ("Initial Management\n- Give oxygen to keep saturation above 92%.\n- Start prednisolone 40 mg daily.\n\n"
            "# Follow-up\nReview the patient within 48 hours of discharge. Repeat spirometry at six weeks.")
    doc, passages = make_doc([("Acute Exacerbation", body, "text")])
    units = all_units(doc, passages)
    displays = [u.display for u in units]
    assert "Initial Management" not in displays and "Follow-up" not in displays
    assert "# Follow-up" not in displays
    oxygen = by_prefix(units, "Give oxygen")
    assert oxygen.context == ("Acute Exacerbation", "Initial Management")
    review = by_prefix(units, "Review the patient")
    assert review.kind == "sentence" and review.context == ("Acute Exacerbation", "Follow-up")
    assert by_prefix(units, "Repeat spirometry").kind == "sentence"


def test_a_passage_that_starts_mid_list_still_gets_its_heading_path_and_parent(guideline):
    doc, passages = guideline
    mid = passage_at(doc, passages, "Contraindication: Do not use")
    units = units_for_passage(doc, mid)
    assert units[0].display.startswith("Contraindication:")
    assert units[0].context == ("Rate Control: Agents and Caveats", "Diltiazem")
    assert units[0].subject == "Diltiazem"
    mid2 = passage_at(doc, passages, "Dose Reduction: Give 1 mg/kg once daily")
    u = units_for_passage(doc, mid2)[0]
    assert u.subject == "Enoxaparin"
    assert u.context[:2] == ("Anticoagulant Dosing", "Recommended dosing for adults with normal renal function")


def test_mid_list_context_found_even_when_the_section_title_is_far_back():
    filler = "\n".join(f"- Item {i}: Observe the patient for {i} hours after the first dose." for i in range(80))
    body = "Preferred agents:\n- Ibuprofen:\n- Caution: Avoid in the third trimester.\n" + filler + (
        "\n- Naproxen:\n- Caution: Avoid in severe renal impairment.")
    doc, passages = make_doc([("Analgesia", body, "text")])
    mid = passage_at(doc, passages, "Caution: Avoid in severe renal")
    assert mid.start - doc.text.index("Analgesia") > 3000
    u = units_for_passage(doc, mid)[0]
    assert u.subject == "Naproxen"
    assert u.context[0] == "Analgesia" and u.context[-1] == "Naproxen"
    assert doc.text[u.start:u.end] == u.quote


def test_no_unit_spans_two_list_items(guideline):
    doc, passages = guideline
    body = ("Before starting treatment:\n1. Measure renal function.\n2. Check for pregnancy in women of "
            "childbearing age\nand document the result.\n3. Review interacting drugs:\na) Strong CYP3A4 inhibitors\n"
            "b) Grapefruit juice\n4. Record baseline weight.")
    doc2, passages2 = make_doc([("Baseline", body, "text")])
    for d, ps in ((doc, passages), (doc2, passages2)):
        for u in all_units(d, ps):
            if u.kind != "list_item":
                continue
            for line in u.quote.split("\n")[1:]:
                assert not line.lstrip().startswith(("- ", "1.", "2.", "3.", "4.", "a)", "b)")), u.quote
    units = all_units(doc2, passages2)
    preg = by_prefix(units, "Check for pregnancy")
    assert preg.display.endswith("and document the result.")       # a wrapped line stays with its item
    grape = by_prefix(units, "Grapefruit juice")
    assert grape.context[-1] == "Review interacting drugs"
    assert grape.context[-2] == "Before starting treatment"
    assert by_prefix(units, "Record baseline weight").context == ("Baseline", "Before starting treatment")


def test_unmarked_items_after_a_lead_in_line():
    body = ("Offer an isotope bone scan when any of the following apply:\nBone pain that is new or worsening\n"
            "A rising alkaline phosphatase\nA very high PSA at diagnosis.\n"
            "Do not offer routine imaging to men with low-risk disease.\n"
            "Lithium:\nAbsolute contraindications: severe renal impairment, untreated hypothyroidism.\n"
            "Relative contraindications: dehydration. Review the dose during intercurrent illness.\n"
            "Check the serum level 12 hours after the last dose.")
    doc, passages = make_doc([("Major Recommendations", body, "recommendation")])
    units = all_units(doc, passages)
    lead = "Offer an isotope bone scan when any of the following apply"
    for prefix in ("Bone pain", "A rising alkaline", "A very high PSA"):
        u = by_prefix(units, prefix)
        assert u.kind == "list_item" and u.context[-1] == lead
    after = by_prefix(units, "Do not offer routine imaging")
    assert after.kind == "sentence" and lead not in after.context
    absolute = by_prefix(units, "Absolute contraindications")
    assert absolute.subject == "Lithium" and absolute.context[-1] == "Lithium"
    assert by_prefix(units, "Relative contraindications").subject == "Lithium"
    assert "Lithium" not in by_prefix(units, "Check the serum level").context
    assert "Lithium:" not in [u.display for u in units]


def test_sentences_of_a_paragraph_stay_sentences_and_refer_back_to_the_headings_drug():
    body = ("Three patients received the drug after etoposide failed. They all responded within a week. "
            "One patient later needed a transplant. [2014]\n3.")
    doc, passages = make_doc([("3.2 Tocilizumab", body, "text")])
    units = all_units(doc, passages)
    assert [u.kind for u in units] == ["sentence"] * 3   # "3." alone is not a unit
    assert units[0].subject == ""                 # names a drug of its own
    assert units[1].subject == "Tocilizumab"      # "They ..." refers back to the heading's drug
    assert units[2].subject == ""                 # a sentence that does not refer back keeps no subject
    assert units[2].display.endswith("transplant. [2014]")   # a trailing tag is not a unit of its own


def test_a_very_long_item_is_split_into_sentences_that_keep_the_items_context():
    long_item = "Caveat: " + " ".join(f"Sentence {i} says the dose must be checked after {i} days." for i in range(20))
    body = "- Carbamazepine:\n- " + long_item
    doc, passages = make_doc([("Antiepileptics", body, "text")])
    units = all_units(doc, passages)
    assert len(units) > 1
    assert all(u.kind == "list_item" and u.subject == "Carbamazepine" for u in units)
    assert all(len(u.quote) <= 600 for u in units)
    assert units[1].context[-1] == "Caveat"


def test_decision_algorithm_steps_head_the_steps_below_them():
    body = ("Patient with suspected sepsis\n--> Measure lactate\n--> Hypotensive after the first bolus?\n"
            "--> Start norepinephrine\n--> Score = 0\n--> Low risk. Consider discharge\nwith follow-up in 48 hours")
    doc, passages = make_doc([("Sepsis Algorithm (algorithm)", body, "table")])
    units = all_units(doc, passages)
    assert by_prefix(units, "Start norepinephrine").context[-1] == "Hypotensive after the first bolus?"
    low = by_prefix(units, "Low risk.")
    assert low.context[-1] == "Score = 0" and low.display.endswith("follow-up in 48 hours")
    assert low.subject == ""
    assert not any(u.display.startswith(("Hypotensive", "Score = 0")) for u in units)


def test_ocr_flattened_table_lines_are_rows_with_the_group_as_subject():
    body = ("Agent N Dose Response\nRituximab\nSmith et al. 4 375 mg/m2 weekly for\nfour doses 3\n"
            "Jones et al. 2 375 mg/m2 once 1\nCR, complete response; PR, partial response.")
    doc, passages = make_doc([("TABLE 2 Invented salvage regimens", body, "table")])
    units = all_units(doc, passages)
    rows = [u for u in units if u.kind == "table_row"]
    assert [u.display for u in rows] == ["Smith et al. 4 375 mg/m2 weekly for four doses 3",
                                         "Jones et al. 2 375 mg/m2 once 1"]
    assert all(u.subject == "Rituximab" and u.header == "Agent N Dose Response" for u in rows)
    assert units[-1].kind == "sentence"


def test_units_for_hits_keeps_hit_order_and_drops_repeated_spans(guideline):
    doc, passages = guideline
    hits = [SimpleNamespace(document=doc, passage=p, score=1.0) for p in reversed(passages)]
    hits.append(hits[0])
    units = units_for_hits(hits)
    keys = [(u.start, u.end) for u in units]
    assert len(keys) == len(set(keys))
    assert units[0].passage is passages[-1]


def test_speed_on_sixty_passages(capsys):
    sections = [(f"Section {i}: Agents", AGENTS, "text") if i % 3 == 0 else
                (f"Section {i}: Dosing", DOSING, "text") if i % 3 == 1 else
                (f"Section {i}: Table", TABLE, "table") for i in range(60)]
    doc, passages = make_doc(sections)
    hits = [SimpleNamespace(document=doc, passage=p, score=1.0) for p in passages[:60]]
    units_for_hits(hits[:1])                      # loads the drug dictionary once
    t0 = time.perf_counter()
    units = units_for_hits(hits)
    ms = (time.perf_counter() - t0) * 1000
    with capsys.disabled():
        print(f"\nunits_for_hits: {len(hits)} passages -> {len(units)} units in {ms:.1f} ms")
    assert units


def test_a_caption_line_right_above_a_table_is_its_context():
    body = ("Doses are given for adults.\nTable 3. Invented maintenance doses\nDrug | Dose\n"
            "Prednisolone | 5 mg daily\nHydrocortisone | 20 mg in divided doses")
    doc, passages = make_doc([("Maintenance", body, "text")])
    units = all_units(doc, passages)
    assert by_prefix(units, "Doses are given").kind == "sentence"
    row = by_prefix(units, "Prednisolone |")
    assert row.context == ("Maintenance", "Table 3. Invented maintenance doses")
    assert row.header == "Drug | Dose"
    assert not any(u.display.startswith("Table 3") for u in units)


def test_indentation_nests_items_where_a_source_kept_it():
    text = ("Options\n- Beta-blockers:\n    - Bisoprolol: 1.25 mg daily, doubled every two weeks.\n"
            "    - Titration: Slower in the elderly.\n- Digoxin: Add when rate control is insufficient.")
    doc = Document(id="sha:indent", title="Invented", text=text)
    p = Passage(id="sha:indent#0", document_id=doc.id, ordinal=0, text=text[8:], start=8, end=len(text),
                section="Options", kind="text")
    units = units_for_passage(doc, p)
    titration = by_prefix(units, "Titration:")
    assert titration.context == ("Options", "Beta-blockers", "Bisoprolol: 1.25 mg daily, doubled every two weeks.")
    assert titration.subject == "Bisoprolol"
    assert by_prefix(units, "Digoxin:").context == ("Options",)
    for u in units:
        assert text[u.start:u.end] == u.quote


def test_a_passage_starting_mid_table_far_from_its_start_does_not_take_a_data_row_for_the_header():
    rows = "\n".join(f"Agent {i} | {i} mg | Once daily" for i in range(150))
    doc, passages = make_doc([("Long Dose Table", "Agent | Dose | Frequency\n" + rows, "table")])
    late = passages[-1]
    assert late.start - doc.text.index("Agent | Dose") > 3000
    units = units_for_passage(doc, late)
    assert units[0].quote == doc.text[late.start:late.end].split("\n")[0]     # the first row is a unit
    assert all(u.kind == "table_row" for u in units)


def test_a_short_name_above_attribute_items_is_their_subject_but_a_population_line_is_only_context():
    body = ("Standard protocol (Class IIa):\n- Bolus: 80 units/kg IV.\n- Duration: 48 hours or until discharge.\n\n"
            "Adults:\n- Score = 1: Treatment may be considered.\n- Score >= 2: Treatment is recommended.")
    doc, passages = make_doc([("Invented Protocols", body, "text")])
    units = all_units(doc, passages)
    bolus = by_prefix(units, "Bolus:")
    assert bolus.subject == "Standard protocol" and bolus.context[-1] == "Standard protocol (Class IIa)"
    assert by_prefix(units, "Duration:").subject == "Standard protocol"
    score = by_prefix(units, "Score = 1:")
    assert score.context[-1] == "Adults" and score.subject == ""


SHAPES = [
    "- Warfarin: Start at 5 mg daily.", "- Dose Reduction: Halve the dose.", "- Metoprolol:", "- Caveat: Avoid.",
    "1. Measure renal function.", "a) Grapefruit juice", "--> Hypotensive?", "→ Start norepinephrine",
    "| | +--> Step 2: Any prior use?", "| | | YES --> Avoid", "|", "Agent | Dose", "Aspirin | 75 mg",
    "| | 81 mg", "|---|---|", "Offer one of the following:", "Bone pain that is new", "(Smith, 2003 [ Category II ])",
    "Table 1. Invented", "# Heading", "Short heading", "", "", "A full sentence about dosing. Another one. [2014]",
    "continued on a lowercase line", "Lithium:", "Absolute contraindications: severe renal impairment.",
    "CR, complete response; PR, partial response.", "3.", "x" * 700 + ".",
]


@pytest.mark.parametrize("seed", range(25))
def test_random_mixtures_of_shapes_keep_every_invariant(seed):
    import random

    rng = random.Random(seed)
    sections = []
    for i in range(rng.randint(1, 4)):
        body = "\n".join(rng.choice(SHAPES) for _ in range(rng.randint(1, 40)))
        sections.append((rng.choice(["", f"Section {i}"]), body, rng.choice(["text", "table", "recommendation"])))
    doc, passages = make_doc(sections)
    cut = []
    for p in passages:                                  # also passages that start at every line of the first one
        cut.append(p)
        for j, ch in enumerate(doc.text[p.start:p.end]):
            if ch == "\n" and p.start + j + 1 < p.end:
                s = p.start + j + 1
                cut.append(Passage(id=p.id + f"@{s}", document_id=doc.id, ordinal=p.ordinal, text=doc.text[s:p.end],
                                   start=s, end=p.end, section=p.section, kind=p.kind))
    for p in cut:
        for u in units_for_passage(doc, p):
            assert doc.text[u.start:u.end] == u.quote
            assert p.start <= u.start < u.end <= p.end
            assert u.quote == u.quote.strip() and u.display
            assert isinstance(u.context, tuple) and all(isinstance(c, str) and c for c in u.context)


def test_a_strength_line_under_the_heading_and_a_plus_lead_in_stay_in_the_context():
    body = ("(Strong recommendation, Low quality of evidence)\n\nOption A — Combination:\n"
            "- Cefalexin 500 mg orally four times daily; OR\n- Cefuroxime 500 mg orally twice daily\n\n"
            "PLUS one of:\n- Clarithromycin 500 mg orally twice daily\n\nOption B — Monotherapy:\n"
            "- Moxifloxacin 400 mg orally once daily")
    doc, passages = make_doc([("Invented Outpatient Regimens", body, "text")])
    units = all_units(doc, passages)
    assert not any(u.display.startswith("(Strong") for u in units)
    tag = "(Strong recommendation, Low quality of evidence)"
    assert by_prefix(units, "Cefalexin").context == ("Invented Outpatient Regimens", tag, "Option A — Combination")
    assert by_prefix(units, "Clarithromycin").context[-2:] == ("Option A — Combination", "PLUS one of")
    assert by_prefix(units, "Moxifloxacin").context[-1] == "Option B — Monotherapy"
    assert "Option A — Combination" not in by_prefix(units, "Moxifloxacin").context


def test_a_lead_in_heads_the_line_after_a_blank_line():
    body = ("The Smith estimate is the most widely used dosing formula:\n\n"
            "Total daily dose = 3 mg x body weight (kg) x number of affected joints\n\n"
            "Give half in the first 8 hours and the rest over the next 16 hours.")
    doc, passages = make_doc([("Smith Estimate", body, "recommendation"), ("Other", "Unrelated text.", "body")])
    units = all_units(doc, passages)
    lead = "The Smith estimate is the most widely used dosing formula"
    formula = by_prefix(units, "Total daily dose")
    assert lead in formula.context
    assert lead not in by_prefix(units, "Give half").context      # only the line it announced


def test_a_lead_in_above_a_table_caption_heads_the_tables_rows():
    # the caption repeats the section title, so the table's passage starts right under it
    doc, passages = make_doc([
        ("Frailty Staging", "Frailty should be graded for severity according to the following criteria:", "recommendation"),
        ("Frailty Staging", "Grade | Walking | Assistance\nGrade 1 | slow gait | none\nGrade 2 | aid needed | some\n"
                            "Grade 3 | bed-bound | full", "table"),
    ])
    rows = [u for u in all_units(doc, passages) if u.kind == "table_row"]
    assert [r.display.split(" |")[0] for r in rows] == ["Grade 1", "Grade 2", "Grade 3"]
    lead = "Frailty should be graded for severity according to the following criteria"
    assert all(lead in r.context for r in rows), [r.context for r in rows]
