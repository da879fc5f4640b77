"""The llm writer: a language model writes the article from numbered evidence units; only claims that pass every
check against their quotes are shown (answer/writer/claims.py).

The work is split in three so a server does not hold its store lock while a model writes:
``prepare`` (evidence selection, the extractive article that decides abstention, the prompt), ``generate`` (the
model call, streamed) and ``assemble`` (parse, check, build the article). ``write`` runs all three.

What a reader gets:
* the extractive article's decision to answer or abstain stands: the model never writes an answer the evidence
  does not support well enough to quote;
* shown claims are items of kind "claim" with their citations and the verbatim quotes (exact offsets) of the
  units they cite; dropped claims go to ``article.dropped_claims`` with their failed checks, counted in
  ``article.verification`` (claims_checked, shown, dropped, reasons);
* when no written bottom line passes, the extractive bottom line (a verbatim quote) opens the article; when no claim
  at all passes, the extractive article is shown with a note saying so.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from curbside.answer import templates as T
from curbside.answer.audience import adapt
from curbside.answer.models import Article, BottomLine, Item, Quote, Reference, Section, Support, Verification
from curbside.answer.writer import Progress
from curbside.answer.writer.claims import check_claim, parse_written, supporting_units
from curbside.answer.writer.llm_client import ChatClient, Completion, LLMUnavailable, make_client
from curbside.answer.writer.prompt import build_messages, is_injection
from curbside.answer.writer.units import EvidenceUnit
from curbside.retrieve.query import ParsedQuestion
from curbside.retrieve.search import SearchHit

DISCLAIMER_WRITTEN = (
    "This information is intended for healthcare professionals. The sentences above were written by a language "
    "model from the numbered sources; each was checked against the quoted passages it cites (numbers, doses, drugs, "
    "populations and whether it recommends for or against) and unsupported ones were removed. It is not a "
    "substitute for clinical judgement: read the quotes behind each citation and verify doses and recommendations "
    "against the primary sources before applying them to patient care."
)
SECTION_ORDER = ("bottom_line", "guidelines", "options", "against", "research", "considerations")


@dataclass
class Prepared:
    question: str
    parsed: ParsedQuestion
    audience: str
    extractive: Article
    evidence: list[EvidenceUnit] = field(default_factory=list)
    withheld: int = 0                      # units not given to the model (instruction-like text)
    messages: list[dict] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        """Whether the model is asked at all (not when the extractive article abstains)."""
        return not self.extractive.abstained and bool(self.evidence)


class LLMWriter:
    name = "llm"

    def __init__(self, settings, client: ChatClient | None = None):
        self.settings = settings
        self._client = client

    @property
    def client(self) -> ChatClient:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    # ------------------------------------------------------------------ stages
    def prepare(self, question: str, parsed: ParsedQuestion, hits: list[SearchHit],
                audience: str = "clinician") -> Prepared:
        from curbside.answer.compose import abstain, compose_article, select_units
        from curbside.answer.relevance import load_model

        extractive = compose_article(question, parsed, hits, self.settings, audience) if hits \
            else abstain(question, parsed)
        extractive.writer = "extractive"
        prep = Prepared(question, parsed, audience, extractive)
        if extractive.abstained:
            return prep
        model = load_model()
        scored = select_units(parsed, hits, model)
        by_key = {(s.unit.document.id, s.unit.start): s for s in scored}
        chosen, seen_text, withheld = [], set(), set()
        in_article = [(q.document_id, q.start) for sec in extractive.sections for it in sec.items
                      for q in it.quotes[:1]]
        ranked = [by_key[k] for k in in_article if k in by_key]
        ranked += [s for s in scored if s.usable and s.prob >= model.item_threshold]
        for s in ranked:
            key = (s.unit.document.id, s.unit.start)
            text = " ".join(s.unit.display.lower().split())
            if key in {(c.unit.document.id, c.unit.start) for c in chosen} or text in seen_text:
                continue
            if is_injection(s.unit.display) or is_injection(s.unit.context_text):
                withheld.add(key)
                continue
            chosen.append(s)
            seen_text.add(text)
            if len(chosen) >= self.settings.llm_max_units:
                break
        prep.withheld = len(withheld)
        prep.evidence = [EvidenceUnit.of(i + 1, s) for i, s in enumerate(chosen)]
        prep.messages = build_messages(question, prep.evidence)
        return prep

    def generate(self, prep: Prepared, on_token: Callable[[str], None] | None = None) -> Completion:
        return self.client.chat(prep.messages, max_tokens=self.settings.llm_max_tokens, temperature=0.0,
                                on_token=on_token)

    def assemble(self, prep: Prepared, completion: Completion, progress: Progress | None = None) -> Article:
        given = {e.n: e for e in prep.evidence}
        written = parse_written(completion.text)
        if progress:
            progress("checking", f"checking {len(written)} claims")
        threshold = self.settings.claim_support_threshold
        years = {e.unit.document.year for e in prep.evidence if e.unit.document.year}
        refs = _Refs()
        by_section: dict[str, list[Item]] = {}
        dropped: list[Item] = []
        reasons: Counter = Counter()
        seen: set[str] = set()
        for c in written:
            full = f"{c.label}: {c.text}" if c.label else c.text
            norm = " ".join(full.lower().split())
            if norm in seen:
                continue
            seen.add(norm)
            chk = check_claim(full, c.cited, given, prep.question, threshold, years)
            cited = c.cited
            if not chk.reasons:          # shown with the quotes that carry it, when those alone pass too
                narrow = supporting_units(full, c.cited, given, prep.question)
                if narrow != list(dict.fromkeys(c.cited)):
                    chk2 = check_claim(full, narrow, given, prep.question, threshold, years)
                    if not chk2.reasons:
                        chk, cited = chk2, narrow
            units = [given[n] for n in cited if n in given]
            support = Support(passed=not chk.reasons, score=chk.score, threshold=threshold, units=cited,
                              reasons=chk.reasons, details=chk.details, numbers=chk.numbers, entities=chk.entities,
                              polarity=chk.polarity, section=c.section, written=c.raw)
            quotes = _unique_quotes(units)
            item = Item(text=c.text, label=c.label, kind="claim", quotes=quotes, support=support,
                        context=units[0].unit.context_text if units else "",
                        role=units[0].role if units else "", polarity=chk.polarity,
                        relevance=round(max(e.prob for e in units), 3) if units else None)
            if chk.reasons:
                reasons.update(chk.reasons)
                dropped.append(item)
                continue
            item.citations = list(dict.fromkeys(refs.cite_unit(e) for e in units))
            section = c.section
            if section == "options" and c.label == "" and prep.parsed.question_type not in _OPTION_TYPES:
                section = "options"
            by_section.setdefault(section, []).append(item)

        shown = sum(len(v) for v in by_section.values())
        verification = Verification(claims_checked=len(seen), shown=shown, dropped=len(dropped),
                                    reasons=dict(reasons))
        model_name = completion.model or getattr(self._client, "name", "")
        if not shown:
            article = prep.extractive
            article.writer, article.writer_model = "extractive", model_name
            article.writer_note = (f"None of the {len(seen)} sentences the language model wrote passed verification; "
                                   "this is the extractive article (every sentence quoted from its source)."
                                   if seen else "The language model wrote no usable sentence; this is the "
                                                "extractive article (every sentence quoted from its source).")
            _add_notice(article, T.writer_fallback_notice("no written sentence passed verification"))
            article.dropped_claims = dropped
            article.verification = verification
            return article

        sections: list[Section] = []
        bottom = by_section.get("bottom_line", [])[:2]
        if not bottom:          # the extractive bottom line: a verbatim quote of the best unit ...
            lead = prep.extractive.bottom_line.item if prep.extractive.bottom_line else None
            if lead is not None and not is_injection(lead.text):
                bottom = [refs.copy_quoted(lead, prep.extractive.references)]
            else:               # ... or else the first written claim that passed
                first = next(k for k in SECTION_ORDER[1:] if by_section.get(k))
                bottom = [by_section[first].pop(0)]
        if bottom:
            sections.append(Section(title=T.SECTION_TITLES["bottom_line"], kind="bottom_line", items=bottom))
        qtype = prep.parsed.question_type
        titles = dict(T.SECTION_TITLES, options=T.OPTIONS_TITLES.get(qtype, T.OPTIONS_TITLES["other"]))
        limit = self.settings.max_items_per_section
        extra_bottom = by_section.get("bottom_line", [])[2:]
        for key in SECTION_ORDER[1:]:
            items = by_section.get(key, [])
            if key == "research":
                items = extra_bottom + items
            if items:
                sections.append(Section(title=titles[key], kind=key, items=items[:limit + 2]))
        references = _renumber(sections, refs.references())
        article = Article(question=prep.question, title=prep.question.strip(),
                          generated_at=prep.extractive.generated_at, sections=sections,
                          references=references, caution=T.CAUTION, disclaimer=DISCLAIMER_WRITTEN,
                          query=prep.parsed.to_info(), writer="llm", writer_model=model_name,
                          dropped_claims=dropped, verification=verification)
        verdict = prep.extractive.bottom_line.verdict if prep.extractive.bottom_line else ""
        article.bottom_line = BottomLine(verdict=verdict, item=sections[0].items[0] if sections else None)
        if prep.withheld:
            article.writer_note = (f"{prep.withheld} evidence unit(s) read like instructions to a language model "
                                   "and were not given to it.")
        return adapt(article, prep.audience, [])

    # ------------------------------------------------------------------ all at once
    def write(self, question: str, parsed: ParsedQuestion, hits: list[SearchHit], audience: str = "clinician", *,
              progress: Progress | None = None, on_token: Callable[[str], None] | None = None,
              lock: AbstractContextManager | None = None) -> Article:
        """`lock` (the engine's store lock) is held while evidence is selected and claims are checked, never while
        the model writes, so a server keeps answering others meanwhile."""
        lock = lock or nullcontext()
        if progress:
            progress("selecting", "selecting evidence")
        with lock:
            prep = self.prepare(question, parsed, hits, audience)
        if not prep.writes:
            prep.extractive.writer = "llm" if prep.extractive.abstained else "extractive"
            return prep.extractive
        if progress:
            progress("writing", f"writing from {len(prep.evidence)} evidence units")
        try:
            completion = self.generate(prep, on_token)
        except LLMUnavailable as exc:
            if not self.settings.llm_fallback:
                raise
            return fallback(prep, str(exc))
        with lock:
            return self.assemble(prep, completion, progress)


_OPTION_TYPES = ("treatment", "dosing", "adverse_effects", "prevention")


def fallback(prep: Prepared, reason: str) -> Article:
    """The extractive article with a visible note: the configured model could not be used (no other is tried)."""
    article = prep.extractive
    article.writer = "extractive"
    article.writer_note = f"The language model could not be used ({reason}); this is the extractive article."
    _add_notice(article, T.writer_fallback_notice("the language model could not be reached"))
    return article


def _add_notice(article: Article, text: str) -> None:
    if article.abstained or not article.sections:
        return
    first = article.sections[0]
    first.items.append(Item(text=text, kind="notice"))


def _renumber(sections: list[Section], references: list[Reference]) -> list[Reference]:
    """References numbered in order of first citation as the article reads."""
    order: dict[int, int] = {}
    for sec in sections:
        for it in sec.items:
            for n in it.citations:
                order.setdefault(n, len(order) + 1)
    for sec in sections:
        for it in sec.items:
            it.citations = [order[n] for n in it.citations]
    out = [r.model_copy(update={"n": order[r.n]}) for r in references if r.n in order]
    return sorted(out, key=lambda r: r.n)


def _unique_quotes(units: list[EvidenceUnit]) -> list[Quote]:
    out, keys = [], set()
    for e in units:
        k = (e.unit.document.id, e.unit.start, e.unit.end)
        if k not in keys:
            keys.add(k)
            out.append(e.quote)
    return out


class _Refs:
    """Reference numbers in order of first citation."""

    def __init__(self) -> None:
        self.refs: dict[str, Reference] = {}

    def _n(self, doc_id: str, make: Callable[[int], Reference]) -> int:
        if doc_id not in self.refs:
            self.refs[doc_id] = make(len(self.refs) + 1)
        return self.refs[doc_id].n

    def cite_unit(self, e: EvidenceUnit) -> int:
        d = e.unit.document
        return self._n(d.id, lambda n: Reference(
            n=n, document_id=d.id, title=d.title, authors=d.authors, journal=d.journal, year=d.year, pmid=d.pmid,
            doi=d.doi, url=d.url, evidence_level=d.evidence_level.value, evidence_label=d.evidence_level.label))

    def copy_quoted(self, item: Item, references: list[Reference]) -> Item:
        """An item of the extractive article, its citation numbers re-pointed at this article's references."""
        by_n = {r.n: r for r in references}
        new = item.model_copy(deep=True)
        nums = []
        for n in item.citations:
            r = by_n.get(n)
            if r is not None:
                nums.append(self._n(r.document_id, lambda k, r=r: r.model_copy(update={"n": k})))
        new.citations = nums
        return new

    def references(self) -> list[Reference]:
        return sorted(self.refs.values(), key=lambda r: r.n)


_WS = re.compile(r"\s+")
