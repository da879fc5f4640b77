"""Citations in context: where a quote sits in its stored source (the text just before and after it, its section,
page or table row), what kind of study the source is, and the stored document text with the quote marked.

Everything shown comes from the stored source itself, verbatim; nothing is summarised or invented. When the
stored document changed after the article was written and the quote is no longer in it, that is said instead."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

from curbside.answer.models import Article, Quote

log = logging.getLogger("curbside.web")

AROUND = 420            # characters of source text shown before and after a quote in a citation
WINDOW = 60_000         # characters of a long document shown around the quote on the source page


@dataclass
class QuoteContext:
    quote: Quote
    found: bool                       # the quote is still at its place (or elsewhere) in the stored document
    start: int = 0                    # where it is now (document offsets)
    end: int = 0
    before: str = ""                  # the source text just before it (from the previous paragraph at most)
    after: str = ""                   # and just after it (to the end of the next paragraph at most)
    cut_before: bool = False          # the before/after text was shortened
    cut_after: bool = False
    section: str = ""                 # heading path of the passage
    page: int | None = None
    table: bool = False               # the quote is a line of a table
    row: str = ""                     # the table line the quote is on (verbatim)
    design: list[str] = field(default_factory=list)   # publication types of the source (PubMed), when known
    n: str = ""                       # study size as quoted in the article's Evidence Table, when known

    @property
    def href(self) -> str:
        from urllib.parse import urlencode

        return "/library/source?" + urlencode({"id": self.quote.document_id, "start": self.start,
                                               "end": self.end})


def _locked(engine):
    return getattr(engine, "_lock", None) or getattr(engine, "lock", None) or nullcontext()


def _store(engine):
    return getattr(engine, "store", None)


def get_document(engine, document_id: str):
    store = _store(engine)
    if store is None:
        return None
    with _locked(engine):
        return store.get_document(document_id)


def source_count(engine) -> int | None:
    """How many documents the library holds (None when the store cannot say)."""
    store = _store(engine)
    try:
        with _locked(engine):
            return int(store.counts()[0]) if store is not None else len(engine.sources())
    except Exception:  # noqa: BLE001 - a number in a progress message is never worth an error
        return None


def _passage(engine, passage_id: str):
    store = _store(engine)
    if store is None or not passage_id:
        return None
    with _locked(engine):
        return store.get_passage(passage_id)


def locate(text: str, quote: Quote) -> tuple[int, int] | None:
    """Where the quote is in the document text: its stored offsets when they still hold, else its first
    occurrence (the document was re-ingested with other text around it), else None."""
    if 0 <= quote.start < quote.end <= len(text) and text[quote.start:quote.end] == quote.text:
        return quote.start, quote.end
    at = text.find(quote.text) if quote.text else -1
    return (at, at + len(quote.text)) if at >= 0 else None


def _before(text: str, start: int) -> tuple[str, bool]:
    para = text.rfind("\n\n", 0, start)
    prev = text.rfind("\n\n", 0, para) if para > 0 else -1
    lo = prev + 2 if prev >= 0 else 0
    cut = start - lo > AROUND
    if cut:
        lo = start - AROUND
        sp = text.find(" ", lo, start)
        lo = sp + 1 if sp >= 0 else lo
    return text[lo:start], cut


def _after(text: str, end: int) -> tuple[str, bool]:
    para = text.find("\n\n", end)
    nxt = text.find("\n\n", para + 2) if para >= 0 else -1
    hi = nxt if nxt >= 0 else len(text)
    cut = hi - end > AROUND
    if cut:
        hi = end + AROUND
        sp = text.rfind(" ", end, hi)
        hi = sp if sp > end else hi
    return text[end:hi], cut


def _line(text: str, start: int, end: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return text[lo: hi if hi >= 0 else len(text)].strip()


def quote_context(engine, quote: Quote, doc=None, n: str = "") -> QuoteContext:
    doc = doc if doc is not None else get_document(engine, quote.document_id)
    text = getattr(doc, "text", "") or ""
    where = locate(text, quote) if text else None
    if where is None:
        return QuoteContext(quote=quote, found=False, design=list(getattr(doc, "publication_types", []) or []), n=n)
    start, end = where
    before, cut_b = _before(text, start)
    after, cut_a = _after(text, end)
    p = _passage(engine, quote.passage_id)
    table = getattr(p, "kind", "") == "table"
    return QuoteContext(quote=quote, found=True, start=start, end=end, before=before, after=after, cut_before=cut_b,
                        cut_after=cut_a, section=getattr(p, "section", "") or "", page=getattr(p, "page", None),
                        table=table, row=_line(text, start, end) if table else "",
                        design=list(getattr(doc, "publication_types", []) or []), n=n)


def key(q: Quote) -> str:
    return f"{q.passage_id}|{q.start}|{q.end}"


def study_sizes(article: Article) -> dict[str, str]:
    """document id -> the Evidence Table's N for it (verbatim), when the table has exactly one for that source."""
    refs = {r.n: r.document_id for r in article.references}
    sizes: dict[str, set[str]] = {}
    for row in article.evidence_table:
        cell = row.cells.get("patients")
        if cell is not None and row.citation in refs:
            sizes.setdefault(refs[row.citation], set()).add(cell.value)
    return {d: next(iter(v)) for d, v in sizes.items() if len(v) == 1}


def for_article(engine, article: Article) -> dict[str, QuoteContext]:
    """The context of every quote an article cites, keyed by key(quote); {} when the store cannot be read."""
    out: dict[str, QuoteContext] = {}
    if _store(engine) is None:
        return out
    docs: dict[str, object] = {}
    sizes = study_sizes(article)
    try:
        for section in article.sections:
            for item in section.items:
                for q in item.quotes:
                    k = key(q)
                    if k in out:
                        continue
                    if q.document_id not in docs:
                        docs[q.document_id] = get_document(engine, q.document_id)
                    out[k] = quote_context(engine, q, docs[q.document_id], sizes.get(q.document_id, ""))
    except Exception:  # noqa: BLE001 - the article must still show when its sources cannot be read
        log.warning("quote context for %s failed", article.id, exc_info=True)
    return out


@dataclass
class SourceView:
    document: object
    head: str                  # text before the marked span (within the shown window)
    mark: str                  # the quoted span ("" when no span was asked for or it is not there)
    tail: str
    cut_head: bool = False     # the document goes on before / after the window shown
    cut_tail: bool = False
    missing: bool = False      # a span was asked for but the stored text there differs (document changed)


def source_view(doc, start: int | None, end: int | None, expect: str = "") -> SourceView:
    """The stored text of `doc` with [start, end) marked; a long document is shown in a window around it."""
    text = doc.text or ""
    ok = start is not None and end is not None and 0 <= start < end <= len(text)
    if ok and expect and text[start:end] != expect:
        ok = False
    if not ok:
        lo, hi = 0, min(len(text), WINDOW)
        return SourceView(doc, text[lo:hi], "", "", cut_tail=hi < len(text), missing=start is not None)
    lo = max(0, start - WINDOW // 2)
    hi = min(len(text), end + WINDOW // 2)
    if lo:
        para = text.find("\n\n", lo, start)
        lo = para + 2 if para >= 0 else lo
    return SourceView(doc, text[lo:start], text[start:end], text[end:hi], cut_head=lo > 0, cut_tail=hi < len(text))
