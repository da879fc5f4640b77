"""Search PubMed and bring the records home: ESearch (history server), EFetch in batches, parse with the PubMed
XML reader, ingest.

Resumable by construction: a record is stored as ``pmid:N`` and each batch is committed as soon as it is read,
so stopping a run (Ctrl-C, kill -9, a lost connection) and running it again searches again, skips the records
already present and fetches only the rest; nothing is stored twice. A batch whose records are all still missing
is fetched from the history server by position (``WebEnv``/``query_key``/``retstart``); a batch of which some are
already present (a resumed run) is fetched by its missing PMIDs (POST for long lists); when the history server
has forgotten the search (WebEnv expired) the batch falls back to the id list.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from curbside.corpus.models import SourceDocument
from curbside.errors import CurbsideError, InputError
from curbside.sources.pubmed.client import EutilsClient, PubMedError, PubMedOffline, SearchResult
from curbside.sources.pubmed.query import QueryTier

DEFAULT_BATCH = 200

# progress(stage, done, total): stage is "search" | "fetch"
Progress = Callable[[str, int, int], None]


@dataclass
class FetchSummary:
    query: str = ""
    found: int = 0                 # records PubMed matched (the broadest query tried)
    selected: int = 0              # PMIDs chosen (at most --max / N)
    fetched: int = 0               # records received and read
    added: int = 0
    replaced: int = 0
    already_present: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)          # selected PMIDs, in search order
    added_ids: list[str] = field(default_factory=list)      # document ids stored by this run
    records: list[SourceDocument] = field(default_factory=list)   # when not ingesting: what was fetched
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    offline: bool = False
    note: str = ""
    queries: list[str] = field(default_factory=list)       # the ESearch terms sent
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        keep = ("query", "found", "selected", "fetched", "added", "replaced", "already_present", "failed",
                "requests", "retries", "seconds", "offline", "note", "queries", "warnings")
        out = {k: getattr(self, k) for k in keep}
        out["seconds"] = round(self.seconds, 2)
        out["errors"] = self.errors[:100]
        out["pmids"] = self.pmids[:10_000]
        return out


class PubMedFetcher:
    """Runs one search (or a list of query tiers) and fetches the chosen records.

    engine: a curbside Engine to ingest into (None: only fetch and keep the records in the summary)."""

    def __init__(self, client: EutilsClient, engine=None, *, batch: int = DEFAULT_BATCH,
                 progress: Progress | None = None):
        self.client = client
        self.engine = engine
        self.batch = max(1, min(batch, 10_000))
        self.progress = progress

    def run(self, tiers: list[QueryTier], max_records: int, *, mindate: str | None = None,
            maxdate: str | None = None, new_only: bool = False) -> FetchSummary:
        """new_only: choose up to max_records records that are not stored yet (skipping stored ones, counted as
        already present) instead of the top max_records results."""
        summary = FetchSummary(query=tiers[0].term if tiers else "")
        t0 = time.perf_counter()
        try:
            self._run(tiers, max_records, mindate, maxdate, summary, new_only and self.engine is not None)
        finally:
            summary.requests = self.client.stats.requests
            summary.retries = self.client.stats.retries
            summary.seconds = time.perf_counter() - t0
        return summary

    def _run(self, tiers, max_records, mindate, maxdate, summary: FetchSummary, new_only: bool) -> None:
        chosen: dict[str, None] = {}
        skipped: dict[str, None] = {}            # stored already (new_only)
        plans: list[tuple[SearchResult, list[str]]] = []
        for tier in tiers:
            if len(chosen) >= max_records:
                break
            want = max_records - len(chosen)
            ask_for = min(want * 2 + 20, 10_000) if new_only else want
            res = self.client.esearch(tier.term, retmax=ask_for, mindate=mindate, maxdate=maxdate)
            summary.queries.append(tier.term)
            summary.warnings += res.warnings
            summary.found = max(summary.found, res.count)
            fresh = [p for p in res.ids if p not in chosen and p not in skipped]
            stored = self._present(fresh) if new_only else set()
            new = []
            for p in fresh:
                if len(new) >= want:
                    break
                if p in stored:
                    skipped[p] = None
                else:
                    new.append(p)
            for p in new:
                chosen[p] = None
            plans.append((res, new))
            self._tick("search", len(chosen), max_records)
        summary.pmids = list(chosen)
        summary.selected = len(chosen)
        present = self._present(summary.pmids) if self.engine is not None else set()
        summary.already_present = len(present) + len(skipped)
        total = summary.selected - len(present)
        self._done = 0
        leftover: list[str] = []
        for res, new in plans:
            new_set = set(new)
            for start in range(0, len(res.ids), self.batch):
                window = res.ids[start:start + self.batch]
                wanted = [p for p in window if p in new_set and p not in present]
                if wanted and len(wanted) == len(window) and res.webenv and res.query_key:
                    self._fetch_batch(res, start, window, True, summary)
                    self._tick("fetch", self._advance(len(wanted)), total)
                else:
                    leftover += wanted
        for start in range(0, len(leftover), self.batch):     # partly present windows, later tiers: by id
            ids = leftover[start:start + self.batch]
            self._fetch_batch(None, 0, ids, False, summary)
            self._tick("fetch", self._advance(len(ids)), total)

    def _advance(self, n: int) -> int:
        self._done += n
        return self._done

    def _fetch_batch(self, res: SearchResult | None, start: int, pmids: list[str], history: bool,
                     summary: FetchSummary) -> None:
        try:
            if history and res is not None:
                try:
                    body = self.client.efetch_history(res.webenv, res.query_key, start, len(pmids))
                except PubMedOffline:
                    raise
                except PubMedError:     # e.g. the history server no longer knows this WebEnv: ask by id
                    body = self.client.efetch_ids(pmids)
            else:
                body = self.client.efetch_ids(pmids)
        except PubMedOffline:
            raise
        except PubMedError as exc:
            summary.failed += len(pmids)
            summary.errors.append(f"PMIDs {pmids[0]}..{pmids[-1]} ({len(pmids)}): {exc}")
            return
        self._read_and_store(body, pmids, summary)

    def _read_and_store(self, body: bytes, pmids: list[str], summary: FetchSummary) -> None:
        from curbside.sources import read_path

        wanted = set(pmids)
        got: set[str] = set()
        errors: list[InputError] = []
        fd, name = tempfile.mkstemp(prefix="curbside-efetch-", suffix=".xml")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            docs = []
            try:
                for doc in read_path(Path(name), "pubmed_xml", on_error=errors.append):
                    if doc.pmid in wanted and doc.pmid not in got:
                        got.add(doc.pmid)
                        doc.source_path = f"PubMed EFetch (PMID {doc.pmid})"
                        docs.append(doc)
            except InputError as exc:
                if "contains no <PubmedArticle> records" not in exc.problem:
                    errors.append(InputError("EFetch answer", exc.problem))
        finally:
            try:
                os.unlink(name)
            except OSError:
                pass
        summary.fetched += len(docs)
        for e in errors:
            summary.errors.append(str(e).replace(name, "EFetch answer"))
        bad = {m.group(1) for e in errors for m in [re.search(r"PMID (\d+)", e.where)] if m}
        missing = [p for p in pmids if p not in got]
        summary.failed += len(missing)
        unseen = [p for p in missing if p not in bad]
        if unseen:
            shown = ", ".join(unseen[:10]) + (" ..." if len(unseen) > 10 else "")
            summary.errors.append(f"EFetch did not return {len(unseen)} record(s): PMID {shown}")
        if self.engine is None:
            summary.records += docs
            return
        if docs:
            ing = self.engine.ingest_records(docs, label="PubMed")
            summary.added += ing.added
            summary.replaced += ing.replaced
            summary.failed += ing.failed
            summary.errors += ing.errors
            summary.added_ids += ing.document_ids

    def _present(self, pmids: list[str]) -> set[str]:
        return self.engine.pmids_present(pmids)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)


def search_pubmed(client: EutilsClient, term: str, max_records: int, *, engine=None, mindate=None, maxdate=None,
                  batch: int = DEFAULT_BATCH, progress: Progress | None = None) -> FetchSummary:
    """`curbside pubmed search`: one query, up to `max_records` records, ingested when `engine` is given."""
    if max_records < 1:
        raise InputError("--max", f"{max_records} is not a positive number of records")
    return PubMedFetcher(client, engine, batch=batch, progress=progress).run(
        [QueryTier("query", term)], max_records, mindate=mindate, maxdate=maxdate)


def fetch_for_question(engine, question: str, n: int, *, client: EutilsClient | None = None,
                       progress: Progress | None = None) -> FetchSummary:
    """Ask-with-fresh-evidence: the question's PubMed query tiers, up to `n` new records ingested. Never raises
    for the network: without it the summary says so (offline=True, note) and the caller answers from the
    library."""
    from curbside.sources.pubmed.query import question_tiers

    if not 1 <= n <= 200:
        raise InputError("--pubmed", f"{n} records; expected 1 to 200")
    with getattr(engine, "_lock", contextlib.nullcontext()):      # the engine's store is shared by web threads
        parsed = engine.retriever.parse(question)
    try:
        tiers = question_tiers(parsed)
    except InputError as exc:
        return FetchSummary(note=f"PubMed was not searched: the question {exc.problem}; answered from the library")
    if client is None:
        client = make_client(engine.settings.home, max_attempts=4, deadline=60.0)
    fetcher = PubMedFetcher(client, engine, progress=progress)
    try:
        summary = fetcher.run(tiers, n, new_only=True)
    except PubMedOffline as exc:
        return FetchSummary(query=tiers[0].term, offline=True, requests=client.stats.requests,
                            note=f"{exc}; answered from the library only, no PubMed records were added")
    except CurbsideError as exc:
        return FetchSummary(query=tiers[0].term, offline=True, requests=client.stats.requests,
                            note=f"PubMed search failed ({exc}); answered from the library only")
    summary.note = question_note(summary)
    return summary


def question_note(s: FetchSummary) -> str:
    added = s.added + s.replaced
    what = f"{added} PubMed record{'s' if added != 1 else ''} added for this question"
    extra = []
    if s.already_present:
        extra.append(f"{s.already_present} already in the library")
    if s.failed:
        extra.append(f"{s.failed} could not be fetched")
    if not s.selected and not s.already_present:
        return "PubMed found no records for this question; answered from the library"
    return what + (f" ({'; '.join(extra)})" if extra else "")


def make_client(home: Path | None = None, **kw) -> EutilsClient:
    """A client whose pacing is shared by every Curbside process using this home (see RateLimiter)."""
    rate_file = Path(home) / "pubmed-rate" if home else None
    return EutilsClient(rate_file=rate_file, **kw)


def ask_with_pubmed(engine, question: str, n: int, *, audience: str = "clinician", follow_up_of: str | None = None,
                    save: bool = True, user: str | None = None, client: EutilsClient | None = None,
                    progress: Progress | None = None, **ask_options):
    """`ask --pubmed N` (CLI, web, API): fetch up to n new PubMed records for the question, then answer; the
    article's `pubmed_note` says what was added (or that PubMed could not be reached). Returns (article, summary).
    ask_options go to Engine.ask as they are (e.g. writer=...)."""
    searched = question
    if follow_up_of:           # search PubMed for the follow-up as it will be answered ("... in children" + topic)
        from curbside.answer.follow_up import resolve_follow_up

        previous = engine.articles().get(follow_up_of)
        if previous is not None:
            with getattr(engine, "_lock", contextlib.nullcontext()):
                searched = resolve_follow_up(engine.retriever.parse(previous.question),
                                             engine.retriever.parse(question)).question
    summary = engine.fetch_pubmed_for(searched, n, client=client, progress=progress)
    article = engine.ask(question, audience=audience, follow_up_of=follow_up_of, save=False, user=user,
                         **ask_options)
    article.pubmed_note = summary.note
    if save:
        article = engine.articles().save_new(article, author=user)
    return article, summary
