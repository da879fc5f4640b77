"""Compose an extractive, guideline-first article from retrieved passages.

Sections, in order: From the Guidelines (lead recommendation first), the main list (Treatment Options or the
type's equivalent, grouped by intervention), From the Research (findings with numbers), Key Considerations,
then References. Every body item is one verbatim sentence from the passage it cites.
"""

from __future__ import annotations

import re

from datetime import datetime, timezone

from curbside.answer.candidates import Candidate, asks_symptoms, build_candidates, near_duplicate
from curbside.answer.audience import adapt
from curbside.answer.conflicts import find_conflicts
from curbside.answer.evidence_lines import evidence_line, sources_for_intervention
from curbside.answer.models import Article, Item, Quote, Reference, Section
from curbside.answer import templates as T
from curbside.corpus.models import Document, EvidenceLevel
from curbside.retrieve.query import ParsedQuestion
from curbside.retrieve.search import SearchHit
from curbside.settings import Settings

MIN_SENTENCE_SCORE = 0.22


class _Picker:
    """Keeps chosen candidates unique (no sentence twice, no near-duplicates) and limits one document's share."""

    def __init__(self, per_document: int = 3):
        self.chosen: list[Candidate] = []
        self.per_doc: dict[str, int] = {}
        self.per_document = per_document

    def ok(self, c: Candidate, per_document: int | None = None) -> bool:
        limit = per_document or self.per_document
        if self.per_doc.get(c.document.id, 0) >= limit:
            return False
        return not any(near_duplicate(c, o) for o in self.chosen)

    def new_section(self) -> None:
        self.per_doc = {}

    def take(self, c: Candidate) -> Candidate:
        self.chosen.append(c)
        self.per_doc[c.document.id] = self.per_doc.get(c.document.id, 0) + 1
        return c

    def take_best(self, ranked, limit: int, per_document: int | None = None) -> list[Candidate]:
        """The first `limit` candidates of a ranked pool that are new and within the per-document share."""
        out: list[Candidate] = []
        for c in ranked:
            if len(out) >= limit:
                break
            if self.ok(c, per_document):
                out.append(self.take(c))
        return out


class _Citations:
    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.documents: dict[str, Document] = {}

    def cite(self, doc: Document) -> int:
        if doc.id not in self.numbers:
            self.numbers[doc.id] = len(self.numbers) + 1
            self.documents[doc.id] = doc
        return self.numbers[doc.id]

    def references(self) -> list[Reference]:
        refs = []
        for doc_id, n in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            d = self.documents[doc_id]
            refs.append(Reference(
                n=n, document_id=d.id, title=d.title, authors=d.authors, journal=d.journal, year=d.year,
                pmid=d.pmid, doi=d.doi, url=d.url, evidence_level=d.evidence_level.value,
                evidence_label=d.evidence_level.label))
        return refs


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def compose_article(question: str, parsed: ParsedQuestion, hits: list[SearchHit], settings: Settings,
                    audience: str = "clinician") -> Article:
    candidates = [c for c in build_candidates(parsed, hits) if c.head and c.score >= MIN_SENTENCE_SCORE]
    relevant = [c for c in candidates if c.coverage >= settings.min_relevance and c.head_in_sentence]
    if not relevant:
        return abstain(question, parsed)
    picker, cites = _Picker(), _Citations()
    limit = settings.max_items_per_section
    sections: list[Section] = []

    guidelines = _guidelines(candidates, picker, min(4, limit), parsed.question_type, settings.min_relevance)
    if guidelines:
        sections.append(Section(title=T.SECTION_TITLES["guidelines"], kind="guidelines",
                                items=[_guideline_item(c, cites) for c in guidelines]))
    picker.new_section()
    options = _options(candidates, parsed, picker, limit + 2)
    if options:
        title = T.OPTIONS_TITLES["symptoms"] if asks_symptoms(parsed) and parsed.question_type == "diagnosis" \
            else T.OPTIONS_TITLES.get(parsed.question_type, T.OPTIONS_TITLES["other"])
        items = []
        for label, c in options:
            item = _item(c, cites, label)
            if label:
                item.evidence = evidence_line([c.document] + sources_for_intervention(label, relevant_pool(candidates)))
            items.append(item)
        sections.append(Section(title=title, kind="options", items=items))
    picker.new_section()
    research = _research(candidates, picker, limit)
    if research:
        sections.append(Section(title=T.SECTION_TITLES["research"], kind="research",
                                items=[_item(c, cites) for c in research]))
    picker.new_section()
    considerations = [_item(c, cites) for c in _considerations(candidates, picker, min(5, limit))]
    for conflict in find_conflicts(relevant_pool(candidates)):
        considerations.append(_conflict_item(conflict, cites))
    if considerations:
        sections.append(Section(title=T.SECTION_TITLES["considerations"], kind="considerations", items=considerations))
    if not sections:
        return abstain(question, parsed)
    plain = []
    if audience == "patient":
        plain = [_item(c, cites) for c in _plain_language(candidates, picker, 4)]
    article = Article(question=question, title=question.strip(), generated_at=now_iso(), sections=sections,
                      references=[], caution=T.CAUTION, disclaimer=T.DISCLAIMER_PROFESSIONAL, query=parsed.to_info())
    article = adapt(article, audience, plain)
    article.references = cites.references()
    _renumber(article)
    return article


def _renumber(article: Article) -> None:
    """Number references in order of first citation as the article finally reads (audience modes reorder)."""
    order: dict[int, int] = {}
    for s in article.sections:
        for it in s.items:
            for n in it.citations:
                order.setdefault(n, len(order) + 1)
    refs = [r for r in article.references if r.n in order]
    for r in refs:
        r.n = order[r.n]
    article.references = sorted(refs, key=lambda r: r.n)
    for s in article.sections:
        for it in s.items:
            it.citations = [order[n] for n in it.citations]


def _conflict_item(conflict, cites: _Citations) -> Item:
    a, b = conflict.first, conflict.second
    quotes = [Quote(document_id=c.document.id, passage_id=c.passage.id, text=c.quote, start=c.start, end=c.end)
              for c in (a, b)]
    return Item(text=f"{a.display} {b.display}", citations=[cites.cite(a.document), cites.cite(b.document)],
                quotes=quotes, label=conflict.label, kind="conflict")


def _plain_language(cands: list[Candidate], picker: _Picker, limit: int) -> list[Candidate]:
    """Patient mode: sentences from reference/patient pages, if the corpus has them."""
    return picker.take_best((c for c in cands if c.document.evidence_level is EvidenceLevel.REFERENCE
                             and c.coverage > 0), limit, 4)


def _topics(question: str, parsed: ParsedQuestion) -> list[str]:
    """The question's concepts as the reader wrote them, neighbours joined ("acute otitis" + "media" -> "acute
    otitis media"), populations last as "in ..." ("vitamin D, fractures in older adults")."""
    low = question.lower()
    spans = []
    for c in parsed.concepts:
        i = low.find(c.text.lower())
        if i >= 0:
            spans.append([i, i + len(c.text), c.kind == "population"])
    spans.sort()
    merged: list[list] = []
    for sp in spans:
        if merged and sp[0] >= merged[-1][1] and not question[merged[-1][1]:sp[0]].strip(" -"):
            merged[-1][1], merged[-1][2] = max(merged[-1][1], sp[1]), sp[2]     # the last word is the head
        elif not merged or sp[0] >= merged[-1][1]:
            merged.append(sp)
    main = [question[a:b] for a, b, pop in merged if not pop]
    pops = [question[a:b] for a, b, pop in merged if pop]
    if not main:
        return [c.text for c in parsed.concepts] or parsed.keywords[:4]
    if pops:
        main[-1] += " in " + " and ".join(pops)
    return main


def abstain(question: str, parsed: ParsedQuestion) -> Article:
    topics = _topics(question, parsed)
    items = [Item(text=T.ABSTAIN_TEXT, kind="notice"), Item(text=T.abstain_suggestion(topics), kind="notice")]
    return Article(question=question, title=question.strip(), generated_at=now_iso(), abstained=True,
                   sections=[Section(title=T.SECTION_TITLES["notice"], kind="notice", items=items)],
                   caution=T.CAUTION, disclaimer=T.DISCLAIMER_PROFESSIONAL, query=parsed.to_info(),
                   abstain_reason="no retrieved passage addresses the question's main concepts")


def _item(c: Candidate, cites: _Citations, label: str = "") -> Item:
    n = cites.cite(c.document)
    return Item(text=c.display, citations=[n], label=label, quotes=[Quote(
        document_id=c.document.id, passage_id=c.passage.id, text=c.quote, start=c.start, end=c.end)])


def relevant_pool(cands: list[Candidate]) -> list[Candidate]:
    return [c for c in cands if c.head and c.coverage > 0]


def _guideline_item(c: Candidate, cites: _Citations) -> Item:
    """A guideline sentence, with the strength/quality label the guideline states for it (verbatim)."""
    from curbside.answer.grading import describe, label_for_sentence

    item = _item(c, cites)
    p = c.passage
    label = label_for_sentence(p.text, c.start - p.start, c.end - p.start)
    year = f" ({c.document.year})" if c.document.year else ""
    item.evidence = f"Guideline{year}" + (f"; {describe(label)}" if label else "")
    return item


def _guidelines(cands: list[Candidate], picker: _Picker, limit: int, qtype: str = "other",
                min_coverage: float = 0.34) -> list[Candidate]:
    # the lead must be on the point of the question, not merely about its drug or condition
    pool = [c for c in cands if c.is_guideline and c.head and c.coverage >= min_coverage]
    # lead: the strongest recommendation-like sentence; then supporting points
    # (recommendation wording helps, but a sentence about what was asked -- diagnosis, dose, harms -- and a
    # guideline about the condition itself help as much)
    advice = 0.12 if qtype in ("treatment", "dosing", "prevention", "adverse_effects", "other") else 0.04
    pool.sort(key=lambda c: -(c.score + (advice if c.recommends else 0.0) + (0.08 if c.type_cue else 0.0)
                              + (0.04 if c.topical else 0.0)))
    return picker.take_best(pool, limit, per_document=3)


def _options(cands: list[Candidate], parsed: ParsedQuestion, picker: _Picker, limit: int) -> list[tuple[str, Candidate]]:
    qtype = parsed.question_type
    out: list[tuple[str, Candidate]] = []
    if qtype in ("treatment", "dosing", "adverse_effects", "prevention"):
        seen: set[str] = set()
        # "What is the dose of allopurinol?" lists allopurinol's doses, not those of every drug nearby
        asked = {i.lower() for i in parsed.intervention} if qtype in ("dosing", "adverse_effects") else set()
        # prefer sentences that open with the intervention and report a result
        ranked = sorted(cands, key=lambda c: -_option_rank(c))
        for c in ranked:
            if len(out) >= limit:
                break
            names = c.interventions
            if not names or len(names) > 4 or not (c.type_cue or c.result) or c.meta or _fragment(c) \
                    or _SILENT.search(c.display):
                continue
            if asked:
                names = [n for n in names if n.lower() in asked] or \
                    [n for n in names if any(a in c.display.lower() for a in asked)]
                if not names or not c.type_cue:
                    continue
            key = names[0]
            if _option_key(key) in seen or not picker.ok(c, per_document=limit):
                continue
            seen.add(_option_key(key))
            out.append((_label(key, c.display), picker.take(c)))
        return out
    for c in cands:
        if len(out) >= limit:
            break
        if (c.type_cue or c.coverage >= 0.5) and not c.meta and picker.ok(c):
            out.append(("", picker.take(c)))
    return out


# what a source says it does not cover: a consideration, not an option
_SILENT = re.compile(r"\b(?:does|do|did) not (?:specify|provide|address|include|contain|cover|make|define)\b|"
                     r"\bno (?:specific )?recommendations? (?:is|are|was|were|can be) made\b", re.I)

# a definition ("refractory HLH can be considered as failing to ..."), not a finding
_DEFINES = re.compile(r"\b(?:(?:is|are|be|been) (?:defined|considered|regarded) (?:as|to be)|defined \w+(?: \w+)? "
                      r"(?:to be|as)|the definition of)\b", re.I)

# one patient's course ("The first was a 14-year-old ...", "cyclosporine was held"), not a treatment's evidence
_CASE_NARRATIVE = re.compile(
    r"\b(?:the (?:first|second|third|other) (?:was|patient)|\d+[- ](?:year|month)[- ]old|a case of|"
    r"was (?:held|stopped|discontinued|added|reduced|switched|tapered|restarted)|"
    r"(?:he|she) (?:was|had|received|developed))\b", re.I)


def _option_rank(c: Candidate) -> float:
    """Order of option sentences: what the sentence says about a treatment (the treatment as its subject, with
    a finding or advice) counts on top of its relevance; one patient's course counts against it."""
    rank = c.score
    names = c.interventions
    if names and c.display.lower().find(names[0].lower()) < 20 and (c.result or c.recommends or c.type_cue):
        rank += 0.2
    if c.result:
        rank += 0.1 if c.has_number else 0.06
    if _CASE_NARRATIVE.search(c.display):
        rank -= 0.25
    return rank


_TRANSPLANT = re.compile(r"^(?:allogeneic |autologous )?(?:hematopoietic (?:stem )?cell|stem cell|bone marrow) "
                         r"transplant\w*$|^(?:allo-?)?h?s?ct$|^allosct$", re.I)


def _option_key(name: str) -> str:
    """One option per treatment: "allogeneic hematopoietic stem cell transplantation" and "HSCT" are the same."""
    low = " ".join(name.lower().split())
    return "hematopoietic cell transplantation" if _TRANSPLANT.match(low) else low


def _fragment(c: Candidate) -> bool:
    """A list-item fragment that names a therapy without saying anything about it ("Patients receiving active
    chemotherapy or immunosuppressive therapy", a risk factor): no closing punctuation, no dose, no advice."""
    return c.display[-1:] not in ".)]%" and not c.recommends and not c.has_number


def _label(name: str, sentence: str = "") -> str:
    """The option's display name: as the quoted sentence writes it when it does ("NSAIDs", "IL-1 inhibitor"),
    else the dictionary name with a capital."""
    m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence, re.I) if sentence else None
    if m and any(ch.isupper() for ch in m.group(0)[1:]):
        return m.group(0)
    return name if any(ch.isupper() for ch in name) else name[:1].upper() + name[1:]


def _research(cands: list[Candidate], picker: _Picker, limit: int) -> list[Candidate]:
    # a results sentence ("Twelve of 34 patients achieved a complete response (35%)") rarely repeats the
    # condition's name: inside a passage about the question it counts even so
    pool = [c for c in cands if not c.is_guideline and (c.result or c.has_number) and not c.meta
            and not (_DEFINES.search(c.display) and not c.has_number)
            and (c.coverage > 0 or (c.result and c.has_number and c.context_coverage >= 0.5))
            and (c.document.evidence_level is not EvidenceLevel.TRIAL_REGISTRY or (c.result and c.has_number))]
    # findings first: a sentence that reports numbers about an outcome outranks one that only talks about it
    # (and it is scored as covering what its passage covers, since it rarely repeats the question's words)
    pool.sort(key=lambda c: -(c.score + (0.05 if c.has_number else 0.0) + (
        0.4 + 0.42 * max(0.0, c.context_coverage - c.coverage) if c.has_number and c.result else 0.0)))
    return picker.take_best(pool, limit, per_document=4)


def _considerations(cands: list[Candidate], picker: _Picker, limit: int) -> list[Candidate]:
    """Caveats: limits of the evidence, populations, harms. Registry records (eligibility criteria, plans) come
    only after every other source's caveats."""
    pool = [c for c in cands if c.consider and not c.meta and c.coverage > 0]
    pool.sort(key=lambda c: c.document.evidence_level is EvidenceLevel.TRIAL_REGISTRY)    # stable: score order kept
    return picker.take_best(pool, limit)
