"""A local PubMed mirror: apply PubMed's baseline and daily update files (``pubmedYYnNNNN.xml.gz``) in order.

- Files are applied in PubMed's order (year prefix, then file number: the baseline, then the updates, which
  continue the numbering); other ``*.xml.gz`` names come after, by name.
- Each file's MD5 is checked against its ``.md5`` file (``MD5(name)= hex`` as NCBI writes it, or ``hex  name``)
  before anything is read; a missing or different MD5 stops the sync there, because a later update applied
  without an earlier one could bring back deleted or outdated records.
- ``<DeleteCitation>`` PMIDs are removed; a record already stored is replaced when its text or metadata changed
  (the later file wins: that is how NLM's updates are meant to be applied), and kept as is otherwise.
- Every applied file is recorded (``pubmed_sync_files`` in the store), so a re-run skips it; a file
  interrupted midway (kill -9) is applied again from its start, which is harmless: records already stored are
  unchanged duplicates and deletions are idempotent.
- Streaming: records are read one at a time (lxml iterparse) and committed in batches, so memory stays flat
  whatever the file size.
- ``--filter`` keeps only the part a site needs (years, publication types, MeSH terms, journals); a stored record
  whose newer version no longer matches is removed.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from curbside.corpus.models import Document, SourceDocument
from curbside.errors import CurbsideError, InputError
from curbside.store.corpus_store import now_iso
from curbside.store.ingest import IngestSummary, Ingestor
from curbside.store.sqlite import guarded, transaction

FILE_RE = re.compile(r"^pubmed(\d{2})n(\d{4})\.xml(?:\.gz)?$")
_MD5_HEX = re.compile(r"\b([0-9a-fA-F]{32})\b")

SCHEMA = """
CREATE TABLE IF NOT EXISTS pubmed_sync_files (
    name TEXT PRIMARY KEY,
    md5 TEXT NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    replaced INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    filtered_out INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    filter TEXT NOT NULL DEFAULT '',
    applied_at TEXT NOT NULL
);
"""


# ---------------------------------------------------------------- filter

def _norm_journal(text: str) -> str:
    return " ".join(re.sub(r"[.\s]+", " ", text.lower()).split())


@dataclass
class SyncFilter:
    min_year: int | None = None
    max_year: int | None = None
    types: frozenset[str] = frozenset()
    mesh: frozenset[str] = frozenset()
    journals: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return self.min_year is None and self.max_year is None and not (self.types or self.mesh or self.journals)

    def matches(self, doc: SourceDocument) -> bool:
        if self.min_year is not None or self.max_year is not None:
            if doc.year is None:
                return False
            if self.min_year is not None and doc.year < self.min_year:
                return False
            if self.max_year is not None and doc.year > self.max_year:
                return False
        if self.types and not any(t.lower() in self.types for t in doc.publication_types):
            return False
        if self.mesh and not any(m.lower() in self.mesh for m in doc.mesh_terms):
            return False
        if self.journals and _norm_journal(doc.journal) not in self.journals:
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.min_year is not None or self.max_year is not None:
            parts.append(f"years={self.min_year or ''}-{self.max_year or ''}")
        for name, values in (("types", self.types), ("mesh", self.mesh), ("journals", self.journals)):
            if values:
                parts.append(f"{name}={';'.join(sorted(values))}")
        return " ".join(parts)

    @classmethod
    def parse(cls, specs: list[str] | None) -> "SyncFilter":
        """KEY=VALUE specs: years=2015-2025 (or 2015- / -2020 / 2020), types=A;B, mesh=A;B, journals=A;B.
        Values of one key are alternatives (;-separated, since MeSH names hold commas); keys must all match."""
        f = cls()
        for spec in specs or []:
            key, sep, value = spec.partition("=")
            key = key.strip().lower()
            value = value.strip()
            if not sep or not value:
                raise InputError("--filter", f"{spec!r}: expected KEY=VALUE, e.g. years=2015-2025, "
                                             "types=Randomized Controlled Trial;Practice Guideline, mesh=Gout, "
                                             "journals=N Engl J Med")
            if key in ("year", "years"):
                m = re.fullmatch(r"(\d{4})?\s*(-)?\s*(\d{4})?", value)
                if not m or not (m.group(1) or m.group(3)):
                    raise InputError("--filter", f"{spec!r}: expected years=FROM-TO, e.g. years=2015-2025")
                lo = int(m.group(1)) if m.group(1) else None
                hi = int(m.group(3)) if m.group(3) else (None if m.group(2) else lo)
                if lo is not None and hi is not None and lo > hi:
                    raise InputError("--filter", f"{spec!r}: {lo} is after {hi}")
                f.min_year, f.max_year = lo, hi
            elif key in ("type", "types", "pt"):
                f.types = f.types | {v.strip().lower() for v in value.split(";") if v.strip()}
            elif key in ("mesh", "mh"):
                f.mesh = f.mesh | {v.strip().lower() for v in value.split(";") if v.strip()}
            elif key in ("journal", "journals"):
                f.journals = f.journals | {_norm_journal(v) for v in value.split(";") if v.strip()}
            else:
                raise InputError("--filter", f"{spec!r}: unknown key {key!r}; expected years, types, mesh or "
                                             "journals")
        return f


# ---------------------------------------------------------------- files

def ordered_files(folder: Path) -> list[Path]:
    """The *.xml.gz (and *.xml) files of `folder` and its subfolders (baseline/, updatefiles/), in PubMed order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "is not a folder; expected the folder holding PubMed's baseline and update "
                                      "files (pubmedYYnNNNN.xml.gz with their .md5 files)")
    files = [p for p in folder.rglob("*") if p.is_file() and (p.name.endswith(".xml.gz") or p.name.endswith(".xml"))]

    def key(p: Path):
        m = FILE_RE.match(p.name)
        return (0, int(m.group(1)), int(m.group(2)), p.name) if m else (1, 0, 0, p.name)

    return sorted(files, key=key)


def expected_md5(path: Path) -> str:
    md5_path = path.with_name(path.name + ".md5")
    try:
        text = md5_path.read_text("ascii", errors="replace")
    except FileNotFoundError:
        raise InputError(str(path), f"has no {md5_path.name} next to it; expected PubMed's .md5 file (download "
                                    "both) so that the file can be checked before it is applied") from None
    except OSError as exc:
        raise InputError(str(md5_path), f"cannot be read ({exc.strerror or exc})") from None
    m = _MD5_HEX.search(text.split("=", 1)[1] if "=" in text else text)
    if not m:
        raise InputError(str(md5_path), "holds no MD5 checksum; expected 'MD5(NAME)= <32 hex digits>'")
    return m.group(1).lower()


def file_md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    return h.hexdigest()


# ---------------------------------------------------------------- applying

@dataclass
class FileResult:
    name: str
    status: str                    # applied | skipped | failed
    records: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    deleted: int = 0
    filtered_out: int = 0
    failed: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class SyncSummary:
    files: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)        # bad records (first 100)
    stopped: str = ""                                      # why the sync stopped before the last file
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def changed(self) -> bool:
        return any(f.added or f.replaced or f.deleted for f in self.files)

    def to_json(self) -> dict:
        return {"applied": sum(f.status == "applied" for f in self.files),
                "skipped": sum(f.status == "skipped" for f in self.files),
                "failed_files": sum(f.status == "failed" for f in self.files),
                **{k: self.total(k) for k in ("records", "added", "replaced", "unchanged", "deleted", "filtered_out",
                                              "failed")},
                "seconds": round(self.seconds, 2), "stopped": self.stopped, "notes": self.notes,
                "errors": self.errors[:100], "files": [f.__dict__ for f in self.files]}


class MirrorIngestor(Ingestor):
    """The later record wins: replace a stored record when its text or metadata changed (no per-run id map, so
    memory stays flat over millions of records)."""

    def _decide(self, src: SourceDocument, doc: Document, passages: list, summary: IngestSummary) -> str:
        row = self.store.conn.execute(
            "SELECT content_hash, version, title, authors, journal, year, doi, publication_types, mesh_terms, "
            "evidence_level FROM documents WHERE id = ?", (doc.id,)).fetchone()
        if row is None:
            return "add"
        same = (row[0] == doc.content_hash and row[2] == doc.title and json.loads(row[3]) == doc.authors
                and row[4] == doc.journal and row[5] == doc.year and row[6] == doc.doi
                and json.loads(row[7]) == doc.publication_types and json.loads(row[8]) == doc.mesh_terms
                and row[9] == doc.evidence_level.value)
        if same:
            return "duplicate"
        doc.version = row[1] + 1
        return "replace"


FileProgress = Callable[[str, int, int, int], None]    # (file name, file index 1-based, files, records done)


class MirrorSync:
    def __init__(self, engine, folder: Path, flt: SyncFilter | None = None, *, progress: FileProgress | None = None,
                 batch_docs: int = 500):
        self.engine = engine
        self.store = engine.store
        if getattr(self.store, "url", None):
            raise InputError("pubmed sync", "works on the SQLite store only for now; sync into a SQLite home, then "
                                            "`curbside migrate --to postgresql://...`")
        self.folder = Path(folder)
        self.filter = flt or SyncFilter()
        self.progress = progress
        self.batch_docs = batch_docs
        with guarded(self.store.path):
            self.store.conn.executescript(SCHEMA)

    def applied(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.store.conn.execute("SELECT name, md5 FROM pubmed_sync_files")}

    def run(self) -> SyncSummary:
        t0 = time.perf_counter()
        summary = SyncSummary()
        files = ordered_files(self.folder)
        if not files:
            raise InputError(str(self.folder), "holds no *.xml.gz files; expected PubMed baseline/update files "
                                               "(pubmedYYnNNNN.xml.gz with their .md5 files)")
        done = self.applied()
        used = {r[0] for r in self.store.conn.execute("SELECT DISTINCT filter FROM pubmed_sync_files")}
        if done and used != {self.filter.describe()}:
            summary.notes.append(f"files applied earlier used filter {' / '.join(sorted(used)) or '(none)'!r}, "
                                 f"this run uses {self.filter.describe() or '(none)'!r}; applied files are not read "
                                 "again")
        for i, path in enumerate(files, 1):
            if path.name in done:
                summary.files.append(FileResult(path.name, "skipped"))
                continue
            result = self._apply(path, i, len(files), summary)
            summary.files.append(result)
            if result.status == "failed":
                later = len(files) - i
                summary.stopped = (f"{path.name}: {result.error}" + (f"; the {later} later file(s) were not applied "
                                   "(updates must be applied in order): fix it and run sync again" if later else ""))
                break
        summary.seconds = time.perf_counter() - t0
        return summary

    def _apply(self, path: Path, index: int, total: int, summary: SyncSummary) -> FileResult:
        from curbside.sources import _finish
        from curbside.sources.common import check_file
        from curbside.sources.pubmed_xml import read_pubmed_xml

        t0 = time.perf_counter()
        res = FileResult(path.name, "applied")
        try:
            want = expected_md5(path)
            got = file_md5(path)
            if got != want:
                raise InputError(str(path), f"MD5 {got} differs from {want} in {path.name}.md5; the file is "
                                            "damaged or incomplete: download it again")
            check_file(path, self.engine.settings.max_file_bytes)
        except InputError as exc:
            res.status, res.error = "failed", exc.problem
            return res
        store = self.store

        def on_error(err: InputError) -> None:
            res.failed += 1
            if len(summary.errors) < 100:
                summary.errors.append(str(err))

        def on_delete(pmids: list[str]) -> None:          # runs inside the ingest transaction, in file order
            for p in pmids:
                if store.conn.execute("SELECT 1 FROM documents WHERE id = ?", (f"pmid:{p}",)).fetchone():
                    store._delete(f"pmid:{p}")
                    store._bump_state()
                    res.deleted += 1

        def records() -> Iterator[SourceDocument]:
            for doc in _finish(read_pubmed_xml(path, on_error=on_error, on_delete=on_delete), "pubmed_xml",
                               str(path), on_error):
                res.records += 1
                if self.filter.empty or self.filter.matches(doc):
                    yield doc
                    continue
                res.filtered_out += 1
                stale = f"pmid:{doc.pmid}"
                if store.conn.execute("SELECT 1 FROM documents WHERE id = ?", (stale,)).fetchone():
                    store._delete(stale)          # its newer version is outside the mirror's filter
                    store._bump_state()
                    res.deleted += 1

        def progress(_label: str, n: int) -> None:
            if self.progress:
                self.progress(path.name, index, total, res.records)

        ing = IngestSummary()
        on_added = self.engine._embed_added if self.engine.settings.embed else None
        ingestor = MirrorIngestor(store, self.engine.settings, batch_docs=self.batch_docs, on_added=on_added)
        try:
            with self.engine._lock:
                ingestor.ingest_documents(records(), ing, progress=progress, label=path.name)
        except CurbsideError as exc:
            res.status, res.error = "failed", getattr(exc, "problem", str(exc))
            self._count(res, ing)
            if not isinstance(exc, InputError):
                raise
            return res
        self._count(res, ing)
        res.seconds = time.perf_counter() - t0
        with guarded(store.path), transaction(store.conn):
            store.conn.execute(
                "INSERT OR REPLACE INTO pubmed_sync_files (name, md5, records, added, replaced, deleted, "
                "filtered_out, failed, filter, applied_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (path.name, got, res.records, res.added, res.replaced, res.deleted, res.filtered_out, res.failed,
                 self.filter.describe(), now_iso()))
        return res

    @staticmethod
    def _count(res: FileResult, ing: IngestSummary) -> None:
        res.added, res.replaced, res.unchanged = ing.added, ing.replaced, ing.duplicates
        res.failed += ing.failed


def sync_mirror(engine, folder: Path, filters: list[str] | None = None, *,
                progress: FileProgress | None = None) -> SyncSummary:
    return MirrorSync(engine, folder, SyncFilter.parse(filters), progress=progress).run()
