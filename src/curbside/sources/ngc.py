"""National Guideline Clearinghouse (NGC) summary records, as found in JSONL exports: one guideline per record
with fields such as "Guideline Title", "Major Recommendations", "Rating Scheme for the Strength of the Evidence".

Sections are built from the clinical fields in a fixed order. "Major Recommendations" is split at its own
sub-headings (Title-Case lines such as "Diagnosis and Staging") into ``kind="recommendation"`` sections titled
"Major Recommendations: <sub-heading>"; evidence grades written inside the text are kept verbatim. The developer
organisation(s) become the journal field, the year is the latest year in "Date Released" (the revision in force;
else the bibliographic source's year), and authors are taken from the bibliographic source only when it starts
with a plain "Surname AB, Surname C" list.
"""

from __future__ import annotations

import re

from curbside.corpus.models import EvidenceLevel, SourceDocument, SourceSection
from curbside.sources.common import clean_line

TITLE_FIELD = "Guideline Title"
RECOMMENDATIONS_FIELD = "Major Recommendations"
SECTION_FIELDS = (
    ("Disease/Condition(s)", "text"),
    ("Target Population", "text"),
    ("Interventions and Practices Considered", "text"),
    (RECOMMENDATIONS_FIELD, "recommendation"),
    ("Rating Scheme for the Strength of the Evidence", "text"),
    ("Rating Scheme for the Strength of the Recommendations", "text"),
    ("Type of Evidence Supporting the Recommendations", "text"),
    ("Potential Benefits", "text"),
    ("Potential Harms", "text"),
    ("Contraindications", "text"),
    ("Qualifying Statements", "text"),
    ("Guideline Status", "text"),
)
_AUTHOR = re.compile(r"^[A-Z][A-Za-z'’\-]+(?: [A-Z][A-Za-z'’\-]+)* [A-Z]{1,4}$")
_ORG_TYPE = re.compile(r"\s+-\s+[A-Z][\w/ \[\].,-]*$")
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


def is_ngc_record(record: dict) -> bool:
    return TITLE_FIELD in record and RECOMMENDATIONS_FIELD in record


def _value(record: dict, name: str) -> str:
    v = record.get(name)
    if isinstance(v, list):
        v = "\n".join(str(x) for x in v if x is not None)
    return v.strip() if isinstance(v, str) else ""    # normalised once, by read_path


_LONG_WORD = re.compile(r"\b[A-Za-z][\w'’-]{3,}")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’-]{3,}")
# a line of 3-91 characters starting with a capital and not ending in punctuation (possessive: long lines fail fast)
_CANDIDATE = re.compile(r"^[ \t]*+([A-Z][^\n]{2,89}+)(?<![.:;,?!)])(?<![.:;,?!)] )$", re.M)


def _is_subheading(s: str) -> bool:
    """A Title-Case line without end punctuation ("Diagnosis and Staging"), not a list item in sentence case."""
    s = s.strip()
    if not (2 < len(s) <= 90) or s[-1] in ".:;,?!)" or not s[0].isupper():
        return False
    words = len(_LONG_WORD.findall(s))
    return words > 0 and len(_CAPITAL_WORD.findall(s)) >= 0.6 * words


def recommendation_sections(text: str, *, field_title: str = RECOMMENDATIONS_FIELD) -> list[SourceSection]:
    """Split the "Major Recommendations" text at its sub-headings; consecutive sub-headings nest ("A: B")."""
    heads = [m for m in _CANDIDATE.finditer(text) if _is_subheading(m.group(1))]
    sections: list[SourceSection] = []
    title, pending, pos = field_title, [], 0
    for m in heads + [None]:
        body = text[pos:m.start() if m else len(text)].strip()
        if body:
            if pending:
                title = f"{field_title}: " + ": ".join(pending[-2:])
                pending = []
            sections.append(SourceSection(body, title=title, kind="recommendation"))
        if m:
            pending.append(" ".join(m.group(1).split()))
            pos = m.end()
    return sections


def _developers(value: str) -> str:
    orgs = []
    for part in re.split(r"\n|;\s+", value):
        org = _ORG_TYPE.sub("", part.strip()).strip()
        if org and org not in orgs:
            orgs.append(org)
    return "; ".join(orgs)


def _authors(bibliographic: str) -> list[str]:
    first = bibliographic.split("\n")[0]
    head = first.split(". ")[0]
    parts = [p.strip() for p in head.split(",") if p.strip()]
    if not parts or not all(_AUTHOR.match(p) for p in parts if p not in ("et al", "et al.")):
        return []
    return [p for p in parts if p not in ("et al", "et al.")]


def _year(released: str, bibliographic: str) -> int | None:
    years = [int(y) for y in _YEAR.findall(released)]
    if years:
        return max(years)
    years = [int(y) for y in _YEAR.findall(bibliographic.split("\n")[0])]
    return years[0] if years else None


def ngc_document(record: dict) -> SourceDocument:
    """A SourceDocument for one NGC summary record (the caller checks `is_ngc_record` and sets the path)."""
    sections: list[SourceSection] = []
    for name, kind in SECTION_FIELDS:
        text = _value(record, name)
        if not text:
            continue
        if kind == "recommendation":
            sections.extend(recommendation_sections(text))
        else:
            sections.append(SourceSection(text, title=name, kind=kind))
    bib = _value(record, "Bibliographic Source(s)")
    rid = clean_line(str(record.get("id") or ""))
    return SourceDocument(
        title=clean_line(_value(record, TITLE_FIELD)),
        sections=sections,
        authors=_authors(bib),
        journal=_developers(_value(record, "Guideline Developer(s)")),
        year=_year(_value(record, "Date Released"), bib),
        source_format="jsonl",
        source_name="National Guideline Clearinghouse",
        external_id=rid,
        tier=EvidenceLevel.GUIDELINE,
    )
