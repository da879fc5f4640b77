"""Ingest pipeline: files -> SourceDocuments -> Documents + Passages -> the store, in crash-safe batches.

Each document is added inside a savepoint; batches commit every `batch_docs` documents or `batch_seconds`, so a
crash loses at most the current batch and never leaves a half-written document. A document is known by its id
(the user's id, else PMID/DOI, else content): the same id and content is a duplicate, the same id with changed
content a new version (see `Ingestor`). A bad file or record is reported and the run goes on with the next one.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from curbside.corpus.evidence import classify
from curbside.corpus.models import Document, EvidenceLevel, SourceDocument
from curbside.corpus.passages import build_text_and_passages, content_hash
from curbside.errors import CurbsideError, InputError
from curbside.settings import Settings
from curbside.store.corpus_store import CorpusStore, now_iso


@dataclass
class MetadataOverrides:
    """Metadata given at ingest; each set field replaces what the reader found."""

    title: str | None = None
    authors: list[str] | None = None
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    tier: EvidenceLevel | None = None

    def apply(self, doc: SourceDocument) -> SourceDocument:
        changes = {k: v for k, v in self.__dict__.items() if v is not None}
        return replace(doc, **changes) if changes else doc


MAX_LISTED_MESSAGES = 1000    # failure/skip messages kept in a summary (all are counted)
MAX_LISTED_IDS = 10_000       # ids of added documents kept in a summary


@dataclass
class IngestSummary:
    added: int = 0
    duplicates: int = 0
    failed: int = 0
    passages: int = 0
    files: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    document_ids: list[str] = field(default_factory=list)
    replaced: int = 0              # same id, changed text: stored as a new version of that document
    skipped: int = 0               # files and folders that could not be visited (symlink loops, no permission)
    notes: list[str] = field(default_factory=list)    # things done differently from what was asked, one line each
    skipped_paths: list[str] = field(default_factory=list)  # "path: why" for each skipped path
    embedded: int = 0              # passages of added/replaced documents given a vector in this run
    vectors_resumed: int = 0       # passages of already-stored documents given a missing vector (interrupted run)

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0

    def fail(self, message: str) -> None:
        """Count a failure; its message is kept for the first MAX_LISTED_MESSAGES (memory stays flat)."""
        self.failed += 1
        if len(self.errors) < MAX_LISTED_MESSAGES:
            self.errors.append(message)


ProgressCallback = Callable[[str, int], None]  # (current file name, documents done so far)


_PMID_ID = re.compile(r"^pmid\s*[:\s]\s*(\d+)$", re.I)
_DOI_ID = re.compile(r"^doi\s*:\s*(10\.\S+)$", re.I)
_NCT_ID = re.compile(r"^NCT\d{8}$", re.I)


def document_id(doc: SourceDocument, chash: str) -> str:
    """The document's id: the id the source gave (a JSONL id field, kept as written; a PubMed id becomes
    "pmid:N", a DOI "doi:...", an NCT number upper-case), else "pmid:N", else "doi:...", else "sha:" + content."""
    given = (doc.doc_id or "").strip()
    if given:
        return canonical_id(given, doc)
    if doc.pmid:
        return f"pmid:{doc.pmid.strip()}"
    if doc.doi:
        return f"doi:{doc.doi.strip().lower()}"
    return content_id(chash)


def canonical_id(given: str, doc: SourceDocument | None = None) -> str:
    m = _PMID_ID.match(given)
    if m:
        return f"pmid:{m.group(1)}"
    if doc is not None and given.isdigit() and given == (doc.pmid or "").strip():
        return f"pmid:{given}"
    m = _DOI_ID.match(given)
    if m:
        return f"doi:{m.group(1).lower()}"
    if doc is not None and doc.doi and given.lower() == doc.doi.strip().lower():
        return f"doi:{given.lower()}"
    if _NCT_ID.match(given):
        return given.upper()
    return given


def content_id(chash: str) -> str:
    return f"sha:{chash[:16]}"


def prepare(doc: SourceDocument, settings: Settings) -> tuple[Document, list]:
    """Normalise, classify and cut one source document (pure; no store access)."""
    if not doc.sections or not any(s.text.strip() for s in doc.sections):
        raise InputError(doc.source_path or doc.title or "document", "no text to index (empty document)")
    level, _why = classify(doc)
    provisional = "tmp"
    text, passages = build_text_and_passages(doc, provisional, settings.passage_chars, settings.passage_max_chars)
    chash = content_hash(doc.title, text)
    did = document_id(doc, chash)
    for p in passages:
        p.document_id = did
        p.id = f"{did}#{p.ordinal}"
    title = (doc.title or "").strip() or Path(doc.source_path).stem or "Untitled"
    return Document(
        id=did, title=title, text=text, authors=doc.authors, journal=doc.journal, year=doc.year, pmid=doc.pmid,
        doi=doc.doi, url=doc.url or _default_url(doc), publication_types=doc.publication_types,
        mesh_terms=doc.mesh_terms, evidence_level=level, source_format=doc.source_format,
        source_path=doc.source_path, source_name=doc.source_name, external_id=doc.external_id or "",
        content_hash=chash, added_at=now_iso()), passages


def _rekey(doc: Document, passages: list, new_id: str) -> None:
    doc.id = new_id
    for p in passages:
        p.document_id = new_id
        p.id = f"{new_id}#{p.ordinal}"


def _default_url(doc: SourceDocument) -> str:
    if doc.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{doc.pmid}/"
    if doc.doi:
        return f"https://doi.org/{doc.doi}"
    return ""


def _abbreviations(text: str) -> list[tuple[str, str]]:
    from curbside.retrieve.abbreviations import find_definitions

    try:
        return find_definitions(text[:200_000])
    except Exception:  # abbreviation mining is best-effort; never fail an ingest over it
        return []


class Ingestor:
    """Adds documents to the store in batches. Identity is the document id (see `document_id`):

    - an id not stored yet is added;
    - the same id with the same content is a duplicate (skipped; its passages still get any missing vectors, so
      re-running an interrupted ingest finishes the embedding);
    - the same id with changed content replaces the stored document (a new version);
    - two records of one run with the same id and different content: with ``--id-field`` the second is a bad
      record (ids must be unique); with a guessed id field it is stored under its content id (``sha:...``),
      keeping the given id as its external id, and the summary says so;
    - identical content under another id is a separate document unless `dedupe_content` is set.
    """

    def __init__(self, store: CorpusStore, settings: Settings, batch_docs: int = 500, batch_seconds: float = 0.5,
                 on_added: Callable[[list[Document]], None] | None = None, dedupe_content: bool = False):
        self.store = store
        self.settings = settings
        self.batch_docs = batch_docs
        self.batch_seconds = batch_seconds
        self.yield_seconds = 0.02     # between batches: other writers wait at most about one batch (~0.5 s)
        self.on_added = on_added  # e.g. embed new passages after each committed batch
        self.dedupe_content = dedupe_content
        self.seen: dict[str, str] = {}   # id -> content hash of every document met in this run
        self._conflicts: dict[str, int] = {}

    def ingest_documents(self, docs: Iterable[SourceDocument], summary: IngestSummary,
                         overrides: MetadataOverrides | None = None,
                         progress: ProgressCallback | None = None, label: str = "") -> None:
        store = self.store
        in_batch = 0
        batch_start = time.monotonic()
        added_batch: list[Document] = []
        dup_batch: list[Document] = []
        with store.guarded():
            store.begin()
            try:
                for src in docs:
                    if overrides:
                        src = overrides.apply(src)
                    try:
                        doc, passages = prepare(src, self.settings)
                        action = self._decide(src, doc, passages, summary)
                    except CurbsideError as exc:
                        summary.fail(str(exc))
                        continue
                    if action == "duplicate":
                        summary.duplicates += 1
                        dup_batch.append(doc)        # its passages may still lack vectors (interrupted run)
                        if len(dup_batch) >= 4 * self.batch_docs:
                            self._after_commit([], dup_batch, summary)
                            dup_batch = []
                        continue
                    self.store.add_document(doc, passages, _abbreviations(doc.text), replace=action == "replace")
                    if action == "replace":
                        summary.replaced += 1
                    else:
                        summary.added += 1
                    summary.passages += len(passages)
                    if len(summary.document_ids) < MAX_LISTED_IDS:
                        summary.document_ids.append(doc.id)
                    added_batch.append(doc)
                    in_batch += 1
                    if in_batch >= self.batch_docs or time.monotonic() - batch_start > self.batch_seconds:
                        store.commit()
                        self._after_commit(added_batch, dup_batch, summary)
                        added_batch, dup_batch = [], []
                        if progress:
                            progress(label, summary.added + summary.replaced + summary.duplicates + summary.failed)
                        time.sleep(self.yield_seconds)   # let a waiting writer (a server saving an article) in
                        store.begin()
                        in_batch = 0
                        batch_start = time.monotonic()
            except BaseException:
                # keep every fully added document (partial ones were rolled back by their savepoints); when the
                # commit itself fails (full disk), roll back quietly and raise the original error
                try:
                    if store.in_transaction():
                        store.commit()
                except Exception:
                    store.rollback()
                raise   # vectors of this batch are left to the next run (duplicates get their missing vectors)
            store.commit()
        self._after_commit(added_batch, dup_batch, summary)
        self._note_conflicts(summary)
        if progress:
            progress(label, summary.added + summary.replaced + summary.duplicates + summary.failed)

    def _decide(self, src: SourceDocument, doc: Document, passages: list, summary: IngestSummary) -> str:
        """"add", "replace" or "duplicate" (may re-key `doc`); InputError for a record that must not be stored."""
        earlier = self.seen.get(doc.id)
        if earlier is not None and earlier != doc.content_hash:
            where = f"{src.source_path} {src.record}".strip() or doc.title
            if src.doc_id_given:
                raise InputError(where, f"id {src.doc_id!r} is used by an earlier record of this run with different "
                                        "text; expected unique ids (the earlier record was kept)")
            self._conflicts[src.source_path] = self._conflicts.get(src.source_path, 0) + 1
            _rekey(doc, passages, content_id(doc.content_hash))
        self.seen[doc.id] = doc.content_hash
        stored = self.store.stored_version(doc.id)
        if stored is not None:
            if stored[0] == doc.content_hash:
                return "duplicate"
            doc.version = stored[1] + 1
            return "replace"
        if self.dedupe_content and self.store.has_content(doc.content_hash):
            return "duplicate"
        return "add"

    def _note_conflicts(self, summary: IngestSummary) -> None:
        for path, n in self._conflicts.items():
            summary.notes.append(f"{path}: {n:,} record(s) repeat an id of an earlier record with different text; "
                                 "they were stored under content ids (sha:...), with the repeated id as external_id "
                                 "(name the id field with --id-field to refuse repeats instead)")
        self._conflicts.clear()

    def _after_commit(self, added: list[Document], duplicates: list[Document], summary: IngestSummary) -> None:
        """Run the hook (embedding) on committed documents, and on duplicates whose passages may lack vectors; a
        hook returning a count adds it to summary.embedded / summary.vectors_resumed."""
        if not self.on_added:
            return
        if added:
            n = self.on_added(added)
            summary.embedded += n if isinstance(n, int) else 0
        if duplicates:
            n = self.on_added(duplicates)
            summary.vectors_resumed += n if isinstance(n, int) else 0


def read_files(paths: list[Path], fmt: str | None, mapping, summary: IngestSummary,
               max_bytes: int) -> Iterator[tuple[Path, Iterator[SourceDocument]]]:
    """Yield (file, documents) per file; unreadable files and bad records are recorded in the summary (failed),
    paths inside a folder that cannot be visited (dangling links, link loops, unreadable folders) as skipped."""
    from curbside.sources import iter_files, read_path
    from curbside.sources.detect import why_unreadable

    def on_error(err: InputError) -> None:
        summary.fail(str(err))

    def on_skip(p: Path, why: str) -> None:
        summary.skipped += 1
        if len(summary.skipped_paths) < MAX_LISTED_MESSAGES:
            summary.skipped_paths.append(f"{p}: {why}")

    for path in paths:
        try:
            path.stat()
        except OSError as exc:
            summary.fail(f"{path}: " + ("no such file or directory" if isinstance(exc, FileNotFoundError)
                                        and not path.is_symlink() else why_unreadable(exc, path)))
            continue
        for f in iter_files([path], on_skip=on_skip):
            summary.files += 1
            try:
                try:
                    size = f.stat().st_size
                except OSError as exc:
                    raise InputError(str(f), why_unreadable(exc, f)) from None
                if size > max_bytes:
                    raise InputError(str(f), f"file is {size / 2**20:.0f} MiB; the limit is "
                                             f"{max_bytes / 2**20:.0f} MiB (split it or raise max_file_bytes)")
                yield f, _guarded(read_path(f, fmt, mapping, on_error=on_error), f, summary)
            except InputError as exc:
                summary.fail(str(exc))


def _guarded(docs: Iterator[SourceDocument], f: Path, summary: IngestSummary) -> Iterator[SourceDocument]:
    try:
        yield from docs
    except CurbsideError as exc:
        summary.fail(str(exc))
    except (OSError, UnicodeError, ValueError) as exc:
        summary.fail(f"{f}: could not be read ({exc.__class__.__name__}: {exc})")


def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
