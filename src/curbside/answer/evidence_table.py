"""The Evidence Table: per study and intervention, patients, responses, survival, time to response, dosing and
adverse events extracted from the retrieved passages (prose and flattened tables). Every cell carries the quote
it came from; a value that cannot be traced to a quote is not shown."""

from __future__ import annotations

from curbside.answer.models import EvidenceRow, Quote, TableCell
from curbside.answer.outcomes import study_label
from curbside.retrieve.search import SearchHit

COLUMNS = ("patients", "complete_response", "partial_response", "no_response", "overall_response", "survival",
           "time_to_response", "dosing", "adverse_events")
COLUMN_TITLES = {"patients": "N", "complete_response": "CR", "partial_response": "PR", "no_response": "NR",
                 "overall_response": "Overall response", "survival": "Survival", "time_to_response": "Time to response",
                 "dosing": "Dosing", "adverse_events": "Adverse events"}


_CACHE: dict[str, tuple[list, str]] = {}


def _document_rows(store, doc_id: str, content_hash: str) -> tuple[list, list, str]:
    """Outcome rows of a whole document (tables span passages, so extraction runs on the full text), cached."""
    from curbside.answer.outcomes import extract_outcomes, merge_rows

    key = f"{doc_id}:{content_hash}"
    if key not in _CACHE:
        doc = store.get_document(doc_id)
        rows = merge_rows(extract_outcomes(doc.text, source_id=doc_id)) if doc else []
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (rows, doc.text if doc else "")
    rows, text = _CACHE[key]
    return rows, store.passages_of(doc_id), text


def _source_passage(passages: list, text: str, cell):
    """The passage a cell is quoted from: the one holding it whole; for a cell that runs on into the next passage
    (a table cell over several lines, cut by passage splitting) the one where it starts, provided the document
    text between its offsets is the cell exactly. None when it cannot be traced."""
    whole = next((p for p in passages if p.start <= cell.start and cell.end <= p.end
                  and p.text[cell.start - p.start:cell.end - p.start] == cell.value), None)
    if whole is not None or text[cell.start:cell.end] != cell.value:
        return whole
    return next((p for p in passages if p.start <= cell.start < p.end), None)


def cell_context(text: str, q: Quote, doc_id: str, before: int = 110, after: int = 150) -> Quote | None:
    """The verbatim stretch of the source line around a cell's quote (cut at word boundaries), so a reader sees
    what the number refers to. None when it would add nothing."""
    ls = text.rfind("\n", 0, q.start) + 1
    le = text.find("\n", q.end)
    le = len(text) if le == -1 else le
    s, e = max(ls, q.start - before), min(le, q.end + after)
    if s > ls:
        sp = text.find(" ", s, q.start)
        s = sp + 1 if sp != -1 else q.start
    if e < le:
        sp = text.rfind(" ", q.end, e)
        e = sp if sp != -1 else q.end
    while s < q.start and text[s] in " \t":
        s += 1
    while e > q.end and text[e - 1] in " \t":
        e -= 1
    if (s, e) == (q.start, q.end):
        return None
    return Quote(document_id=doc_id, passage_id=q.passage_id, text=text[s:e], start=s, end=e)


def build_evidence_table(store, hits: list[SearchHit], cite, max_docs: int = 5, max_rows: int = 12) -> list[EvidenceRow]:
    """`cite(document) -> n` gives the reference number of a cited document."""
    out: list[EvidenceRow] = []
    docs = {}
    for h in hits:
        docs.setdefault(h.document_id, h.document)
    for doc_id, doc in list(docs.items())[:max_docs]:
        rows, passages, text = _document_rows(store, doc_id, doc.content_hash)
        for row in rows:
            cells: dict[str, TableCell] = {}
            for col in COLUMNS:
                cell = getattr(row, col, None)
                if cell is None:
                    continue
                quotes = []
                for part in cell.spans():    # a cell OCR interleaved with other columns is quoted in parts
                    src = _source_passage(passages, text, part)
                    if src is None:
                        break
                    quotes.append(Quote(document_id=doc_id, passage_id=src.id, text=part.value, start=part.start,
                                        end=part.end))
                else:
                    cells[col] = TableCell(value=cell.value, quote=quotes[0], quotes=quotes,
                                           context=cell_context(text, quotes[0], doc_id))
                # (a part not traceable to the document: the cell is never shown)
            numeric = {"patients", "complete_response", "partial_response", "no_response", "overall_response",
                       "survival"} & set(cells)
            if not numeric:
                continue
            study = study_label(getattr(row, "study", None))
            label = row.intervention + (f" ({study})" if study else "")
            out.append(EvidenceRow(intervention=label, citation=cite(doc), cells=cells))
            if len(out) >= max_rows:
                return out
    return out
