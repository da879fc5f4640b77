"""Typed data of the corpus: what readers produce (SourceDocument) and what the store keeps (Document, Passage)."""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from enum import Enum


class EvidenceLevel(str, Enum):
    """Evidence level of a whole document, strongest first (see RANK)."""

    GUIDELINE = "guideline"
    SYSTEMATIC_REVIEW = "systematic_review"
    RANDOMIZED_TRIAL = "randomized_trial"
    COHORT = "cohort"
    CASE_SERIES = "case_series"
    NARRATIVE_REVIEW = "narrative_review"
    REFERENCE = "reference"
    TRIAL_REGISTRY = "trial_registry"
    UNCLASSIFIED = "unclassified"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        """0 is strongest. Used for ordering, never as a claim of quality by itself."""
        return LEVEL_RANK[self]

    @classmethod
    def parse(cls, value: str) -> "EvidenceLevel":
        """Accept the enum value, its label, or common short names ("rct", "sr", "meta-analysis", "patient")."""
        def norm(text: str) -> str:
            return "_".join(re.findall(r"[a-z]+", text.lower()))

        v = norm(value or "")
        for lvl in cls:
            if v in (lvl.value, norm(lvl.label)):
                return lvl
        alias = _ALIASES.get(v)
        if alias:
            return alias
        choices = ", ".join(lvl.value for lvl in cls)
        raise ValueError(f"unknown evidence tier {value!r}; expected one of: {choices}")


LEVEL_LABELS = {
    EvidenceLevel.GUIDELINE: "Guideline / consensus statement",
    EvidenceLevel.SYSTEMATIC_REVIEW: "Systematic review / meta-analysis",
    EvidenceLevel.RANDOMIZED_TRIAL: "Randomised controlled trial",
    EvidenceLevel.COHORT: "Cohort / observational study",
    EvidenceLevel.CASE_SERIES: "Case series / case report",
    EvidenceLevel.NARRATIVE_REVIEW: "Narrative review",
    EvidenceLevel.REFERENCE: "Reference / patient information page",
    EvidenceLevel.TRIAL_REGISTRY: "Trial registry record",
    EvidenceLevel.UNCLASSIFIED: "Unclassified",
}
LEVEL_RANK = {lvl: i for i, lvl in enumerate(EvidenceLevel)}
_ALIASES = {
    "consensus": EvidenceLevel.GUIDELINE, "guidelines": EvidenceLevel.GUIDELINE,
    "sr": EvidenceLevel.SYSTEMATIC_REVIEW, "meta_analysis": EvidenceLevel.SYSTEMATIC_REVIEW,
    "metaanalysis": EvidenceLevel.SYSTEMATIC_REVIEW,
    "rct": EvidenceLevel.RANDOMIZED_TRIAL, "randomised_trial": EvidenceLevel.RANDOMIZED_TRIAL,
    "trial": EvidenceLevel.RANDOMIZED_TRIAL,
    "observational": EvidenceLevel.COHORT, "cohort_study": EvidenceLevel.COHORT,
    "case_report": EvidenceLevel.CASE_SERIES, "case_series_report": EvidenceLevel.CASE_SERIES,
    "review": EvidenceLevel.NARRATIVE_REVIEW,
    "patient": EvidenceLevel.REFERENCE, "patient_page": EvidenceLevel.REFERENCE,
    "registry": EvidenceLevel.TRIAL_REGISTRY, "trial_record": EvidenceLevel.TRIAL_REGISTRY,
    "unknown": EvidenceLevel.UNCLASSIFIED,
}


@dataclass
class SourceSection:
    """A block of a source as a reader found it. kind: text | abstract | table | recommendation | heading."""

    text: str
    title: str = ""
    kind: str = "text"
    page: int | None = None


@dataclass
class SourceDocument:
    """One document as read from a file, before normalisation and passage splitting."""

    title: str
    sections: list[SourceSection]
    authors: list[str] = field(default_factory=list)
    journal: str = ""            # journal, or the organisation for a guideline
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    publication_types: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    source_format: str = ""      # text | markdown | pdf | pubmed_xml | medline | jsonl | open_medicine
    source_path: str = ""
    source_name: str = ""        # collection: "open-medicine", "MedlinePlus", "ClinicalTrials.gov" ...
    external_id: str = ""        # id given by the source (e.g. NCT number, JSONL id)
    tier: EvidenceLevel | None = None  # explicit evidence level (reader or --tier)
    doc_id: str = ""             # the document id the source asserts (a JSONL id field); "" = from PMID/DOI/content
    doc_id_given: bool = False   # True when the user named the id field (--id-field): ids must then be unique
    record: str = ""             # where in the file, for messages ("line 17")


@dataclass
class Document:
    id: str                      # the user's id (JSONL id field), NCT..., pmid:..., doi:..., or sha:... (content)
    title: str
    text: str                    # normalised full text; passage offsets point into it
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    publication_types: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    evidence_level: EvidenceLevel = EvidenceLevel.UNCLASSIFIED
    source_format: str = ""
    source_path: str = ""
    source_name: str = ""
    external_id: str = ""
    content_hash: str = ""
    added_at: str = ""
    version: int = 1             # bumped each time a re-ingest of the same id brings changed text

    def citation_label(self) -> str:
        """Short "First author et al., Journal, Year" label."""
        who = self.authors[0] + (" et al." if len(self.authors) > 1 else "") if self.authors else ""
        parts = [p for p in (who, self.journal, str(self.year) if self.year else "") if p]
        return ", ".join(parts)


@dataclass
class Passage:
    id: str                      # "<document_id>#<ordinal>"
    document_id: str
    ordinal: int
    text: str                    # == document.text[start:end]
    start: int
    end: int
    section: str = ""
    kind: str = "text"           # text | abstract | table | recommendation
    page: int | None = None
