"""Source readers: files (text, Markdown, PDF, PubMed XML, MEDLINE, JSON Lines) and the embedded open-medicine
guidelines -> :class:`~curbside.corpus.models.SourceDocument`.

Public API::

    FORMATS                                   # the format names accepted by read_path / --format
    JsonlMapping(id_field, title_field, text_field, url_field, year_field)
    detect_format(path) -> str
    read_path(path, fmt=None, mapping=None, *, on_error=None, max_bytes=512 MiB) -> Iterator[SourceDocument]
    iter_files(paths) -> Iterator[Path]
    read_open_medicine() -> Iterator[SourceDocument]

Errors. Every problem with the input is an :class:`~curbside.errors.InputError` whose ``where`` names the file
(and the record, line, page or field) and whose ``problem`` says what was expected. ``read_path`` checks the file
(exists, not empty, within ``max_bytes``, known format) before returning, so those errors raise at the call.
While reading, two kinds of problem can occur:

- a bad *record* of a multi-record file (a JSONL line that is not JSON or has no text, a PubMed record without
  title and abstract, an unreadable PDF page): it is passed to ``on_error`` and reading goes on; without a
  callback the good records are still yielded and one InputError (the first, with a count of the others) is
  raised at the end;
- a problem that stops the *file* (XML that is not well-formed, a truncated gzip stream): InputError is raised
  at that point; the records before it have been yielded.

Every document leaves with normalised text (NFC, runs of spaces collapsed, lines trimmed, paragraphs separated
by one blank line; numbers, units and doses as written), without empty sections, and with ``source_format`` and
``source_path`` set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources.common import DEFAULT_MAX_BYTES, ErrorCallback, check_file, clean_line, normalise_text
from curbside.sources.detect import FORMATS, detect_format, iter_files
from curbside.sources.jsonl import JsonlMapping

__all__ = ["FORMATS", "JsonlMapping", "detect_format", "read_path", "iter_files", "read_open_medicine",
           "DEFAULT_MAX_BYTES"]


def _finish(docs: Iterator[SourceDocument], fmt: str, path: str, report: Callable[[InputError], None] | None
            ) -> Iterator[SourceDocument]:
    """Normalise every document's text; a document left without text is a bad record."""
    for doc in docs:
        sections = []
        for s in doc.sections:
            text = normalise_text(s.text)
            if text:
                sections.append(SourceSection(text, title=clean_line(s.title), kind=s.kind, page=s.page))
        doc.sections = sections
        doc.title = clean_line(doc.title)
        doc.source_format = doc.source_format or fmt
        doc.source_path = doc.source_path or path
        if not sections:
            err = InputError(doc.source_path or path, f"document {doc.title!r} has no text; expected some text")
            if report is None:
                raise err
            report(err)
            continue
        yield doc


def read_path(path: Path, fmt: str | None = None, mapping: JsonlMapping | None = None, *,
              on_error: ErrorCallback | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument]:
    """Read the documents of one file (see the module docstring for errors).

    fmt: one of FORMATS, or None to detect it. mapping: JSONL field names (guessed when None). on_error: called
    with each bad record's InputError (reading goes on). max_bytes: larger files are refused before reading.
    ``fmt="open_medicine"`` reads an open-medicine ``guidelines`` folder (or its registry.json) at `path`.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(str(path), f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "open_medicine":
        from curbside.sources.open_medicine import read_open_medicine as _read_om

        if not path.exists():
            raise InputError(str(path), "no such file or directory")
        return _finish(_read_om(path, on_error=on_error), fmt, str(path), on_error)
    check_file(path, max_bytes)
    fmt = fmt or detect_format(path)
    if fmt == "text":
        from curbside.sources.text import read_text
        docs = read_text(path, max_bytes=max_bytes)
    elif fmt == "markdown":
        from curbside.sources.text import read_markdown
        docs = read_markdown(path, max_bytes=max_bytes)
    elif fmt == "pdf":
        from curbside.sources.pdf import read_pdf
        docs = read_pdf(path, on_error=on_error)
    elif fmt == "pubmed_xml":
        from curbside.sources.pubmed_xml import read_pubmed_xml
        docs = read_pubmed_xml(path, on_error=on_error)
    elif fmt == "medline":
        from curbside.sources.medline import read_medline
        docs = read_medline(path, on_error=on_error)
    else:
        from curbside.sources.jsonl import read_jsonl
        docs = read_jsonl(path, mapping, on_error=on_error)
    return _finish(docs, fmt, str(path), on_error)


def read_open_medicine() -> Iterator[SourceDocument]:
    """The embedded default corpus: one document per open-medicine guideline (nothing when not installed)."""
    from curbside.sources.open_medicine import read_open_medicine as _read_om

    return _finish(_read_om(), "open_medicine", "open-medicine", None)
