"""The Evidence Table on a fake store: display labels, and cells quoted exactly even when passage splitting cut a
multi-line table cell in two (fixture text invented)."""

from types import SimpleNamespace

from .ocr_fixtures import DEP_ROWS
from curbside.answer.evidence_table import build_evidence_table
from curbside.answer.models import Article, Reference
from curbside.answer.verify import verify_article

TEXT = """TABLE 2 Salvage agents and responses

Agent N Dosing regimen(s) Time to response CR PR NR
Tocilizumab
Brennanetal. 6 8 mg/kg every 2 weeks 5 days 3 2 1
""" + DEP_ROWS


class _Store:
    def __init__(self, text: str, cut: int):
        self.doc = SimpleNamespace(id="doc:1", text=text, content_hash=f"h{cut}")
        self.passages = [SimpleNamespace(id="doc:1#0", document_id="doc:1", start=0, end=cut, text=text[:cut]),
                         SimpleNamespace(id="doc:1#1", document_id="doc:1", start=cut + 1, end=len(text),
                                         text=text[cut + 1:])]

    def get_document(self, doc_id):
        return self.doc if doc_id == "doc:1" else None

    def passages_of(self, doc_id):
        return self.passages

    def get_passage(self, pid):
        return next((p for p in self.passages if p.id == pid), None)


def _table(cut_at: str):
    store = _Store(TEXT, TEXT.index(cut_at) - 1)
    hit = SimpleNamespace(document_id="doc:1", document=store.doc)
    return store, build_evidence_table(store, [hit], lambda doc: 1)


def test_labels_are_displayed_without_ocr_glue_and_every_cell_verifies():
    store, rows = _table("Etoposide 75")
    assert [r.intervention for r in rows] == ["Tocilizumab (Brennan et al.)", "DEP (Novak et al.)"]
    art = Article(question="q", generated_at="now", evidence_table=rows,
                  references=[Reference(n=1, document_id="doc:1", title="t")])
    v = verify_article(art, store)
    assert v.passed and v.checked == sum(len(r.cells) for r in rows), v.failures


def test_a_dosing_cell_cut_by_passage_splitting_is_still_shown_with_its_exact_quote():
    store, rows = _table("Etoposide 75")
    dep = rows[1].cells["dosing"]
    assert dep.value.startswith("Liposomal doxorubicin") and dep.value.endswith("days 9-12")
    # two parts (the N cell's wrapped note between them left out); the second runs on into the next passage
    assert [q.passage_id for q in dep.quotes] == ["doc:1#0", "doc:1#0"] and dep.quote == dep.quotes[0]
    assert all(TEXT[q.start:q.end] == q.text for q in dep.quotes) and "analysed" not in dep.value
    assert dep.quotes[1].end > store.passages[0].end
    # cells that lie inside one passage cite that passage
    assert rows[1].cells["complete_response"].quote.passage_id == "doc:1#0"
    store, rows = _table("Novak et al.")
    assert rows[1].cells["patients"].quote.passage_id == "doc:1#1"
