"""PubMed query strings: the filters of ``curbside pubmed search`` and the query built from a clinical question.

A question (parsed by the retriever: concepts with kinds condition, drug, population, term) becomes a list of
query tiers, narrowest first, each tried until enough new records are found:

1. condition AND intervention AND population AND (guideline OR systematic review OR meta-analysis OR trial)
2. the same without the population
3. condition AND intervention AND population (any publication type)
4. condition AND intervention

Each concept is searched in title/abstract with its synonyms and abbreviation expansions (OR), and as a MeSH term
when it is written as a whole phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from curbside.errors import InputError

# PubMed publication types most often used as filters (any other [pt] name is passed through as written)
COMMON_TYPES = ("Practice Guideline", "Guideline", "Consensus Development Conference", "Systematic Review",
                "Meta-Analysis", "Randomized Controlled Trial", "Controlled Clinical Trial", "Clinical Trial",
                "Clinical Trial, Phase III", "Observational Study", "Multicenter Study", "Comparative Study",
                "Review", "Case Reports")
EVIDENCE_FIRST = ("Practice Guideline", "Guideline", "Consensus Development Conference", "Systematic Review",
                  "Meta-Analysis", "Randomized Controlled Trial")
_TYPE_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,()'\-]*$")
_UNSAFE = re.compile(r"[\"\[\]]")


def parse_types(text: str | None) -> list[str]:
    """'Randomized Controlled Trial,Practice Guideline' -> the two names. A name may itself hold a comma
    ("Clinical Trial, Phase III"): a piece that starts with a space and does not look like a type of its own is
    joined back to the one before it."""
    if not text or not text.strip():
        return []
    out: list[str] = []
    for piece in text.split(","):
        name = " ".join(piece.split())
        if not name:
            continue
        joined = f"{out[-1]}, {name}" if out else ""
        if out and joined.lower() in {t.lower() for t in COMMON_TYPES}:
            out[-1] = joined
            continue
        if not _TYPE_OK.match(name):
            raise InputError("--types", f"{name!r} is not a publication type name; expected names such as "
                                        f"{', '.join(COMMON_TYPES[:4])} (comma-separated)")
        out.append(name)
    return out


def _types_clause(types: list[str] | tuple[str, ...]) -> str:
    return "(" + " OR ".join(f'"{t}"[pt]' for t in types) + ")"


def search_term(query: str, types: list[str] | None = None) -> str:
    """The ESearch term for `pubmed search`: the user's query as written, ANDed with a publication-type filter."""
    q = " ".join((query or "").split())
    if not q:
        raise InputError("QUERY", "is empty; expected a PubMed query, e.g. \"anakinra macrophage activation\"")
    if len(q) > 4000:
        raise InputError("QUERY", f"is {len(q):,} characters; PubMed queries are limited (keep it under 4,000)")
    return f"({q}) AND {_types_clause(types)}" if types else q


def year_range(since: int | None, until: int | None) -> tuple[str | None, str | None]:
    """(mindate, maxdate) for ESearch's publication-date filter; InputError for impossible years."""
    for name, y in (("--since", since), ("--until", until)):
        if y is not None and not 1800 <= y <= 2100:
            raise InputError(name, f"{y} is not a publication year; expected a year such as 2015")
    if since is not None and until is not None and since > until:
        raise InputError("--since", f"{since} is after --until {until}; expected since <= until")
    return (str(since) if since is not None else None, str(until) if until is not None else None)


# ---------------------------------------------------------------- questions

@dataclass
class QueryTier:
    label: str
    term: str


def _phrase(text: str) -> str:
    text = " ".join(_UNSAFE.sub(" ", text).split())
    return f'"{text}"'


def _concept_clause(concept) -> str:
    seen: dict[str, None] = {}
    for v in [concept.text, *concept.variants]:
        v = " ".join(_UNSAFE.sub(" ", v).split())
        if len(v) < 2 or v.lower() in (s.lower() for s in seen):
            continue
        seen[v] = None
        if len(seen) >= 8:
            break
    parts = [f"{_phrase(v)}[tiab]" for v in seen]
    if concept.kind == "condition" and " " in concept.text.strip():
        parts.append(f"{_phrase(concept.text)}[mh]")
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def question_tiers(parsed) -> list[QueryTier]:
    """The query tiers for a parsed question (see the module docstring); InputError when the question names
    nothing PubMed could be searched for."""
    conditions = [c for c in parsed.concepts if c.kind == "condition"]
    drugs = [c for c in parsed.concepts if c.kind == "drug"]
    populations = [c for c in parsed.concepts if c.kind == "population"]
    terms = [c for c in parsed.concepts if c.kind == "term"]
    core = conditions + drugs
    if not core:
        core = terms[:3]
    if not core:
        words = [k for k in getattr(parsed, "keywords", []) if len(k) > 3][:3]
        if not words:
            raise InputError("question", "names no condition, treatment or keyword to search PubMed for; "
                                         "ask about a condition or a treatment")
        core_clause = " AND ".join(f"{_phrase(w)}[tiab]" for w in words)
    else:
        core_clause = " AND ".join(_concept_clause(c) for c in core)
    pop_clause = " AND ".join(_concept_clause(c) for c in populations[:2])
    evidence = _types_clause(EVIDENCE_FIRST)
    tiers = []
    if pop_clause:
        tiers.append(QueryTier("guidelines, reviews and trials in this population",
                               f"{core_clause} AND {pop_clause} AND {evidence}"))
    tiers.append(QueryTier("guidelines, reviews and trials", f"{core_clause} AND {evidence}"))
    if pop_clause:
        tiers.append(QueryTier("any study in this population", f"{core_clause} AND {pop_clause}"))
    tiers.append(QueryTier("any study", core_clause))
    return tiers
