"""Which reader a file needs, and which files a list of paths stands for.

The format comes from the file name (a trailing ``.gz`` is ignored) checked against the content: the first
bytes decide for PDF (``%PDF-``), PubMed XML (``<PubmedArticleSet``/``<PubmedArticle``) and MEDLINE (``PMID-``),
so ``export.txt`` holding MEDLINE records is read as MEDLINE. A file with an unknown extension is recognised by
its content when possible (those three, or JSON Lines); otherwise it is an InputError asking for ``--format``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator

from curbside.errors import InputError
from curbside.sources.common import head_bytes

FORMATS = ("text", "markdown", "pdf", "pubmed_xml", "medline", "jsonl", "open_medicine")
EXTENSIONS = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".pdf": "pdf",
    ".xml": "pubmed_xml",
    ".nbib": "medline", ".medline": "medline",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_MEDLINE_START = re.compile(rb"^\s*PMID\s*-\s*\d")


def _extension(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def sniff(head: bytes) -> str | None:
    """The format that the first bytes of a file prove, or None."""
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(b"<") and (b"<PubmedArticleSet" in head or b"<PubmedArticle" in head
                                  or b"<PubmedBookArticle" in head):
        return "pubmed_xml"
    if _MEDLINE_START.match(body):
        return "medline"
    return None


def _looks_jsonl(head: bytes) -> bool:
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not body.startswith(b"{"):
        return False
    first = body.split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(first.decode("utf-8")), dict)
    except (ValueError, UnicodeDecodeError):
        return len(body.split(b"\n", 1)) > 1   # first line cut by the sniff window or bad: still JSON-ish


def detect_format(path: Path) -> str:
    """The reader for `path` (one of FORMATS); InputError when it cannot be told (see module docstring)."""
    path = Path(path)
    head = head_bytes(path)
    if not head.strip():
        raise InputError(str(path), "empty file; expected a document")
    ext = _extension(path)
    by_content = sniff(head)
    by_name = EXTENSIONS.get(ext)
    if by_content:
        return by_content
    if by_name == "pubmed_xml":
        raise InputError(str(path), "XML file is not PubMed XML (no <PubmedArticleSet> or <PubmedArticle> at "
                                    "the start); expected PubMed efetch or baseline XML")
    if by_name:
        return by_name
    if _looks_jsonl(head):
        return "jsonl"
    shown = f" for '{ext}' files" if ext else " (file has no extension)"
    raise InputError(str(path), f"unknown format{shown}; expected one of {', '.join(FORMATS)} (use --format)")


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files named by `paths`: a file as given; a directory expanded recursively in sorted order, skipping hidden
    files and folders (names starting with ".") and not following symbolic links to folders."""
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(root) / name
