"""PDF files: generated in the test with raw PDF syntax (see conftest.make_pdf)."""

from __future__ import annotations

import pytest

from curbside.errors import InputError
from curbside.sources import read_path
from curbside.sources.pdf import drop_running_lines

from .conftest import make_pdf

PAGE_1 = ["Invented Journal of Tests 2021; 3: 101-102", "Salvage ruxolitinib in adult HLH",
          "1 | INTRODUCTION",
          "Adults with refractory hemophagocytic lymphohistiocytosis have few",
          "options once glucocorticoids and etoposide have failed, and sal-",
          "vage treatment is chosen case by case.1,2 We report an invented",
          "series of patients treated with ruxolitinib 10 mg twice daily.3",
          "1"]
PAGE_2 = ["Invented Journal of Tests 2021; 3: 101-102",
          "2 | RESULTS",
          "Ferritin fell by at least 50% within 2 weeks in 7 of 9 patients",
          "(78%), and no patient stopped treatment because of toxicity.",
          "2"]


def test_pdf_pages_sections_and_running_header(tmp_path):
    f = tmp_path / "paper.pdf"
    f.write_bytes(make_pdf([PAGE_1, PAGE_2], title="Salvage ruxolitinib in adult HLH: an invented series"))
    (doc,) = read_path(f)
    assert doc.source_format == "pdf" and doc.title == "Salvage ruxolitinib in adult HLH: an invented series"
    assert {s.page for s in doc.sections} == {1, 2}
    text = "\n".join(s.text for s in doc.sections)
    assert "Invented Journal of Tests" not in text              # running header dropped on both pages
    assert not any(s.text.strip() in ("1", "2") for s in doc.sections)   # page numbers dropped
    intro = next(s for s in doc.sections if s.title == "1 INTRODUCTION")
    assert intro.page == 1
    assert "have failed, and salvage treatment is chosen case by case. We report" in intro.text
    assert intro.text.endswith("ruxolitinib 10 mg twice daily.")
    results = next(s for s in doc.sections if s.title == "2 RESULTS")
    assert results.page == 2 and "in 7 of 9 patients (78%), and no patient" in results.text


def test_pdf_title_from_first_line_without_metadata(tmp_path):
    f = tmp_path / "untitled.pdf"
    f.write_bytes(make_pdf([["An invented one-page handout", "Give 5 mg once daily with food."]]))
    (doc,) = read_path(f)
    assert doc.title == "An invented one-page handout"
    assert doc.sections[0].page == 1


@pytest.mark.parametrize("content, problem", [
    (b"%PDF-1.4\n this is not really a pdf", "not a readable PDF"),
    (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
     "PDF"),
])
def test_corrupt_pdf(tmp_path, content, problem):
    f = tmp_path / "broken.pdf"
    f.write_bytes(content)
    with pytest.raises(InputError) as err:
        list(read_path(f))
    assert err.value.where.startswith(str(f)) and problem in err.value.problem


def test_pdf_without_text_layer(tmp_path):
    f = tmp_path / "scan.pdf"
    f.write_bytes(make_pdf([[]]))
    with pytest.raises(InputError, match="no extractable text"):
        list(read_path(f))


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(make_pdf([["Secret invented text."]]))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    f = tmp_path / "locked.pdf"
    with f.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(InputError, match="encrypted"):
        list(read_path(f))


def test_drop_running_lines_keeps_unique_lines():
    pages = [["Header 1", "Body A", "Footer"], ["Header 2", "Body B", "Footer"], ["Header 3", "Body C", "Footer"]]
    assert drop_running_lines(pages) == [["", "Body A", ""], ["", "Body B", ""], ["", "Body C", ""]]


def test_sentence_and_table_across_a_page_break(tmp_path):
    page_1 = ["2 | METHODS",
              "We reviewed every invented report of patients treated with the",
              "agents listed in the table, as described in Sec-"]
    page_2 = ["tion 2. Agents were included when given to two or more patients.",
              "TABLE 1 Invented doses",
              "Drug Dose",
              "Anakinra 2 mg/kg/day"]
    page_3 = ["Ruxolitinib 10 mg twice daily",
              "CR, complete response; PR, partial response.",
              "Responses were graded by the authors of each report in every case."]
    f = tmp_path / "three.pdf"
    f.write_bytes(make_pdf([page_1, page_2, page_3]))
    (doc,) = read_path(f)
    text = [s for s in doc.sections if s.kind == "text"]
    assert (text[0].page, text[0].title) == (1, "2 METHODS")
    assert text[0].text.endswith("agents listed in the table, as described in Section 2.")
    assert text[1].page == 2 and text[1].text == "Agents were included when given to two or more patients."
    assert text[2].page == 3 and text[2].text.startswith("Responses were graded")
    tables = [(s.title, s.page, s.text) for s in doc.sections if s.kind == "table"]
    assert tables == [("TABLE 1 Invented doses", 2, "Drug Dose\nAnakinra 2 mg/kg/day"),
                      ("TABLE 1 Invented doses (continued)", 3,
                       "Ruxolitinib 10 mg twice daily\nCR, complete response; PR, partial response.")]
