"""From lines of plain, OCR or PDF text to SourceSections: headings, paragraphs, tables, abbreviation lists.

Two modes:

- **clean** text (one paragraph per line, as typed): blank lines separate blocks, a short stand-alone line that
  looks like a heading ("Abstract", "Results", "2.1 Dosing") titles the blocks after it, line breaks are kept,
  a block of "| a | b |" lines is a ``kind="table"`` section.
- **ocr** text (lines cut at a fixed width: OCR output, text extracted from PDFs): page furniture is dropped,
  lines are re-flowed into paragraphs (re-joining hyphenated words), numbered and ALL-CAPS headings become section
  titles, a "TABLE n" caption and the column-like blocks after it become one ``kind="table"`` section, an
  "Abbreviations: ..." list becomes ``kind="abbreviations"``, a bare keyword line ``kind="heading"`` (not prose),
  and glued reference numbers are stripped. A paragraph cut mid-sentence by the page layout (a table or the
  abstract printed in between) is re-joined with its continuation. The reference list ("References" heading and
  what follows it) is dropped: it cites other documents and is not evidence of this one.

A table ends at the next heading or caption, after its footnotes ("CR, complete response; ...", "aMany ..."), or at
the first block that is set like running text (several lines at the body's line width).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.corpus.models import SourceSection
from curbside.sources import ocr


@dataclass
class Block:
    kind: str          # prose | heading | caption | table | abbreviations | keywords | number | abstract
    lines: list[str]
    title: str = ""
    text: str = ""                 # prose: the re-flowed paragraph


@dataclass
class LayoutState:
    """Carried from page to page of one document."""

    in_references: bool = False
    open_table: str = ""           # caption of a table that ran to the end of the previous page
    heading: str = ""
    vocab: ocr.Vocabulary = field(default_factory=ocr.Vocabulary)


def _short_heading(line: str) -> bool:
    """Clean mode: a stand-alone short line without sentence punctuation ("Results", "Dosing in children")."""
    s = line.strip()
    return (0 < len(s) <= 80 and len(s.split()) <= 10 and s[0].isupper() and s[-1] not in ".,;!"
            and not ocr.is_list_item(s) and not s.startswith(("|", "http")))


# ---------------------------------------------------------------- clean text

def clean_sections(text: str, *, page: int | None = None) -> list[SourceSection]:
    """Sections of text typed one paragraph per line (see module docstring)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    sections: list[SourceSection] = []
    title, buf = "", []

    def flush() -> None:
        if buf:
            sections.append(SourceSection("\n\n".join(buf), title=title, page=page))
            buf.clear()

    for i, block in enumerate(blocks):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        has_next = i + 1 < len(blocks)
        if len(lines) == 1 and has_next and (ocr.heading(lines[0], caps=True) or _short_heading(lines[0])):
            flush()
            title = ocr.heading(lines[0]) or lines[0].rstrip(":")
        elif ocr.is_abbreviations(lines[0]):
            flush()
            sections.append(SourceSection(" ".join(lines), title="Abbreviations", kind="abbreviations", page=page))
        elif len(lines) >= 2 and all(ln.startswith("|") for ln in lines):     # a Markdown-style pipe table
            flush()
            rows = [" | ".join(c.strip() for c in ln.strip("|").split("|")) for ln in lines
                    if not re.fullmatch(r"[|:\-\s]+", ln)]
            sections.append(SourceSection("\n".join(rows), title=title, kind="table", page=page))
        else:
            buf.append("\n".join(lines))
    flush()
    return sections


# ---------------------------------------------------------------- OCR text: blocks

_PIPE_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\s*\|\s*\S")


def _split_blocks(lines: list[str], indents: list[bool]) -> list[list[str]]:
    """Blank lines, indented lines (a new column or frame in OCR output), captions, abbreviation lists and
    headings start a new block; a heading after a finished sentence is a block of its own (PDF text often has
    no blank lines at all)."""
    blocks: list[list[str]] = []
    cur: list[str] = []

    def flush() -> None:
        nonlocal cur
        if cur:
            blocks.append(cur)
            cur = []

    for line, indented in zip(lines, indents):
        if not line:
            flush()
            continue
        after_sentence = bool(cur) and not ocr.ends_mid_sentence(cur[-1])
        alone = bool(_PIPE_HEADING.match(line)) or (after_sentence and ocr.heading(line) is not None)
        new_unit = (alone or indented or ocr.is_abbreviations(line)
                    or (line.startswith("TABLE") or after_sentence) and ocr.table_caption(line) is not None)
        if new_unit:
            flush()
        cur.append(line)
        if alone:
            flush()
    flush()
    return blocks


def _classify(lines: list[str]) -> list[Block]:
    """One raw block -> one or more typed blocks (a heading glued to its first paragraph is split off)."""
    first = lines[0]
    h = ocr.heading(first, caps=len(lines) == 1)
    if h:
        rest = lines[1:]
        return [Block("heading", [first], title=h)] + (_classify(rest) if rest else [])
    cap = ocr.table_caption(first)
    if cap:
        return [Block("caption", lines, title=cap)]
    if ocr.is_abbreviations(first):
        return [Block("abbreviations", lines)]
    if len(lines) == 1 and ocr.is_page_number(first):
        return [Block("number", lines)]
    if len(lines) == 1 and ocr.looks_like_keywords(first):
        return [Block("keywords", lines)]
    if len(lines) >= 2 and ocr.numeric_share(" ".join(lines)) >= 0.35:
        return [Block("table", lines)]
    return [Block("prose", lines)]


def _is_running_text(block: Block, width: int) -> bool:
    """A block set like body text: >= 3 lines (or >= 2 starting lowercase) at the body's line width."""
    lines = block.lines
    if block.kind != "prose" or width <= 0:
        return False
    if len(lines) < 3 and not (len(lines) == 2 and lines[0][:1].islower()):
        return False
    if not all(0.85 * width <= len(ln) <= 1.15 * width for ln in lines[:-1]):
        return False
    return ocr.numeric_share(" ".join(lines)) < 0.2


def _tables(blocks: list[Block], width: int) -> tuple[list[Block], str]:
    """Absorb the blocks after each caption into one table block (see module docstring for where it ends).
    Also returns the caption of a table that is still open at the end of the blocks ("" when none)."""
    out: list[Block] = []
    still_open = ""
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind != "caption":
            out.append(b)
            i += 1
            continue
        table = Block("table", list(b.lines[1:]), title=b.title)
        footnotes = any(ocr.is_definition_list(ln) for ln in b.lines[1:])
        j = i + 1
        while j < len(blocks):
            nb = blocks[j]
            if nb.kind in ("heading", "caption"):
                break
            defines = [k for k, ln in enumerate(nb.lines) if ocr.is_definition_list(ln)]
            if footnotes and not all(ocr.is_footnote(ln) or ocr.is_definition_list(ln) for ln in nb.lines):
                break
            if not footnotes and not defines and _is_running_text(nb, width):
                break
            if defines:                    # the footnotes end the table; text after them in the block does not
                end = defines[0] + 1
                while end < len(nb.lines) and (ocr.is_footnote(nb.lines[end]) or ocr.is_definition_list(nb.lines[end])):
                    end += 1
                if end < len(nb.lines):
                    blocks[j:j + 1] = [Block("prose", nb.lines[:end])] + _classify(nb.lines[end:])
                    nb = blocks[j]
            table.lines.extend(nb.lines)
            footnotes = footnotes or bool(defines)
            j += 1
        out.append(table)
        still_open = b.title if j == len(blocks) and not footnotes else ""
        i = j
    return out, still_open


def _fits_body(block: Block, width: int) -> bool:
    """Set at the body's line width (a block in another frame, such as a wider abstract box, is not)."""
    if width <= 0:
        return True
    lines = block.lines[:-1] or block.lines
    return all(len(ln) <= 1.15 * width for ln in lines) and all(len(ln) >= 0.85 * width for ln in block.lines[:-1])


def _continuation(blocks: list[Block], i: int, width: int) -> int | None:
    """Index of the block that continues the dangling paragraph blocks[i], skipping tables, lists of
    abbreviations and keywords, blocks in another frame and at most two complete paragraphs printed in between;
    None when there is none."""
    p = blocks[i].text
    joinable_upper = p.rstrip().endswith(",") or ocr.ends_with_function_word(p)
    skipped = 0
    for j in range(i + 1, min(len(blocks), i + 15)):
        q = blocks[j]
        if q.kind == "heading":
            return None
        if q.kind != "prose" or not _fits_body(q, width):
            continue
        first = q.text.lstrip()[:1]
        if first.islower():
            return j
        if skipped == 0 and joinable_upper and (first.isupper() or first.isdigit()):
            return j
        if ocr.ends_mid_sentence(q.text) or skipped >= 2:
            return None            # that paragraph is itself cut: it owns what follows
        skipped += 1
    return None


def _merge_dangling(blocks: list[Block], vocab: ocr.Vocabulary, width: int) -> list[Block]:
    i = 0
    while i < len(blocks):
        b = blocks[i]
        while b.kind == "prose" and ocr.ends_mid_sentence(b.text):
            j = _continuation(blocks, i, width)
            if j is None:
                break
            b.text = ocr.reflow([b.text, blocks[j].text], vocab)
            del blocks[j]
        i += 1
    return blocks


# ---------------------------------------------------------------- OCR text: sections

def ocr_sections(text: str, *, page: int | None = None, state: LayoutState | None = None) -> list[SourceSection]:
    """Sections of hard-wrapped text (OCR output or one PDF page); see module docstring.

    `state` carries the current heading, the document's vocabulary and whether the reference list has started
    from one page to the next; without it the text is treated as a whole document.
    """
    state = state or LayoutState(vocab=ocr.Vocabulary(text))
    raw = text.split("\n")
    indents = [ln[:1] in (" ", "\t") and bool(ln.strip()) for ln in raw]
    lines = ocr.drop_furniture([" ".join(ln.split()) for ln in raw])
    width = ocr.body_width(lines)
    blocks: list[Block] = []
    first_line = next((ln for ln in lines if ln), "")
    if state.open_table and not first_line[:1].islower():   # a table continued from the previous page (a page
        # that starts in lower case continues a sentence instead)
        title = state.open_table if state.open_table.endswith("(continued)") else f"{state.open_table} (continued)"
        blocks.append(Block("caption", [title], title=title))
    for chunk in _split_blocks(lines, indents):
        blocks.extend(_classify(chunk))
    blocks, state.open_table = _tables(blocks, width)
    for b in blocks:
        if b.kind == "prose":
            b.text = ocr.reflow(b.lines, state.vocab)
    blocks = _merge_dangling(blocks, state.vocab, width)
    for k, b in enumerate(blocks):       # a paragraph in its own frame right before the keywords: the abstract
        if b.kind == "keywords" and k and blocks[k - 1].kind == "prose" and not _fits_body(blocks[k - 1], width):
            blocks[k - 1].kind = "abstract"

    sections: list[SourceSection] = []
    buf: list[str] = []

    def flush() -> None:
        if buf and not state.in_references:
            sections.append(SourceSection("\n\n".join(buf), title=state.heading, page=page))
        buf.clear()

    for b in blocks:
        if b.kind == "heading":
            flush()
            state.heading = b.title
            state.in_references = bool(ocr.REFERENCE_HEADINGS.match(b.title))
            continue
        if state.in_references:
            continue
        if b.kind == "prose":
            buf.append(ocr.strip_glued_references(b.text))
            continue
        flush()
        if b.kind == "abstract":
            sections.append(SourceSection(ocr.strip_glued_references(b.text), title="Abstract", kind="abstract",
                                          page=page))
        elif b.kind == "table":
            if b.lines or not b.title.endswith("(continued)"):   # a continued table that ended at once: nothing
                body = "\n".join(b.lines).strip() or b.title
                sections.append(SourceSection(body, title=b.title or state.heading, kind="table", page=page))
        elif b.kind == "caption":
            sections.append(SourceSection(b.title, title=b.title, kind="table", page=page))
        elif b.kind == "abbreviations":
            sections.append(SourceSection(ocr.reflow(b.lines, state.vocab), title="Abbreviations",
                                          kind="abbreviations", page=page))
        elif b.kind == "keywords":
            sections.append(SourceSection(b.lines[0], title="Keywords", kind="heading", page=page))
        # "number" blocks: an isolated number outside a table is a page number; dropped
    flush()
    return sections


def text_sections(text: str, *, page: int | None = None, state: LayoutState | None = None,
                  ocr_mode: bool | None = None) -> list[SourceSection]:
    """Sections of plain text, choosing the mode from the text when `ocr_mode` is None."""
    if ocr_mode is None:
        ocr_mode = ocr.looks_hard_wrapped(text.split("\n"))
    return ocr_sections(text, page=page, state=state) if ocr_mode else clean_sections(text, page=page)
