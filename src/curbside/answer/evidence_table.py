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


_CACHE: dict[str, list] = {}


def _document_rows(store, doc_id: str, content_hash: str) -> tuple[list, list]:
    """Outcome rows of a whole document (tables span passages, so extraction runs on the full text), cached."""
    from curbside.answer.outcomes import extract_outcomes, merge_rows

    key = f"{doc_id}:{content_hash}"
    if key not in _CACHE:
        doc = store.get_document(doc_id)
        rows = merge_rows(extract_outcomes(doc.text, source_id=doc_id)) if doc else []
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = rows
    return _CACHE[key], store.passages_of(doc_id)


def build_evidence_table(store, hits: list[SearchHit], cite, max_docs: int = 5, max_rows: int = 12) -> list[EvidenceRow]:
    """`cite(document) -> n` gives the reference number of a cited document."""
    out: list[EvidenceRow] = []
    docs = {}
    for h in hits:
        docs.setdefault(h.document_id, h.document)
    for doc_id, doc in list(docs.items())[:max_docs]:
        rows, passages = _document_rows(store, doc_id, doc.content_hash)
        for row in rows:
            cells: dict[str, TableCell] = {}
            for col in COLUMNS:
                cell = getattr(row, col, None)
                if cell is None:
                    continue
                src = next((p for p in passages if p.start <= cell.start and cell.end <= p.end
                            and p.text[cell.start - p.start:cell.end - p.start] == cell.value), None)
                if src is None:
                    continue   # not traceable to one passage: never shown
                cells[col] = TableCell(value=cell.value, quote=Quote(
                    document_id=doc_id, passage_id=src.id, text=cell.value, start=cell.start, end=cell.end))
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
