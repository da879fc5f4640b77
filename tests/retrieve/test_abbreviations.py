"""Abbreviation definitions (Schwartz & Hearst) and the two-way abbreviation index, on sentences written here."""

import time

import pytest

from curbside.retrieve.abbreviations import BUILTIN, AbbreviationIndex, best_long_form, find_definitions


def test_builtin_list_is_large_and_clean():
    assert len(BUILTIN) >= 150
    for short in ("HLH", "MAS", "ATG", "HSCT", "HCT", "IVIG", "DEP", "CNS", "EBV", "CAR-T", "CRS", "ICU", "MI", "AF",
                  "CKD", "COPD", "DKA", "PE", "DVT", "VTE", "NSAID", "TNF", "IL-1", "IL-6", "JAK", "NK", "CTL", "G-CSF"):
        assert BUILTIN[short], short
    for short, longs in BUILTIN.items():
        assert longs and all(isinstance(x, str) and len(x) > len(short) - 1 for x in longs), short
        # every built-in expansion passes the same letter test the corpus definitions must pass
        if short not in ("HTN", "TB", "MTX", "HCQ", "CsA", "5-FU", "GCs", "CXR", "ASA", "TCA", "EKG", "EoE"):
            assert any(best_long_form(short.rstrip("s"), x) for x in longs), short


@pytest.mark.parametrize("text, expected", [
    ("Patients received antithymocyte globulin (ATG) before the transplant.", [("ATG", "antithymocyte globulin")]),
    ("ATG (antithymocyte globulin) was added to the regimen.", [("ATG", "antithymocyte globulin")]),
    ("Induction used doxorubicin, etoposide, and methylprednisolone (DEP) in adults.",
     [("DEP", "doxorubicin, etoposide, and methylprednisolone")]),
    ("Hemophagocytic lymphohistiocytosis (HLH) is rare.", [("HLH", "hemophagocytic lymphohistiocytosis")]),
    ("Serum interleukin-6 (IL-6) rose before cytokine release syndrome (CRS) developed.",
     [("IL-6", "interleukin-6"), ("CRS", "cytokine release syndrome")]),
    ("Two randomized controlled trials (RCTs) enrolled children with non-Hodgkin lymphoma (NHL).",
     [("RCTs", "randomized controlled trials"), ("NHL", "non-Hodgkin lymphoma")]),
    ("She had type 2 diabetes (T2D) and was given anti-thymocyte globulin (ATG).",
     [("T2D", "type 2 diabetes"), ("ATG", "anti-thymocyte globulin")]),
    ("Tumor necrosis factor alpha (TNF-α) levels were high.", [("TNF-α", "tumor necrosis factor alpha")]),
    ("A history of major depressive disorder(MDD) was common.", [("MDD", "major depressive disorder")]),
])
def test_definitions_found(text, expected):
    assert find_definitions(text) == expected


def test_abbreviation_list_section():
    text = ("Abbreviations: ATG, antithymocyte globulin; DEP, doxorubicin, etoposide, and methylprednisolone; "
            "HLH, hemophagocytic lymphohistiocytosis. The first patient was a boy of 4.")
    assert find_definitions(text) == [("ATG", "antithymocyte globulin"),
                                      ("DEP", "doxorubicin, etoposide, and methylprednisolone"),
                                      ("HLH", "hemophagocytic lymphohistiocytosis")]
    assert ("ATG", "antithymocyte globulin") in find_definitions(
        "Abbreviations used: ATG = antithymocyte globulin, HLH = hemophagocytic lymphohistiocytosis.")


@pytest.mark.parametrize("text", [
    "Overall response was 60% (n = 12) and the median age was 7 years (range 1-15).",
    "Results are shown in (Table 1) and (Fig. 2).",
    "The hazard ratio for death was lower (HR, 0.5; 95% CI, 0.3-0.8).",
    "Children with leukemia (ALL) were excluded.",       # the long form does not spell the letters
    "We studied this (and other) factors (ABC) in a cohort.",
    "Treatment with ruxolitinib (Jakafi) was stopped (P = .03).",
    "Abbreviations: see the text.",
])
def test_garbage_is_rejected(text):
    assert find_definitions(text) == []


def test_sentence_initial_long_form_is_lowercased_but_proper_names_are_kept():
    pairs = dict(find_definitions("Overall survival (OS) was short. Infection with Epstein-Barr virus (EBV) was common."))
    assert pairs == {"OS": "overall survival", "EBV": "Epstein-Barr virus"}


def test_long_text_is_fast():
    text = ("Hemophagocytic lymphohistiocytosis (HLH) is treated with etoposide (VP-16) and dexamethasone. "
            "Results (n = 3) are in (Table 2). ") * 2000
    t = time.perf_counter()
    pairs = find_definitions(text)
    assert time.perf_counter() - t < 2.0
    assert ("HLH", "hemophagocytic lymphohistiocytosis") in pairs


def test_index_expands_both_ways():
    idx = AbbreviationIndex()
    assert idx.expand("HLH")[0] == "hemophagocytic lymphohistiocytosis"
    assert idx.expand("hlh")[0] == "hemophagocytic lymphohistiocytosis"      # typed in lower case
    assert idx.expand("hemophagocytic lymphohistiocytosis") == ["HLH"]
    assert idx.expand("Haemophagocytic Lymphohistiocytosis") == ["HLH"]
    assert idx.expand("anti-thymocyte globulin") == ["ATG"] == idx.expand("antithymocyte globulin")
    assert idx.expand("NSAIDs") == ["nonsteroidal anti-inflammatory drugs"]
    assert set(idx.expand("nonsteroidal anti-inflammatory drugs")) == {"NSAID", "NSAIDs"}
    assert idx.expand("ALL") == ["acute lymphoblastic leukemia"]
    for word in ("all", "can", "ms", "pad", "or"):                          # English words are never expanded
        assert idx.expand(word) == [], word
    assert idx.expand("unknown thing") == []


def test_index_adds_corpus_definitions_without_duplicates():
    idx = AbbreviationIndex([("ATG", "anti-thymocyte globulin"), ("ATG", "Antithymocyte globulins"),
                             ("sHLH", "secondary hemophagocytic lymphohistiocytosis"), ("", "x"), ("X", "")])
    assert idx.expand("ATG") == ["antithymocyte globulin", "anti-thymocyte globulin"]
    assert idx.expand("sHLH") == ["secondary hemophagocytic lymphohistiocytosis"]
    assert idx.expand("secondary hemophagocytic lymphohistiocytosis") == ["sHLH"]
    assert idx.longs_in("Is HSCT better than chemotherapy for secondary hemophagocytic lymphohistiocytosis?") == [
        ("secondary hemophagocytic lymphohistiocytosis", "sHLH")]
