"""Evidence Table cells quoted in several parts: built from a fake store, checked part by part by the verifier, and
saved/loaded as JSON next to cells of articles saved before parts existed (fixture text invented)."""

import json
from types import SimpleNamespace

from curbside.answer.evidence_table import build_evidence_table
from curbside.answer.models import Article, EvidenceRow, Quote, Reference, TableCell
from curbside.answer.render import to_json
from curbside.answer.verify import verify_article

TEXT = """TABLE 3 Agents given after first-line failure

Agent N Dosing regimen(s) Time to response or comment CR PR NR
Tocilizumab
Lindahletal. 9(9 received it after Tocilizumab: 4 or 8 mg/kg divided over Responses in all 14 courses 5 3 1
dexamethasone alone) two consecutive days. were judged at
Ruxolitinib
Pereira et al. 11 15 mg/m2 twice daily 10 days 6 4 1

CR, complete response; PR, partial response; NR, no response.
"""


class _Store:
    def __init__(self, text: str):
        self.doc = SimpleNamespace(id="doc:7", text=text, content_hash=str(hash(text)))
        self.passages = [SimpleNamespace(id="doc:7#0", document_id="doc:7", start=0, end=len(text), text=text)]

    def get_document(self, doc_id):
        return self.doc if doc_id == "doc:7" else None

    def passages_of(self, doc_id):
        return self.passages

    def get_passage(self, pid):
        return next((p for p in self.passages if p.id == pid), None)


def _article():
    store = _Store(TEXT)
    hit = SimpleNamespace(document_id="doc:7", document=store.doc)
    rows = build_evidence_table(store, [hit], lambda doc: 1)
    art = Article(question="q", generated_at="2024-01-01T00:00:00", evidence_table=rows,
                  references=[Reference(n=1, document_id="doc:7", title="t")])
    return store, art


def _dosing(art, study):
    return next(r for r in art.evidence_table if study in r.intervention).cells["dosing"]


def test_a_multi_part_cell_carries_every_part_and_verifies():
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    assert [q.text for q in cell.quotes] == ["Tocilizumab: 4 or 8 mg/kg divided over", "two consecutive days."]
    assert cell.value == "Tocilizumab: 4 or 8 mg/kg divided over two consecutive days."
    assert cell.quote == cell.quotes[0] and cell.parts() == cell.quotes
    assert all(TEXT[q.start:q.end] == q.text and q.passage_id == "doc:7#0" for q in cell.quotes)
    # a one-part cell lists its one quote in both fields
    one = _dosing(art, "Pereira")
    assert one.quotes == [one.quote] and one.value == one.quote.text == "15 mg/m2 twice daily"
    v = verify_article(art, store)
    assert v.passed and v.checked == sum(len(r.cells) for r in art.evidence_table), v.failures


def test_the_verifier_rejects_a_tampered_part():
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    cell.quotes[1] = cell.quotes[1].model_copy(update={"text": "five consecutive days."})
    cell.value = " ".join(q.text for q in cell.quotes)
    v = verify_article(art, store)
    assert not v.passed and any("dosing: part 2 value does not match doc:7" in f for f in v.failures), v.failures
    assert all(f.startswith("evidence table row ") for f in v.failures)


def test_the_verifier_rejects_a_value_that_is_not_its_parts():
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    cell.value = "Tocilizumab: 4 or 8 mg/kg divided over three consecutive days."
    v = verify_article(art, store)
    assert not v.passed and any("differs from its 2 quoted parts" in f for f in v.failures)
    # parts out of order, or a `quote` that is not the first part
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    cell.quotes.reverse()
    cell.value = " ".join(q.text for q in cell.quotes)
    cell.quote = cell.quotes[0]
    assert any("does not follow the previous part" in f for f in verify_article(art, store).failures)
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    cell.quote = cell.quotes[1]
    assert any("quote is not the first" in f for f in verify_article(art, store).failures)


def test_json_round_trip_keeps_the_parts_and_adds_to_the_old_shape():
    store, art = _article()
    data = json.loads(to_json(art))
    cell = next(r for r in data["evidence_table"] if "Lindahl" in r["intervention"])["cells"]["dosing"]
    # the old fields stay (value, quote with its offsets); quotes and the source line (context) are added
    assert set(cell) == {"value", "quote", "quotes", "context"} and cell["quote"] == cell["quotes"][0]
    assert {"document_id", "passage_id", "text", "start", "end"} <= set(cell["quote"])
    back = Article.model_validate_json(to_json(art))
    assert back == art and verify_article(back, store).passed


def test_a_cell_saved_before_parts_existed_still_loads_renders_and_verifies():
    store = _Store(TEXT)
    s = TEXT.index("15 mg/m2 twice daily")
    old = {"question": "q", "generated_at": "2023-05-01T00:00:00",
           "references": [{"n": 1, "document_id": "doc:7", "title": "t"}],
           "evidence_table": [{"intervention": "Ruxolitinib (Pereira et al.)", "citation": 1, "cells": {
               "dosing": {"value": "15 mg/m2 twice daily", "quote": {
                   "document_id": "doc:7", "passage_id": "doc:7#0", "text": "15 mg/m2 twice daily", "start": s,
                   "end": s + 20}}}}]}
    art = Article.model_validate(old)
    cell = art.evidence_table[0].cells["dosing"]
    assert cell.quotes == [] and cell.parts() == [cell.quote]
    assert verify_article(art, store).passed
    tampered = art.model_copy(deep=True)
    tampered.evidence_table[0].cells["dosing"].quote.start += 1
    assert not verify_article(tampered, store).passed
    # a cell with no quote at all is still rejected
    art.evidence_table.append(EvidenceRow(intervention="X", citation=1, cells={"dosing": TableCell(value="1 mg")}))
    assert any("value has no quote" in f for f in verify_article(art, store).failures)


def test_a_part_from_another_document_is_rejected():
    store, art = _article()
    cell = _dosing(art, "Lindahl")
    q = cell.quotes[1]
    cell.quotes[1] = Quote(document_id="doc:9", passage_id="doc:9#0", text=q.text, start=q.start, end=q.end)
    failures = verify_article(art, store).failures
    assert any("part 2" in f and "doc:9" in f for f in failures), failures
