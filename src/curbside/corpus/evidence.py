"""Evidence level of a document, from (in order) an explicit tier, PubMed publication types, the source
collection, then cues in the title and opening text. Deterministic and explainable: `classify` returns the
level and the reason it was chosen."""

from __future__ import annotations

import re

from curbside.corpus.models import EvidenceLevel, SourceDocument

L = EvidenceLevel

# PubMed publication types (MEDLINE controlled list) -> level; the strongest match wins.
_PUBTYPES: list[tuple[str, EvidenceLevel]] = [
    ("practice guideline", L.GUIDELINE), ("guideline", L.GUIDELINE), ("consensus development conference", L.GUIDELINE),
    ("systematic review", L.SYSTEMATIC_REVIEW), ("meta-analysis", L.SYSTEMATIC_REVIEW),
    ("randomized controlled trial", L.RANDOMIZED_TRIAL), ("controlled clinical trial", L.RANDOMIZED_TRIAL),
    ("clinical trial, phase iii", L.RANDOMIZED_TRIAL), ("pragmatic clinical trial", L.RANDOMIZED_TRIAL),
    ("equivalence trial", L.RANDOMIZED_TRIAL),
    ("observational study", L.COHORT), ("multicenter study", L.COHORT), ("comparative study", L.COHORT),
    ("clinical trial, phase ii", L.COHORT), ("clinical trial, phase i", L.CASE_SERIES), ("clinical trial", L.COHORT),
    ("case reports", L.CASE_SERIES),
    ("review", L.NARRATIVE_REVIEW),
    ("patient education handout", L.REFERENCE),
]

# Cues in the title (strong) or first ~1,500 characters (weaker). Ordered strongest evidence first.
_CUES: list[tuple[re.Pattern[str], EvidenceLevel]] = [
    (re.compile(r"\b(guidelines?|consensus (statement|recommendations?|conference)|recommendations? (of|from|for) the|"
                r"position statement|practice parameter|clinical practice)\b", re.I), L.GUIDELINE),
    (re.compile(r"\b(systematic(al)? review|meta-?analys[ie]s|pooled analysis|cochrane review)\b", re.I), L.SYSTEMATIC_REVIEW),
    (re.compile(r"\b(randomi[sz]ed|double-blind|placebo-controlled)\b.{0,40}\b(trial|study)\b|\brct\b", re.I), L.RANDOMIZED_TRIAL),
    (re.compile(r"\b(cohort|registry|retrospective|prospective|observational|population-based|case-control|"
                r"cross-sectional)\b", re.I), L.COHORT),
    (re.compile(r"\b(case series|case reports?|we (report|describe|present) (a|an|two|three|four|\d+) )", re.I), L.CASE_SERIES),
    (re.compile(r"\b(review|overview|update on|state of the art|perspective)\b", re.I), L.NARRATIVE_REVIEW),
]

_SOURCE_LEVELS = {
    "open-medicine": L.GUIDELINE, "ngc": L.GUIDELINE, "national guideline clearinghouse": L.GUIDELINE,
    "clinicaltrials.gov": L.TRIAL_REGISTRY,
    "medlineplus": L.REFERENCE, "gard": L.REFERENCE, "ghr": L.REFERENCE, "cancergov": L.REFERENCE,
    "niddk": L.REFERENCE, "ninds": L.REFERENCE, "cdc": L.REFERENCE, "nhlbi": L.REFERENCE, "nihseniorhealth": L.REFERENCE,
}


def classify(doc: SourceDocument) -> tuple[EvidenceLevel, str]:
    """Return (level, reason)."""
    if doc.tier is not None:
        return doc.tier, "given tier"
    found = [lvl for key, lvl in _PUBTYPES for pt in doc.publication_types if key == pt.strip().lower()]
    if found:
        best = min(found, key=lambda lvl: lvl.rank)
        return best, "publication type"
    src = (doc.source_name or "").strip().lower()
    if src in _SOURCE_LEVELS:
        return _SOURCE_LEVELS[src], f"source {doc.source_name}"
    if doc.source_format == "open_medicine":
        return L.GUIDELINE, "open-medicine guideline"
    for pattern, lvl in _CUES:
        if pattern.search(doc.title or ""):
            return lvl, "title cue"
    opening = " ".join(s.text for s in doc.sections[:3])[:1500]
    for pattern, lvl in _CUES:
        if lvl is not L.NARRATIVE_REVIEW and pattern.search(opening):
            return lvl, "text cue"
    return L.UNCLASSIFIED, "no cue"
