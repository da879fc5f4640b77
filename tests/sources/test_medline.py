"""MEDLINE (.nbib) records."""

from __future__ import annotations

import pytest

from curbside.errors import InputError
from curbside.sources import detect_format, read_path
from curbside.sources.medline import split_structured


def test_records(fixtures):
    errors = []
    docs = list(read_path(fixtures / "records.nbib", on_error=errors.append))
    assert [d.pmid for d in docs] == ["90000001", "90000002"]
    trial, series = docs
    assert trial.title == ("Invented trial of an interleukin-1 blocker in refractory macrophage "
                           "activation syndrome.")
    assert [s.title for s in trial.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert trial.sections[2].text == "Remission occurred in 14 of 20 patients (70%) versus 5 of 20 (25%)."
    assert trial.authors == ["Doe JA", "Roe R", "Invented MAS Study Group"]
    assert trial.doi == "10.9999/ijr.2018.0001" and trial.year == 2018 and trial.journal == "Invented J Rheumatol"
    assert trial.publication_types == ["Journal Article", "Randomized Controlled Trial"]
    assert trial.mesh_terms == ["Macrophage Activation Syndrome", "Humans"]
    assert trial.source_format == "medline" and trial.url == "https://pubmed.ncbi.nlm.nih.gov/90000001/"
    assert series.sections[0].title == "Abstract" and "50-100 mg/m2" in series.sections[0].text
    assert series.year == 2020
    assert len(errors) == 1 and "record 3" in errors[0].where and "neither a title" in errors[0].problem


def test_detected_from_content_in_txt(fixtures, tmp_path):
    f = tmp_path / "pubmed-export.txt"
    f.write_bytes((fixtures / "records.nbib").read_bytes())
    assert detect_format(f) == "medline"


@pytest.mark.parametrize("abstract, titles", [
    ("BACKGROUND: A. METHODS: B. RESULTS: C.", ["BACKGROUND", "METHODS", "RESULTS"]),
    ("OBJECTIVE: To test. MATERIALS AND METHODS: We did. CONCLUSIONS: It works.",
     ["OBJECTIVE", "MATERIALS AND METHODS", "CONCLUSIONS"]),
    ("We report a case. IL-6: was high.", ["Abstract"]),          # must start with a label
])
def test_split_structured(abstract, titles):
    assert [s.title for s in split_structured(abstract)] == titles


def test_no_records(tmp_path):
    f = tmp_path / "empty.nbib"
    f.write_text("\n\n   \n")
    with pytest.raises(InputError):
        list(read_path(f))


def test_oversized_record_is_skipped_and_the_next_one_read(tmp_path, monkeypatch):
    from curbside.sources import medline as medline_mod

    monkeypatch.setattr(medline_mod, "MAX_RECORD_BYTES", 2000)
    big = "\n".join(["PMID- 111", "TI  - A huge record"] + ["AB  - " + "word " * 100] + ["      more words " * 3] * 60)
    small = "PMID- 222\nTI  - A small record\nAB  - Anakinra was given to adults with HLH."
    f = tmp_path / "x.nbib"
    f.write_text(big + "\n\n" + small + "\n")
    errors = []
    docs = list(medline_mod.read_medline(f, on_error=errors.append))
    assert [d.pmid for d in docs] == ["222"]
    assert len(errors) == 1 and "larger than" in str(errors[0])
