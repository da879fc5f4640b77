"""PDF files (text layer read with pypdf): one SourceDocument per file, sections carry their 1-based page.

Each page's text goes through the same clean-up as OCR text (layout.py): hyphenated words re-joined, headings
and tables found, glued reference numbers removed. Before that, running headers and footers are removed: lines
among the first or last three of a page that repeat (digits ignored) on at least half of the pages, and bare page
numbers there. A sentence that runs over a page break is completed on the page where it starts (the rest of the
next page keeps its own page number), and a table that runs to the end of a page continues on the next one
(its section is titled "<caption> (continued)").

Title: the PDF's Title metadata when it is meaningful (not "Untitled" or a file name), else the first line of
page 1, else the file name. DOI: from the metadata or a "doi:" / doi.org line on page 1.

Scanned PDFs without a text layer have nothing to extract: they are reported (run OCR first), not guessed at.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources import layout, ocr
from curbside.sources.common import ErrorCallback, RecordErrors, clean_doi, clean_line, normalise_raw

_EDGE = 3
_DOI_LINE = re.compile(r"\b(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)
_JUNK_TITLE = re.compile(r"^(?:untitled|document\d*|microsoft word\b.*|.*\.(?:docx?|pdf|tex|indd|rtf))$", re.I)


@contextlib.contextmanager
def _quiet_pypdf():
    """pypdf logs repairs of damaged files (and unsupported encodings) as warnings and errors; Curbside reports
    what matters itself, so keep those messages out of the CLI while reading."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.casefold().split()))


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers/footers and page numbers from the top and bottom lines of each page."""
    def edges(lines: list[str]) -> list[int]:
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        return sorted(set(idx[:_EDGE] + idx[-_EDGE:]))

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(lines[i]) for i in edges(lines)})
    needed = max(2, math.ceil(0.5 * len(pages)))
    running = {k for k, n in counts.items() if n >= needed and len(pages) >= 2 and re.search(r"[^\W\d_]", k)}
    out = []
    for lines in pages:
        lines = list(lines)
        for i in edges(lines):
            if _edge_key(lines[i]) in running or ocr.is_page_number(lines[i]):
                lines[i] = ""
        out.append(lines)
    return out


def _open(path: Path):
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported encryption
                opened = 0
            if not opened:
                raise InputError(str(path), "is encrypted (password-protected); save an unencrypted copy")
        _ = len(reader.pages)
        return reader
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf signals damage with many exception types
        raise InputError(str(path), f"is not a readable PDF ({exc.__class__.__name__}: {exc}); "
                                    f"expected a PDF with a text layer") from None


def _meta_title(reader) -> str:
    try:
        meta = reader.metadata or {}
        title = clean_line(str(meta.get("/Title") or ""))
    except Exception:  # noqa: BLE001 - damaged metadata is not worth failing the file for
        return ""
    title = re.sub(r"^Microsoft Word - ", "", title)
    return "" if len(title) < 4 or _JUNK_TITLE.match(title) else title


def _meta_doi(reader) -> str:
    try:
        meta = reader.metadata or {}
        for key in ("/doi", "/DOI", "/Subject", "/prism:doi"):
            doi = clean_doi(str(meta.get(key) or ""))
            if doi:
                return doi
    except Exception:  # noqa: BLE001
        pass
    return ""


def _first_line(lines: list[str]) -> str:
    for ln in lines:
        s = " ".join(ln.split())
        if not s or ocr.is_furniture(s) or ocr.is_page_number(s):
            continue
        return s if len(s) <= 200 and s[-1] not in ".,;:" and not ocr.heading(s, caps=False) else ""
    return ""


_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"“(\[]?[A-Z0-9]|\s*$)")


def _join_across_pages(last: SourceSection, page: list[SourceSection], vocab: ocr.Vocabulary) -> None:
    """A sentence cut by a page break ("... as described in Sec-" / "tion 2. Agents ...") is completed on the page
    where it starts: the fragment up to the first sentence end moves back to the previous page's section."""
    first = page[0]
    if last.kind != "text" or first.kind != "text" or last.title != first.title:
        return
    if not ocr.ends_mid_sentence(last.text) or not first.text[:1].islower():
        return
    para_end = first.text.find("\n\n")
    para_end = len(first.text) if para_end == -1 else para_end
    m = _SENTENCE_END.search(first.text, 0, para_end)
    cut = m.end() if m else para_end
    last.text = ocr.reflow([last.text, first.text[:cut]], vocab)
    first.text = first.text[cut:].strip()


def read_pdf(path: Path, *, on_error: ErrorCallback | None = None) -> Iterator[SourceDocument]:
    """Read one PDF. A page whose text cannot be extracted is reported through `on_error` (or raised after the
    document when there is no callback) and skipped."""
    errors = RecordErrors(on_error)
    with _quiet_pypdf():
        reader = _open(path)
        raw_pages: list[list[str]] = []
        for n, page in enumerate(reader.pages, start=1):
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # noqa: BLE001
                errors(InputError(f"{path} page {n}", f"text could not be extracted ({exc.__class__.__name__})"))
                text = ""
            raw_pages.append(normalise_raw(text).split("\n"))
        title = _meta_title(reader)
        doi = _meta_doi(reader)
    if not any(ln.strip() for lines in raw_pages for ln in lines):
        raise InputError(str(path), "has no extractable text (a scanned PDF?); run OCR on it first")
    pages = drop_running_lines(raw_pages)
    state = layout.LayoutState(vocab=ocr.Vocabulary("\n".join("\n".join(p) for p in pages)))
    sections: list[SourceSection] = []
    for n, lines in enumerate(pages, start=1):
        if any(ln.strip() for ln in lines):
            page_sections = layout.ocr_sections("\n".join(lines), page=n, state=state)
            if sections and page_sections:
                _join_across_pages(sections[-1], page_sections, state.vocab)
            sections.extend(s for s in page_sections if s.text.strip())
    if not doi:
        m = _DOI_LINE.search("\n".join(raw_pages[0]))
        doi = clean_doi(m.group(1)) if m else ""
    doc = SourceDocument(title=title or _first_line(pages[0]) or path.stem, sections=sections, doi=doi,
                         source_format="pdf", source_path=str(path))
    yield doc
    errors.raise_collected()
