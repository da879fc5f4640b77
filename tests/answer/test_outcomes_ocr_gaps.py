"""Outcome extraction, issue 4 follow-ups: study attribution of pooled prose sentences, glued study labels,
multi-line dosing cells and lone table numbers. All fixture text is invented (OCR-like, own names and numbers)."""

from .ocr_fixtures import DEP_ROWS
from curbside.answer.outcomes import ALL_COLS, extract_outcomes


def _cells(rows):
    return [(r.intervention, r.study.value if r.study else None, {k: v.value for k, v in r.cells().items()})
            for r in rows]


def _assert_offsets(rows, text):
    for r in rows:
        for col in (*ALL_COLS, "study"):
            c = getattr(r, col)
            if c is not None:
                for part in c.spans():
                    assert text[part.start:part.end] == part.value, (col, c)
                assert not c.parts or c.value == " ".join(part.value for part in c.parts)


# ---------------------------------------------------------------- 4: attribution of a carried-over study label
POOLED = ("Okafor et al. reported a prospective study of ruxolitinib. Nine of 20 patients achieved a complete "
          "response (45%).\n\nNo adverse events were reported in the four patients who received tocilizumab, and "
          "the authors noted no infusion reactions.\n")


def test_carried_over_study_label_only_labels_its_own_intervention():
    rows = extract_outcomes(POOLED)
    _assert_offsets(rows, POOLED)
    toci = [r for r in rows if r.intervention == "Tocilizumab"]
    assert toci and all(r.study is None for r in toci), _cells(rows)
    rux = [r for r in rows if r.intervention == "Ruxolitinib"]
    assert len(rux) == 1 and rux[0].study.value == "Okafor et al." and rux[0].complete_response.value.startswith(
        "Nine of 20")


def test_a_sentence_naming_the_study_labels_all_its_rows_and_later_same_drug_sentences():
    text = ("Lindqvist et al. gave ruxolitinib to 14 children. Eight of 14 patients achieved a partial response "
            "with ruxolitinib (57%).")
    rows = extract_outcomes(text)
    rux = [r for r in rows if r.intervention == "Ruxolitinib"]
    assert len(rux) == 1 and rux[0].study.value == "Lindqvist et al.", _cells(rows)


POOLED_WITH_TABLE = """3.3 | Toxicities

No toxicities were reported in the five patients who received sirolimus.

TABLE 2 Second-line agents

Agent N Dosing CR PR NR
Sirolimus
Haddad et al. 4 2 mg/m2 daily 2 1 1
Kowalczyk et al. 2 1 mg/m2 daily 2

CR, complete response; PR, partial response; NR, no response.
"""


def test_pooled_count_without_outcomes_is_dropped_when_per_study_rows_exist():
    rows = extract_outcomes(POOLED_WITH_TABLE)
    _assert_offsets(rows, POOLED_WITH_TABLE)
    siro = [r for r in rows if r.intervention == "Sirolimus"]
    assert all(r.study is not None for r in siro if r.patients is not None), _cells(rows)
    haddad = next(r for r in siro if r.study.value.startswith("Haddad"))
    assert [haddad.complete_response.value, haddad.partial_response.value, haddad.no_response.value] == ["2", "1", "1"]
    assert not any(r.patients is not None and r.patients.value == "five" for r in rows)
    # without any per-study row the pooled statement is all there is, and it stays
    alone = POOLED_WITH_TABLE.split("TABLE 2")[0]
    assert [r.patients.value for r in extract_outcomes(alone) if r.intervention == "Sirolimus"] == ["five"]


# ---------------------------------------------------------------- 3: glued study labels
GLUED = """TABLE 5 Third-line agents and responses

Agent N Dosing CR PR NR
Tocilizumab
Brennanetal. 6 8 mg/kg every 2 weeks 3 2 1
Oyelaran etal. 5 12 mg/kg every 2 weeks 2 2 1

CR, complete response; PR, partial response; NR, no response.
"""


def test_study_display_label_undoes_ocr_glue_but_the_quote_stays_verbatim():
    from curbside.answer.outcomes import Cell, study_label

    rows = extract_outcomes(GLUED)
    _assert_offsets(rows, GLUED)
    assert sorted(study_label(r.study) for r in rows) == ["Brennan et al.", "Oyelaran et al."]
    assert sorted(r.study.value for r in rows) == ["Brennanetal.", "Oyelaran etal."]
    assert study_label(Cell("Okafor et\nal.", 0, 10)) == "Okafor et al."
    assert study_label(Cell("Okafor, 2019", 0, 12)) == "Okafor, 2019"
    assert study_label(None) == ""


def test_a_well_formed_label_of_the_same_study_is_preferred_when_merging():
    text = GLUED + "\nBrennan et al. treated six patients with tocilizumab; three achieved a complete response.\n"
    rows = extract_outcomes(text)
    _assert_offsets(rows, text)
    brennan = [r for r in rows if r.study is not None and r.study.value.startswith("Brennan")]
    assert len(brennan) == 1 and brennan[0].study.value == "Brennan et al.", _cells(rows)


# ---------------------------------------------------------------- 2: a dosing cell over several lines
# The N cell wraps too ("(adults only, ... here)"), so OCR interleaves it with the regimen lines.
REGIMEN = """TABLE 6 Combination regimens

Regimen N Dosing regimen(s) Time to response CR PR NR
""" + DEP_ROWS + """
4 | DISCUSSION

Other regimens were not reviewed.
"""


def test_a_regimen_written_over_several_lines_is_quoted_in_parts_without_the_wrapped_n_note():
    rows = extract_outcomes(REGIMEN)
    _assert_offsets(rows, REGIMEN)
    novak = next(r for r in rows if r.study is not None and r.study.value == "Novak et al.")
    d = novak.dosing
    # the N cell's note "(adults only, children were analysed apart)" runs between the regimen's lines: left out
    assert [p.value for p in d.parts] == [
        "Liposomal doxorubicin 30 mg/m2 on",
        "day 2.\n\nEtoposide 75 mg/m2 on the first\n\nday of each week.\n\nMethylprednisolone 10 mg/kg, days\n"
        "1-4; 5 mg/kg, days 5-8; 1 mg/kg,\ndays 9-12"]
    assert " ".join(d.value.split()) == ("Liposomal doxorubicin 30 mg/m2 on day 2. Etoposide 75 mg/m2 on the first day "
                                         "of each week. Methylprednisolone 10 mg/kg, days 1-4; 5 mg/kg, days 5-8; "
                                         "1 mg/kg, days 9-12")
    assert "analysed" not in d.value and (d.start, d.end) == (d.parts[0].start, d.parts[-1].end)
    assert [novak.complete_response.value, novak.partial_response.value, novak.no_response.value] == ["7", "6", "5"]


def test_a_single_line_dose_is_not_stretched_into_later_lines():
    text = REGIMEN.replace("Methylprednisolone 10 mg/kg, days\n1-4; 5 mg/kg, days 5-8; 1 mg/kg,\ndays 9-12\n", "")
    text = text.replace("Etoposide 75 mg/m2 on the first\n\nday of each week.\n\n", "")
    rows = extract_outcomes(text)
    novak = next(r for r in rows if r.study is not None and r.study.value == "Novak et al.")
    assert novak.dosing.value == "Liposomal doxorubicin 30 mg/m2"
    # a dose on the row's own line ends there: the cells after it belong to other columns
    rows = extract_outcomes(GLUED)
    assert sorted(r.dosing.value for r in rows) == ["12 mg/kg every 2 weeks", "8 mg/kg every 2 weeks"]


# ---------------------------------------------------------------- 1: a lone whole-cohort number in a table row
LONE = """3.2 | Sirolimus

Kowalczyk et al. treated three patients with sirolimus after etoposide; all three patients achieved a complete
response.

3.3 | Basiliximab

Ferreira et al. described one patient given basiliximab whose fever settled (partial response).

TABLE 7 Salvage regimens and responses

Agent N Dosing Time to response CR PR NR
Sirolimus
Haddad et al. 1 2 mg/m2 daily 2 weeks (less for fever) 1
Kowalczyk et al. 3 1 mg/m2 daily 10 days 3
Basiliximab
Ferreira et al. 1 1 mg/kg 1 week 1
Yilmaz et al. 2 1 mg/kg 5 days 2

CR, complete response; PR, partial response; NR, no response.
"""


def _study(rows, name):
    found = [r for r in rows if r.study is not None and r.study.value.startswith(name)]
    assert len(found) == 1, _cells(rows)
    return found[0]


def test_lone_number_takes_the_column_its_sibling_rows_were_placed_in():
    rows = extract_outcomes(LONE)
    _assert_offsets(rows, LONE)
    kow = _study(rows, "Kowalczyk")
    assert kow.complete_response.value == "3"         # the prose says so; the table's "3" is that number
    haddad = _study(rows, "Haddad")
    assert (haddad.patients.value, haddad.complete_response.value) == ("1", "1")
    assert haddad.partial_response is None and haddad.no_response is None
    assert LONE[haddad.complete_response.start:haddad.complete_response.end] == "1"
    # the other agent's block has its own layout: Ferreira is a PR by the prose, so Yilmaz reads as PR, not CR
    ferreira, yilmaz = _study(rows, "Ferreira"), _study(rows, "Yilmaz")
    assert ferreira.partial_response.value == "1" and ferreira.complete_response is None
    assert yilmaz.partial_response.value == "2" and yilmaz.complete_response is None


def test_lone_number_is_not_placed_when_siblings_disagree_or_there_is_no_evidence():
    # Kowalczyk now a PR by the prose while the same block also has a CR row: no shared layout
    mixed = LONE.replace("all three patients achieved a complete\nresponse", "all three patients achieved a partial\n"
                         "response").replace("Yilmaz et al. 2 1 mg/kg 5 days 2\n", "")
    mixed = mixed.replace("Basiliximab\nFerreira et al. 1 1 mg/kg 1 week 1\n",
                          "Ito et al. 2 1 mg/m2 daily 4 days 2\n")
    mixed += "\nIto et al. reported that both patients given sirolimus achieved a complete response.\n"
    rows = extract_outcomes(mixed)
    haddad = _study(rows, "Haddad")
    assert haddad.complete_response is None and haddad.partial_response is None and haddad.no_response is None
    # no prose at all: nothing in the table says which column
    bare = LONE.split("TABLE 7")[1]
    rows = extract_outcomes("TABLE 7" + bare)
    for r in rows:
        assert r.complete_response is None and r.partial_response is None and r.no_response is None, _cells(rows)


def test_a_number_smaller_than_n_is_not_placed_by_siblings():
    text = LONE.replace("Haddad et al. 1 2 mg/m2 daily", "Haddad et al. 4 2 mg/m2 daily")
    haddad = _study(extract_outcomes(text), "Haddad")
    assert haddad.complete_response is None and haddad.partial_response is None and haddad.no_response is None
