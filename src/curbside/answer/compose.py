"""Compose an article from scored evidence units: evidence first (answer/units.py, answer/relevance.py), then the
answer.

Sections, in order: Bottom line (the one unit that best answers the question, a guideline recommendation when one
is close to the best; a yes/no verdict beside it when the question asks for one), From the Guidelines, the main
list (Treatment Options or the type's equivalent, one item per intervention), Not Recommended (what the sources
advise against), From the Research (findings), Key Considerations, References. Every body item is the exact
source span of one unit; its heading path is shown beside it, never spliced in.

Which units may appear is decided by the learned relevance model (a probability per unit) and by the unit's role:
a unit that advises against something is never an option, a risk factor is never a treatment, maintenance therapy
is not an option for an acute question, and a unit about another population or not about the question's head
concept is never used. When no usable unit is probable enough, the article abstains and cites nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from curbside.answer import interventions as IV
from curbside.answer import templates as T
from curbside.answer.audience import adapt
from curbside.answer.conflicts import find_conflicts
from curbside.answer.evidence_lines import evidence_line
from curbside.answer.features import continues_lead_in
from curbside.answer.models import Article, BottomLine, Item, Quote, Reference, Section
from curbside.answer.relevance import RelevanceModel, Scored, load_model, score_units
from curbside.corpus.models import Document, EvidenceLevel
from curbside.retrieve.query import ParsedQuestion
from curbside.retrieve.search import SearchHit
from curbside.settings import Settings

_WORD = re.compile(r"[a-z0-9]+")
OPTION_TYPES = ("treatment", "dosing", "adverse_effects", "prevention")


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


class _Picker:
    """No unit twice, no near-duplicates, at most `per_document` units of one document per section."""

    def __init__(self) -> None:
        self.chosen: list[set[str]] = []
        self.keys: set[tuple[str, int]] = set()
        self.per_doc: dict[str, int] = {}

    def new_section(self) -> None:
        self.per_doc = {}

    def ok(self, s: Scored, per_document: int = 6) -> bool:
        u = s.unit
        if (u.document.id, u.start) in self.keys or self.per_doc.get(u.document.id, 0) >= per_document:
            return False
        return not any(_same_statement(_signature(u.display), o) for o in self.chosen)

    def take(self, s: Scored) -> Scored:
        u = s.unit
        self.keys.add((u.document.id, u.start))
        self.chosen.append(_signature(u.display))
        self.per_doc[u.document.id] = self.per_doc.get(u.document.id, 0) + 1
        return s


_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def _signature(text: str) -> tuple[frozenset[str], frozenset[str]]:
    low = text.lower()
    return frozenset(_WORD.findall(low)) - frozenset(_NUM.findall(low)), frozenset(_NUM.findall(low))


def _same_statement(a, b) -> bool:
    """Two units that say the same thing: nearly all words shared (Jaccard >= 0.75) and the same numbers. Parallel
    list items ("... not use melatonin", "... not use trazodone") and table rows (Stage 1 / Stage 2) differ in a
    name or a number, so both stay."""
    (wa, na), (wb, nb) = a, b
    if not wa or not wb or na != nb:
        return False
    return len(wa & wb) / len(wa | wb) >= 0.75


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def with_document_text(hits: list[SearchHit], store) -> list[SearchHit]:
    """Search hits carry documents without their text; units need it (heading paths, list parents, tables)."""
    from dataclasses import replace

    docs: dict[str, Document] = {}
    out = []
    for h in hits:
        if h.document.text:
            out.append(h)
            continue
        if h.document.id not in docs:
            docs[h.document.id] = store.get_document(h.document.id, with_text=True) or h.document
        out.append(replace(h, document=docs[h.document.id]))
    return out


def select_units(parsed: ParsedQuestion, hits: list[SearchHit], model: RelevanceModel | None = None) -> list[Scored]:
    """Every unit of the retrieved passages, scored, best first."""
    from curbside.answer.units import units_for_hits

    units = units_for_hits(hits)
    scores = {h.passage.id: h.score for h in hits}
    return score_units(parsed, units, scores, model)


def compose_article(question: str, parsed: ParsedQuestion, hits: list[SearchHit], settings: Settings,
                    audience: str = "clinician") -> Article:
    model = load_model()
    scored = select_units(parsed, hits, model)
    _inherit_lead_in_relevance(scored, model.item_threshold)
    # a statement its heading path restricts to patients the question does not ask about ("for individuals with
    # renal impairment" above "Acamprosate should not be used as a first-line treatment") would read as general
    # advice: it answers the question about that subgroup, not this one
    usable = [s for s in scored if s.usable and not _subgroup_only(s.unit, parsed.text) and not _loose_cell(s.unit)]
    # the answer must be about the question's population when it names one (children, pregnancy, CKD ...)
    leads = [s for s in usable if s.can_lead]
    if not leads or leads[0].prob < model.answer_threshold:
        return abstain(question, parsed)
    pool = [s for s in usable if s.prob >= model.item_threshold]
    picker, cites = _Picker(), _Citations()
    limit = settings.max_items_per_section
    sections: list[Section] = []

    lead_in = _bottom_line([s for s in leads if s.prob >= model.answer_threshold] or leads, model.item_threshold)
    announced = _announced(lead_in, usable)
    guideline = lead_in.unit.document.evidence_level is EvidenceLevel.GUIDELINE
    if announced:                # a lead-in: its items are the bottom line, read under it (their context)
        picker.take(lead_in)
        lead = announced[0]
    else:
        lead = lead_in
    bottom = Section(title=T.SECTION_TITLES["bottom_line"], kind="bottom_line",
                     items=[_item(picker.take(s), cites, guideline=guideline)
                            for s in ([lead] + announced[1:BLOCK_ROWS])])
    if not any(s.unit.document.evidence_level is EvidenceLevel.GUIDELINE for s in pool):
        bottom.items.append(Item(text=T.no_guideline_note(_level_counts(pool)), kind="notice"))
    sections.append(bottom)
    verdict = _verdict(question, parsed, pool)

    picker.new_section()
    # guidelines first: a guideline's recommendation about the question is shown when it is relevant enough to
    # answer at all (the answer threshold), even where research findings outscore it
    guidelines = [s for s in usable if s.prob >= model.answer_threshold and s.role.polarity != "against"
                  and s.unit.document.evidence_level is EvidenceLevel.GUIDELINE
                  and (s.prob >= model.item_threshold or s.role.role == "recommendation")]
    items = [_item(s, cites, guideline=True) for s in _first(guidelines, picker, limit, limit)]
    if items:
        sections.append(Section(title=T.SECTION_TITLES["guidelines"], kind="guidelines", items=items))

    picker.new_section()
    main = _main_list(parsed, pool + _list_rest(parsed, pool, usable, model), picker, cites, limit)
    if main:
        sections.append(main)

    picker.new_section()
    against = [_item(s, cites, guideline=s.unit.document.evidence_level is EvidenceLevel.GUIDELINE)
               for s in _first([s for s in pool if s.role.polarity == "against"], picker, min(4, limit))]
    if against:
        sections.append(Section(title=T.SECTION_TITLES["against"], kind="against", items=against))

    picker.new_section()
    # the research: what non-guideline sources say about the question, most relevant first (a finding is not
    # put above a more relevant statement of the same source: "the very definition of refractory disease is itself
    # challenging ..." answers "How is refractory X defined?" better than a response rate)
    research_pool = [s for s in pool if s.unit.document.evidence_level not in (EvidenceLevel.GUIDELINE,
                                                                                 EvidenceLevel.TRIAL_REGISTRY)
                     and s.role.role not in ("risk_factor",) and not s.role.meta]
    research_pool.sort(key=lambda s: -s.prob)
    # the research is the answer when no guideline gives one: then it has the room a guideline section would have
    room = 4 if any(sec.kind == "guidelines" for sec in sections) else limit
    research = [_item(s, cites) for s in _first(research_pool, picker, room, room)]
    if research:
        sections.append(Section(title=T.SECTION_TITLES["research"], kind="research", items=research))

    picker.new_section()
    consider = [_item(s, cites) for s in _first(
        [s for s in pool if s.role.role in ("harm", "monitoring") or s.role.populations], picker, min(4, limit))]
    consider += [_conflict_item(c, cites) for c in find_conflicts([_ConflictView.of(s) for s in pool[:40]])]
    if consider:
        sections.append(Section(title=T.SECTION_TITLES["considerations"], kind="considerations", items=consider))

    plain = []
    if audience == "patient":
        plain = [_item(picker.take(s), cites) for s in usable
                 if s.unit.document.evidence_level is EvidenceLevel.REFERENCE and picker.ok(s, 4)][:4]
    article = Article(question=question, title=question.strip(), generated_at=now_iso(), sections=sections,
                      references=[], caution=T.CAUTION, disclaimer=T.DISCLAIMER_PROFESSIONAL, query=parsed.to_info())
    if verdict is not None:
        article.bottom_line = BottomLine(verdict=verdict, item=sections[0].items[0])
    else:
        article.bottom_line = BottomLine(verdict="", item=sections[0].items[0])
    article = adapt(article, audience, plain)
    article.references = cites.references()
    _renumber(article)
    return article


def _inherit_lead_in_relevance(scored: list[Scored], threshold: float) -> None:
    """A relevant lead-in ("… at least two of the following three criteria:") makes its list relevant: each item
    whose heading path holds the lead-in is at least as probable as the lead-in (just below it, so it follows).
    Re-sorts `scored` in place."""
    leads = [s for s in scored if s.prob >= threshold and s.unit.display.rstrip().endswith(":")
             and len(s.unit.display) > 20]
    if not leads:
        return
    for s in scored:
        ctx = s.unit.context_text
        if not ctx:
            continue
        for ld in leads:
            if ld.unit.document.id == s.unit.document.id and ld is not s \
                    and ld.unit.display.rstrip().rstrip(":").strip() in ctx:
                s.prob = max(s.prob, ld.prob - 0.001)
    scored.sort(key=lambda x: -x.prob)


LOOSE_CELL_WORDS = 8  # a one-cell table row shorter than this is a flattened table's line, not a statement
BLOCK_ROWS = 6        # rows/items of one table or list shown together with the one that was chosen


def _block(u) -> tuple | None:
    """The table or list a unit belongs to (its rows share document, heading path and header), else None."""
    if u.kind not in ("table_row", "list_item"):
        return None
    return (u.document.id, u.context, u.header, u.kind)


def _first(pool: list[Scored], picker: _Picker, limit: int, per_document: int = 6) -> list[Scored]:
    """The first `limit` units of a ranked pool the picker accepts (checked one at a time, as they are taken).
    A chosen table row or list item brings the other relevant rows of its table or list (those of the same pool,
    in the document's order, up to BLOCK_ROWS, counted in `limit`): a staging table or a regimen list is read
    whole, not one row."""
    blocks: dict[tuple, list[Scored]] = {}
    for t in pool:
        key = _block(t.unit)
        if key is not None:
            blocks.setdefault(key, []).append(t)
    out: list[Scored] = []
    for s in pool:
        if len(out) >= limit:
            break
        if not picker.ok(s, per_document):
            continue
        out.append(picker.take(s))
        key = _block(s.unit)
        if key is None:
            continue
        added = 0
        for t in sorted(blocks[key], key=lambda t: t.unit.start):
            if added >= BLOCK_ROWS:
                break
            if picker.ok(t, per_document + BLOCK_ROWS):
                out.append(picker.take(t))
                added += 1
    return out


def _bottom_line(leads: list[Scored], relevant: float) -> Scored:
    """Guidelines first: the most relevant guideline unit that may answer on its own and is relevant enough to be
    an item at all; failing that, the most relevant unit (a lead-in gives way to what it announces: _announced)."""
    for s in leads:
        if s.prob < relevant:
            break
        if s.unit.document.evidence_level is EvidenceLevel.GUIDELINE:
            return s
    return leads[0]


def _announced(s: Scored, usable: list[Scored]) -> list[Scored]:
    """The items a lead-in unit heads (those its heading path holds, same document, in the document's order):
    the first list or table under it only; [] when `s` is not a lead-in or nothing usable follows it."""
    text = s.unit.display.rstrip()
    if not text.endswith(":"):
        return []
    lead = text.rstrip(":").strip()
    kids = sorted((t for t in usable if t is not s and t.unit.document.id == s.unit.document.id
                   and t.unit.start > s.unit.start and lead in t.unit.context_text), key=lambda t: t.unit.start)
    return [t for t in kids if _block(t.unit) == _block(kids[0].unit)] if kids else []


def _verdict(question: str, parsed: ParsedQuestion, pool: list[Scored]) -> str | None:
    """yes / no / unclear for a yes/no question, from the verdict model over the best units; None otherwise."""
    try:
        from curbside.answer.verdict import decide, is_yes_no
    except ImportError:
        return None
    if not is_yes_no(question):
        return None
    top = pool[:10]
    try:
        return decide(question, [s.unit.display for s in top], scores=[s.prob for s in top]).verdict
    except (OSError, ValueError, KeyError):      # no verdict model installed: no verdict, never a failed article
        return None


def _list_rest(parsed: ParsedQuestion, pool: list[Scored], usable: list[Scored], model: RelevanceModel
               ) -> list[Scored]:
    """For a question that asks for a list ("List ...", "Which genes are ..."), the other usable units of the
    documents that answer it, probable enough to answer at all though below the item threshold, best first: they
    fill the main list's free places after the pool (the members of a list are often spread over a document's
    sentences: "... caused immunoglobulin deficiency and intestinal inflammation", "It is also associated with
    ..."). Only for a research-style list (not the options of a treatment question)."""
    from curbside.answer.concepts import asks_list

    if parsed.question_type in OPTION_TYPES or not asks_list(parsed.text):
        return []
    answering = {s.unit.document.id for s in pool}
    return [s for s in usable if model.answer_threshold <= s.prob < model.item_threshold
            and s.unit.document.id in answering]


def _main_list(parsed: ParsedQuestion, pool: list[Scored], picker: _Picker, cites: _Citations,
               limit: int) -> Section | None:
    qtype = parsed.question_type
    title = T.OPTIONS_TITLES.get(qtype, T.OPTIONS_TITLES["other"])
    items: list[Item] = []
    if qtype in OPTION_TYPES:
        seen: set[str] = set()
        asked = {i.lower() for i in parsed.intervention} if qtype in ("dosing", "adverse_effects") else set()
        regimens: dict[str, set[str]] = {}
        mentions: list[tuple[Document, set[str]]] | None = None
        for s in pool:
            if len(items) >= limit + 2:
                break
            r = s.role
            if r.polarity == "against" or r.role == "risk_factor" or r.meta:
                continue
            if qtype != "prevention" and r.maintenance and _acute(parsed):
                continue
            if r.no_evidence or r.case or continues_lead_in(s.unit.display):
                continue            # "there is no published experience with X", one patient's course, the end of a
                #                     lead-in's sentence ("Were hospitalized AND received parenteral antibiotics"): not
                #                     an option
            doc = s.unit.document
            if doc.id not in regimens:
                regimens[doc.id] = IV.regimens_of(doc.text)
            names = IV.interventions_in(f"{s.unit.subject} {s.unit.display}".strip(), regimens[doc.id])
            if asked:
                names = [n for n in names if n.lower() in asked or IV.key(n) in asked]
            if not names or len(names) > 4 or not _is_subject(names[0], s.unit):
                continue
            k = IV.key(names[0])
            if k in seen or not picker.ok(s, limit):
                continue
            seen.add(k)
            item = _item(picker.take(s), cites, label=IV.label(names[0], s.unit.display))
            if mentions is None:     # which interventions each unit names: computed once, for the evidence lines
                mentions = [(x.unit.document, {IV.key(n) for n in IV.interventions_in(x.unit.display)})
                            for x in pool]
            srcs = [d for d, keys in mentions if k in keys]
            item.evidence = evidence_line([doc] + srcs)
            items.append(item)
    else:
        items = [_item(s, cites) for s in _first(pool, picker, limit)]
    return Section(title=title, kind="options", items=items) if items else None


@dataclass
class _ConflictView:
    """What answer/conflicts.py reads of a unit."""

    document: Document
    passage: object
    start: int
    end: int
    quote: str
    display: str
    drugs: list[str]
    result: bool

    @classmethod
    def of(cls, s: Scored) -> "_ConflictView":
        from curbside.retrieve.drugs import find_drugs

        u = s.unit
        return cls(u.document, u.passage, u.start, u.end, u.quote, u.display,
                   list(dict.fromkeys(d.name for d in find_drugs(u.display))), s.role.role == "finding")


def _conflict_item(conflict, cites: _Citations) -> Item:
    a, b = conflict.first, conflict.second
    quotes = [Quote(document_id=c.document.id, passage_id=c.passage.id, text=c.quote, start=c.start, end=c.end)
              for c in (a, b)]
    return Item(text=f"{a.display} {b.display}", citations=[cites.cite(a.document), cites.cite(b.document)],
                quotes=quotes, label=conflict.label, kind="conflict")


def _is_subject(name: str, unit) -> bool:
    """The unit is about the intervention: it is the unit's subject (from its context), or the unit names it in
    its opening words ("Anakinra appears to be ...", "Treatment with rabbit ATG ..."), not in passing at the end."""
    if unit.subject and name.lower() in unit.subject.lower():
        return True
    at = unit.display.lower().find(name.lower())
    return 0 <= at <= max(60, len(unit.display) // 3)


# patient groups a heading path can limit a statement to, each with the words that name it
_GROUPS = {"kidney": r"renal|kidney|ckd|egfr|dialysis", "liver": r"hepatic|liver|cirrho\w*",
           "pregnancy": r"pregnan\w*|perinatal|postpartum|lactat\w*|breast-?feeding"}
_SUBGROUP = re.compile(
    r"\b(?:patients|individuals|people|persons|those|women|men|adults|children)\s+(?:with|who\s+have|who\s+are|on|"
    r"receiving|undergoing)\s+(?:[\w-]+\s+){0,4}?(?P<pop>" + "|".join(_GROUPS.values()) + ")", re.I)


def _groups(text: str) -> set[str]:
    return {g for g, words in _GROUPS.items() if re.search(rf"\b(?:{words})", text, re.I)}


def _subgroup_only(unit, question: str) -> bool:
    """The unit's heading path (a lead-in or parent item, not its own words) limits it to patients with an organ
    impairment or in pregnancy that neither the question nor the unit itself names."""
    m = _SUBGROUP.search(unit.context_text)
    return bool(m) and not (_groups(m.group("pop")) & _groups(f"{question} {unit.display}"))


def _loose_cell(unit) -> bool:
    """A table row of one short cell, i.e. a line of a table whose columns were lost when the page was flattened
    (OCR): "Disease", "(45 courses)", "11 (24%) 1(2%) 8". Shown alone it says nothing, or reads as being about
    whatever precedes it. A row that keeps its columns, or a cell long enough to be a statement, stays."""
    return unit.kind == "table_row" and "|" not in unit.display and len(unit.display.split()) < LOOSE_CELL_WORDS


def _acute(parsed: ParsedQuestion) -> bool:
    from curbside.answer.roles import asks_acute

    return asks_acute(parsed.text)


def _item(s: Scored, cites: _Citations, label: str = "", guideline: bool = False) -> Item:
    u = s.unit
    n = cites.cite(u.document)
    item = Item(text=u.display, citations=[n], label=label,
                quotes=[Quote(document_id=u.document.id, passage_id=u.passage.id, text=u.quote, start=u.start,
                              end=u.end)],
                context=u.context_text, role=s.role.role, polarity=s.role.polarity, relevance=round(s.prob, 3))
    if guideline:
        from curbside.answer.grading import describe, label_for_sentence

        p = u.passage
        grade = label_for_sentence(p.text, u.start - p.start, u.end - p.start)
        year = f" ({u.document.year})" if u.document.year else ""
        item.evidence = f"Guideline{year}" + (f"; {describe(grade)}" if grade else "")
    return item


def _level_counts(pool: list[Scored]) -> list[tuple[int, str, int | None]]:
    """(count, evidence level noun, newest year) of the sources behind the usable units."""
    docs = {s.unit.document.id: s.unit.document for s in pool}
    by: dict[EvidenceLevel, list[Document]] = {}
    for d in docs.values():
        by.setdefault(d.evidence_level, []).append(d)
    return [(len(v), lvl.value, max((d.year for d in v if d.year), default=None))
            for lvl, v in sorted(by.items(), key=lambda kv: kv[0].rank)]


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
    if article.bottom_line and article.bottom_line.item is not None and article.sections:
        article.bottom_line.item = article.sections[0].items[0]


def _topics(question: str, parsed: ParsedQuestion) -> list[str]:
    """The question's concepts as the reader wrote them, neighbours joined, populations last ("in ...")."""
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
            merged[-1][1], merged[-1][2] = max(merged[-1][1], sp[1]), sp[2]
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
                   abstain_reason="no passage in the library is about this question with enough confidence")
