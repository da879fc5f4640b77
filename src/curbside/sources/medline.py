"""MEDLINE / PubMed text format (``.nbib``, ``.medline``, or ``.txt`` starting with "PMID- "): one SourceDocument
per record, streamed line by line.

Each line is ``TAG - value`` (the tag left-aligned in four columns); a value continues on following lines that
start with spaces. Records are separated by blank lines (a new ``PMID-`` line also starts one). Tags used: PMID,
TI (title), AB (abstract), AU (author, "Marsh RA"; FAU when there is no AU), CN (collective author), TA / JT
(journal), DP (date; its year), PT (publication type), MH (MeSH heading, without subheadings and the "*" of major
topics), AID / LID with "[doi]" (DOI). A structured abstract ("BACKGROUND: ... METHODS: ...") is split into one
``kind="abstract"`` section per label when it starts with an ALL-CAPS label followed by a colon.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Iterator

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources.common import MAX_RECORD_BYTES, ErrorCallback, RecordErrors, bounded_lines, clean_doi, \
    clean_line, mib, normalise_text, open_binary, pubmed_url, year_from

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3})\s*-\s?(.*)$")
_LABEL = re.compile(r"(?:^|(?<=[.?!)\]]\s))([A-Z][A-Z0-9 ,&/()\-]{2,60}[A-Z)]):\s")
_MULTI = frozenset({"AU", "FAU", "CN", "PT", "MH", "AID", "LID", "OT", "IS"})


def split_structured(abstract: str) -> list[SourceSection]:
    """"BACKGROUND: x. METHODS: y." -> sections titled BACKGROUND and METHODS; otherwise one "Abstract" section."""
    first = _LABEL.match(abstract)
    labels = list(_LABEL.finditer(abstract)) if first and sum(c.isalpha() for c in first.group(1)) >= 3 else []
    if not labels:
        return [SourceSection(abstract, title="Abstract", kind="abstract")]
    out = []
    for m, nxt in zip(labels, labels[1:] + [None]):
        body = abstract[m.end(): nxt.start() if nxt else len(abstract)].strip()
        if body:
            out.append(SourceSection(body, title=m.group(1).strip(), kind="abstract"))
    return out


def _record(fields: dict[str, list[str]], where: str) -> SourceDocument:
    def one(tag: str) -> str:
        values = fields.get(tag) or [""]
        return clean_line(values[0])

    pmid = one("PMID")
    if not pmid.isdigit():
        raise InputError(where, f"no valid PMID (found {pmid!r}); expected a 'PMID- <digits>' line")
    title = one("TI") or one("BTI")
    abstract = normalise_text(" ".join((fields.get("AB") or [""])[0].split()))
    if not title and not abstract:
        raise InputError(f"{where} (PMID {pmid})", "has neither a title (TI) nor an abstract (AB); record skipped")
    sections = split_structured(abstract) if abstract else [SourceSection(title, title="Title", kind="heading")]
    authors = [clean_line(a) for a in fields.get("AU", [])] or [clean_line(a) for a in fields.get("FAU", [])]
    authors += [clean_line(c) for c in fields.get("CN", [])]
    doi = ""
    for value in fields.get("AID", []) + fields.get("LID", []):
        if value.rstrip().endswith("[doi]"):
            doi = clean_doi(value)
            if doi:
                break
    mesh = []
    for h in fields.get("MH", []):
        name = clean_line(h.split("/")[0]).lstrip("*")
        if name:
            mesh.append(name)
    return SourceDocument(
        title=title or f"PMID {pmid}",
        sections=sections,
        authors=[a for a in authors if a],
        journal=one("TA") or one("JT"),
        year=year_from(one("DP")) or year_from(one("DEP")),
        pmid=pmid,
        doi=doi,
        url=pubmed_url(pmid),
        publication_types=[clean_line(p) for p in fields.get("PT", []) if p.strip()],
        mesh_terms=mesh,
        source_format="medline",
        source_name="PubMed",
        external_id=pmid,
    )


def read_medline(path: Path, *, on_error: ErrorCallback | None = None) -> Iterator[SourceDocument]:
    """Stream the records of a MEDLINE-format file; a bad record is reported and skipped."""
    errors = RecordErrors(on_error)
    fields: dict[str, list[str]] = {}
    last_tag = ""
    start_line = 0
    n = 0
    bad: InputError | None = None        # a problem found while reading the current record's lines
    record_bytes = 0                     # size of the current record: one larger than MAX_RECORD_BYTES is skipped

    def finish() -> Iterator[SourceDocument]:
        nonlocal n, bad
        if fields:
            n += 1
            try:
                if bad:
                    raise bad
                yield _record(fields, f"{path} record {n} at line {start_line}")
            except InputError as exc:
                errors(exc)
        bad = None

    with open_binary(path) as fh:
        try:
            for lineno, raw, size in bounded_lines(fh, MAX_RECORD_BYTES):
                if raw is None:
                    bad = bad or InputError(f"{path} line {lineno}", f"is {mib(size)} long; a line may be at most "
                                                                     f"{mib(MAX_RECORD_BYTES)}; record skipped")
                    continue
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    bad = bad or InputError(f"{path} line {lineno}", "is not valid UTF-8; record skipped "
                                                                     "(re-export the file as UTF-8)")
                if lineno == 1:
                    line = line.lstrip("\ufeff")
                if not line.strip():
                    yield from finish()
                    fields, last_tag, record_bytes = {}, "", 0
                    continue
                record_bytes += size
                if record_bytes > MAX_RECORD_BYTES and fields:
                    bad = bad or InputError(f"{path} record at line {start_line}",
                                            f"is larger than {mib(MAX_RECORD_BYTES)}; record skipped")
                    if not _TAG_LINE.match(line) or not line.startswith("PMID"):
                        continue
                m = _TAG_LINE.match(line)
                if m and not line[:1].isspace():
                    tag, value = m.group(1), m.group(2)
                    if tag == "PMID" and fields:
                        yield from finish()
                        fields = {}
                    if not fields:
                        start_line, record_bytes = lineno, size
                    if tag in _MULTI or tag not in fields:
                        fields.setdefault(tag, []).append(value)
                    last_tag = tag
                elif last_tag and fields:
                    fields[last_tag][-1] += " " + line.strip()   # continuation line
                else:
                    errors(InputError(f"{path} line {lineno}", "is not a 'TAG - value' line; expected "
                                                               "MEDLINE format (records start with 'PMID- ')"))
            yield from finish()
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(str(path), f"could not be read ({exc})") from None
    if n == 0:
        raise InputError(str(path), "contains no MEDLINE records; expected lines such as 'PMID- 12345678'")
    errors.raise_collected()
