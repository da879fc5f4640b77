"""Typed article: the one shape every interface renders (CLI text/markdown/html/json, web, API)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Quote(BaseModel):
    document_id: str
    passage_id: str
    text: str
    start: int                   # offsets into the document's normalised text
    end: int


class Item(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    label: str = ""              # e.g. the intervention an option is about ("Anakinra")
    evidence: str = ""           # short evidence line ("1 guideline (2019); 2 case series")
    kind: str = "quote"          # quote | connective | notice


class Section(BaseModel):
    title: str
    items: list[Item] = Field(default_factory=list)
    kind: str = ""               # guidelines | options | research | considerations | notice


class Reference(BaseModel):
    n: int
    document_id: str
    title: str
    authors: list[str] = Field(default_factory=list)
    journal: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    evidence_level: str = ""
    evidence_label: str = ""


class QueryInfo(BaseModel):
    """How the question was understood (shown in --json output)."""

    question_type: str = ""
    concepts: list[str] = Field(default_factory=list)
    population: list[str] = Field(default_factory=list)
    intervention: list[str] = Field(default_factory=list)
    comparison: list[str] = Field(default_factory=list)
    expansions: dict[str, list[str]] = Field(default_factory=dict)


class Verification(BaseModel):
    checked: int = 0
    passed: bool = True
    failures: list[str] = Field(default_factory=list)


class Article(BaseModel):
    question: str
    status: str = "Submitted"
    generated_at: str
    abstained: bool = False
    sections: list[Section] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    # additive fields (stable names; tools may ignore them)
    id: str = ""
    title: str = ""
    caution: str = ""
    audience: str = "clinician"
    disclaimer: str = ""
    follow_ups: list[str] = Field(default_factory=list)
    query: QueryInfo = Field(default_factory=QueryInfo)
    verification: Verification = Field(default_factory=Verification)
    corpus_state: str = ""       # fingerprint of the store the article was built from
    abstain_reason: str = ""
