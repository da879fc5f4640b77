"""Where sources disagree: different doses for the same drug and population, different response rates for the
same intervention, or opposite conclusions. Each conflict is an item that quotes both sides verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from curbside.answer.roles import DOSE, POPULATIONS
from curbside.answer.templates import conflict_label

Candidate = Any   # a unit view with document, passage, start, end, quote, display (answer/compose._ConflictView)

PERCENT = re.compile(r"\b(\d{1,3}(?:\.\d+)?)\s?%")
NEGATIVE = re.compile(r"\b(not (?:be )?(?:effective|recommended|beneficial|superior|improve\w*)|no (?:significant )?"
                      r"(?:benefit|improvement|difference|effect)|ineffective|did not (?:improve|reduce|show)|"
                      r"should not be (?:used|given)|is not recommended|failed to)\b", re.I)
POSITIVE = re.compile(r"\b(is recommended|are recommended|we recommend|effective|improved|superior|beneficial|"
                      r"significantly (?:reduced|improved|lower|higher))\b", re.I)
CHILD = POPULATIONS["children"]


@dataclass
class Conflict:
    label: str
    first: Candidate
    second: Candidate


def _norm_dose(text: str) -> str:
    return re.sub(r"\s+|to|–", lambda m: "-" if m.group(0).strip() in ("to", "–") else "", text.lower())


def find_conflicts(pool: list[Candidate], limit: int = 2) -> list[Conflict]:
    by_drug: dict[str, list[Candidate]] = {}
    for c in pool:
        for d in c.drugs:
            by_drug.setdefault(d.lower(), []).append(c)
    found: list[Conflict] = []
    used: set[tuple[str, str]] = set()
    for drug, cands in by_drug.items():
        for i, a in enumerate(cands):
            for b in cands[i + 1:]:
                if a.document.id == b.document.id or (drug, "x") in used:
                    continue
                kind = _disagreement(a, b)
                if kind:
                    topic = {"dose": "the dose of", "response": "the response to",
                             "conclusion": "the recommendation on"}[kind]
                    found.append(Conflict(conflict_label(f"{topic} {drug}"), a, b))
                    used.add((drug, "x"))
                    break
            if len(found) >= limit:
                return found
    return found


def _disagreement(a: Candidate, b: Candidate) -> str:
    same_population = bool(CHILD.search(a.display)) == bool(CHILD.search(b.display))
    if not same_population:
        return ""
    da = {_norm_dose(m.group(0)) for m in DOSE.finditer(a.display)}
    db = {_norm_dose(m.group(0)) for m in DOSE.finditer(b.display)}
    if da and db and not (da & db) and _same_unit(da, db):
        return "dose"
    pa = [float(x) for x in PERCENT.findall(a.display)]
    pb = [float(x) for x in PERCENT.findall(b.display)]
    if a.result and b.result and len(pa) == 1 and len(pb) == 1 and abs(pa[0] - pb[0]) >= 25:
        return "response"
    na, nb = bool(NEGATIVE.search(a.display)), bool(NEGATIVE.search(b.display))
    if na != nb and (POSITIVE.search(b.display) if na else POSITIVE.search(a.display)):
        return "conclusion"
    return ""


def _same_unit(da: set[str], db: set[str]) -> bool:
    unit = lambda s: re.sub(r"[\d.\-]+", "", s)  # noqa: E731
    return bool({unit(x) for x in da} & {unit(x) for x in db})
