"""Evidence units: what a clinician could quote, with the context that keeps its meaning.

A unit is a sentence of a paragraph, one item of a list, or one row of a table. Its quote is an exact span of the
document's normalised text (``document.text[unit.start:unit.end] == unit.quote``); what it belongs to -- the
section heading, a heading inside the section, the list's lead-in line ("The following are contraindications:"),
the item it hangs under ("Dronedarone:"), the item whose attributes it continues ("Apixaban: Standard dose is
5 mg BID." for "Dose Reduction: ..."), a table's caption and header row -- is kept beside it in ``context`` and
``header``, never spliced into the quote. ``subject`` names what the unit is about when its own words do not.

Everything here is structural: heading lines, list markers (bullets, arrows, numbers, letters), the "Label: text"
item shape, lead-in lines that end with ":", pipe tables (with or without outer pipes and separator rows),
indentation where a source kept it, ASCII decision trees, and (best effort) OCR-flattened table lines. Drug names
come only from the drug dictionary (`curbside.retrieve.drugs.find_drugs`); no rule names a drug or disease.

Context is rebuilt from the document text before the passage (from the passage's section title, or at most
``LOOKBACK`` characters back), so a passage that starts in the middle of a list still gets its heading path.

Subject, nearest owner first:
- an item whose label is an attribute ("Dose Reduction:", "Caveat:"; a small vocabulary of attribute words, or a
  label that recurs in the list) continues the nearest earlier sibling whose label names a drug ("Apixaban: ...");
- an item under a header item ("- Dronedarone:") belongs to it when the header names a drug, stands beside other
  header items of its list ("- Sotalol:"), or is a short name above attribute items ("UFH (Class I):" above
  "Bolus: ..."); a clause-shaped header ("If LDL-C remains high on a statin:") gives a drug only when it opens
  with one; a decision step ("Bleeding controlled?") never gives a subject;
- otherwise a list item or table row takes the one drug of its innermost context line that names any (a
  sentence-long lead-in that names none ends the search); a paragraph sentence does so only when it refers back
  ("It ...", "These ...");
- a table row that leaves its first cell empty belongs to the row above ("BUN | 18-22 | 2" then "| 22-28 | 3").
The subject is "" when the unit's own text already names the owner's drug(s).
"""

from __future__ import annotations

from dataclasses import dataclass

from curbside.answer.unit_lines import LOOKBACK, SEP, _WORD, _collapse
from curbside.answer.unit_parser import _Parser
from curbside.corpus.models import Document, Passage



@dataclass
class Unit:
    document: Document
    passage: Passage
    start: int                    # absolute offsets: document.text[start:end] == quote
    end: int
    kind: str                     # "sentence" | "list_item" | "table_row"
    quote: str
    display: str                  # whitespace-collapsed quote: what the reader sees (never spliced with context)
    context: tuple[str, ...]      # heading path, outermost first (section, heading, lead-in, parent item, ...)
    header: str = ""              # table rows: the header row as "col1 | col2 | ..."
    subject: str = ""             # what the unit is about when its own text doesn't say, else ""
    label: str = ""               # the item's own label: "Dose Reduction" for "Dose Reduction: Reduce to ..."

    @property
    def context_text(self) -> str:
        parts = list(self.context)
        if self.header:
            parts.append(self.header)
        return SEP.join(parts)

    @property
    def document_id(self) -> str:
        return self.document.id

    @property
    def passage_id(self) -> str:
        return self.passage.id


# ---------------------------------------------------------------------------------------------------------------
# public API

def _region_start(text: str, passage: Passage) -> tuple[int, str]:
    """Where to start reading for the passage's context, and what is there: "section" (just after the section
    title line), "block" (a blank line at most LOOKBACK characters back) or "line" (a line start inside a block,
    e.g. mid-table: its first row is then not known to be the header)."""
    ps = passage.start
    floor = max(0, ps - LOOKBACK)
    sec = passage.section
    if sec:
        probe = sec + "\n"
        i = text.rfind("\n" + probe, max(0, floor - len(probe) - 1), ps)
        if i != -1:
            if i + 1 + len(probe) >= ps and text[max(0, i - 400):i].rstrip().endswith(":"):
                # the title is the caption right above the passage (a table) and a lead-in ends just before it
                # ("... staged according to the following criteria:"): read from the lead-in's own block
                j = text.rfind("\n" + probe, max(0, floor - len(probe) - 1), i)
                if j != -1:
                    return j + 1 + len(probe), "section"
                j = text.rfind("\n\n", floor, i)
                return (j + 2 if j != -1 else floor), "block"
            return i + 1 + len(probe), "section"
        if text.startswith(probe) and len(probe) <= ps:
            return len(probe), "section"
    if floor == 0:
        return 0, "section"
    j = text.find("\n\n", floor, ps)
    if j != -1:
        return j + 2, "block"
    j = text.find("\n", floor, ps)
    return (j + 1 if j != -1 else ps), "line"


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def units_for_passage(document: Document, passage: Passage) -> list[Unit]:
    """The quotable units of one passage, in reading order, each with its context (see the module docstring)."""
    text = document.text
    if passage.end <= passage.start:
        return []
    region, mode = _region_start(text, passage)
    region = min(region, passage.start)
    parser = _Parser(text, region, passage.end, passage.section, passage.kind == "table", mode,
                     emit_from=passage.start)
    out: list[Unit] = []
    for r in parser.run():
        if r.end <= passage.start or r.start >= passage.end:
            continue
        s, e = _trim(text, max(r.start, passage.start), min(r.end, passage.end))
        if e <= s:
            continue
        quote = text[s:e]
        if not _WORD.search(quote):
            continue
        out.append(Unit(document=document, passage=passage, start=s, end=e, kind=r.kind, quote=quote,
                        display=_collapse(quote), context=r.context, header=r.header, subject=r.subject,
                        label=r.label))
    return out


def units_for_hits(hits) -> list[Unit]:
    """Units of every hit's passage, in hit order (a span shared by two hits is kept once)."""
    out: list[Unit] = []
    seen: set[tuple[str, int, int]] = set()
    for h in hits:
        for u in units_for_passage(h.document, h.passage):
            key = (u.document.id, u.start, u.end)
            if key in seen:
                continue
            seen.add(key)
            out.append(u)
    return out

