"""PubMed XML (efetch output or the annual baseline, ``.xml`` or ``.xml.gz``): one SourceDocument per record.

Streamed with ``lxml.etree.iterparse`` (each ``PubmedArticle`` is cleared once read), so a 30,000-record baseline
file is read in constant memory. Entities are not resolved and no DTD is fetched.

Per record: PMID; DOI (``PubmedData/ArticleIdList/ArticleId[@IdType="doi"]``, else ``ELocationID[@EIdType="doi"]``;
never the DOIs of cited references); title; the abstract (a structured abstract gives one ``kind="abstract"``
section per ``AbstractText``, titled by its Label or NlmCategory); authors as "LastName Initials" or the collective
name; journal (ISO abbreviation, else title); year (PubDate Year, MedlineDate, ArticleDate, then the PubMed
history date); publication types; MeSH descriptor names; the PubMed URL. Inline markup (``<i>``, ``<sup>``,
``<sub>``, MathML) is flattened to its text. A record with a title but no abstract is kept with its title as a
``kind="heading"`` section so that it can be found; a record with neither, or without a PMID, is a bad record.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Callable, Iterator

from lxml import etree

from curbside.corpus.models import SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources.common import ErrorCallback, RecordErrors, clean_doi, clean_line, open_binary, pubmed_url, \
    year_from

RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
DeleteCallback = Callable[[list[str]], None]
_S = lambda expr: etree.XPath(f"string({expr})")  # noqa: E731 - compiled XPath returning a string
_PMID = (_S("MedlineCitation/PMID"), _S("BookDocument/PMID"))
_TITLES = etree.XPath("MedlineCitation/Article/ArticleTitle | BookDocument/ArticleTitle"
                      " | BookDocument/Book/BookTitle | MedlineCitation/Article/VernacularTitle")
_ABSTRACT = etree.XPath("MedlineCitation/Article/Abstract/AbstractText | BookDocument/Abstract/AbstractText")
_OTHER_ABSTRACT = etree.XPath("MedlineCitation/OtherAbstract[not(@Language) or @Language='eng'][1]/AbstractText")
_AUTHORS = etree.XPath("MedlineCitation/Article/AuthorList/Author[not(@ValidYN='N')]"
                       " | BookDocument/AuthorList/Author[not(@ValidYN='N')]")
_JOURNAL = (_S("MedlineCitation/Article/Journal/ISOAbbreviation"), _S("MedlineCitation/Article/Journal/Title"),
            _S("MedlineCitation/MedlineJournalInfo/MedlineTA"), _S("BookDocument/Book/BookTitle"))
_YEAR = (_S("MedlineCitation/Article/Journal/JournalIssue/PubDate/Year"),
         _S("MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate"),
         _S("MedlineCitation/Article/ArticleDate/Year"), _S("BookDocument/Book/PubDate/Year"),
         _S("PubmedData/History/PubMedPubDate[@PubStatus='pubmed']/Year"))
_DOI = (_S("PubmedData/ArticleIdList/ArticleId[@IdType='doi']"),   # never the DOIs in the ReferenceList
        _S("MedlineCitation/Article/ELocationID[@EIdType='doi']"),
        _S("BookDocument/ArticleIdList/ArticleId[@IdType='doi']"))
_PUBLICATION_TYPES = etree.XPath("MedlineCitation/Article/PublicationTypeList/PublicationType/text()"
                                 " | BookDocument/PublicationType/text()")
_MESH = etree.XPath("MedlineCitation/MeshHeadingList/MeshHeading/DescriptorName/text()")


def _first_of(el, queries) -> str:
    for q in queries:
        value = q(el).strip()
        if value:
            return value
    return ""


def _authors(el) -> list[str]:
    out = []
    for a in _AUTHORS(el):
        parts = {child.tag: child.text or "" for child in a}
        if parts.get("CollectiveName"):
            out.append(clean_line("".join(a.find("CollectiveName").itertext())))
            continue
        last = clean_line(parts.get("LastName", ""))
        initials = clean_line(parts.get("Initials", ""))
        if not initials:
            fore = clean_line(parts.get("ForeName", ""))
            initials = "".join(p[0] for p in fore.replace("-", " ").split() if p[:1].isalpha())
        if last:
            out.append(f"{last} {initials}".strip())
    return out


def _abstract(el) -> list[SourceSection]:
    sections = []
    for part in _ABSTRACT(el) or _OTHER_ABSTRACT(el):
        text = "".join(part.itertext()).strip()       # inline markup flattened; normalised by read_path
        if not text:
            continue
        label = clean_line(part.get("Label") or "")
        category = part.get("NlmCategory") or ""
        if not label and category and category != "UNASSIGNED":
            label = category.title()
        sections.append(SourceSection(text, title=label or "Abstract", kind="abstract"))
    return sections


def parse_record(el, *, where: str) -> SourceDocument:
    """One PubmedArticle (or PubmedBookArticle) element -> SourceDocument; InputError for a bad record."""
    pmid = _first_of(el, _PMID)
    if not pmid.isdigit():
        raise InputError(where, f"no valid PMID (found {pmid!r}); expected <PMID> with digits")
    title = next((t for t in (clean_line("".join(x.itertext())) for x in _TITLES(el)) if t), "")
    sections = _abstract(el)
    if not title and not sections:
        raise InputError(f"{where} (PMID {pmid})", "has neither a title nor an abstract; record skipped")
    if not sections:
        sections = [SourceSection(title, title="Title", kind="heading")]
    return SourceDocument(
        title=title or f"PMID {pmid}",
        sections=sections,
        authors=_authors(el),
        journal=clean_line(_first_of(el, _JOURNAL)),
        year=next((y for y in (year_from(q(el)) for q in _YEAR) if y), None),
        pmid=pmid,
        doi=clean_doi(_first_of(el, _DOI)),
        url=pubmed_url(pmid),
        publication_types=[clean_line(t) for t in _PUBLICATION_TYPES(el) if t.strip()],
        mesh_terms=[clean_line(t) for t in _MESH(el) if t.strip()],
        source_format="pubmed_xml",
        source_name="PubMed",
        external_id=pmid,
    )


def read_pubmed_xml(path: Path, *, on_error: ErrorCallback | None = None,
                    on_delete: DeleteCallback | None = None) -> Iterator[SourceDocument]:
    """Stream the records of a PubmedArticleSet file. A bad record is reported and skipped; XML that is not
    well-formed stops the file (records before the error have been yielded) with an InputError naming the line.

    on_delete: called, in document order, with the PMIDs of each ``<DeleteCitation>`` (PubMed update files);
    without it deletions are ignored. A file holding only deletions is then not an error."""
    errors = RecordErrors(on_error)
    n = 0
    deleted = 0
    seen_root = False
    tags = RECORD_TAGS + ("PubmedArticleSet", "PubmedBookArticleSet") + (("DeleteCitation",) if on_delete else ())
    with open_binary(path) as fh:
        context = etree.iterparse(fh, events=("start", "end"), tag=tags, resolve_entities=False, no_network=True,
                                  load_dtd=False, huge_tree=False, remove_comments=True)
        try:
            for event, el in context:
                tag = el.tag
                if tag in ("PubmedArticleSet", "PubmedBookArticleSet"):
                    seen_root = True
                    continue
                if event != "end":
                    continue
                if tag == "DeleteCitation":
                    pmids = [t.strip() for t in el.xpath("PMID/text()") if t.strip().isdigit()]
                    el.clear(keep_tail=False)
                    deleted += len(pmids)
                    if pmids:
                        on_delete(pmids)   # type: ignore[misc]
                    continue
                n += 1
                try:
                    yield parse_record(el, where=f"{path} record {n}")
                except InputError as exc:
                    errors(exc)
                finally:
                    el.clear(keep_tail=False)
                    parent = el.getparent()
                    if parent is not None:
                        while el.getprevious() is not None:
                            del parent[0]
        except etree.XMLSyntaxError as exc:
            line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else "?")
            raise InputError(f"{path} line {line}", f"is not well-formed XML ({_short(exc)}); "
                                                    f"expected a complete PubmedArticleSet") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(str(path), f"could not be read ({exc})") from None
    if n == 0 and not deleted:
        what = "a PubmedArticleSet" if seen_root else "PubMed XML"
        raise InputError(str(path), f"contains no <PubmedArticle> records; expected {what} with records")
    errors.raise_collected()


def _short(exc: Exception) -> str:
    msg = str(exc)
    msg = re.sub(r",?\s*line \d+, column \d+", "", msg)
    return msg[:160]
