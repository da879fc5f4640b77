"""Citations in context (issue 12): a citation shows its quote inside the source text around it, where it sits
(section, page, table row), the kind of study and its size when known, and "View in source" opens the stored
document with the quote marked."""

from __future__ import annotations

import re
from html import unescape

from curbside.corpus.models import Document, EvidenceLevel

TEXT = ("# Salvage therapy\n\nEarlier paragraph about etoposide.\n\nBefore sentence. Ruxolitinib 15 mg twice daily "
        "was given. After sentence.\n\nNext paragraph on outcomes.\n\nFar paragraph never shown.")
QUOTE = "Ruxolitinib 15 mg twice daily was given."


def _trial(web, text: str = TEXT) -> None:
    web.engine.docs["pmid:222"] = Document(id="pmid:222", title="Ruxolitinib <i>trial</i>", text=text, year=2021,
                                           pmid="222", evidence_level=EvidenceLevel.COHORT, source_format="pdf",
                                           publication_types=["Clinical Trial", "Multicenter Study"])
    web.engine.quoted["pmid:222"] = QUOTE


def _pop(html: str, doc_n: int = 3) -> str:
    """The open-able popup of the first citation of source `doc_n`."""
    i = html.index(f'aria-label="Source {doc_n}: show the quoted passage in its context"')
    return html[i:html.index("</details>", i)]


def test_citation_shows_the_quote_in_its_source_context(web):
    _trial(web)
    art = web.ask("carl")
    pop = _pop(web.browser("carl").client.get(f"/articles/{art['id']}").text)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", pop)).split())
    # the quote marked inside the text just before and after it; nothing beyond the next paragraph
    assert re.search(r"Before sentence\. <mark class=\"quoted\">Ruxolitinib 15 mg twice daily was given\.</mark> "
                     r"After sentence\.", pop), pop
    assert "Earlier paragraph about etoposide." in text and "Next paragraph on outcomes." in text
    assert "Far paragraph" not in text
    # where: the section heading and the page; what: design and evidence level, title escaped
    assert "Section: Salvage therapy · page 3" in text
    assert "Clinical Trial, Multicenter Study · Cohort / observational study" in text
    assert "Ruxolitinib &lt;i&gt;trial&lt;/i&gt;" in pop
    href = unescape(re.search(r'class="view-source" href="([^"]+)"', pop).group(1))
    assert href.startswith("/library/source?id=pmid%3A222&start=") and href.endswith(f"&back=/articles/{art['id']}#quote")


def test_view_in_source_opens_the_document_at_the_quote(web):
    _trial(web)
    art = web.ask("carl")
    b = web.browser("rhea")    # any signed-in role may read the library's sources
    start = TEXT.index(QUOTE)
    page = b.client.get(f"/library/source?id=pmid:222&start={start}&end={start + len(QUOTE)}&back=/articles/{art['id']}")
    assert page.status_code == 200
    assert f'<mark id="quote" tabindex="-1">{QUOTE}</mark>' in page.text
    assert "Far paragraph never shown." in page.text            # the whole (short) document is there
    assert f'href="/articles/{art["id"]}">Back to the article' in page.text and 'href="/library"' in page.text
    # only a local article path is a back link; unknown documents are a 404 with the navigation kept
    evil = b.client.get(f"/library/source?id=pmid:222&start={start}&end={start + 5}&back=https://evil.example/")
    assert "evil.example" not in evil.text
    missing = b.client.get("/library/source?id=pmid:999")
    assert missing.status_code == 404 and 'href="/articles"' in missing.text


def test_a_quote_no_longer_in_the_changed_source_says_so(web):
    _trial(web)
    art = web.ask("carl")
    web.engine.docs["pmid:222"].text = "Rewritten document without the old sentence."
    html = web.browser("carl").client.get(f"/articles/{art['id']}").text
    pop = _pop(html)
    assert "no longer in the stored source" in pop and "View in source" not in pop
    start = TEXT.index(QUOTE)
    page = web.browser("carl").client.get(f"/library/source?id=pmid:222&start={start}&end={start + len(QUOTE)}")
    assert "no longer at this place" in page.text and "<mark" not in page.text


def test_study_size_from_the_evidence_table_and_table_rows(web):
    from curbside.answer.models import EvidenceRow, Quote, TableCell

    table = "Drug | N | CR\nRuxolitinib | 12 | 7/12\nEtoposide | 9 | 3/9"
    _trial(web, table)
    web.engine.quoted["pmid:222"] = "Ruxolitinib | 12 | 7/12"
    art = web.engine.ask("What treats refractory HLH?", save=False)
    n = next(r.n for r in art.references if r.document_id == "pmid:222")
    q = Quote(document_id="pmid:222", passage_id="pmid:222#0", text="12", start=table.index("12"),
              end=table.index("12") + 2)
    art.evidence_table = [EvidenceRow(intervention="Ruxolitinib", citation=n, cells={"patients": TableCell(value="12", quote=q)})]
    aid = web.engine.articles().save_new(art, author="carl").id
    pop = _pop(web.browser("carl").client.get(f"/articles/{aid}").text, n)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", pop)).split())
    assert "N = 12" in text and "Table · page 3" in text
    assert "Drug | N | CR" in text      # the table's header line is the text before the row


def test_standalone_export_keeps_the_plain_quote():
    from curbside.answer.models import Article, Item, Quote, Reference, Section
    from curbside.interfaces.web.render import render_article_html

    q = Quote(document_id="d1", passage_id="d1#0", text="Quoted words.", start=0, end=13)
    a = Article(question="Q?", generated_at="2025-01-01T00:00:00Z", references=[Reference(n=1, document_id="d1", title="T")],
                sections=[Section(title="S", items=[Item(text="Quoted words.", citations=[1], quotes=[q])])])
    html = render_article_html(a)
    assert '<q class="quoted">Quoted words.</q>' in html and "View in source" not in html
