"""The Evidence Table as readers see it (issue 12): rows of one study told apart, OCR-damaged text marked as
such, a scroll cue and a sticky first column on a desk screen, cards on a phone (see the browser test)."""

from __future__ import annotations

import re
from html import unescape

from curbside.answer.models import EvidenceRow, Quote, TableCell
from curbside.interfaces.web.render import ocr_damaged


def _cell(text: str) -> TableCell:
    return TableCell(value=text, quote=Quote(document_id="pmid:111", passage_id="pmid:111#0", text=text, start=0,
                                             end=len(text)))


def _article_with_table(web) -> str:
    art = web.engine.ask("What treats refractory HLH?", save=False)
    atg = "ATG (Mahlaoui et al.)"
    art.evidence_table = [
        EvidenceRow(intervention=atg, citation=1, cells={"patients": _cell("12"), "dosing": _cell("5 mg/kg/day")}),
        EvidenceRow(intervention=atg, citation=1, cells={"patients": _cell("12"), "dosing": _cell("10 mg/kg/day")}),
        EvidenceRow(intervention="Etoposide", citation=1, cells={"patients": _cell("9"),
                                                                "dosing": _cell("150 mg/m?2 weekly"),
                                                                "complete_response": _cell("6/9"),
                                                                "adverse_events": _cell("neutropenia"),
                                                                "survival": _cell("70%")}),
    ]
    return web.engine.articles().save_new(art, author="carl").id


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_ocr_damage_is_recognised():
    for bad in ("25 mg/m?2", "mg/m? daily", "1\ufffd5 mg", "x\x07y"):
        assert ocr_damaged(bad), bad
    for clean in ("25 mg/m2", "Is it safe? Yes.", "6/7 (86%)", "What is the dose?", ""):
        assert not ocr_damaged(clean), clean


def test_rows_of_one_study_are_told_apart_and_damage_is_flagged(web):
    aid = _article_with_table(web)
    html = web.browser("carl").client.get(f"/articles/{aid}").text
    table = html[html.index('id="sec-table"'):html.index("</table>")]
    heads = [_text(h) for h in re.findall(r'<th scope="row">(.*?)</th>', table, re.S)]
    assert heads == ["ATG (Mahlaoui et al.) row 1 of 2 · Dosing: 5 mg/kg/day",
                     "ATG (Mahlaoui et al.) row 2 of 2 · Dosing: 10 mg/kg/day", "Etoposide"]
    # the damaged dose is marked in its cell and explained once; clean cells are not
    cell = re.search(r'<td class="ocr-damaged">(.*?)</td>', table, re.S).group(1)
    assert cell.startswith("150 mg/m?2 weekly") and 'class="ocr-flag">Damaged text' in cell
    assert table.count("ocr-damaged") == 1 and "scanned (OCR)" in html
    # key columns in the table (N, the response - here CR -, dosing), the others in each row's "more": 6 columns,
    # the cue says so, the table is a focusable region that scrolls
    assert [_text(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table, re.S)] == \
        ["Intervention", "N", "CR", "Dosing", "More", "Source"]
    assert 'id="table-cue"' in html and "6 columns" in html and 'role="region"' in table and 'tabindex="0"' in table
    more = re.findall(r'<td class="more-cell">(.*?)</td>\s*<td><a href="#ref-', table, re.S)
    assert [_text(m) for m in more[:2]] == ["", ""]          # nothing more for the ATG rows
    assert _text(more[2]) == "2 more for Etoposide Survival 70% Adverse events neutropenia", _text(more[2])
    assert '<details class="row-more">' in more[2]
    # the phone cards hold the same rows, labels and flags
    cards = html[html.index('class="evidence-cards"'):]
    cards = cards[:cards.index("</ol>")]
    assert cards.count('class="ev-card"') == 3 and "row 2 of 2 · Dosing: 10 mg/kg/day" in _text(cards)
    assert "<dt>Dosing</dt><dd>150 mg/m?2 weekly <span class=\"ocr-flag\">" in cards


def test_a_clean_table_has_no_damage_note(web):
    html = web.browser("carl").client.get(f"/articles/{web.ask('carl')['id']}").text
    assert "ocr-flag" not in html and "scanned (OCR)" not in html


def test_a_reviewer_records_the_reading_of_damaged_text_beside_the_quote(web):
    aid = _article_with_table(web)
    web.act("rita", aid, "start_review")
    rita = web.browser("rita")
    page = rita.client.get(f"/articles/{aid}").text
    assert page.count('action="/articles/' + aid + '/reading"') == 2          # the damaged cell, table and card
    # only a damaged cell, only with a reading, only reviewers
    assert rita.post(f"/articles/{aid}/reading", {"row": "0", "column": "dosing", "reading": "5 mg/kg",
                                                  "version": "1"}).status_code == 422
    assert rita.post(f"/articles/{aid}/reading", {"row": "2", "column": "dosing", "reading": " ",
                                                  "version": "1"}).status_code == 422
    assert web.browser("carl").post(f"/articles/{aid}/reading", {"row": "2", "column": "dosing",
                                                                  "reading": "150 mg/m2"}).status_code == 403
    r = rita.post(f"/articles/{aid}/reading", {"row": "2", "column": "dosing", "reading": "150 mg/m2 weekly",
                                               "version": "1"})
    assert r.status_code == 303
    html = rita.client.get(f"/articles/{aid}").text
    cell = re.search(r'<td class="ocr-damaged">(.*?)</td>', html, re.S).group(1)
    assert cell.startswith("150 mg/m?2 weekly")               # the verbatim quote stays as it is
    assert "Reviewer’s reading: <strong>150 mg/m2 weekly</strong> (rita, not in the source)" in cell
    assert "[[cell" not in html                                 # not listed as a raw comment
    author = web.browser("carl").client.get(f"/articles/{aid}").text
    assert "Reviewer’s reading: <strong>150 mg/m2 weekly</strong>" in author and "/reading\"" not in author
    # readers see the quote marked as damaged, never the reviewer's reading
    web.act("rita", aid, "approve")
    reader = web.browser("rhea").client.get(f"/articles/{aid}").text
    assert "Damaged text" in reader and "Reviewer’s reading" not in reader and "150 mg/m2 weekly" not in reader
