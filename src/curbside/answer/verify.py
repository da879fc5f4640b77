"""The verifier: every body item of an article is either a verbatim quote of the passage it cites, a fixed
template phrase, or (written articles, `--writer llm`) a claim whose quotes are verbatim spans of the passages it
cites and whose claim checks passed (answer/writer/claims.py); every citation number points at the reference of
the quoted document."""

from __future__ import annotations

import re

from curbside.answer.models import Article, TableCell, Verification
from curbside.answer.templates import is_template_text
from curbside.store.corpus_store import CorpusStore

_WS = re.compile(r"\s+")


def normalise_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def verify_article(article: Article, store: CorpusStore) -> Verification:
    failures: list[str] = []
    checked = 0
    refs = {r.n: r.document_id for r in article.references}
    docs: dict[str, str | None] = {}
    for si, section in enumerate(article.sections):
        for ii, item in enumerate(section.items):
            where = f"section {si + 1} ({section.title}) item {ii + 1}"
            checked += 1
            if item.kind in ("notice", "connective"):
                if not is_template_text(item.text):
                    failures.append(f"{where}: unquoted text is not a template phrase")
                continue
            if not item.quotes:
                failures.append(f"{where}: no quote")
                continue
            quoted = " ".join(normalise_ws(q.text) for q in item.quotes)
            shown = item.text
            if item.glosses:
                from curbside.answer.glossary import strip_annotations

                shown = strip_annotations(shown, item.glosses)
            if item.kind == "conflict" and not is_template_text(item.label):
                failures.append(f"{where}: conflict label is not a template phrase")
            if item.kind == "claim":      # written, not quoted: it stands on its checked support and its quotes
                if item.support is None or not item.support.passed:
                    failures.append(f"{where}: written claim did not pass its checks")
                if not item.citations:
                    failures.append(f"{where}: written claim cites nothing")
            elif normalise_ws(shown) != quoted:
                failures.append(f"{where}: text differs from its quote")
            for q in item.quotes:
                if q.document_id not in docs:
                    d = store.get_document(q.document_id)
                    docs[q.document_id] = d.text if d else None
                text = docs[q.document_id]
                if text is None:
                    failures.append(f"{where}: quoted document {q.document_id} is not in the store")
                    continue
                if text[q.start:q.end] != q.text:
                    failures.append(f"{where}: quote does not match {q.document_id}[{q.start}:{q.end}]")
                p = store.get_passage(q.passage_id)
                if p is None or p.document_id != q.document_id or not (p.start <= q.start and q.end <= p.end):
                    failures.append(f"{where}: quote lies outside passage {q.passage_id}")
                if not any(refs.get(n) == q.document_id for n in item.citations):
                    failures.append(f"{where}: no citation number points at {q.document_id}")
            for n in item.citations:
                if n not in refs:
                    failures.append(f"{where}: citation [{n}] has no reference")
    for ri, row in enumerate(article.evidence_table):
        for col, cell in row.cells.items():
            checked += 1
            failures += _table_cell_failures(f"evidence table row {ri + 1} ({row.intervention}) {col}", cell,
                                              refs.get(row.citation), row.citation, store, docs)
    prior = article.verification   # claim counts of a written article travel with it
    return Verification(checked=checked, passed=not failures, failures=failures,
                        claims_checked=prior.claims_checked, shown=prior.shown, dropped=prior.dropped,
                        reasons=dict(prior.reasons))


def _table_cell_failures(where: str, cell: TableCell, cited: str | None, n: int, store: CorpusStore,
                         docs: dict[str, str | None]) -> list[str]:
    """An Evidence Table cell: the value is its quote's text, or (a cell quoted in several parts) the parts' texts
    joined by a space; every part is the exact text of its document at its offsets, parts come in reading order
    without overlapping, and the row's citation number points at that document."""
    parts = cell.parts()
    if not parts:
        return [f"{where}: value has no quote"]
    out = []
    if len(parts) == 1:
        if parts[0].text != cell.value:
            return [f"{where}: value has no quote"]
    elif normalise_ws(cell.value) != " ".join(normalise_ws(q.text) for q in parts):
        out.append(f"{where}: value differs from its {len(parts)} quoted parts")
    if cell.quotes and cell.quote is not None and cell.quote != cell.quotes[0]:
        out.append(f"{where}: quote is not the first of its quoted parts")
    for i, q in enumerate(parts):
        part = f" part {i + 1}" if len(parts) > 1 else ""
        if q.document_id not in docs:
            d = store.get_document(q.document_id)
            docs[q.document_id] = d.text if d else None
        text = docs[q.document_id]
        if text is None or text[q.start:q.end] != q.text:
            out.append(f"{where}:{part} value does not match {q.document_id}[{q.start}:{q.end}]")
        if i and (q.document_id != parts[i - 1].document_id or q.start < parts[i - 1].end):
            out.append(f"{where}:{part} does not follow the previous part in {q.document_id}")
        if cited != q.document_id:
            out.append(f"{where}:{part} citation [{n}] does not point at {q.document_id}")
    c = cell.context
    if c is not None:         # the line shown around the value: verbatim, and around the first part
        text = docs.get(c.document_id)
        if text is None or text[c.start:c.end] != c.text or not (c.start <= parts[0].start and parts[0].end <= c.end) \
                or c.document_id != parts[0].document_id:
            out.append(f"{where}: context does not match {c.document_id}[{c.start}:{c.end}] around the value")
    return out
