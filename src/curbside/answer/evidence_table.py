"""The Evidence Table: per study and intervention, patients, responses, survival, time to response, dosing and
adverse events extracted from the retrieved passages (prose and flattened tables). Every cell carries the quote
it came from; a value that cannot be traced to a quote is not shown."""

from __future__ import annotations

from curbside.answer.models import EvidenceRow, Quote, TableCell
from curbside.retrieve.search import SearchHit

COLUMNS = ("patients", "complete_response", "partial_response", "no_response", "overall_response", "survival",
           "time_to_response", "dosing", "adverse_events")
COLUMN_TITLES = {"patients": "N", "complete_response": "CR", "partial_response": "PR", "no_response": "NR",
                 "overall_response": "Overall response", "survival": "Survival", "time_to_response": "Time to response",
                 "dosing": "Dosing", "adverse_events": "Adverse events"}


def build_evidence_table(hits: list[SearchHit], cite, interventions: list[str] | None = None,
                         max_rows: int = 12) -> list[EvidenceRow]:
    """`cite(document) -> n` assigns reference numbers (only documents with a shown row get one)."""
    from curbside.answer.outcomes import extract_outcomes, merge_rows

    rows_by_doc: dict[str, list] = {}
    docs = {}
    passages: dict[str, list] = {}
    for h in hits:
        p = h.passage
        found = extract_outcomes(p.text, base_offset=p.start, source_id=p.id, interventions=interventions or None)
        if found:
            rows_by_doc.setdefault(p.document_id, []).extend(found)
            docs[p.document_id] = h.document
            passages.setdefault(p.document_id, []).append(p)
    out: list[EvidenceRow] = []
    for doc_id, rows in rows_by_doc.items():
        for row in merge_rows(rows):
            cells: dict[str, TableCell] = {}
            for col in COLUMNS:
                cell = getattr(row, col, None)
                if cell is None:
                    continue
                src = next((p for p in passages[doc_id] if p.start <= cell.start and cell.end <= p.end
                            and p.text[cell.start - p.start:cell.end - p.start] == cell.value), None)
                if src is None:
                    continue   # not traceable: never shown
                cells[col] = TableCell(value=cell.value, quote=Quote(
                    document_id=doc_id, passage_id=src.id, text=cell.value, start=cell.start, end=cell.end))
            numeric = {"patients", "complete_response", "partial_response", "no_response", "overall_response",
                       "survival"} & set(cells)
            if not numeric:
                continue
            out.append(EvidenceRow(intervention=row.intervention, citation=cite(docs[doc_id]), cells=cells))
            if len(out) >= max_rows:
                return out
    return out
