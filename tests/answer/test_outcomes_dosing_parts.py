"""Dosing cells of OCR'd tables quoted in several exact parts: the text of other columns that OCR put on the same
lines (the N cell's wrapped note, the time of response, the counts) is left out. All fixture text is invented
(OCR-like, own names, drugs and numbers)."""

from curbside.answer.outcomes import ALL_COLS, extract_outcomes

# Columns: N | Dosing | Time / comment | CR PR NR. The dosing cell of the first study spans its two sub-rows; the N
# cells carry notes wrapped over two lines; the comment column wraps too.
TABLE = """TABLE 5 Rescue agents and outcomes

Agent N Dosing regimen(s) Time to response or comment CR PR NR
Tocilizumab
Ferreiraetal. 4(4 received it after Tocilizumab: 8 or 12 mg/kg divided over In the whole cohort (n = 20) 3
dexamethasone alone) three consecutive days. responses were seen after a
5 (after earlier Dexamethasone: 10 mg/m2/day median of ) 2
chemotherapy) given with the tocilizumab and then 6 days (range, 3-9 days)
tapered.
Ruxolitinib
Ibsen et al. 12 Median 15 mg/m2 (range, 5-25 3 weeks 9 3
mg/m2) divided over a median of
6 weeks (range, 2-12 weeks) as a first
or only course
Okoro et al. 6 20 mg twice daily 2 weeks 4 2
(range, 1-4 weeks)

CR, complete response; PR, partial response; NR, no response.
"""


def _study(rows, name, n=None):
    found = [r for r in rows if r.study is not None and r.study.value.startswith(name)
             and (n is None or (r.patients is not None and r.patients.value == n))]
    assert len(found) == 1, [(r.intervention, r.study, r.patients) for r in rows]
    return found[0]


def _check(rows, text):
    for r in rows:
        for col in (*ALL_COLS, "study"):
            c = getattr(r, col)
            if c is None:
                continue
            for p in c.spans():
                assert text[p.start:p.end] == p.value, (col, p)
            if c.parts:
                assert c.value == " ".join(p.value for p in c.parts) and len(c.parts) > 1
                assert all(a.end < b.start for a, b in zip(c.parts, c.parts[1:]))


def _shown(cell):
    return " ".join(cell.value.split())


def test_a_regimen_interleaved_with_the_n_note_and_the_comment_column_is_quoted_in_parts():
    rows = extract_outcomes(TABLE)
    _check(rows, TABLE)
    first, second = _study(rows, "Ferreira", "4"), _study(rows, "Ferreira", "5")
    want = ("Tocilizumab: 8 or 12 mg/kg divided over three consecutive days. Dexamethasone: 10 mg/m2/day given with "
            "the tocilizumab and then tapered.")
    # the cell spans both sub-rows: both show the whole regimen, the co-medication of the second included
    assert _shown(first.dosing) == want and _shown(second.dosing) == want
    assert [p.value for p in first.dosing.parts] == [
        "Tocilizumab: 8 or 12 mg/kg divided over", "three consecutive days.", "Dexamethasone: 10 mg/m2/day",
        "given with the tocilizumab and then", "tapered."]
    for foreign in ("alone)", "chemotherapy)", "whole cohort", "responses were", "6 days"):
        assert foreign not in first.dosing.value


def test_a_dose_range_and_duration_wrapped_below_the_row_are_one_cell():
    rows = extract_outcomes(TABLE)
    ibsen = _study(rows, "Ibsen")
    assert _shown(ibsen.dosing) == ("Median 15 mg/m2 (range, 5-25 mg/m2) divided over a median of 6 weeks (range, "
                                    "2-12 weeks) as a first or only course")
    # the time column on the row line sits between the two parts and stays its own cell
    assert [p.value for p in ibsen.dosing.parts][0] == "Median 15 mg/m2 (range, 5-25"
    assert ibsen.time_to_response.value == "3 weeks"


def test_a_complete_dose_does_not_take_the_next_columns_wrapped_text():
    rows = extract_outcomes(TABLE)
    okoro = _study(rows, "Okoro")
    # "(range, 1-4 weeks)" below the row belongs to the time column: a range only continues a dose on its own line
    assert okoro.dosing.value == "20 mg twice daily" and not okoro.dosing.parts


def test_an_unfinished_continuation_is_cut_back_rather_than_guessed():
    # the duration after "divided over" is not on the next line (only other columns' text): the cell ends at the dose
    text = TABLE.replace("dexamethasone alone) three consecutive days.", "dexamethasone alone) responses")
    rows = extract_outcomes(text)
    _check(rows, text)
    first = _study(rows, "Ferreira", "4")
    assert [p.value for p in first.dosing.spans()][0] == "Tocilizumab: 8 or 12 mg/kg"
    assert "divided" not in first.dosing.value
    # "and then" needs what was done next ("tapered"): without it the phrase stops before "and then"
    text = TABLE.replace("\ntapered.\n", "\n")
    second = _study(extract_outcomes(text), "Ferreira", "5")
    assert _shown(second.dosing).endswith("Dexamethasone: 10 mg/m2/day given with the tocilizumab")


def test_a_note_that_never_closes_keeps_its_lines_out():
    # OCR lost the ")" of the N note: the lines below cannot be told apart from the note, so nothing of them is taken
    text = TABLE.replace("dexamethasone alone) three", "dexamethasone alone three")
    first = _study(extract_outcomes(text), "Ferreira", "4")
    assert "three" not in first.dosing.value and "alone" not in first.dosing.value


def test_a_passage_cut_out_of_a_table_is_read_as_table_rows_not_prose():
    # no caption and no header in the passage: its study rows open a table region, so the comment column's "CR was"
    # followed by the sub-row's N on the next line is no prose sentence ("Dexamethasone: CR 5" was a stray row)
    piece = TABLE[TABLE.index("Tocilizumab\nFerreira"):TABLE.index("\nCR, complete")]
    piece = piece.replace("responses were seen after a", "CR was")
    rows = extract_outcomes(piece)
    _check(rows, piece)
    assert all(r.study is not None for r in rows), [(r.intervention, r.cells()) for r in rows]
    assert not [r for r in rows if r.complete_response is not None and r.complete_response.value == "5"]
