"""Follow-up questions: resolve an elliptical follow-up ("What about in children?") in the context of the
earlier question, and suggest next questions that the corpus can actually answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from curbside.retrieve.query import ParsedQuestion

_STATE_WORDS = ("refractory", "relapsed", "recurrent", "secondary", "primary", "severe", "chronic", "acute",
                "familial", "adult-onset")
_ELLIPTICAL = re.compile(r"^\s*(what about|how about|and|also|in|for|with|during|what if|same for|is it)\b", re.I)
_PRONOUN = re.compile(r"\b(its|it|this drug|that drug|this treatment|that treatment|this medicine|them|this|that)\b", re.I)

TYPE_TEMPLATES = {
    "treatment": "What are the treatment options for {cond}{pop}?",
    "dosing": "What is the recommended dose of {drug} for {cond}{pop}?",
    "adverse_effects": "What are the adverse effects of {drug} in {cond}{pop}?",
    "diagnosis": "How is {cond} diagnosed{pop}?",
    "prognosis": "What is the prognosis of {cond}{pop}?",
    "epidemiology": "How common is {cond}{pop}?",
    "etiology": "What causes {cond}{pop}?",
    "prevention": "How can {cond} be prevented{pop}?",
    "mechanism": "What is the mechanism of {cond}{pop}?",
    "definition": "What is {cond}{pop}?",
}


@dataclass
class Resolution:
    question: str            # the self-contained question that was answered
    interpretation: str      # how it was read, shown to the user
    carried: dict[str, list[str]]


def condition_phrase(p: ParsedQuestion) -> str:
    conds = [c.text for c in p.concepts if c.kind == "condition"]
    if not conds:
        return ""
    states = [w for w in p.population if w.lower() in _STATE_WORDS and w.lower() not in conds[0].lower()]
    return " ".join(states[:1] + conds[:1])


def _pop_suffix(pops: list[str]) -> str:
    pops = [w for w in pops if w.lower() not in _STATE_WORDS]
    if not pops:
        return ""
    w = pops[0]
    return f" during {w}" if w.lower() in ("pregnancy", "breastfeeding", "lactation") else f" in {w}"


def resolve_follow_up(previous: ParsedQuestion, new: ParsedQuestion) -> Resolution:
    carried: dict[str, list[str]] = {}
    has_condition = any(c.kind == "condition" for c in new.concepts)
    text = new.text.strip()
    cond = condition_phrase(previous)
    if has_condition or not cond:
        return Resolution(text, f"Read as a new question: {text}", carried)
    drug = (new.intervention or previous.intervention or [""])[0]
    qtype = new.question_type if new.question_type not in ("other", "") else previous.question_type
    pops = new.population or []
    carried["condition"] = [cond]
    if _ELLIPTICAL.match(text) or new.question_type in ("other", ""):
        if not new.population and previous.population:
            pops = [w for w in previous.population if w.lower() not in _STATE_WORDS]
        template = TYPE_TEMPLATES.get(qtype, TYPE_TEMPLATES["treatment"])
        if "{drug}" in template and not drug:
            template = TYPE_TEMPLATES["treatment"]
        if new.intervention and qtype == "treatment":
            resolved = f"What is the evidence for {new.intervention[0]} in {cond}{_pop_suffix(pops)}?"
        else:
            resolved = template.format(cond=cond, pop=_pop_suffix(pops), drug=drug)
        if new.population:
            carried["population"] = new.population
        if previous.intervention and "{drug}" in template and not new.intervention:
            carried["intervention"] = previous.intervention[:1]
    else:
        body = text.rstrip("?. ")
        if previous.intervention and _PRONOUN.search(body) and not new.intervention:
            body = _PRONOUN.sub(previous.intervention[0], body, count=1)
            carried["intervention"] = previous.intervention[:1]
        resolved = f"{body} in {cond}?"
    carried_txt = "; ".join(f"{k}: {', '.join(v)}" for k, v in carried.items())
    return Resolution(resolved, f"Interpreted as: {resolved} (carried over {carried_txt})" if carried_txt
                      else f"Interpreted as: {resolved}", carried)


def suggest_follow_ups(parsed: ParsedQuestion, interventions: list[str], has_evidence: Callable[[str], bool],
                       limit: int = 3) -> list[str]:
    """Up to `limit` next questions, each checked with `has_evidence` before it is offered."""
    cond = condition_phrase(parsed)
    if not cond:        # "What are the treatment options for qSOFA?": only a named condition makes such questions
        return []
    asked = parsed.question_type
    # option labels are capitalised for display ("Anakinra"); inside a question a generic drug name is lowercase,
    # while abbreviations and mixed-case names ("ATG", "DEP", "HLH-94") stay as written
    drugs = [d[:1].lower() + d[1:] if d[:1].isupper() and d[1:].islower() else d for d in dict.fromkeys(interventions)
             if d.lower() not in cond.lower()]
    pool: list[str] = []
    if drugs and asked != "dosing":
        pool.append(TYPE_TEMPLATES["dosing"].format(drug=drugs[0], cond=cond, pop=""))
    if drugs and asked != "adverse_effects":
        pool.append(TYPE_TEMPLATES["adverse_effects"].format(drug=drugs[0], cond=cond, pop=""))
    for qtype in ("treatment", "diagnosis", "prognosis", "etiology", "epidemiology"):
        if qtype != asked:
            pool.append(TYPE_TEMPLATES[qtype].format(cond=cond, pop="", drug=""))
    if "children" not in [p.lower() for p in parsed.population]:
        pool.append(TYPE_TEMPLATES["treatment"].format(cond=cond, pop=" in children", drug=""))
    if len(drugs) > 1:
        pool.append(f"How does {drugs[0]} compare with {drugs[1]} for {cond}?")
    out: list[str] = []
    for q in pool:
        if len(out) >= limit:
            break
        if has_evidence(q):
            out.append(q)
    return out
