"""render_article_html: a self-contained page, every text escaped, citations reveal their quotes."""

from __future__ import annotations

from html.parser import HTMLParser

from curbside.answer.models import Article, EvidenceRow, Item, Quote, Reference, Section, TableCell
from curbside.interfaces.web.render import render_article_html, safe_url

EVIL = "<script>alert(1)</script>"


def article(**kw) -> Article:
    q = Quote(document_id="pmid:1", passage_id="pmid:1#0", text=f"Quoted {EVIL} text", start=0, end=10)
    base = dict(question=f"Q {EVIL}?", generated_at="2025-03-03T10:00:00Z", title=f"T {EVIL}", status="Submitted",
                caution="Educational purpose only \u2022 Exercise caution as content is pending human review",
                sections=[Section(title=f"S {EVIL}", kind="options",
                                  items=[Item(text=f"I {EVIL}", label="L<x>", citations=[1], quotes=[q],
                                              evidence="1 guideline")])],
                references=[Reference(n=1, document_id="pmid:1", title=f"R {EVIL}", pmid="123", doi="10.1/a\"b",
                                      url="javascript:alert(1)", authors=["A", "B", "C", "D"], year=2019,
                                      evidence_label="Guideline")],
                evidence_table=[EvidenceRow(intervention=f"E {EVIL}", citation=1,
                                            cells={"dosing": TableCell(value=f"5 mg {EVIL}", quote=q)})],
                disclaimer=f"D {EVIL}", follow_ups=["More?"])
    return Article(**(base | kw))


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_standalone_page_is_escaped_and_self_contained():
    html = render_article_html(article())
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "<script" not in html.replace("&lt;script&gt;", "")
    p = Tags()
    p.feed(html)
    assert not [t for t, a in p.tags if t in ("script", "iframe", "img", "link")]
    hrefs = [a.get("href", "") for t, a in p.tags if t == "a"]
    assert "https://pubmed.ncbi.nlm.nih.gov/123/" in hrefs
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert all('"' not in h for h in hrefs)
    assert "Last updated: <time datetime=\"2025-03-03T10:00:00Z\">March 3, 2025</time>" in html
    assert "pending human review" in html and "A, B, C et al." in html
    assert html.count("<details class=\"cite\"") == 1 and "Quoted &lt;script&gt;" in html


def test_approved_article_has_no_pending_caution():
    html = render_article_html(article(status="Approved", caution="Reviewed and approved by a medical reviewer"))
    assert "pending human review" not in html and 'aria-current="step">Approved' in html


def test_abstained_article_renders():
    a = Article(question="Unknown?", generated_at="2025-01-01T00:00:00Z", abstained=True,
                abstain_reason="The indexed sources do not answer this question.",
                sections=[Section(title="Not answered by the indexed sources", kind="notice",
                                  items=[Item(text="The indexed sources do not answer this question.", kind="notice")])])
    html = render_article_html(a)
    assert "do not answer this question" in html


def test_safe_url():
    assert safe_url("https://x.org/a") == "https://x.org/a"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", "//evil", "http://a b", "", None):
        assert safe_url(bad) == ""
