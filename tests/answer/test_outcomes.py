"""Outcome extraction for the Evidence Table, on invented fixture text (OCR-like tables and trial prose)."""

from curbside.answer.outcomes import ALL_COLS, Cell, OutcomeRow, extract_outcomes, merge_rows

# An OCR'd review: a header split over lines with page junk in between, glued percentages "6(30%)", a row wrapped
# over two lines, a number lost to OCR (") 2"), and a table whose PR/NR columns were moved to a second block.
REVIEW = """3 | RESULTS

3.1 | Ruxolitinib

Okafor et al. treated 12 patients with ruxolitinib after failure of dexamethasone and etoposide. Seven patients
achieved a complete response (58%). Lindqvist et al. described four further children.

3.2 | Tocilizumab

Pereira et al. treated nine patients with tocilizumab; two patients achieved a partial response.

TABLE 3 Second-line agents and responses

Agent N Dosing regimen

HEMATOLOGY CASE REPORTS

Time to response CR PR NR
Ruxolitinib
Okafor et al. 12 15 mg/m2 twice daily 5 days 7 3 2
Lindqvistetal. 4(3 children and 1 adult 10 mg/kg/day 2 weeks 1 3
with EBV-HLH)
Tocilizumab
Harlan et al. 20 8 mg/kg 3 days 11 (55%) 6(30%) 3 (15%)
Pereira et al. 9 12 mg/kg every 2 weeks 1 week ) 2
Emapalumab
Voss et al. 30 1 mg/kg twice weekly 8 days 40 (60%) 5 2

PR, partial response; CR, complete response; NR, nonresponse.

4 | DISCUSSION

A chemotherapy-free regimen paired ATG (rabbit) with methylprednisolone. Using this combination, 68% of
patients achieved a complete response and 23% of patients achieved a partial response.

TABLE 1 First-line protocols

Protocol Reference N CR
HLH-2004 Brandt et al. 80 40 (52%)
ATG (rabbit), MP Ito et al. 25 15(68%)

(22 courses)

Deaths Relapses
before response after
PR NR evaluation CR
20 (26%) 6 (8%) 4 9
5 (23%) 2(9%) 3

PR, partial response; CR, complete response; NR, nonresponse.
Abbreviations: ATG, antithymocyte globulin.
"""

TRIAL = ("In the randomised trial of 120 patients, 45 (37.5%) achieved complete remission with drug X 10 mg/kg "
         "weekly; grade 3 neutropenia occurred in 12%.")


def _row(rows, intervention, study=None):
    found = [r for r in rows if r.intervention == intervention
             and (study is None or (r.study is not None and r.study.value.startswith(study)))]
    assert len(found) == 1, (intervention, study, rows)
    return found[0]


def _v(cell: Cell | None) -> str | None:
    return None if cell is None else " ".join(cell.value.split())


def _assert_offsets(rows: list[OutcomeRow], text: str, base: int = 0) -> int:
    n = 0
    for r in rows:
        for col in (*ALL_COLS, "study"):
            c = getattr(r, col)
            if c is not None:
                for part in c.spans():
                    assert text[part.start - base:part.end - base] == part.value, (col, c)
                n += 1
    return n


def test_ocr_table_rows_in_header_order_with_glued_and_wrapped_cells():
    rows = extract_outcomes(REVIEW)
    okafor = _row(rows, "Ruxolitinib", "Okafor")
    assert (_v(okafor.patients), _v(okafor.complete_response), _v(okafor.partial_response), _v(okafor.no_response)) \
        == ("12", "7", "3", "2")
    assert _v(okafor.dosing) == "15 mg/m2 twice daily" and _v(okafor.time_to_response) == "5 days"
    harlan = _row(rows, "Tocilizumab", "Harlan")
    assert (_v(harlan.complete_response), _v(harlan.partial_response), _v(harlan.no_response)) \
        == ("11 (55%)", "6(30%)", "3 (15%)")
    assert _v(harlan.dosing) == "8 mg/kg"


def test_wrapped_row_keeps_its_n_and_dose_but_ambiguous_counts_are_not_guessed():
    rows = extract_outcomes(REVIEW)
    lind = _row(rows, "Ruxolitinib", "Lindqvist")
    assert _v(lind.patients) == "4" and _v(lind.dosing) == "10 mg/kg/day"
    # "1 3" under CR PR NR could be CR+PR, CR+NR or PR+NR: nothing is shown
    assert lind.complete_response is None and lind.partial_response is None and lind.no_response is None


def test_inconsistent_table_numbers_are_not_shown():
    rows = extract_outcomes(REVIEW)
    voss = [r for r in rows if r.intervention == "Emapalumab"]
    # 40 responders out of 30 patients: no assignment is consistent, so no response cell (and N alone is no row)
    assert all(r.complete_response is None and r.partial_response is None and r.no_response is None for r in voss)


def test_prose_and_table_are_merged_and_prose_resolves_a_lost_ocr_number():
    rows = extract_outcomes(REVIEW)
    okafor = _row(rows, "Ruxolitinib", "Okafor")
    assert len([r for r in rows if r.intervention == "Ruxolitinib" and r.study and "Okafor" in r.study.value]) == 1
    pereira = _row(rows, "Tocilizumab", "Pereira")
    assert _v(pereira.partial_response) == "two"          # from the prose; the table's "2" could be any column
    assert pereira.complete_response is None and pereira.no_response is None
    assert okafor.complete_response.value == "7"


def test_scrambled_column_blocks_are_linked_and_checked_by_percentages():
    rows = extract_outcomes(REVIEW)
    brandt = _row(rows, "HLH-2004", "Brandt")
    assert (_v(brandt.patients), _v(brandt.complete_response), _v(brandt.partial_response), _v(brandt.no_response)) \
        == ("80", "40 (52%)", "20 (26%)", "6 (8%)")
    ito = _row(rows, "ATG", "Ito")
    assert _v(ito.complete_response) == "15(68%)"         # 15/22 courses = 68%
    assert _v(ito.partial_response) == "5 (23%)"          # the prose "23% ... partial response" picks the column
    assert _v(ito.no_response) is None                    # "2(9%)" or "3" could still be NR: not shown


def test_trial_prose_sentence():
    rows = extract_outcomes(TRIAL, interventions=["drug X"])
    r = _row(rows, "drug X")
    assert _v(r.patients) == "120" and _v(r.complete_response) == "45 (37.5%)"
    assert _v(r.dosing) == "10 mg/kg weekly"
    assert _v(r.adverse_events) == "grade 3 neutropenia occurred in 12%"


def test_prose_patterns_for_rates_time_dose_and_survival():
    text = ("Complete response (CR) in 7 of 14 patients (50%) treated with emapalumab at a dose of 1 mg/kg twice "
            "weekly; survival to HCT was 77%. The overall response rate was 73% (n = 30) with ruxolitinib and the "
            "median time to response was 6 days. CR 5 (50%) was reported with anakinra 5-10 mg/kg/day.")
    rows = extract_outcomes(text)
    ema = _row(rows, "Emapalumab")
    assert (_v(ema.patients), _v(ema.complete_response), _v(ema.dosing), _v(ema.survival)) == \
        ("14", "7 of 14 patients (50%)", "1 mg/kg twice weekly", "survival to HCT was 77%")
    rux = _row(rows, "Ruxolitinib")
    assert (_v(rux.patients), _v(rux.overall_response), _v(rux.time_to_response)) == \
        ("30", "73%", "median time to response was 6 days")
    ana = _row(rows, "Anakinra")
    assert _v(ana.complete_response) == "5 (50%)" and _v(ana.dosing) == "5-10 mg/kg/day"
    rows = extract_outcomes("Of 48 patients randomised to anakinra, 20 (42%) achieved a partial remission and 10 (21%) "
                            "had no response. The ORR was 62% (31/50) with tocilizumab 8 mg/kg every 2 weeks; grade "
                            "3-4 infections occurred in 9 of 50 patients (18%).")
    ana = _row(rows, "Anakinra")
    assert (_v(ana.patients), _v(ana.partial_response), _v(ana.no_response)) == ("48", "20 (42%)", "10 (21%)")
    toci = _row(rows, "Tocilizumab")
    assert (_v(toci.overall_response), _v(toci.dosing)) == ("62% (31/50)", "8 mg/kg every 2 weeks")
    assert _v(toci.adverse_events) == "grade 3-4 infections occurred in 9 of 50 patients (18%)"


def test_prior_therapy_is_not_the_subject_and_headings_give_context():
    text = ("After failure of dexamethasone and etoposide, 6 of 9 patients achieved a complete response with "
            "alemtuzumab.\n\n2.2 | Sirolimus\n\nFour of 5 patients achieved a partial response.")
    rows = extract_outcomes(text)
    assert {r.intervention for r in rows} == {"Alemtuzumab", "Sirolimus"}
    assert _v(_row(rows, "Alemtuzumab").complete_response) == "6 of 9"
    assert _v(_row(rows, "Sirolimus").partial_response) == "Four of 5"


def test_inconsistent_prose_numbers_are_dropped():
    text = ("Of 20 patients treated with etanercept, 15 of 20 (40%) achieved a complete response. Twelve of 10 "
            "patients achieved a partial response with etanercept. In a cohort of 10 patients given tacrolimus, 8 "
            "patients achieved a complete response and 6 patients achieved a partial response.")
    rows = extract_outcomes(text)
    for r in rows:
        assert r.complete_response is None and r.partial_response is None, r


def test_offsets_are_exact_with_base_offset_and_per_passage_merge_is_idempotent():
    doc = "Preamble that is not part of the passage.\n\n" + REVIEW + "\n\n" + TRIAL
    base = doc.index("3 | RESULTS")
    cut = doc.index("4 | DISCUSSION")
    parts = [(base, doc[base:cut]), (cut, doc[cut:])]
    rows = []
    for start, passage in parts:
        got = extract_outcomes(passage, base_offset=start, source_id=f"p{start}")
        assert _assert_offsets(got, doc) > 0
        assert all(r.source_text_id == f"p{start}" for r in got)
        rows += got
    merged = merge_rows(rows)
    assert _assert_offsets(merged, doc) >= _assert_offsets(rows, doc) // 2
    again = merge_rows(merged)
    assert [(r.intervention, {k: v.value for k, v in r.cells().items()}) for r in again] == \
        [(r.intervention, {k: v.value for k, v in r.cells().items()}) for r in merged]
    whole = extract_outcomes(doc)
    assert _assert_offsets(whole, doc) > 20


def test_interventions_filter_and_nothing_from_text_without_outcomes():
    rows = extract_outcomes(REVIEW, interventions=["tocilizumab"])
    assert rows and {r.intervention for r in rows} == {"Tocilizumab"}
    assert extract_outcomes("Hemophagocytic lymphohistiocytosis is a hyperinflammatory syndrome.") == []
