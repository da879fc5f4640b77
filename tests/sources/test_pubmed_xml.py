"""PubMed XML: structured abstracts, inline markup, bad records, gzip and broken XML."""

from __future__ import annotations

import gzip
import shutil

import pytest

from curbside.errors import InputError
from curbside.sources import detect_format, read_path


def test_records(fixtures):
    errors = []
    docs = list(read_path(fixtures / "pubmed_set.xml", on_error=errors.append))
    assert [d.pmid for d in docs] == ["90000011", "90000012", "90000014"]
    first, second, letter = docs
    assert first.title == "Ruxolitinib for refractory hemophagocytic lymphohistiocytosis: an invented cohort."
    assert [(s.title, s.kind) for s in first.sections] == [
        ("BACKGROUND", "abstract"), ("METHODS", "abstract"), ("RESULTS", "abstract"), ("CONCLUSIONS", "abstract")]
    assert "IL-2Rα in U/mL" in first.sections[1].text and "µg/L" in first.sections[1].text
    assert "above 50 × 109/L" in first.sections[2].text          # <sup> flattened, never dropped
    assert first.doi == "10.9999/ijh.2019.0100"                    # not the DOI of a cited reference
    assert first.authors == ["Doe JA", "Roe R", "Invented HLH Study Group"]
    assert first.journal == "Invented J Hematol" and first.year == 2019
    assert first.publication_types == ["Journal Article", "Observational Study"]
    assert first.mesh_terms == ["Lymphohistiocytosis, Hemophagocytic", "Humans"]
    assert first.url == "https://pubmed.ncbi.nlm.nih.gov/90000011/" and first.source_format == "pubmed_xml"
    assert second.year == 1998 and second.doi == "10.9999/iap.1998.12" and second.journal.startswith("Invented arch")
    assert second.title == "Etoposide in familial HLH & its toxicity."
    assert [(s.title, s.kind) for s in second.sections] == [("Abstract", "abstract")]
    assert second.sections[0].text == "Six children received etoposide 150 mg/m2; four survived."
    assert letter.sections[0].kind == "heading" and letter.year == 2005
    assert len(errors) == 1 and "record 3" in errors[0].where and "90000013" in errors[0].where
    assert "neither a title nor an abstract" in errors[0].problem


def test_bad_record_without_callback_raises_after_good_ones(fixtures):
    it = read_path(fixtures / "pubmed_set.xml")
    got = []
    with pytest.raises(InputError, match="neither a title nor an abstract"):
        for d in it:
            got.append(d.pmid)
    assert got == ["90000011", "90000012", "90000014"]


def test_gzip(fixtures, tmp_path):
    gz = tmp_path / "pubmed24n0001.xml.gz"
    with (fixtures / "pubmed_set.xml").open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert detect_format(gz) == "pubmed_xml"
    assert len(list(read_path(gz, on_error=lambda e: None))) == 3


def test_truncated_xml(tmp_path):
    f = tmp_path / "broken.xml"
    f.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation>")
    with pytest.raises(InputError) as err:
        list(read_path(f))
    assert str(f) in err.value.where and "not well-formed XML" in err.value.problem


def test_truncated_after_good_record(fixtures, tmp_path):
    data = (fixtures / "pubmed_set.xml").read_text()
    cut = data.index("<PubmedArticle>", data.index("90000011"))
    f = tmp_path / "cut.xml"
    f.write_text(data[:cut] + "<PubmedArticle><MedlineCitation><PMID>1")
    got = []
    with pytest.raises(InputError, match="not well-formed"):
        for d in read_path(f):
            got.append(d.pmid)
    assert got == ["90000011"]


def test_xml_that_is_not_pubmed(tmp_path):
    f = tmp_path / "other.xml"
    f.write_text("<?xml version='1.0'?><catalog><book>Nothing medical</book></catalog>")
    with pytest.raises(InputError, match="not PubMed XML"):
        read_path(f)


def test_entities_are_not_expanded(tmp_path):
    f = tmp_path / "xxe.xml"
    f.write_text('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                 "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>T &x;"
                 "</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")
    docs = list(read_path(f, on_error=lambda e: None))
    assert all("root:" not in d.title for d in docs)
