"""Plain text, OCR text and Markdown files."""

from __future__ import annotations

from pathlib import Path

from curbside.sources import read_path
from curbside.sources.text import plain_document


def _one(path: Path, **kw):
    docs = list(read_path(path, **kw))
    assert len(docs) == 1
    return docs[0]


def _by_kind(doc, kind):
    return [s for s in doc.sections if s.kind == kind]


def test_clean_text_title_and_headings(tmp_path):
    f = tmp_path / "page.txt"
    f.write_text("Asthma in adults\n\nAsthma is a long-term condition.\nIt affects the airways.\n\n"
                 "Treatment\n\nInhaled corticosteroids reduce inflammation (25-50% fewer attacks).\n")
    doc = _one(f)
    assert doc.title == "Asthma in adults" and doc.source_format == "text" and doc.source_path == str(f)
    assert [(s.title, s.text) for s in doc.sections] == [
        ("", "Asthma is a long-term condition.\nIt affects the airways."),
        ("Treatment", "Inhaled corticosteroids reduce inflammation (25-50% fewer attacks)."),
    ]


def test_pipe_table_in_plain_text(tmp_path):
    f = tmp_path / "doses.txt"
    f.write_text("Doses\n\n| Drug | Dose |\n|---|---|\n| Anakinra | 2 mg/kg/day |\n\nGive with food.\n")
    doc = _one(f)
    assert [(s.kind, s.text) for s in doc.sections] == [
        ("table", "Drug | Dose\nAnakinra | 2 mg/kg/day"), ("text", "Give with food.")]


def test_title_falls_back_to_file_name(tmp_path):
    f = tmp_path / "notes_2024.txt"
    f.write_text("This file starts with a sentence.\n\nAnd goes on.\n")
    assert _one(f).title == "notes_2024"


def test_ocr_review(fixtures):
    doc = _one(fixtures / "ocr_review.txt")
    assert doc.title == "ocr_review"
    titles = [s.title for s in doc.sections]
    assert titles[0] == "1 INTRODUCTION" and "2 METHODS" in titles and "4 DISCUSSION" in titles
    intro = doc.sections[0].text
    # hyphenation: joined where the break is typographic, kept for compounds
    assert "a severe, life-threatening complication" in intro
    assert "characterized by fever" in intro and "as salvage therapy" in intro
    assert "The anti-interferon gamma antibody" in intro
    # glued reference numbers removed, numbers in text kept
    assert "ferritin levels. Prompt recognition" in intro
    assert "published series. Several agents" in intro
    assert "when glucocorticoids fail, although the evidence" in intro
    assert "(Table 1). The anti-interferon" in intro and intro.endswith("pilot trial.")
    everything = "\n".join(s.text for s in doc.sections)
    for kept in ("1 to 2 mg/kg/day", "10 mg/m2", "25-50% of patients", "(n = 12)", "5 to 10 mg twice daily"):
        assert kept in everything
    # furniture gone
    for junk in ("WILEY", "DOE ET AL", "Test J Hematol", "\n12\n"):
        assert junk not in everything
    assert not any(s.text.strip() in ("12", "13", "14") for s in doc.sections)
    # abbreviations section
    (abbr,) = _by_kind(doc, "abbreviations")
    assert abbr.text.startswith("Abbreviations: JAK, Janus kinase; MAS, macrophage activation syndrome; sJIA,")
    # the table is its own section, with its footnote, not mixed into prose
    (table,) = _by_kind(doc, "table")
    assert table.title == "TABLE 1 Salvage agents in refractory MAS"
    assert table.text.split("\n") == ["Agent N CR PR", "Anakinra 15 9 (60%) 4 (27%)", "Ruxolitinib 8 5 (63%) 2 (25%)",
                                      "Emapalumab 6 3 (50%) 2 (33%)", "CR, complete response; PR, partial response."]
    methods = next(s for s in doc.sections if s.title == "2 METHODS" and s.kind == "text")
    # the sentence cut by the table is re-joined, across the table
    assert "graded as complete or partial by the authors of each report and were not re-assessed." in methods.text
    assert "agents. Responses were graded" in methods.text
    results = next(s for s in doc.sections if s.title == "3 RESULTS")
    assert "One patient stopped treatment because of thrombocytopenia" in results.text


def test_ocr_abstract_and_keywords_in_their_own_frame():
    body = ("1 | INTRODUCTION\n\n"
            "Hemophagocytic syndromes are rare disorders of immune regulation that\n"
            "are seen in children and in adults, and most of them are caused by\n\n"
            " An indented abstract box that is wider than the body text of this page, as set by the printer here.\n"
            "It ends with a full sentence that summarises the invented review for the readers.\n\n"
            "hemophagocytic syndromes, review, salvage therapy\n\n"
            "defects of cytotoxic lymphocytes that impair the killing of infected\n"
            "cells and the termination of the immune response in these patients.\n"
            "Many other lines follow in the body of this invented text so that\n"
            "the width of the body can be estimated from several wrapped lines.\n")
    doc = plain_document(body, stem="x", ocr_mode=True)
    kinds = [(s.kind, s.title) for s in doc.sections]
    assert kinds == [("text", "1 INTRODUCTION"), ("abstract", "Abstract"), ("heading", "Keywords")]
    assert "most of them are caused by defects of cytotoxic lymphocytes" in doc.sections[0].text


def test_markdown(fixtures):
    doc = _one(fixtures / "guideline.md")
    assert doc.title == "Invented guideline on gout flares"        # front matter wins over the H1
    assert doc.doi == "10.9999/invented.2024.001" and doc.source_format == "markdown"
    secs = [(s.kind, s.title) for s in doc.sections]
    assert secs == [
        ("text", "Gout flare management — Invented Society 2024"),
        ("text", "First-line therapy"),
        ("table", "First-line therapy: Colchicine dosing"),
        ("table", "First-line therapy: Colchicine dosing (algorithm)"),
        ("text", "Prophylaxis"),
    ]
    first = doc.sections[1].text
    assert first.startswith("Low-dose colchicine is recommended over high-dose colchicine for gout flares "
                            "(Strong, High).")
    assert "- NSAIDs at full anti-inflammatory doses (Strong, Moderate)." in first
    assert "- Glucocorticoids: see the dosing table." in first and "https://" not in first
    assert doc.sections[2].text == ("Parameter | Recommendation\nRegimen | 1.2 mg then 0.6 mg 1 hour later\n"
                                    "Maximum first-day dose | 1.8 mg")
    assert "colchicine (Strong, High)" in doc.sections[3].text
    assert doc.sections[4].text == "Continue prophylaxis for 3-6 months (Strong, Moderate)."


def test_markdown_without_h1_uses_file_name(tmp_path):
    f = tmp_path / "plain-notes.md"
    f.write_text("Some *emphasis* and **bold** text.\nSecond line of the same paragraph.\n")
    doc = _one(f)
    assert doc.title == "plain-notes"
    assert doc.sections[0].text == "Some emphasis and bold text. Second line of the same paragraph."


def test_text_normalisation(tmp_path):
    f = tmp_path / "n.txt"
    f.write_bytes("Title line\r\n\r\nCafe\u0301   au  lait\u00a0spots\u200b.\r\n\r\n\r\n\r\nNext.\r\n".encode("utf-8"))
    doc = _one(f)
    assert doc.sections[0].text == "Caf\u00e9 au lait spots.\n\nNext."


def test_a_text_file_larger_than_one_document_may_be_is_refused_before_reading(tmp_path, monkeypatch):
    import pytest

    from curbside.errors import InputError
    from curbside.sources import read_path, text as text_mod

    monkeypatch.setattr(text_mod, "MAX_DOCUMENT_BYTES", 2000)
    f = tmp_path / "book.txt"
    f.write_text("A long book\n\n" + "Anakinra was given to adults with HLH. " * 200)
    with pytest.raises(InputError, match="one document may hold at most"):
        list(read_path(f))
    small = tmp_path / "note.txt"
    small.write_text("A note\n\nAnakinra was given to adults with HLH.")
    assert len(list(read_path(small))) == 1
