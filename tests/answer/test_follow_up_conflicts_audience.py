"""Follow-up resolution, suggested follow-ups, conflicts, audience modes (on invented fixtures)."""

import pytest

from curbside.answer.conflicts import find_conflicts
from curbside.answer.follow_up import resolve_follow_up
from curbside.answer.verify import verify_article
from curbside.retrieve.query import parse_question


@pytest.mark.parametrize("first, follow, expected", [
    ("What are the treatment options for refractory HLH?", "What about in children?",
     "What are the treatment options for refractory HLH in children?"),
    ("What are the treatment options for refractory HLH?", "What is the dose of anakinra?",
     "What is the dose of anakinra in refractory HLH?"),
    ("What is the dose of anakinra in MAS?", "What are its side effects?",
     "What are anakinra side effects in MAS?"),
    ("What are the treatment options for secondary HLH?", "And during pregnancy?",
     "What are the treatment options for secondary HLH during pregnancy?"),
    ("What are the treatment options for refractory HLH?", "What about emapalumab?",
     "What is the evidence for emapalumab in refractory HLH?"),
])
def test_follow_up_resolution(first, follow, expected):
    res = resolve_follow_up(parse_question(first), parse_question(follow))
    assert res.question == expected
    assert res.interpretation.startswith("Interpreted as:")
    assert "condition" in res.carried


def test_self_contained_follow_up_is_read_as_new():
    res = resolve_follow_up(parse_question("What are the treatment options for refractory HLH?"),
                            parse_question("How is asthma treated in adults?"))
    assert res.question == "How is asthma treated in adults?" and not res.carried


def test_follow_up_through_the_engine_and_suggestions_have_evidence(loaded_engine):
    first = loaded_engine.ask("What are the treatment options for refractory HLH?")
    assert first.id and len(first.follow_ups) >= 1
    for q in first.follow_ups:
        assert not loaded_engine.ask(q, save=False).abstained, q
    follow = loaded_engine.ask("What about in children?", follow_up_of=first.id)
    assert follow.follow_up_of == first.id
    assert "children" in follow.interpretation and "HLH" in follow.interpretation
    assert follow.verification.passed
    # titled by the self-contained question it answers; a follow-up of it keeps the thread's topic
    assert "HLH" in follow.title and "children" in follow.title
    second = loaded_engine.ask("What is the dose?", follow_up_of=follow.id)
    assert "HLH" in second.title, second.title


def test_saved_article_is_shown_unchanged(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?")
    again = loaded_engine.articles().get(art.id)
    assert again.sections == art.sections and again.references == art.references
    assert again.corpus_state == art.corpus_state and again.question == art.question


def test_conflicting_doses_are_reported_with_both_quotes(engine, tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("Guideline on gout\n\nColchicine 1.2 mg then 0.6 mg one hour later is recommended for acute gout flares in adults.")
    b.write_text("Trial of colchicine\n\nIn adults with acute gout flares, colchicine 4.8 mg over six hours was effective.")
    engine.ingest([a])
    engine.ingest([b])
    art = engine.ask("What is the dose of colchicine for acute gout?", save=False)
    conflicts = [it for s in art.sections for it in s.items if it.kind == "conflict"]
    assert conflicts, [s.title for s in art.sections]
    c = conflicts[0]
    assert c.label == "Sources differ on the dose of colchicine"
    assert len(c.quotes) == 2 and len(set(c.citations)) == 2
    assert art.verification.passed


def test_no_conflict_when_populations_differ(loaded_engine):
    parsed = parse_question("What is the dose of etoposide in HLH?")
    from curbside.answer.compose import _ConflictView, select_units, with_document_text

    hits = with_document_text(loaded_engine.retriever.search(parsed, top_k=20), loaded_engine.store)
    pool = [_ConflictView.of(s) for s in select_units(parsed, hits)]
    assert pool
    for c in find_conflicts(pool):
        assert c.first.document.id != c.second.document.id


def test_patient_mode_glosses_never_edit_quotes(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", audience="patient", save=False)
    assert art.audience == "patient"
    assert "care team" in art.disclaimer
    glossed = [it for s in art.sections for it in s.items if it.glosses]
    assert glossed
    for it in glossed:
        assert it.text != " ".join(it.quotes[0].text.split())
    assert art.verification.passed
    assert verify_article(art, loaded_engine.store).passed


def test_clinician_mode_has_no_glosses(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    assert all(not it.glosses for s in art.sections for it in s.items)


def test_evidence_table_cells_are_quoted(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    assert art.evidence_table
    text = {d.id: loaded_engine.store.get_document(d.id).text for d in loaded_engine.sources()}
    for row in art.evidence_table:
        for cell in row.cells.values():
            q = cell.quote
            assert text[q.document_id][q.start:q.end] == cell.value


def test_suggested_follow_ups_write_generic_drug_names_in_lowercase():
    from curbside.answer.follow_up import suggest_follow_ups
    from curbside.retrieve.query import parse_question

    got = suggest_follow_ups(parse_question("What are the treatment options for refractory HLH?"),
                             ["Anakinra", "ATG"], lambda q: True)
    assert any("dose of anakinra" in q for q in got) and not any("Anakinra" in q for q in got)
