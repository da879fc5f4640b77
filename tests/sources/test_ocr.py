"""Before/after tables for the pure OCR clean-up functions (sources/ocr.py)."""

from __future__ import annotations

import pytest

from curbside.sources import ocr

VOCAB = ocr.Vocabulary("the drug was given intravenous daily; a life-threatening illness\nanother line of text")


@pytest.mark.parametrize("left, right, expected", [
    ("charac", "terized", "characterized"),
    ("sal", "vage", "salvage"),
    ("Dex", "amethasone", "Dexamethasone"),
    ("ini", "tiated", "initiated"),
    ("be", "cause", "because"),
    ("Re", "sponses", "Responses"),
    ("life", "threatening", "life-threatening"),      # seen hyphenated in the text, and a compound prefix
    ("anti", "interferon", "anti-interferon"),        # compound prefix
    ("anti", "bodies", "antibodies"),                 # closed compound despite the prefix
    ("non", "rheumatologic", "non-rheumatologic"),
    ("well", "known", "well-known"),
    ("well", "ness", "wellness"),                     # a word ending, not a word
    ("high", "er", "higher"),
    ("co", "hort", "cohort"),                         # weak prefix, "hort" is no word
    ("intra", "venous", "intravenous"),               # the joined form occurs in the text
    ("standard-of", "care", "standard-of-care"),      # already a compound
    ("EBV", "associated", "EBV-associated"),          # acronym
    ("biopsy", "proven", "biopsy-proven"),            # compound suffix
    ("T", "cell", "T-cell"),
    ("Epstein", "Barr", "Epstein-Barr"),              # capitalised second part
])
def test_join_hyphenated(left, right, expected):
    assert ocr.join_hyphenated(left, right, VOCAB) == expected


@pytest.mark.parametrize("lines, expected", [
    (["a severe, life-", "threatening syndrome"], "a severe, life-threatening syndrome"),
    (["classically charac-", "terized by fever"], "classically characterized by fever"),
    (["the HLH-", "94 protocol"], "the HLH-94 protocol"),
    (["doses of 10-", "20 mg"], "doses of 10-20 mg"),
    (["Options include:", "- anakinra", "- ruxolitinib"], "Options include:\n- anakinra\n- ruxolitinib"),
    (["first line", "  second line  "], "first line second line"),
])
def test_reflow(lines, expected):
    assert ocr.reflow(lines, VOCAB) == expected


@pytest.mark.parametrize("before, after", [
    ("(Table 2).1314 Dexamethasone was used.", "(Table 2). Dexamethasone was used."),
    ("central nervous system involvement.! Several", "central nervous system involvement. Several"),
    ("cytotoxicity,2~7 although X-linked", "cytotoxicity, although X-linked"),
    ("mechanisms of disease.8-11 Other", "mechanisms of disease. Other"),
    ("in patients with HLH.12 Outside", "in patients with HLH. Outside"),
    ("plasmapheresis.2° Cyclosporine", "plasmapheresis. Cyclosporine"),
    ("methylprednisolone.'* Cyclosporine", "methylprednisolone. Cyclosporine"),
    ("cyclosporine.}” Three days", "cyclosporine. Three days"),
    ("reported.1>19.20 However", "reported. However"),
    ("(Table 4).17:18 The first", "(Table 4). The first"),
    ("murine data,2223 and a pilot", "murine data, and a pilot"),
    ("therapy,1® though this", "therapy, though this"),
    ("(Mahlaoui et al.14), two patients", "(Mahlaoui et al.), two patients"),
    ("end of the paragraph.9", "end of the paragraph."),
    # never touched: real quantities, years, figure numbers
    ("Approximately 25-50% of patients", "Approximately 25-50% of patients"),
    ("anakinra 1 to 2 mg/kg/day was started", "anakinra 1 to 2 mg/kg/day was started"),
    ("etoposide 10 mg/m2 weekly", "etoposide 10 mg/m2 weekly"),
    ("a case series (n = 12) of adults", "a case series (n = 12) of adults"),
    ("3.5 months following alemtuzumab", "3.5 months following alemtuzumab"),
    ("published in 2015.10 Patients", "published in 2015.10 Patients"),   # after a digit: ambiguous, kept
    ("the drug was given.2 mg/kg was the dose", "the drug was given.2 mg/kg was the dose"),
    ("as shown in Fig.2 Patients", "as shown in Fig.2 Patients"),
    ("Smith et al.2017 reported", "Smith et al.2017 reported"),
    ("1,000 patients, 12,5 mg", "1,000 patients, 12,5 mg"),
])
def test_strip_glued_references(before, after):
    assert ocr.strip_glued_references(before) == after


@pytest.mark.parametrize("line, furniture", [
    ("WILEY", True),
    ("WILEY >", True),
    ("u—Wl LEY MARSH ET AL.", True),
    ("Pediatr Blood Cancer 2017; 64: e26308", True),
    ("Pediatr Blood Cancer. 2017;64:e26308. wileyonlinelibrary.com/journal/pbc", True),
    ("wileyonlinelibrary.com/journal/pbc", True),
    ("© 2016 Wiley Periodicals, Inc.", True),
    (">", True),
    ("Marsh et al. reported a partial response in 14 of 22 patients.", False),
    ("HLH-1994 Henter et al. 113 56 (53%)", False),
    ("4 | DISCUSSION", False),
    ("12", False),              # a lone number may be a table cell; layout decides
])
def test_is_furniture(line, furniture):
    assert ocr.is_furniture(line) is furniture


def test_drop_furniture_repeated_lines():
    lines = ["Journal of Invented Results page header"] * 3 + ["Real text line that appears once."]
    assert ocr.drop_furniture(lines) == ["", "", "", "Real text line that appears once."]
    cells = ["None", "None", "None", "Yes"]          # short table cells repeat too: kept
    assert ocr.drop_furniture(cells) == cells


@pytest.mark.parametrize("line, expected", [
    ("1 | INTRODUCTION", "1 INTRODUCTION"),
    ("3.2.1 | Anakinra", "3.2.1 Anakinra"),
    ("2.1 Literature review", "2.1 Literature review"),
    ("4. DISCUSSION", "4 DISCUSSION"),
    ("Results", "Results"),
    ("CONFLICT OF INTEREST", "CONFLICT OF INTEREST"),
    ("HLH is life-threatening and patients require", None),
    ("Table 3.", None),
    ("DEP", None),
])
def test_heading(line, expected):
    assert ocr.heading(line) == expected


@pytest.mark.parametrize("line, start, expected", [
    ("TABLE 2 Established treatment strategies", True, "TABLE 2 Established treatment strategies"),
    ("TABLE 2 Established treatment strategies", False, "TABLE 2 Established treatment strategies"),
    ("Table 1. Baseline characteristics", True, "Table 1. Baseline characteristics"),
    ("Table 3.", True, None),
    ("Table 3 shows the responses", True, None),
    ("Table 1. Baseline characteristics", False, None),
])
def test_table_caption(line, start, expected):
    assert ocr.table_caption(line, at_block_start=start) == expected


def test_line_kinds():
    assert ocr.is_abbreviations("Abbreviations: ATG, antithymocyte globulin; DEP, doxorubicin")
    assert ocr.is_definition_list("CR, complete response; PR, partial response; NR, no response.")
    assert not ocr.is_definition_list("HLH is rare, and we report; nothing")
    assert ocr.is_footnote("bSome patients had improvement in one sign")
    assert ocr.looks_like_keywords("hemophagocytic lymphohistiocytosis, HLH, refractory HLH, salvage therapy")
    assert not ocr.looks_like_keywords("cyclosporine, tacrolimus, sirolimus, and")
    assert not ocr.looks_like_keywords("We treated 12 patients, 4 adults, 8 children.")
    assert ocr.is_page_number("12") and ocr.is_page_number("Page 3 of 10") and not ocr.is_page_number("12 mg")


def test_looks_hard_wrapped():
    wrapped = ["Hemophagocytic lymphohistiocytosis is a severe syndrome that is",
               "characterized by fever and cytopenias and very high ferritin"] * 5
    typed = ["Asthma is a long-term condition that affects the airways of the lungs."] * 10
    assert ocr.looks_hard_wrapped(wrapped) and not ocr.looks_hard_wrapped(typed)
