"""Ingest pipeline: files -> SourceDocuments -> Documents + Passages -> the store, in crash-safe batches.

Each document is added inside a savepoint; batches commit every `batch_docs` documents or `batch_seconds`, so a
crash loses at most the current batch and never leaves a half-written document. Duplicates (same id or same
content hash) are skipped. A bad file or record is reported and the run goes on with the next one.
"""

from __future__ import annotations

import hashlib
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

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[str, int], None]  # (current file name, documents done so far)


def document_id(doc: SourceDocument, chash: str) -> str:
    if doc.pmid:
        return f"pmid:{doc.pmid.strip()}"
    if doc.doi:
        return f"doi:{doc.doi.strip().lower()}"
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
        source_path=doc.source_path, source_name=doc.source_name, external_id=doc.external_id,
        content_hash=chash, added_at=now_iso()), passages


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
    def __init__(self, store: CorpusStore, settings: Settings, batch_docs: int = 500, batch_seconds: float = 2.0,
                 on_added: Callable[[list[Document]], None] | None = None):
        self.store = store
        self.settings = settings
        self.batch_docs = batch_docs
        self.batch_seconds = batch_seconds
        self.on_added = on_added  # e.g. embed new passages after each committed batch

    def ingest_documents(self, docs: Iterable[SourceDocument], summary: IngestSummary,
                         overrides: MetadataOverrides | None = None,
                         progress: ProgressCallback | None = None, label: str = "") -> None:
        conn = self.store.conn
        in_batch = 0
        batch_start = time.monotonic()
        added_batch: list[Document] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for src in docs:
                if overrides:
                    src = overrides.apply(src)
                try:
                    doc, passages = prepare(src, self.settings)
                except CurbsideError as exc:
                    summary.failed += 1
                    summary.errors.append(str(exc))
                    continue
                if self.store.find_duplicate(doc.id, doc.content_hash):
                    summary.duplicates += 1
                    continue
                self.store.add_document(doc, passages, _abbreviations(doc.text))
                summary.added += 1
                summary.passages += len(passages)
                summary.document_ids.append(doc.id)
                added_batch.append(doc)
                in_batch += 1
                if in_batch >= self.batch_docs or time.monotonic() - batch_start > self.batch_seconds:
                    conn.execute("COMMIT")
                    self._after_commit(added_batch)
                    added_batch = []
                    if progress:
                        progress(label, summary.added + summary.duplicates + summary.failed)
                    conn.execute("BEGIN IMMEDIATE")
                    in_batch = 0
                    batch_start = time.monotonic()
        except BaseException:
            conn.execute("COMMIT")  # keep every fully added document; partial ones were rolled back by savepoints
            self._after_commit(added_batch)
            raise
        conn.execute("COMMIT")
        self._after_commit(added_batch)
        if progress:
            progress(label, summary.added + summary.duplicates + summary.failed)

    def _after_commit(self, docs: list[Document]) -> None:
        if docs and self.on_added:
            self.on_added(docs)


def read_files(paths: list[Path], fmt: str | None, mapping, summary: IngestSummary,
               max_bytes: int) -> Iterator[tuple[Path, Iterator[SourceDocument]]]:
    """Yield (file, documents) per file; unreadable files and bad records are recorded in the summary."""
    from curbside.sources import iter_files, read_path

    def on_error(err: InputError) -> None:
        summary.failed += 1
        summary.errors.append(str(err))

    for path in paths:
        if not path.exists():
            summary.failed += 1
            summary.errors.append(f"{path}: no such file or directory")
            continue
        for f in iter_files([path]):
            summary.files += 1
            try:
                if f.stat().st_size > max_bytes:
                    raise InputError(str(f), f"file is {f.stat().st_size / 2**20:.0f} MiB; the limit is "
                                             f"{max_bytes / 2**20:.0f} MiB (split it or raise max_file_bytes)")
                yield f, _guarded(read_path(f, fmt, mapping, on_error=on_error), f, summary)
            except InputError as exc:
                summary.failed += 1
                summary.errors.append(str(exc))


def _guarded(docs: Iterator[SourceDocument], f: Path, summary: IngestSummary) -> Iterator[SourceDocument]:
    try:
        yield from docs
    except CurbsideError as exc:
        summary.failed += 1
        summary.errors.append(str(exc))
    except (OSError, UnicodeError, ValueError) as exc:
        summary.failed += 1
        summary.errors.append(f"{f}: could not be read ({exc.__class__.__name__}: {exc})")


def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
