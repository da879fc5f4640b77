"""Audience modes. Clinician: full detail and doses. Trainee: the same, with medical terms explained on first
mention. Patient: plain-language sources first, fewer items, explanations in parentheses, the patient
disclaimer. Explanations are insertions only: the quoted words are never changed (the verifier strips them)."""

from __future__ import annotations

from curbside.answer import templates as T
from curbside.answer.models import Article, Gloss, Item, Section

AUDIENCES = ("clinician", "trainee", "patient")

PATIENT_TITLES = {
    "plain": "In Plain Words",
    "guidelines": "What Guidelines Say",
    "options": "Treatment Choices",
    "research": "What Studies Found",
    "considerations": "Things to Keep in Mind",
}


def annotate_item(item: Item, seen: set[str], limit: int = 3) -> None:
    from curbside.answer.glossary import annotate, find_terms

    if item.kind != "quote":
        return
    glosses = find_terms(item.text, limit=limit, seen=seen)
    if not glosses:
        return
    for g in glosses:
        seen.add(g.term.lower())
    item.glosses = [Gloss(term=g.term, start=g.start, end=g.end, explanation=g.explanation) for g in glosses]
    item.text = annotate(item.text, glosses)


def adapt(article: Article, audience: str, plain_items: list[Item] | None = None) -> Article:
    article.audience = audience
    if audience == "clinician" or article.abstained:
        if audience == "patient":
            article.disclaimer = T.DISCLAIMER_PATIENT
        return article
    seen: set[str] = set()
    if audience == "patient":
        sections = [s for s in article.sections if s.kind == "bottom_line"]
        if plain_items:
            sections.append(Section(title=PATIENT_TITLES["plain"], kind="plain", items=plain_items))
        for s in article.sections:
            if s.kind == "bottom_line":
                continue
            s.items = s.items[:3]
            if s.kind == "options" and article.query.question_type != "treatment":
                s.title = s.title
            else:
                s.title = PATIENT_TITLES.get(s.kind, s.title)
            sections.append(s)
        article.sections = sections
        article.disclaimer = T.DISCLAIMER_PATIENT
    for s in article.sections:
        for item in s.items:
            annotate_item(item, seen)
    return article
