"""Evidence units, pass 2: the structure of a region of text (headings, lead-ins, lists, pipe and OCR tables) read
as a state machine that emits one record per unit with its context and subject. One class on purpose: the
reading state (current heading, lead-ins, list stack, table) is shared by every kind of line. See
`curbside.answer.units` for the rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.answer.unit_lines import (
    LONG_ITEM,
    SHORT_LEAD_WORDS,
    _ANAPHOR,
    _ARROW_ANY,
    _CAPTION,
    _COMPARISON,
    _CONTINUING,
    _El,
    _FOOTNOTE,
    _JOINING_END,
    _LEGEND,
    _TAIL_TAG,
    _WORD,
    _balanced,
    _cells,
    _collapse,
    _drug_surfaces,
    _drugs,
    _elements,
    _head_word,
    _label_of,
    _strip_colon,
    _terminal,
)
from curbside.corpus.passages import sentence_spans

# ---------------------------------------------------------------------------------------------------------------
# pass 2: structure

@dataclass
class _Lvl:
    indent: int
    mtype: str
    text: str                          # collapsed item text
    label: str                         # "Label" of "Label: text" (or the whole text of a header-only item)
    header_only: bool                  # "Dronedarone:" -- a parent of the items that follow at its level
    label_drugs: frozenset[str]
    anchor: "_Lvl | None" = None       # nearest earlier sibling whose label names a drug ("Apixaban: 5 mg BID.")
    question: bool = False             # a decision step ("Bleeding controlled?"): context, never a subject
    kids: tuple | None = None          # (indent, marker type) of its first child
    peers: dict | None = None          # header items per (indent, marker) in its list: "Dronedarone:", "Sotalol:"

    @property
    def ctx(self) -> str:
        return _strip_colon(self.text) if self.header_only else self.text

    @property
    def name(self) -> str:
        return self.label if self.label else _strip_colon(self.text)


@dataclass
class _Rec:
    start: int
    end: int
    kind: str
    context: tuple[str, ...]
    header: str = ""
    subject: str = ""
    label: str = ""
    owners: list | None = None        # resolved into `subject` once the whole region is read


@dataclass
class _Table:
    header: str = ""
    outer: bool = False               # rows written "| a | b |"
    key: str = ""                     # last non-empty first cell (carried into rows that leave it empty)
    group: str = ""                   # "Outpatient | | |": a row that only names a group


@dataclass
class _State:
    base: list[str] = field(default_factory=list)      # section title(s)
    heading: str = ""
    leads: list[str] = field(default_factory=list)     # lead-in lines of the current list, outermost first
    stack: list[_Lvl] = field(default_factory=list)
    plain_items: int = 0              # items of an unmarked list (lines after a lead-in) so far
    plain_all_frag: bool = True
    plain_prev_label: bool = False
    plain_open: bool = False          # a lead-in is waiting for its (unmarked or marked) items
    table: _Table | None = None
    peers: dict = field(default_factory=dict)
    tag: str = ""                     # a strength/quality line right under the heading, for all that follows
    last_leads: list[str] = field(default_factory=list)   # lead-ins of the list that just ended
    # a paragraph lead-in ("... according to the following criteria:") followed by a blank line before anything
    # took it up: it still heads the next block (a line, a list, or a table under its caption)
    orphan: list[str] = field(default_factory=list)


_TAG_ONLY = re.compile(r"^(?:\[[^\[\]]{1,40}\]|\([^()]{1,60}\))\.?$")


def _merge_tags(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """"... is very safe. [2014]": a bracketed tag alone is part of the sentence before it."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and _TAG_ONLY.match(text[a:b]):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


# words of attribute labels ("Dose Reduction:", "Contraindication:", "Note:"): an item labelled so describes the
# named item above it. Structural vocabulary only -- no drug, disease or paper names.
_ATTRIBUTE_WORDS = frozenset("""
dose doses dosing dosage reduction reductions adjustment adjustments indication indications contraindication
contraindications caveat caveats note notes monitoring monitor caution cautions warning warnings precaution
precautions administration route duration frequency target targets titration maintenance loading initial starting
max maximum interaction interactions side adverse effect effects toxicity toxicities safety renal hepatic
impairment pregnancy lactation breastfeeding mechanism efficacy evidence comment comments alternative alternatives
example timing onset cost formulation preparation storage counseling counselling consideration considerations
limitation limitations benefit benefits harm harms risk risks recommendation strength quality level class grade use
regimen schedule response follow-up followup stop stopping discontinuation withdrawal tapering taper switch
switching bolus infusion
""".split())


def _short_name(s: str) -> bool:
    """A name, not a clause: at most four words once trailing tags are dropped, capitalised, no verb-like end."""
    bare = _TAIL_TAG.sub("", _strip_colon(s)).strip()
    words = bare.split()
    return (0 < len(words) <= 4 and (bare[:1].isupper() or bare[:1].isdigit())
            and not re.search(r"\b(?:is|are|be|should|must|may|can|include|includes|including|following|of|to|"
                              r"for|with|and|or|the)$", bare, re.I))


def _attribute_label(label: str) -> bool:
    words = re.findall(r"[a-z][a-z-]*", label.lower())
    return bool(words) and any(w in _ATTRIBUTE_WORDS for w in words) and len(words) <= 4


def _owner_subject(owner_name: str, owner_drugs: frozenset[str], unit_text: str, unit_drugs: frozenset[str]) -> str:
    if not owner_name:
        return ""
    bare = _TAIL_TAG.sub("", owner_name).strip()
    if bare and (not owner_drugs or _drugs(bare)):
        owner_name = bare              # "Enoxaparin (Class I, LOE: A)" -> "Enoxaparin"
    if not _short_name(owner_name):
        # a clause ("Clopidogrel should be given with aspirin ...:", "If LDL-C remains high on a statin:") is
        # about its drug only when it opens with one
        opening = _drug_surfaces(" ".join(owner_name.split()[:4]))
        if not opening:
            return ""
        owner_name, owner_drugs = opening[0][1], frozenset({opening[0][0]})
    if owner_drugs:
        return "" if owner_drugs <= unit_drugs else owner_name
    if unit_drugs:
        return ""                       # "Digoxin" under "Pharmacologic therapy:" says what it is about
    named = re.search(r"(?<!\w)" + re.escape(owner_name) + r"(?!\w)", unit_text, re.I)
    return "" if named else owner_name


def _fallback_subject(context: tuple[str, ...], unit_drugs: frozenset[str]) -> str:
    """The one drug named by the innermost context element that names any, when the unit names none."""
    if unit_drugs:
        return ""
    for c in reversed(context):
        surf = _drug_surfaces(c)
        if not surf:
            if len(c.split()) > 8:
                return ""                # a sentence-long lead-in sets the topic; a heading above it does not
            continue
        names = {n for n, _ in surf}
        if len(names) != 1:
            return ""
        if len(c.split()) > 8:
            # a sentence-long lead-in is about its drug only when it opens with it ("Ranibizumab is recommended
            # ..."), not when it mentions one in passing ("... adequate calcium and vitamin D intake")
            opening = " ".join(c.split()[:6])
            if not _drug_surfaces(opening):
                return ""
        return surf[0][1]
    return ""


class _Parser:
    def __init__(self, text: str, start: int, end: int, section: str, table_kind: bool, mode: str = "section",
                 emit_from: int = 0):
        self.text = text
        self.start = start
        self.end = end
        self.els = _elements(text, start, end)
        self.st = _State(base=[section] if section else [])
        self.recs: list[_Rec] = []
        self.para: list[_El] = []
        kinds = {el.kind for el in self.els}
        self.ocr_table = table_kind and "table" not in kinds and not any(
            el.kind == "item" for el in self.els)
        self.emit_from = emit_from                     # units ending before this offset are not wanted
        self.header_known = mode == "section"          # the first line of an OCR table is its header
        self.mid_table = mode == "line"                # the first pipe row read may be a data row
        self.label_counts: dict[str, int] = {}
        for el in self.els:
            if el.kind in ("item", "text"):
                lab = _label_of(_collapse(el.text)).lower()
                if lab:
                    self.label_counts[lab] = self.label_counts.get(lab, 0) + 1
        self.ocr_header = ""
        self.ocr_group = ""
        self.ocr_last = -1

    # -- context helpers
    def _set_heading(self, heading: str) -> None:
        self.st.heading = heading
        self.st.tag = ""
        self.st.last_leads = []

    def _base_ctx(self) -> list[str]:
        ctx = list(self.st.base)
        if self.st.heading and self.st.heading not in ctx:
            ctx.append(self.st.heading)
        if self.st.tag:
            ctx.append(self.st.tag)
        ctx.extend(_strip_colon(x) for x in self.st.leads)
        return ctx

    def _end_list(self) -> None:
        if self.st.leads:
            self.st.last_leads = list(self.st.leads)
        self.st.stack.clear()
        self.st.peers = {}
        self.st.leads.clear()
        self.st.plain_items = 0
        self.st.plain_all_frag = True
        self.st.plain_prev_label = False
        self.st.plain_open = False

    def _flush_para(self) -> None:
        if not self.para:
            return
        s, e = self.para[0].start, self.para[-1].end
        self.para = []
        ctx = tuple(self._base_ctx())
        last_line = self.text[s:e].rstrip()
        if e <= self.emit_from:
            # read only for context: the sentences themselves are not wanted, the lead-in (if any) is
            if not last_line.endswith(":"):
                return
        spans = _merge_tags(self.text, sentence_spans(self.text, s, e))
        lead = ""
        if last_line.endswith(":") and spans:
            ls, le = spans[-1]
            lead = _collapse(self.text[ls:le])
            words = len(lead.split())
            if words <= 8 and len(spans) >= 2:
                # "Offer prophylaxis to ... (see above). Choose any one of:" -- the short tail needs its sentence
                lead = _collapse(self.text[spans[-2][0]:le])
            if words <= SHORT_LEAD_WORDS:
                spans = spans[:-1]
        for a, b in spans:
            self._emit(a, b, "sentence", ctx)
        if lead:
            self.st.stack.clear()
            self.st.peers = {}
            # "PLUS one of:" after "Option A — Combination therapy:" and its list continues that option
            self.st.leads = (self.st.last_leads + [lead]) if _CONTINUING.match(lead) and self.st.last_leads else [lead]
            self.st.plain_items = 0
            self.st.plain_all_frag = True
            self.st.plain_prev_label = False
            self.st.plain_open = True

    def _emit(self, s: int, e: int, kind: str, ctx: tuple[str, ...], header: str = "", subject: str | None = None,
              label: str = "", owners: list[tuple[str, frozenset[str]]] | None = None) -> None:
        quote = self.text[s:e]
        if not _WORD.search(quote):
            return
        if kind == "sentence" and not re.search(r"[^\W\d_]", quote):
            return                           # "3." left over from a numbered paragraph
        if e <= self.emit_from:
            subject, owners = "", None       # before the passage: kept only as "the unit above"
        if subject is None and not owners:
            # a paragraph sentence takes its drug from a heading only when it refers back ("It should be used
            # when ...", "These are not recommended ..."); list items and rows belong to their headings
            if kind != "sentence" or _ANAPHOR.match(quote):
                subject = _fallback_subject(ctx, _drugs(quote))
            else:
                subject = ""
        self.recs.append(_Rec(s, e, kind, ctx, header, subject or "", label, owners if subject is None else None))

    def _resolve(self, r: _Rec) -> str:
        """The subject from the nearest owner that can be one: the named item a label item continues, a header
        item that names a drug or stands beside other header items, an ancestor item or short lead-in naming a
        drug; else the one drug of the innermost context line that names any."""
        quote = self.text[r.start:r.end]
        udrugs = _drugs(quote)
        # "UFH (Class I):" / "Beta-blockers:" above "Duration: 48 hours": a short name whose attributes follow
        attribute = bool(r.label) and (_attribute_label(r.label) or self.label_counts.get(r.label.lower(), 0) > 1)
        for o in r.owners or ():
            if isinstance(o, _Lvl):
                if o.question:
                    continue
                if o.label_drugs:
                    return _owner_subject(o.name, o.label_drugs, quote, udrugs)
                if o.header_only and o.mtype not in ("arrow", "tree") and (
                        o.peers is not None and o.peers.get((o.indent, o.mtype), 0) > 1
                        or attribute and _short_name(o.name)):
                    return _owner_subject(o.name, frozenset(), quote, udrugs)
            else:
                name, drugs = o
                if drugs or attribute and _short_name(name):
                    return _owner_subject(name, drugs, quote, udrugs)
        return _fallback_subject(r.context, udrugs)

    # -- main loop
    def run(self) -> list[_Rec]:
        els = self.els
        n = len(els)
        prev_kind = "start"
        for i, el in enumerate(els):
            nxt = els[i + 1] if i + 1 < n else None
            k = el.kind
            if k == "blank":
                self._flush_para()
                if self.st.table is not None:
                    self.st.table = None
                if nxt is None or nxt.kind not in ("item", "table"):
                    if self.st.plain_open and self.st.plain_items == 0 and self.st.leads and not self.st.stack:
                        self.st.orphan = list(self.st.leads)
                    self._end_list()
                elif nxt.kind == "table":
                    self.st.stack.clear()
                prev_kind = k
                continue
            if k in ("skip", "sep"):
                prev_kind = k
                continue
            if k == "heading":
                self._flush_para()
                self._end_list()
                self.st.table = None
                self._set_heading(el.text)
                if nxt is None or nxt.kind != "table":
                    self.st.orphan = []
            elif k == "table":
                self._flush_para()
                if self.st.stack:
                    self.st.stack.clear()
                self._table_row(el)
            elif k == "item":
                self._flush_para()
                self.st.table = None
                self.st.orphan = []
                self._item(el)
            else:
                self._text(el, prev_kind, nxt, els[i - 1] if i else None)
            prev_kind = k
        self._flush_para()
        for r in self.recs:
            if r.owners is not None:
                r.subject = self._resolve(r)
                r.owners = None
        return self.recs

    # -- text lines
    def _text(self, el: _El, prev_kind: str, nxt: _El | None, prev: _El | None) -> None:
        st = self.st
        line = el.text
        if self.ocr_table:
            self._ocr_line(el)
            return
        if st.table is not None:
            st.table = None
        if _TAG_ONLY.match(line) and not self.para:
            if self.recs and not self.text[self.recs[-1].end:el.start].strip():
                self.recs[-1].end = el.end   # "(Author, 2003 [Category II])" closes the unit above it
                st.plain_open = False
                return
            if prev_kind in ("start", "heading") or prev is not None and prev.kind == "heading":
                st.tag = line                # "(Strong recommendation, Moderate quality)" under a heading
                return
        if st.plain_open and self._plain_accepts(line):
            self._flush_para()
            self._plain_item(el)
            return
        if st.orphan and not self.para:
            orphan, st.orphan = st.orphan, []
            if not self._is_heading(line, prev_kind, prev, nxt):
                # "The formula is:" / blank line / "Total = 4 mL x kg x %TBSA": the line is what the lead-in announced
                st.leads, st.plain_open = orphan, True
                self._plain_item(el)
                return
            if nxt is not None and nxt.kind == "table":
                st.orphan = orphan          # a caption: the table under it is what the lead-in announced
        if st.stack or st.leads or st.plain_open:
            self._end_list()             # a line that does not continue the list ends it
        if self._is_heading(line, prev_kind, prev, nxt):
            self._flush_para()
            self._end_list()
            self._set_heading(line)
            return
        if self.para and not (line[0].islower() or _JOINING_END.search(self.para[-1].text.rstrip())):
            self._flush_para()           # readers keep one paragraph (or one unmarked item) per line
        self.para.append(el)
        if line.endswith(":"):
            self._flush_para()

    def _is_heading(self, line: str, prev_kind: str, prev: _El | None, nxt: _El | None) -> bool:
        """A short line without end punctuation that heads a list or table (after a blank line or at the top of
        the section), or heads prose (after a blank line; or, if very short, after a finished sentence)."""
        if nxt is not None and nxt.kind == "table" and _CAPTION.match(line) and len(line) <= 160:
            return True
        if nxt is None or not self._heading_like(line):
            return False
        if self.para and _JOINING_END.search(self.para[-1].text.rstrip()):
            return False                     # the wrapped end of the paragraph above
        if nxt.kind == "table":
            return True                      # a caption line sits right above its table
        if nxt.kind == "item":
            return prev_kind in ("start", "blank", "heading", "skip") or (
                prev is not None and prev.kind == "text" and _terminal(prev.text) and not self.st.plain_open)
        if not self._heading_next(nxt):
            return False
        if prev_kind == "blank":
            return True
        return (len(line.split()) <= 5 and prev is not None and prev.kind == "text" and _terminal(prev.text)
                and not self.st.plain_open)

    @staticmethod
    def _heading_like(line: str) -> bool:
        return (len(line) <= 100 and len(line.split()) <= 12 and line[-1] not in ".,;:!?"
                and (line[0].isupper() or line[0].isdigit()) and not _label_of(line) and _balanced(line))

    def _heading_next(self, nxt: _El) -> bool:
        if nxt.kind in ("item", "table"):
            return True
        if nxt.kind == "text":
            return not self._heading_like(nxt.text) and (_terminal(nxt.text) or len(nxt.text) > 100
                                                          or nxt.text.endswith(":"))
        return False

    def _plain_accepts(self, line: str) -> bool:
        st = self.st
        if st.plain_items == 0:
            return True
        if line.endswith(":") or not _terminal(line):
            return True
        if _label_of(line) and st.plain_prev_label:
            return True
        if st.plain_all_frag:
            st.plain_open = False          # the last item of a fragment list; nothing after it belongs
            return True
        return False

    def _plain_item(self, el: _El) -> None:
        st = self.st
        line = el.text
        keep_open = st.plain_open
        if line.endswith(":"):
            # a lead-in inside the list: nested when it comes first, else it replaces the innermost lead-in
            coll = _collapse(line)
            if st.plain_items and st.leads:
                st.leads[-1] = coll
            else:
                st.leads.append(coll)
            if len(coll.split()) > SHORT_LEAD_WORDS:
                self._emit(el.start, el.end, "list_item", tuple(self._base_ctx()[:-1]))
            st.stack.clear()
            st.plain_items = 0
            st.plain_all_frag = True
            st.plain_prev_label = False
            st.plain_open = True
            return
        frag = not _terminal(line)
        label = _label_of(line)
        self._item(_El("item", el.start, el.end, el.line_start, indent=0, mtype="plain", text=line))
        st.plain_items += 1
        st.plain_all_frag = st.plain_all_frag and frag
        st.plain_prev_label = bool(label)
        st.plain_open = keep_open and st.plain_open

    # -- list items
    def _item(self, el: _El) -> None:
        st = self.st
        content = _collapse(el.text)
        header_only = content.endswith(":") and len(content) <= 160
        question = False
        if el.mtype in ("arrow", "tree") and not header_only:
            # a decision step ("Hypotensive despite bolus?", "GBS = 0") heads the steps that follow it
            bare = _ARROW_ANY.sub(" ", content)
            question = content.endswith("?") or (
                len(bare.split()) <= 5 and bool(_COMPARISON.search(bare)) and not _terminal(content))
            header_only = question
        label = _strip_colon(content) if header_only else _label_of(content)
        lvl = _Lvl(el.indent, el.mtype, content, label, header_only, _drugs(label) if label else frozenset(),
                   question=question)
        if el.mtype != "plain" and st.plain_open and not st.stack:
            st.plain_open = False          # the lead-in's list is a marked one
        stack = st.stack
        carried: _Lvl | None = None
        while stack:
            top = stack[-1]
            if top.indent > lvl.indent:
                stack.pop()
                continue
            if top.indent < lvl.indent:
                break
            if top.mtype != lvl.mtype:
                if any(x.indent == lvl.indent and x.mtype == lvl.mtype for x in stack):
                    stack.pop()
                    continue
                break
            if (top.header_only and not lvl.header_only and top.kids in (None, (lvl.indent, lvl.mtype))
                    and not self._parallel(top, lvl)):
                break                      # first child of a header item ("Dronedarone:" -> "Indication: ...")
            stack.pop()                    # a sibling
            if top.header_only:
                carried = None
            else:
                carried = top if top.label_drugs else top.anchor
        if lvl.label_drugs or lvl.header_only:
            lvl.anchor = None
        else:
            lvl.anchor = carried
        ctx = self._base_ctx() + [x.ctx for x in stack]
        use_anchor = (lvl.anchor is not None and bool(label) and not lvl.label_drugs and not header_only
                      and (_attribute_label(label) or self.label_counts.get(label.lower(), 0) > 1))
        if use_anchor:
            ctx.append(lvl.anchor.ctx)
        owners: list = [lvl.anchor] if use_anchor else []
        for x in reversed(stack):
            if x.header_only or x.label_drugs:
                owners.append(x)
        for lead in reversed(st.leads):
            if len(lead.split()) <= SHORT_LEAD_WORDS:
                owners.append((_strip_colon(lead), _drugs(lead)))
        owners = owners or [("", frozenset())]   # resolved later; without an owner it falls back to context
        if header_only and not question:
            key = (lvl.indent, lvl.mtype)
            st.peers[key] = st.peers.get(key, 0) + 1
            lvl.peers = st.peers
        if stack and stack[-1].kids is None:
            stack[-1].kids = (lvl.indent, lvl.mtype)
        stack.append(lvl)
        if header_only and (question or len(content.split()) <= SHORT_LEAD_WORDS):
            return                         # "Dronedarone:" is context for what follows, not a unit
        self._emit_item(el.start, el.end, "list_item", tuple(ctx), owners, label)

    @staticmethod
    def _parallel(group: _Lvl, lvl: _Lvl) -> bool:
        """"Electrical cardioversion: ..." after "Pharmacological cardioversion:" is its sibling, not its child;
        so is a drug-named item after a drug-named header ("Rivaroxaban: ..." after "Apixaban:")."""
        if not lvl.label:
            return False
        if group.label_drugs and lvl.label_drugs and not (lvl.label_drugs <= group.label_drugs):
            return True
        hw = _head_word(group.label)
        return bool(hw) and len(hw) > 3 and hw == _head_word(lvl.label) and lvl.label.lower() != group.label.lower()

    def _emit_item(self, s: int, e: int, kind: str, ctx: tuple[str, ...], owners, label: str,
                   header: str = "", subject: str | None = None) -> None:
        if e - s <= LONG_ITEM:
            self._emit(s, e, kind, ctx, header=header, subject=subject, label=label, owners=owners)
            return
        pieces = _merge_tags(self.text, sentence_spans(self.text, s, e))
        for j, (a, b) in enumerate(pieces):
            c = ctx if j == 0 or not label else ctx + (label,)
            self._emit(a, b, kind, c, header=header, subject=subject, label=label if j == 0 else "",
                       owners=owners)

    # -- tables
    def _table_row(self, el: _El) -> None:
        st = self.st
        line = el.text
        t = st.table
        if t is None:
            if st.orphan:                   # the lead-in above the table's caption heads its rows
                st.leads, st.orphan = st.orphan, []
            t = st.table = _Table(outer=line.startswith("|"))
            if not (self.mid_table and el.line_start == self.start):
                t.header = " | ".join(self._row_cells(t, line))
                return                      # the header row is the header, not a unit
        cells = self._row_cells(t, line)
        nonempty = [c for c in cells if c]
        if not nonempty:
            return
        ctx = self._base_ctx()
        if cells[0] and len(nonempty) == 1 and len(cells) > 2:
            t.group = cells[0]             # "Outpatient | | |" names the rows below it
            t.key = ""
            return
        subject = ""
        if t.group:
            ctx.append(t.group)
        if cells[0]:
            t.key = cells[0]
        elif t.key:
            ctx.append(t.key)
            subject = t.key
        row_drugs = _drugs(line)
        if not subject and not row_drugs:
            if t.group and _drugs(t.group):
                subject = t.group
            else:
                subject = _fallback_subject(tuple(ctx), row_drugs)
        self._emit_item(el.start, el.end, "table_row", tuple(ctx), None, "", header=t.header, subject=subject)

    @staticmethod
    def _row_cells(t: _Table, line: str) -> list[str]:
        s = line.strip()
        if t.outer:
            if s.startswith("|"):
                s = s[1:]
            if s.endswith("|"):
                s = s[:-1]
        return _cells(s)

    # -- OCR-flattened tables (a table section whose lines carry no pipes): each line is a row, best effort
    def _ocr_line(self, el: _El) -> None:
        line = el.text
        if not self.ocr_header:
            if self.header_known:
                self.ocr_header = _collapse(line)
                return
            self.ocr_header = "\x00"       # unknown: the table's first line is before the look-back
        ctx = self._base_ctx()
        words = line.split()
        if (len(words) <= 3 and not any(ch.isdigit() for ch in line) and not _terminal(line)
                and (_drugs(line) or re.match(r"[A-Z]{2,6}\b", line))):
            self.ocr_group = _collapse(line)
            self.ocr_last = -1
            return
        if _LEGEND.match(line) or _FOOTNOTE.match(line):
            self._emit(el.start, el.end, "sentence", tuple(ctx))
            self.ocr_last = -1
            return
        last = self.recs[-1] if self.recs and self.ocr_last == len(self.recs) - 1 else None
        if last is not None:
            prev = self.text[last.start:last.end].rstrip()
            if (line[0].islower() or _JOINING_END.search(prev)
                    or (line[0].isdigit() and not _terminal(prev) and re.search(r"[a-z]$", prev))):
                last.end = el.end         # a wrapped line of the same row
                if self.ocr_group and _drugs(self.ocr_group) and _drugs(self.ocr_group) <= _drugs(
                        self.text[last.start:last.end]):
                    last.subject = ""
                return
        subject = None
        if self.ocr_group:
            ctx.append(self.ocr_group)
            subject = "" if _drugs(self.ocr_group) and _drugs(self.ocr_group) <= _drugs(line) else self.ocr_group
        header = "" if self.ocr_header == "\x00" else self.ocr_header
        n = len(self.recs)
        self._emit(el.start, el.end, "table_row", tuple(ctx), header=header, subject=subject)
        self.ocr_last = n if len(self.recs) > n else -1


