"""Typed article: the one shape every interface renders (CLI text/markdown/html/json, web, API)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Quote(BaseModel):
    document_id: str
    passage_id: str
    text: str
    start: int                   # offsets into the document's normalised text
    end: int


class Gloss(BaseModel):
    """A plain-language explanation inserted after a term; start/end locate the term in the quote's display text."""

    term: str
    start: int
    end: int
    explanation: str


class Support(BaseModel):
    """Why a written claim (an item of kind "claim", `--writer llm`) is shown or was dropped: the checks of
    answer/writer/claims.py against the verbatim quotes of the evidence units it cites."""

    passed: bool = False
    score: float = 0.0           # share of the claim's content words found in its quotes (see docs/llm-writer.md)
    threshold: float = 0.0       # the score needed to be shown
    units: list[int] = Field(default_factory=list)      # evidence unit numbers the claim cited ([E#] in the prompt)
    reasons: list[str] = Field(default_factory=list)    # failed checks: no_citation, unknown_citation, number,
    #                                                     token, drug, procedure, population, comparison, polarity,
    #                                                     support
    details: list[str] = Field(default_factory=list)    # one line per failure, for reviewers
    numbers: list[str] = Field(default_factory=list)    # numbers/doses/ranges checked
    entities: list[str] = Field(default_factory=list)   # drugs, procedures, populations checked
    polarity: str = ""           # for | against | neutral (of the claim's own words)
    section: str = ""            # the section the model wrote it in
    written: str = ""            # the sentence exactly as the model wrote it (citation markers included)


class Item(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    label: str = ""              # e.g. the intervention an option is about ("Anakinra")
    evidence: str = ""           # short evidence line ("1 guideline (2019); 2 case series")
    kind: str = "quote"          # quote | connective | notice | conflict
    glosses: list[Gloss] = Field(default_factory=list)   # patient/trainee mode: explanations added to `text`
    context: str = ""            # where the quote sits in its source: heading path, list parent, table header
    #                              (shown beside the quote, never part of it)
    role: str = ""               # recommendation | option | risk_factor | harm | diagnostic | monitoring | finding | ...
    polarity: str = ""           # for | against | neutral
    relevance: float | None = None   # the relevance model's probability that the unit answers the question
    support: Support | None = None   # kind "claim" only: the checks the written sentence passed (or failed)


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
    # written articles (`--writer llm`): claims the model wrote and the claim checks ran on, how many are shown,
    # how many were dropped, and the dropped ones counted by failed check (a claim may fail several)
    claims_checked: int = 0
    shown: int = 0
    dropped: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)


class TableCell(BaseModel):
    """One Evidence Table cell. Most cells are one verbatim span of the source: value == quote.text. A cell that the
    source's layout interleaved with other columns' text (an OCR'd table) is quoted in several parts, each an exact
    span in reading order; value is their texts joined by a space and the text between them is not part of it."""

    value: str                   # what is shown: the quote's text, or the parts' texts joined by a space
    quote: Quote | None = None   # where it came from: the only part, or the first one (a cell without a quote is
    #                              never shown)
    quotes: list[Quote] = Field(default_factory=list)   # every part in order (added later: empty in older articles)
    context: Quote | None = None  # the source line around the (first) part, verbatim: what a reader checks the
    #                              value against ("Twelve of 34 patients achieved a complete response (35%), ...")

    def parts(self) -> list[Quote]:
        """The exact spans behind the value: `quotes`, or for a cell saved before they existed its one `quote`."""
        return list(self.quotes) if self.quotes else ([self.quote] if self.quote is not None else [])


class EvidenceRow(BaseModel):
    intervention: str
    citation: int                # reference number of the source
    cells: dict[str, TableCell] = Field(default_factory=dict)   # patients, complete_response, ..., dosing


class BottomLine(BaseModel):
    """The single unit that best answers the question (also the first item of the "bottom_line" section), and for a
    yes/no question the verdict the evidence supports: "yes", "no" or "unclear" ("" for other questions)."""

    verdict: str = ""
    item: Item | None = None


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
    follow_up_of: str = ""       # id of the earlier article, for follow-up questions
    interpretation: str = ""     # how a follow-up question was read ("Interpreted as: ...")
    evidence_table: list[EvidenceRow] = Field(default_factory=list)
    bottom_line: BottomLine | None = None
    answer_settings: str = ""    # fingerprint of the answering settings and model the article was built with
    writer: str = ""             # extractive | llm (empty in articles saved before writers existed)
    writer_model: str = ""       # the language model that wrote it (llm writer)
    writer_note: str = ""        # e.g. why the extractive article is shown although the llm writer was asked for
    dropped_claims: list[Item] = Field(default_factory=list)   # written claims that failed verification (for review)
    pubmed_note: str = ""        # what `ask --pubmed N` fetched ("12 PubMed records added for this question")
