"""The text format shows where a quote sits in its source, as the web page does (a pronoun-led guideline line,
"These are not first-line agents …", is read under its heading). Invented text."""

from __future__ import annotations

from curbside.answer.models import Article, Item, Section
from curbside.answer.render import to_text


def test_text_output_prints_each_items_context_under_it():
    art = Article(question="What is first-line for a widget flare?", title="What is first-line for a widget flare?",
                  generated_at="2024-01-01T00:00:00", disclaimer="d",
                  sections=[Section(title="From the Guidelines", kind="guidelines", items=[
                      Item(text="These are not first-line agents.", citations=[1],
                           context="Widget Flare Treatment: Second-Line: Gizmo Inhibitors"),
                      Item(text="Rest the joint.", citations=[1])])])
    lines = to_text(art).splitlines()
    i = next(n for n, line in enumerate(lines) if "These are not first-line agents." in line)
    assert lines[i + 1].strip() == "in: Widget Flare Treatment: Second-Line: Gizmo Inhibitors"
    j = next(n for n, line in enumerate(lines) if "Rest the joint." in line)
    assert not lines[j + 1].strip().startswith("in:")
