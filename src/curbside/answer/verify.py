"""The verifier: every body item of an article is either a verbatim quote of the passage it cites or a fixed
template phrase; every citation number points at the reference of the quoted document."""

from __future__ import annotations

import re

from curbside.answer.models import Article, Verification
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
            if normalise_ws(shown) != quoted:
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
            where = f"evidence table row {ri + 1} ({row.intervention}) {col}"
            q = cell.quote
            if q is None or q.text != cell.value:
                failures.append(f"{where}: value has no quote")
                continue
            if q.document_id not in docs:
                d = store.get_document(q.document_id)
                docs[q.document_id] = d.text if d else None
            text = docs[q.document_id]
            if text is None or text[q.start:q.end] != q.text:
                failures.append(f"{where}: value does not match {q.document_id}[{q.start}:{q.end}]")
            if refs.get(row.citation) != q.document_id:
                failures.append(f"{where}: citation [{row.citation}] does not point at {q.document_id}")
    return Verification(checked=checked, passed=not failures, failures=failures)
