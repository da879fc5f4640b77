from curbside.corpus.models import SourceDocument, SourceSection
from curbside.corpus.passages import build_text_and_passages, content_hash, sentence_spans


def _doc(*sections):
    return SourceDocument(title="T", sections=list(sections))


def test_offsets_point_into_document_text():
    body = " ".join(f"Sentence number {i} says something about HLH therapy." for i in range(60))
    text, passages = build_text_and_passages(_doc(SourceSection(body, "Results"), SourceSection("Short end.", "Tail")),
                                             "doc", target=300, hard_max=600)
    assert len(passages) > 3
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert len(p.text) <= 600
    assert passages[-1].section == "Tail"
    assert [p.ordinal for p in passages] == list(range(len(passages)))


def test_passages_never_cross_sections_and_keep_kind_and_page():
    text, passages = build_text_and_passages(
        _doc(SourceSection("Alpha one. Alpha two.", "A", page=1), SourceSection("| x | 1 |\n| y | 2 |", "Table 1", "table", 2)),
        "d")
    assert [p.section for p in passages] == ["A", "Table 1"]
    assert passages[1].kind == "table" and passages[1].page == 2
    assert "Alpha" not in passages[1].text


def test_sentence_split_keeps_abbreviations_and_numbers():
    t = "Doses were 1.5 mg/kg, e.g. in children. Response was 25-50% (n = 12). Next one."
    parts = [t[s:e] for s, e in sentence_spans(t)]
    assert parts == ["Doses were 1.5 mg/kg, e.g. in children.", "Response was 25-50% (n = 12).", "Next one."]


def test_empty_sections_are_skipped_and_hash_ignores_whitespace():
    text, passages = build_text_and_passages(_doc(SourceSection("   ", "Empty"), SourceSection("Body.", "B")), "d")
    assert text == "B\nBody." and len(passages) == 1
    assert content_hash("T", "a  b\nc") == content_hash("T", "a b c")


def test_guideline_items_split_at_closing_bracket_and_keep_their_labels():
    from curbside.corpus.passages import sentence_spans

    text = ("Recommendation 1A . Offer drug X for six months to every adult with the condition (strong, moderate evidence)\n"
            "Recommendation 1B . After six months, review the need for drug X with the patient.\n"
            "- First-line: drug Y 5 mg daily. Second-line: drug Z.\n"
            "in the largest registry of treated adult and paediatric patients so far (HLH)\n"
            "EBV was found in most of them.")
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got[0].startswith("Recommendation 1A . Offer") and got[0].endswith("(strong, moderate evidence)")
    assert got[1].startswith("Recommendation 1B . After six months")
    assert "First-line: drug Y 5 mg daily." in got            # the list marker is not part of the sentence
    assert not any(g.startswith("- ") for g in got)
    # an acronym at the start of a wrapped line does not end the sentence
    assert any(g.startswith("in the largest registry") and g.endswith("most of them.") for g in got)
