"""The source line shown around an Evidence Table cell: verbatim, around the value, checked by the verifier."""

from __future__ import annotations

from curbside.answer.evidence_table import cell_context
from curbside.answer.models import Quote

TEXT = ("Results\nIn the cohort of 40 adults, twenty of 40 patients achieved a complete response (50%) and ten a "
        "partial response; the rest did not respond by week 4.\nTable 2 Doses\nDrug X 5 mg/kg twice weekly 12 9")


def _q(value: str, doc="doc:1") -> Quote:
    s = TEXT.index(value)
    return Quote(document_id=doc, passage_id=f"{doc}#0", text=value, start=s, end=s + len(value))


def test_context_is_the_verbatim_line_around_the_value():
    q = _q("twenty of 40")
    c = cell_context(TEXT, q, "doc:1")
    assert c is not None and TEXT[c.start:c.end] == c.text
    assert c.start <= q.start and q.end <= c.end
    assert "\n" not in c.text                      # never crosses into the next line
    assert c.text.startswith("In the cohort") and "complete response (50%)" in c.text
    row = cell_context(TEXT, _q("5 mg/kg twice weekly"), "doc:1")
    assert row.text == "Drug X 5 mg/kg twice weekly 12 9"


def test_verifier_rejects_a_tampered_context(loaded_engine):
    from curbside.answer.verify import verify_article

    article = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    cells = [c for row in article.evidence_table for c in row.cells.values() if c.context is not None]
    assert cells, "the fixture review should yield evidence-table cells with a source line"
    assert verify_article(article, loaded_engine.store).passed
    cells[0].context = cells[0].context.model_copy(update={"text": cells[0].context.text.replace("a", "o", 1) + "!"})
    result = verify_article(article, loaded_engine.store)
    assert not result.passed and any("context" in f for f in result.failures)
