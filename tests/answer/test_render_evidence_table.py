"""Rendering Evidence Table cells quoted in several parts (Markdown, text, HTML), and old one-quote cells."""

import re

from curbside.answer.models import Article, EvidenceRow, Quote, Reference, TableCell
from curbside.answer.render import render, to_markdown, to_text

PARTS = [("Tocilizumab: 4 or 8 mg/kg divided over", 120), ("two consecutive days.", 190),
         ("Dexamethasone: 10 mg/m2/day", 260), ("given with the tocilizumab and then\ntapered.", 330)]


def _quote(text, start):
    return Quote(document_id="doc:7", passage_id="doc:7#0", text=text, start=start, end=start + len(text))


def _article():
    quotes = [_quote(t, s) for t, s in PARTS]
    multi = TableCell(value=" ".join(t for t, _ in PARTS), quote=quotes[0], quotes=quotes)
    old = TableCell(value="15 mg/m2 twice daily", quote=_quote("15 mg/m2 twice daily", 500))   # saved before parts
    n = TableCell(value="9", quote=_quote("9", 100), quotes=[_quote("9", 100)])
    rows = [EvidenceRow(intervention="Tocilizumab (Lindahl et al.)", citation=1, cells={"patients": n, "dosing": multi}),
            EvidenceRow(intervention="Ruxolitinib (Pereira et al.)", citation=1, cells={"dosing": old})]
    return Article(question="Second-line agents?", generated_at="2024-01-01T00:00:00", evidence_table=rows,
                   references=[Reference(n=1, document_id="doc:7", title="A review")], disclaimer="d")


WHOLE = ("Tocilizumab: 4 or 8 mg/kg divided over two consecutive days. Dexamethasone: 10 mg/m2/day given with the "
         "tocilizumab and then tapered.")


def test_markdown_and_text_show_a_multi_part_cell_as_its_parts_joined_by_a_space():
    md = to_markdown(_article())
    row = next(ln for ln in md.splitlines() if ln.startswith("| Tocilizumab (Lindahl"))
    assert row == f"| Tocilizumab (Lindahl et al.) | [9](#tq-1-patients) | [{WHOLE}](#tq-1-dosing) | [1] |"
    assert "| Ruxolitinib (Pereira et al.) |  | [15 mg/m2 twice daily](#tq-2-dosing) | [1] |" in md
    # every cell links to where it is quoted: document, offsets and text of each part
    where = next(ln for ln in md.splitlines() if 'id="tq-1-dosing"' in ln)
    assert where.count("doc:7 characters") == 4 and "characters 120-158" in where
    assert 'id="tq-2-dosing"' in md and "characters 500-520" in md
    txt = to_text(_article())
    assert f"| 9 | {WHOLE} | [1] |" in txt


def test_html_shows_each_part_as_its_own_quoted_span():
    html = render(_article(), "html")
    body = html[html.index('class="article-section evidence-table"'):]
    body = body[:body.index("</table>")]
    cell = re.search(r"<td>(<span class=\"cell-part\".*?)</td>", body, re.S).group(1)
    parts = re.findall(r'<span class="cell-part" title="Quoted part (\d) of 4">(.*?)</span>', cell, re.S)
    assert [i for i, _ in parts] == ["1", "2", "3", "4"]
    assert [t for _, t in parts] == [t for t, _ in PARTS]
    assert " ".join(re.sub(r"<[^>]+>", "", cell).split()) == WHOLE
    # one-quote cells (new ones and those saved before parts existed) are shown as before
    assert "<td>15 mg/m2 twice daily</td>" in body and "<td>9</td>" in body


def test_html_escapes_the_parts():
    art = _article()
    cell = art.evidence_table[0].cells["dosing"]
    cell.quotes[1] = _quote("<b>two</b> days", 190)
    html = render(art, "html")
    assert "<b>two</b>" not in html and "&lt;b&gt;two&lt;/b&gt; days" in html
