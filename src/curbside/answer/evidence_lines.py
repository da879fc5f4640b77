"""Short, factual evidence lines for article items, built only from the sources themselves:
"1 guideline (2019); 2 case series, 24 patients". Patient numbers come from extracted outcome rows (every
number traceable to a quote); guideline strength labels are quoted verbatim by the guideline."""

from __future__ import annotations

from collections import defaultdict

from curbside.corpus.models import Document, EvidenceLevel

_NOUNS = {
    EvidenceLevel.GUIDELINE: ("guideline", "guidelines"),
    EvidenceLevel.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
    EvidenceLevel.RANDOMIZED_TRIAL: ("randomised trial", "randomised trials"),
    EvidenceLevel.COHORT: ("cohort study", "cohort studies"),
    EvidenceLevel.CASE_SERIES: ("case series", "case series"),
    EvidenceLevel.NARRATIVE_REVIEW: ("narrative review", "narrative reviews"),
    EvidenceLevel.REFERENCE: ("reference page", "reference pages"),
    EvidenceLevel.TRIAL_REGISTRY: ("trial record", "trial records"),
    EvidenceLevel.UNCLASSIFIED: ("other source", "other sources"),
}


def evidence_line(documents: list[Document], patients: dict[str, int] | None = None) -> str:
    """documents: the distinct sources behind one item; patients: document id -> patients in traced outcome rows."""
    by_level: dict[EvidenceLevel, list[Document]] = defaultdict(list)
    for d in {d.id: d for d in documents}.values():
        by_level[d.evidence_level].append(d)
    parts = []
    for level in sorted(by_level, key=lambda lvl: lvl.rank):
        docs = by_level[level]
        one, many = _NOUNS[level]
        part = f"{len(docs)} {one if len(docs) == 1 else many}"
        years = sorted({d.year for d in docs if d.year})
        if years and level in (EvidenceLevel.GUIDELINE, EvidenceLevel.SYSTEMATIC_REVIEW):
            part += " (" + ", ".join(str(y) for y in years[-3:]) + ")"
        n = sum((patients or {}).get(d.id, 0) for d in docs)
        if n:
            part += f", {n:,} patients"
        parts.append(part)
    return "; ".join(parts)
