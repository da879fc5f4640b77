"""Which reader a file needs, and which files a list of paths stands for.

The format comes from the file name (a trailing ``.gz`` is ignored) checked against the content: the first
bytes decide for PDF (``%PDF-``), PubMed XML (``<PubmedArticleSet``/``<PubmedArticle``) and MEDLINE (``PMID-``),
so ``export.txt`` holding MEDLINE records is read as MEDLINE. A file with an unknown extension is recognised by
its content when possible (those three, or JSON Lines); otherwise it is an InputError asking for ``--format``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Callable, Iterator

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


SkipCallback = Callable[[Path, str], None]


def why_unreadable(exc: OSError, path: Path) -> str:
    """What is wrong with a path that cannot be visited, in words (dangling link, link loop, permission...)."""
    try:
        link = path.is_symlink()
    except OSError:
        link = False
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points back at itself)"
    if link and isinstance(exc, FileNotFoundError):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"dangling symbolic link (its target {target!r} does not exist)"
    if isinstance(exc, PermissionError):
        return "permission denied; cannot be read"
    return f"cannot be read ({exc.strerror or exc})"


def iter_files(paths: list[Path], on_skip: SkipCallback | None = None) -> Iterator[Path]:
    """Files named by `paths`: a file as given; a directory expanded recursively in sorted order, skipping hidden
    files and folders (names starting with ".") and not following symbolic links to folders.

    Inside a directory, what cannot be read is passed to `on_skip(path, reason)` and the walk goes on: a dangling
    symbolic link, a symbolic link loop, a folder without read permission, a symbolic link to a folder (not
    followed), something that is not a regular file (a pipe or a device)."""
    def skip(path: Path, why: str) -> None:
        if on_skip is not None:
            on_skip(path, why)

    for p in paths:
        p = Path(p)
        if not p.is_dir():
            yield p
            continue

        def onerror(exc: OSError, top: Path = p) -> None:
            where = Path(exc.filename) if exc.filename else top
            skip(where, "folder " + why_unreadable(exc, where))

        for root, dirs, files in os.walk(p, onerror=onerror):
            keep = []
            for name in sorted(dirs):
                if name.startswith("."):
                    continue
                full = Path(root) / name
                if full.is_symlink():
                    skip(full, "symbolic link to a folder; not followed (name the folder itself to ingest it)")
                    continue
                keep.append(name)
            dirs[:] = keep
            for name in sorted(files):
                if name.startswith("."):
                    continue
                full = Path(root) / name
                try:
                    mode = full.stat().st_mode
                except OSError as exc:
                    skip(full, why_unreadable(exc, full))
                    continue
                if not stat.S_ISREG(mode):
                    skip(full, "not a regular file (a pipe, socket or device)")
                    continue
                yield full
