"""JSON Lines: mapping, guessed fields, known collections, per-line errors."""

from __future__ import annotations

import gzip
import json

import pytest

from curbside.corpus.models import EvidenceLevel
from curbside.errors import InputError
from curbside.sources import JsonlMapping, read_path


def _write(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_bad_lines_are_reported_and_skipped(fixtures):
    errors = []
    docs = list(read_path(fixtures / "mixed.jsonl", on_error=errors.append))
    assert [d.external_id for d in docs] == ["doc-1", "doc-4"]
    assert [e.where.split(" line ")[1] for e in errors] == ["2", "4: field 'text'", "5"]
    assert "not valid JSON" in errors[0].problem and "expected an object" in errors[2].problem
    one, four = docs
    assert one.title == "Invented note on IVIG" and one.year == 2016 and one.url == "https://example.org/1"
    assert one.sections[0].text == "IVIG 2 g/kg was given over 2 days." and one.source_format == "jsonl"
    assert four.authors == ["Doe J", "Roe R"] and four.doi == "10.9999/x.4" and four.pmid == "90000031"
    assert four.url == "https://pubmed.ncbi.nlm.nih.gov/90000031/"


def test_without_callback_raises_at_the_end(fixtures):
    got = []
    with pytest.raises(InputError) as err:
        for d in read_path(fixtures / "mixed.jsonl"):
            got.append(d.external_id)
    assert got == ["doc-1", "doc-4"]
    assert "line 2" in err.value.where and "2 more bad records" in err.value.problem


def test_explicit_mapping(tmp_path):
    f = _write(tmp_path / "custom.jsonl", [{"key": "a1", "heading": "Custom", "content": "Body text.",
                                            "where": "https://example.org/a1", "published": "2019"}])
    (doc,) = read_path(f, mapping=JsonlMapping("key", "heading", "content", "where", "published"))
    assert (doc.external_id, doc.title, doc.url, doc.year) == ("a1", "Custom", "https://example.org/a1", 2019)
    errors = []
    assert list(read_path(f, mapping=JsonlMapping(text_field="missing"), on_error=errors.append)) == []
    assert errors[0].where.endswith("line 1: field 'missing'")


def test_no_text_field(tmp_path):
    f = _write(tmp_path / "n.jsonl", [{"id": "1", "name": "x"}])
    errors = []
    list(read_path(f, on_error=errors.append))
    assert "no text field" in errors[0].problem and "--text-field" in errors[0].problem


def test_ngc_like_record(tmp_path):
    rec = {
        "id": "ngc-1", "Guideline Title": "Invented guideline for the management of HLH.",
        "Bibliographic Source(s)": "Doe J, Roe R. Invented guideline for HLH. London (UK): Invented Society; "
                                   "2014 Aug. 20 p.",
        "Guideline Developer(s)": "Invented Society of Haematology - Medical Specialty Society",
        "Date Released": "2010 May (revised 2014 Aug)",
        "Major Recommendations": "Definitions of the grades are given at the end.\n Diagnosis and Staging \n "
                                 "Measure ferritin in every patient (Grade 1B).\n Treatment \n Give etoposide "
                                 "150 mg/m2 twice weekly (Grade 2C).",
        "Rating Scheme for the Strength of the Evidence": "A: high\n B: moderate",
        "Potential Harms": "Myelosuppression", "Contraindications": None,
        "Copyright Statement": "Not indexed.",
    }
    (doc,) = read_path(_write(tmp_path / "ngc.jsonl", [rec]))
    assert doc.tier == EvidenceLevel.GUIDELINE and doc.external_id == "ngc-1"
    assert doc.journal == "Invented Society of Haematology" and doc.year == 2014 and doc.authors == ["Doe J", "Roe R"]
    recs = [(s.title, s.kind, s.text) for s in doc.sections if s.kind == "recommendation"]
    assert recs == [
        ("Major Recommendations", "recommendation", "Definitions of the grades are given at the end."),
        ("Major Recommendations: Diagnosis and Staging", "recommendation",
         "Measure ferritin in every patient (Grade 1B)."),
        ("Major Recommendations: Treatment", "recommendation", "Give etoposide 150 mg/m2 twice weekly (Grade 2C)."),
    ]
    titles = [s.title for s in doc.sections]
    assert "Potential Harms" in titles and "Copyright Statement" not in titles and "Contraindications" not in titles
    assert next(s for s in doc.sections if s.title.startswith("Rating")).text == "A: high\nB: moderate"


def test_medquad_like_record(tmp_path):
    rec = {"id": "0001_1-1", "source": "GARD", "url": "https://example.org/gard/1", "focus": "Invented disease",
           "qtype": "treatment", "question": "How to treat Invented disease ?", "answer": "Key Points\n - Rest."}
    (doc,) = read_path(_write(tmp_path / "qa.jsonl", [rec]))
    assert doc.title == "How to treat Invented disease ?" and doc.source_name == "GARD"
    assert doc.tier == EvidenceLevel.REFERENCE and doc.sections[0].text == "Key Points\n- Rest."
    (no_q,) = read_path(_write(tmp_path / "qa2.jsonl", [dict(rec, question="")]))
    assert no_q.title == "Invented disease: treatment"


def test_trial_like_record(tmp_path):
    rec = {"nct_id": "NCT01234567", "title": "Invented trial of drug X.", "text": "Phase 2 study.", "highlights": []}
    (doc,) = read_path(_write(tmp_path / "ct.jsonl", [rec]))
    assert doc.external_id == "NCT01234567" and doc.url == "https://clinicaltrials.gov/study/NCT01234567"
    assert doc.tier == EvidenceLevel.TRIAL_REGISTRY and doc.source_name == "ClinicalTrials.gov"


def test_pubmed_snippet_records(tmp_path):
    recs = [{"id": "pmid:123", "pmid": "123", "title": "", "text": "A gold snippet.", "source": "snippets"},
            {"id": "pmid:456", "pmid": "456", "title": "Only a title.", "text": ""}]
    a, b = read_path(_write(tmp_path / "corpus.jsonl", recs))
    assert (a.pmid, a.title, a.url) == ("123", "PMID 123", "https://pubmed.ncbi.nlm.nih.gov/123/")
    assert b.title == "Only a title." and b.sections[0].kind == "heading"


def test_gzip_and_line_numbers(tmp_path):
    f = tmp_path / "bad.jsonl.gz"
    with gzip.open(f, "wt") as fh:
        fh.write('{"id": "1", "title": "ok", "text": "Valid record about IVIG."}\n{not json}\n')
    errors = []
    docs = list(read_path(f, on_error=errors.append))
    assert [d.title for d in docs] == ["ok"] and errors[0].where == f"{f} line 2"


def test_invalid_utf8_line(tmp_path):
    f = tmp_path / "enc.jsonl"
    f.write_bytes(b'{"text": "caf\xe9"}\n{"text": "fine"}\n')
    errors = []
    docs = list(read_path(f, on_error=errors.append))
    assert len(docs) == 1 and "line 1" in errors[0].where and "UTF-8" in errors[0].problem


def test_json_array_is_refused(tmp_path):
    f = tmp_path / "array.jsonl"
    f.write_text('[{"text": "a"}]\n')
    with pytest.raises(InputError, match="JSON array"):
        list(read_path(f, on_error=lambda e: None))


def test_oversized_record_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    import gzip

    from curbside.sources import jsonl as jsonl_mod
    from curbside.sources.common import bounded_lines

    monkeypatch.setattr(jsonl_mod, "MAX_RECORD_BYTES", 1000)
    f = tmp_path / "big.jsonl.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b'{"id": "a", "text": "Anakinra helps in HLH."}\n')
        fh.write(b'{"id": "huge", "text": "' + b"x" * 50_000 + b'"}\n')
        fh.write(b'{"id": "b", "text": "Etoposide helps in HLH."}\n')
    errors = []
    docs = list(read_path(f, on_error=errors.append))
    assert [d.external_id for d in docs] == ["a", "b"]
    assert "line 2" in str(errors[0]) and "at most" in str(errors[0])
    with gzip.open(f, "rb") as fh:
        sizes = [(n, raw is None, size) for n, raw, size in bounded_lines(fh, 1000)]
    assert sizes[1][:2] == (2, True) and sizes[1][2] > 50_000 and sizes[2][:2] == (3, False)
