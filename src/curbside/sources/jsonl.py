"""JSON Lines (``.jsonl``, ``.ndjson``, ``.jsonl.gz``): one JSON object per line, one SourceDocument per object.

Which fields hold the id, title, text, URL and year is given by a :class:`JsonlMapping`; a field left unset is
guessed from the record (first present of: id: id, pmid, nct_id, doc_id; title: title, Guideline Title,
question, focus; text: text, answer, abstract, contents, body; url: url, link; year: year, pub_year, date).
Optional fields used when present: pmid, doi, authors, journal, source, publication_types, mesh_terms.

Known collections are recognised from their fields and need no mapping:

- NGC guideline summaries ("Guideline Title" + "Major Recommendations"): see ngc.py; tier guideline.
- MedQuAD question/answer pairs (question + answer): title = question (else "focus: qtype"), text = answer,
  source_name = the record's source (GHR, GARD, ...); tier reference.
- ClinicalTrials.gov records (nct_id): URL https://clinicaltrials.gov/study/<NCT>, tier trial_registry.
- PubMed-derived records (pmid, e.g. BioASQ): PMID and PubMed URL set; an empty title becomes "PMID <n>"; a
  record with a title but empty text is kept with its title as a ``kind="heading"`` section (searchable, not
  quoted as prose), as PubMed XML records without an abstract are.

A bad line (not JSON, not an object, no text) is reported with its line number and field and skipped; reading
goes on. The file is streamed line by line.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from curbside.corpus.models import EvidenceLevel, SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources import ngc
from curbside.sources.common import MAX_RECORD_BYTES, ErrorCallback, RecordErrors, bounded_lines, clean_doi, \
    clean_line, mib, open_binary, pubmed_url, year_from


@dataclass
class JsonlMapping:
    """Names of the JSONL fields that hold each value; None means "guess from the record"."""

    id_field: str | None = None
    title_field: str | None = None
    text_field: str | None = None
    url_field: str | None = None
    year_field: str | None = None


GUESSES = {
    "id_field": ("id", "pmid", "nct_id", "doc_id"),
    "title_field": ("title", "Guideline Title", "question", "focus"),
    "text_field": ("text", "answer", "abstract", "contents", "body"),
    "url_field": ("url", "link"),
    "year_field": ("year", "pub_year", "date"),
}
_NCT = re.compile(r"^NCT\d{8}$", re.I)


def _str(value) -> str:
    """A field value as text: strings as they are, lists of strings as paragraphs, numbers as digits."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "\n\n".join(_str(v) for v in value if _str(v))
    return ""


def _str_list(value) -> list[str]:
    if isinstance(value, list):
        return [clean_line(_str(v)) for v in value if clean_line(_str(v))]
    text = clean_line(_str(value))
    return [p.strip() for p in text.split(";") if p.strip()] if text else []


class _Resolver:
    """Resolves the mapping once per distinct set of record keys (records of one file usually share one)."""

    def __init__(self, mapping: JsonlMapping | None):
        self.mapping = mapping or JsonlMapping()
        self.cache: dict[tuple, tuple[str, dict[str, str | None]]] = {}
        self.file_fields: dict[str, str] = {}     # fields found in earlier records: a record lacking one is bad

    def __call__(self, record: dict) -> tuple[str, dict[str, str | None]]:
        key = tuple(record)
        hit = self.cache.get(key)
        if hit is None:
            fields = {}
            for attr, names in GUESSES.items():
                given = getattr(self.mapping, attr)
                fields[attr] = given or next((n for n in names if n in record), None) or self.file_fields.get(attr)
                if fields[attr]:
                    self.file_fields.setdefault(attr, fields[attr])
            if ngc.is_ngc_record(record) and not self.mapping.text_field:
                profile = "ngc"
            elif "question" in record and "answer" in record and not self.mapping.text_field:
                profile = "medquad"
                fields["text_field"] = "answer"
                fields["title_field"] = self.mapping.title_field or "question"
            elif "nct_id" in record:
                profile = "trial"
                fields["id_field"] = self.mapping.id_field or "nct_id"
            else:
                profile = "generic"
            hit = self.cache[key] = (profile, fields)
        return hit


MAX_ID_CHARS = 200


def _record_id(record: dict, fields: dict[str, str | None], given: bool, where: str) -> str:
    """The record's own id (the id field's value), checked: a named id field must be present and non-empty."""
    name = fields["id_field"]
    if not name:
        return ""
    value = clean_line(_str(record.get(name)))
    if given and not value:
        raise InputError(f"{where}: field '{name}'", "missing or empty; expected the document id (--id-field)")
    if len(value) > MAX_ID_CHARS:
        raise InputError(f"{where}: field '{name}'", f"is {len(value):,} characters; expected an id of at most "
                                                     f"{MAX_ID_CHARS}")
    return value


def _document(record: dict, profile: str, fields: dict[str, str | None], where: str,
              id_given: bool = False) -> SourceDocument:
    rid = _record_id(record, fields, id_given, where)
    doc = _read_document(record, profile, fields, where)
    if rid:
        doc.doc_id, doc.doc_id_given, doc.external_id = rid, id_given, rid
        if profile == "trial" and _NCT.match(rid):
            doc.doc_id = doc.external_id = rid.upper()
    return doc


def _read_document(record: dict, profile: str, fields: dict[str, str | None], where: str) -> SourceDocument:
    if profile == "ngc":
        doc = ngc.ngc_document(record)
        if not doc.title:
            raise InputError(f"{where}: field 'Guideline Title'", "missing or empty; expected the guideline title")
        if not doc.sections:
            raise InputError(f"{where}: field 'Major Recommendations'", "missing or empty; expected guideline text")
        return doc
    text_field = fields["text_field"]
    if not text_field:
        raise InputError(where, "no text field; expected one of " + ", ".join(GUESSES["text_field"])
                         + " (or name it with --text-field)")
    if text_field not in record:
        raise InputError(f"{where}: field '{text_field}'", "missing; expected the document text")
    text = _str(record.get(text_field)).strip()   # normalised once, by read_path
    get = lambda attr: clean_line(_str(record.get(fields[attr]))) if fields[attr] else ""  # noqa: E731
    ext_id = get("id_field")
    pmid = clean_line(_str(record.get("pmid")))
    if not pmid and ext_id.lower().startswith("pmid:"):
        pmid = ext_id[5:].strip()
    pmid = pmid if pmid.isdigit() else ""
    title = get("title_field")
    if text:
        sections = [SourceSection(text)]
    elif pmid and title:            # a PubMed record known by its title only: searchable, never quoted as prose
        sections = [SourceSection(title, title="Title", kind="heading")]
    else:
        raise InputError(f"{where}: field '{text_field}'", "empty; expected the document text")
    url = get("url_field")
    doc = SourceDocument(
        title=title,
        sections=sections,
        authors=_str_list(record.get("authors")),
        journal=clean_line(_str(record.get("journal"))),
        year=year_from(record.get(fields["year_field"])) if fields["year_field"] else None,
        pmid=pmid,
        doi=clean_doi(_str(record.get("doi"))),
        url=url or pubmed_url(pmid),
        publication_types=_str_list(record.get("publication_types")),
        mesh_terms=_str_list(record.get("mesh_terms") or record.get("mesh")),
        source_format="jsonl",
        source_name=clean_line(_str(record.get("source"))),
        external_id=ext_id,
    )
    if profile == "medquad":
        doc.tier = EvidenceLevel.REFERENCE
        if not doc.title:
            focus, qtype = clean_line(_str(record.get("focus"))), clean_line(_str(record.get("qtype")))
            doc.title = f"{focus}: {qtype}" if focus and qtype else focus
    elif profile == "trial":
        nct = ext_id.upper()
        doc.source_name = doc.source_name or "ClinicalTrials.gov"
        doc.tier = EvidenceLevel.TRIAL_REGISTRY
        if _NCT.match(nct):
            doc.external_id = nct
            doc.url = doc.url or f"https://clinicaltrials.gov/study/{nct}"
    if not doc.title:
        doc.title = f"PMID {pmid}" if pmid else (ext_id or _lead(clean_line(text[:2000])))
    return doc


def _lead(text: str, words: int = 12) -> str:
    first = text.split("\n")[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


def read_jsonl(path: Path, mapping: JsonlMapping | None = None, *,
               on_error: ErrorCallback | None = None) -> Iterator[SourceDocument]:
    """Stream the records of a JSON Lines file; bad lines are reported (file, line, field) and skipped."""
    errors = RecordErrors(on_error)
    resolve = _Resolver(mapping)
    id_given = bool(mapping and mapping.id_field)
    good = 0
    seen = 0
    with open_binary(path) as fh:
        try:
            for lineno, raw, size in bounded_lines(fh, MAX_RECORD_BYTES):
                if raw is not None and not raw.strip():
                    continue
                seen += 1
                where = f"{path} line {lineno}"
                try:
                    if raw is None:
                        raise InputError(where, f"record is {mib(size)}; a record may be at most "
                                                f"{mib(MAX_RECORD_BYTES)} (split the document into several records)")
                    try:
                        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                    except UnicodeDecodeError as exc:
                        raise InputError(where, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                                f"expected UTF-8 JSON") from None
                    if seen == 1 and line.lstrip().startswith("["):
                        raise InputError(str(path), "is a JSON array; expected JSON Lines (one object per line)")
                    try:
                        record = json.loads(line)
                    except (ValueError, RecursionError) as exc:
                        detail = f"{exc.msg} at column {exc.colno}" if hasattr(exc, "colno") else "nested too deeply"
                        raise InputError(where, f"is not valid JSON ({detail})") from None
                    if not isinstance(record, dict):
                        raise InputError(where, f"is a JSON {type(record).__name__}; expected an object")
                    profile, fields = resolve(record)
                    doc = _document(record, profile, fields, where, id_given)
                except InputError as exc:
                    if exc.where == str(path):
                        raise
                    errors(exc)
                    continue
                doc.source_path = str(path)
                doc.record = f"line {lineno}"
                good += 1
                yield doc
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(str(path), f"could not be read ({exc})") from None
    if seen == 0:
        raise InputError(str(path), "contains no records; expected one JSON object per line")
    errors.raise_collected()
