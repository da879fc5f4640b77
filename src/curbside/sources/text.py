"""Plain text and Markdown files: one SourceDocument per file.

- Markdown (.md, .markdown): see markdown.py. Title: front-matter ``title:``, else the first H1.
- Plain text (.txt, .text): text typed one paragraph per line keeps its line breaks; text cut at a fixed width
  (OCR output, text copied from a PDF) is cleaned as described in layout.py and ocr.py. Title: the first line
  when it is short and looks like a title (not a section heading such as "1 | INTRODUCTION", not a sentence),
  else the file name without its extension.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from curbside.corpus.models import SourceDocument
from curbside.errors import InputError
from curbside.sources import layout, ocr
from curbside.sources.common import DEFAULT_MAX_BYTES, MAX_DOCUMENT_BYTES, clean_doi, decode_text, is_gzip, mib, \
    normalise_raw, read_bytes
from curbside.sources.markdown import parse_markdown

_DOI_LINE = re.compile(r"\b(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)


def read_text_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text (UTF-8 or UTF-16 with BOM; gzip-compressed too), NFC-normalised with "\\n" line ends.
    One file is one document: more than MAX_DOCUMENT_BYTES is refused before it is read (memory stays flat)."""
    limit = min(max_bytes, MAX_DOCUMENT_BYTES)
    too_big = InputError(str(path), f"holds more than {mib(limit)} of text; one document may hold at most "
                                    f"{mib(limit)} (split it into several files, e.g. one per chapter)")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if limit == max_bytes:               # the caller's (smaller) file limit applies, with its own message
        data = read_bytes(path, max_bytes)
    elif size > limit and not is_gzip(path):
        raise too_big
    else:
        try:
            data = read_bytes(path, limit)
        except InputError as exc:
            if "larger than the limit" in exc.problem:
                raise too_big from None
            raise
    text = decode_text(data, str(path))
    del data
    text = normalise_raw(text)
    if not text.strip():
        raise InputError(str(path), "contains only white space; expected a document")
    return text


def _title_line(line: str) -> bool:
    s = line.strip()
    return (0 < len(s) <= 150 and s[-1] not in ".,;:" and not ocr.heading(s, caps=False)
            and not ocr.is_furniture(s) and not ocr.is_abbreviations(s) and not s.startswith(("|", "- ", "* ")))


def _doi_near_top(text: str) -> str:
    for line in text.split("\n")[:60]:
        m = _DOI_LINE.search(line)
        if m:
            return clean_doi(m.group(1))
    return ""


def plain_document(text: str, *, stem: str, ocr_mode: bool | None = None) -> SourceDocument:
    """A SourceDocument from plain text (no file access; used by tests and by read_text)."""
    lines = text.split("\n")
    if ocr_mode is None:
        ocr_mode = ocr.looks_hard_wrapped(lines)
    first_i = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    title = ""
    if first_i is not None and _title_line(lines[first_i]):
        nxt = lines[first_i + 1].strip() if first_i + 1 < len(lines) else ""
        # a title stands alone; in OCR text the first line may just be the start of a paragraph
        if not nxt or not ocr_mode:
            title = " ".join(lines[first_i].split())
            lines = lines[first_i + 1:]
    body = "\n".join(lines)
    sections = layout.text_sections(body, ocr_mode=ocr_mode)
    doc = SourceDocument(title=title or stem, sections=[s for s in sections if s.text.strip()],
                         source_format="text")
    doc.doi = _doi_near_top(text) if ocr_mode else ""
    return doc


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument]:
    """Read one plain-text file."""
    text = read_text_file(path, max_bytes)
    doc = plain_document(text, stem=_stem(path))
    if not doc.sections:
        raise InputError(str(path), "no text found after removing page furniture; expected a document")
    doc.source_path = str(path)
    yield doc


def read_markdown(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument]:
    """Read one Markdown file."""
    text = read_text_file(path, max_bytes)
    title, sections, meta = parse_markdown(text)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise InputError(str(path), "no text found (only headings or markup); expected a document")
    doc = SourceDocument(title=title or _stem(path), sections=sections, source_format="markdown",
                         source_path=str(path))
    if meta.get("doi"):
        doc.doi = clean_doi(meta["doi"])
    return iter([doc])


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".txt", ".text", ".md", ".markdown"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or path.name

