"""The Evidence Table's Setting column: the line of treatment in the words of the row's own quoted source line,
quoted verbatim; blank when that line does not say (texts invented)."""

from types import SimpleNamespace

from curbside.answer.evidence_table import build_evidence_table
from curbside.answer.models import Article, Reference
from curbside.answer.verify import verify_article


class _Store:
    def __init__(self, text: str):
        self.doc = SimpleNamespace(id="doc:9", text=text, content_hash=f"h{hash(text)}")
        self.passages = [SimpleNamespace(id="doc:9#0", document_id="doc:9", start=0, end=len(text), text=text)]

    def get_document(self, doc_id):
        return self.doc if doc_id == "doc:9" else None

    def passages_of(self, doc_id):
        return self.passages

    def get_passage(self, pid):
        return next((p for p in self.passages if p.id == pid), None)


def _rows(text: str):
    store = _Store(text)
    return store, build_evidence_table(store, [SimpleNamespace(document_id="doc:9", document=store.doc)],
                                       lambda doc: 1)


def test_the_setting_is_the_rows_own_words_quoted_exactly():
    text = ("Salvage therapy for HLH: a review.\n\n"
            "In a cohort of 12 patients with relapsed/refractory HLH treated with ruxolitinib, 6 achieved a complete "
            "response (50%).\n\nIn a cohort of 20 newly diagnosed patients treated with etoposide, 14 achieved a "
            "complete response (70%).\n\nIn a cohort of 9 patients treated with emapalumab, 4 achieved a complete "
            "response (44%).\n")
    store, rows = _rows(text)
    by = {r.intervention.split()[0]: r for r in rows}
    assert set(by) == {"Ruxolitinib", "Etoposide", "Emapalumab"}, [r.intervention for r in rows]
    rux, eto = by["Ruxolitinib"].cells["setting"], by["Etoposide"].cells["setting"]
    assert (rux.value, eto.value) == ("relapsed/refractory", "newly diagnosed")
    for cell in (rux, eto):
        q = cell.quote
        assert text[q.start:q.end] == q.text == cell.value and cell.quotes == [q] and q.passage_id == "doc:9#0"
    # the document is about salvage therapy, but this row's own line does not say: blank, never inferred
    assert "setting" not in by["Emapalumab"].cells
    art = Article(question="q", generated_at="now", evidence_table=rows,
                  references=[Reference(n=1, document_id="doc:9", title="t")])
    v = verify_article(art, store)
    assert v.passed and v.checked == sum(len(r.cells) for r in rows), v.failures


def test_relapse_free_survival_is_not_a_setting():
    text = "In a cohort of 15 patients treated with anakinra, 9 achieved a complete response (60%); relapse-free " \
           "survival was 80% at 1 year.\n"
    _, rows = _rows(text)
    assert rows and "setting" not in rows[0].cells
