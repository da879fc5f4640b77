"""The embedded default corpus: guideline summaries shipped by the ``open-medicine`` package (MIT).

The package keeps Markdown files in ``open_medicine/guidelines/content/<id>/<section>.md`` and a
``guidelines/registry.json`` list of ``{id, title, doi, year, organization, topics, sections}``. The files are
located with ``importlib.util.find_spec`` (the package's modules are never imported; its MCP server and
embedding code are heavy). One SourceDocument per guideline: title, DOI, year, organisation as journal, URL
https://doi.org/<DOI>, tier guideline, source_name "open-medicine", external_id the registry id; its sections come
from the Markdown headings of each section file in registry order (see markdown.py: tables and algorithm
blocks become ``kind="table"``; recommendation labels such as "(Strong, High)" stay in the text verbatim).
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from typing import Iterator

from curbside.corpus.models import EvidenceLevel, SourceDocument, SourceSection
from curbside.errors import InputError
from curbside.sources.common import ErrorCallback, RecordErrors, clean_doi, clean_line, decode_text, year_from
from curbside.sources.markdown import parse_markdown

PACKAGE = "open_medicine"
SOURCE_NAME = "open-medicine"
log = logging.getLogger(__name__)


def guidelines_dir() -> Path | None:
    """``.../site-packages/open_medicine/guidelines`` when the package is installed, else None."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "guidelines"
        if (candidate / "registry.json").is_file():
            return candidate
    return None


def _registry(root: Path) -> list[dict]:
    path = root / "registry.json"
    try:
        data = json.loads(decode_text(path.read_bytes(), str(path)))
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise InputError(str(path), f"is not valid JSON ({exc})") from None
    if isinstance(data, dict):
        data = data.get("guidelines", [])
    if not isinstance(data, list):
        raise InputError(str(path), "expected a JSON list of guideline entries")
    return [e for e in data if isinstance(e, dict)]


def _sections(entry: dict, folder: Path, where: str) -> list[SourceSection]:
    names = [str(s) for s in entry.get("sections") or []]
    files = [folder / f"{n}.md" for n in names]
    if folder.is_dir():   # files not listed in the registry come after the listed ones, sorted
        files += sorted(p for p in folder.glob("*.md") if p.stem not in names)
    sections: list[SourceSection] = []
    for f in files:
        if not f.is_file():
            raise InputError(f"{where}: section '{f.stem}'", f"file {f} is missing")
        try:
            text = decode_text(f.read_bytes(), str(f))
        except OSError as exc:
            raise InputError(str(f), f"cannot be read ({exc.strerror or exc})") from None
        _title, secs, _meta = parse_markdown(text)
        sections.extend(s for s in secs if s.text.strip())
    return sections


def read_open_medicine(root: Path | None = None, *,
                       on_error: ErrorCallback | None = None) -> Iterator[SourceDocument]:
    """Yield one SourceDocument per guideline of the installed open-medicine package (or of `root`, a folder
    holding ``registry.json`` and ``content/``). Without the package this logs a warning and yields nothing."""
    if root is not None and root.is_file():
        root = root.parent
    root = root or guidelines_dir()
    if root is None:
        log.warning("the open-medicine package is not installed; no default guidelines to load "
                    "(pip install open-medicine)")
        return
    errors = RecordErrors(on_error)
    for n, entry in enumerate(_registry(root), start=1):
        gid = clean_line(str(entry.get("id") or ""))
        where = f"open-medicine guideline {gid or n}"
        try:
            if not gid:
                raise InputError(where, "registry entry without an id")
            sections = _sections(entry, root / "content" / gid, where)
            if not sections:
                raise InputError(where, "no section text found")
        except InputError as exc:
            errors(exc)
            continue
        doi = clean_doi(str(entry.get("doi") or ""))
        yield SourceDocument(
            title=clean_line(str(entry.get("title") or gid)),
            sections=sections,
            journal=clean_line(str(entry.get("organization") or "")),
            year=year_from(entry.get("year")),
            doi=doi,
            url=f"https://doi.org/{doi}" if doi else "",
            source_format="open_medicine",
            source_path=str(root / "content" / gid),
            source_name=SOURCE_NAME,
            external_id=gid,
            tier=EvidenceLevel.GUIDELINE,
        )
    errors.raise_collected()
