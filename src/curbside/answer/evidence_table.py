"""The Evidence Table: per study and intervention, patients, responses, survival, time to response, dosing and
adverse events extracted from the retrieved passages (prose and flattened tables). Every cell carries the quote
it came from; a value that cannot be traced to a quote is not shown."""

from __future__ import annotations

import re
from types import SimpleNamespace

from curbside.answer.models import EvidenceRow, Quote, TableCell
from curbside.answer.outcomes import study_label
from curbside.retrieve.search import SearchHit

COLUMNS = ("setting", "patients", "complete_response", "partial_response", "no_response", "overall_response", "survival",
           "time_to_response", "dosing", "adverse_events")
COLUMN_TITLES = {"setting": "Setting", "patients": "N", "complete_response": "CR", "partial_response": "PR", "no_response": "NR",
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


# the line of treatment a study reports, in its own words ("relapse" alone is left out: "relapse-free survival")
SETTING = re.compile(r"\b(?:front[- ]?line|first[- ]line|up-?front|newly[- ]diagnosed|second[- ]line|salvage|maintenance|"
                     r"(?:relapsed|refractory)(?:\s*(?:/|or|and)\s*(?:relapsed|refractory))?)\b", re.I)


def row_setting(cells: dict[str, TableCell], passages: list, text: str, doc_id: str) -> TableCell | None:
    """The row's setting (front-line, salvage, refractory, relapsed, maintenance) exactly as the row's own quoted
    source lines word it: the first such word in a cell's quote or the source line around it, quoted verbatim.
    None when they do not say; never inferred from anything else."""
    for col in COLUMNS:
        cell = cells.get(col)
        for q in ([cell.context, *cell.parts()] if cell is not None else []):
            m = SETTING.search(q.text) if q is not None else None
            if m is None:
                continue
            span = SimpleNamespace(start=q.start + m.start(), end=q.start + m.end(), value=m.group(0))
            src = _source_passage(passages, text, span) if text[span.start:span.end] == span.value else None
            if src is not None:
                quote = Quote(document_id=doc_id, passage_id=src.id, text=span.value, start=span.start, end=span.end)
                return TableCell(value=span.value, quote=quote, quotes=[quote], context=cell.context)
    return None


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
            setting = row_setting(cells, passages, text, doc_id)
            if setting is not None:
                cells = {"setting": setting} | cells
            study = study_label(getattr(row, "study", None))
            label = row.intervention + (f" ({study})" if study else "")
            out.append(EvidenceRow(intervention=label, citation=cite(doc), cells=cells))
            if len(out) >= max_rows:
                return out
    return out
