"""Composer and verifier on the invented fixture corpus."""

from curbside.answer.verify import verify_article


def _all_items(article):
    return [(s.title, it) for s in article.sections for it in s.items]


def test_article_shape_and_every_sentence_is_a_verified_quote(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    assert not art.abstained
    titles = [s.title for s in art.sections]
    assert titles[0] == "Bottom Line" and art.bottom_line.item == art.sections[0].items[0]
    assert "Treatment Options" in titles
    assert titles.index("From the Guidelines") < titles.index("Treatment Options")
    if "From the Research" in titles:
        assert titles.index("Treatment Options") < titles.index("From the Research")
    cells = sum(len(r.cells) for r in art.evidence_table)
    assert art.verification.passed and art.verification.checked == len(_all_items(art)) + cells
    doc_text = {d.id: loaded_engine.store.get_document(d.id).text for d in loaded_engine.sources()}
    for _, item in _all_items(art):
        q = item.quotes[0]
        assert doc_text[q.document_id][q.start:q.end] == q.text
        assert " ".join(q.text.split()) == item.text
        ref = next(r for r in art.references if r.n == item.citations[0])
        assert ref.document_id == q.document_id
    # references numbered in order of first citation
    first_seen = []
    for _, item in _all_items(art):
        for n in item.citations:
            if n not in first_seen:
                first_seen.append(n)
    assert first_seen == sorted(first_seen) == [r.n for r in art.references]


def test_guideline_leads_and_doses_are_kept_verbatim(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    lead = art.sections[0].items[0]
    ref = next(r for r in art.references if r.n == lead.citations[0])
    assert ref.evidence_level == "guideline"
    body = " ".join(it.text for s in art.sections for it in s.items)
    assert "2-10 mg/kg/day" in body or "emapalumab" in body
    for d in ("mg/m2", "mg/kg"):
        for s in art.sections:
            for it in s.items:
                if d in it.text:
                    assert d in it.quotes[0].text


def test_options_grouped_by_intervention(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    options = next(s for s in art.sections if s.kind == "options")
    labels = [it.label.lower() for it in options.items]
    assert len(labels) == len(set(labels)) >= 2
    assert {"alemtuzumab", "anakinra"} & set(labels)


def test_abstains_when_sources_do_not_answer(loaded_engine):
    art = loaded_engine.ask("What is the best treatment for plantar fasciitis in runners?", save=False)
    assert art.abstained
    assert art.references == []
    assert "do not answer" in art.sections[0].items[0].text
    assert art.verification.passed


def test_verifier_catches_tampering(loaded_engine):
    art = loaded_engine.ask("What are the treatment options for refractory HLH?", save=False)
    art.sections[0].items[0].text = art.sections[0].items[0].text.replace("10", "100", 1) + " Always."
    art.sections[0].items[0].quotes[0].start += 1
    v = verify_article(art, loaded_engine.store)
    assert not v.passed
    assert any("differs" in f for f in v.failures) and any("does not match" in f for f in v.failures)
