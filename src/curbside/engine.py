"""The Engine: one object that holds the store and runs the pipeline (ingest -> search -> ask).

Interfaces (CLI, web, API, benchmarks) all go through it, so they share one behaviour.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from curbside.answer.audience import AUDIENCES
from curbside.answer.compose import abstain, compose_article, with_document_text
from curbside.answer.evidence_table import build_evidence_table
from curbside.answer.follow_up import resolve_follow_up, suggest_follow_ups
from curbside.answer.models import Item
from curbside.answer.templates import ABSTAIN_HINT_PATIENT, ABSTAIN_TEXT_PATIENT, DISCLAIMER_PATIENT
from curbside.answer.models import Article
from curbside.answer.verify import verify_article
from curbside.corpus.models import Document
from curbside.errors import InputError
from curbside.background import BackgroundEmbedder
from curbside.readers import ReaderPool
from curbside.retrieve.search import Retriever, SearchHit, concept_coverage
from curbside.settings import Settings, load_settings
from curbside.store.backends import open_corpus_store
from curbside.store.corpus_store import CorpusStore
from curbside.store.ingest import IngestSummary, Ingestor, MetadataOverrides, ProgressCallback, read_files


class Engine:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        self.settings.ensure_home()
        self.store = open_corpus_store(self.settings)
        self.retriever = Retriever(self.store, embed=self.settings.embed)
        self._lock = threading.RLock()   # the engine's own connection (writes): serialise access from server threads
        # searches and answers run on reader connections of their own, never waiting for this lock (see readers.py)
        self._readers = ReaderPool(lambda: self.retriever, lambda: open_corpus_store(self.settings))
        self._ingest_embedder = None
        self.background = BackgroundEmbedder(lambda: open_corpus_store(self.settings), self._ingest_encode,
                                             low_priority=self.settings.ingest_priority == "low")
        self._articles = None
        if self.settings.load_default_corpus:
            self.ensure_default_corpus()

    # ---- corpus ----
    def ensure_default_corpus(self, progress: ProgressCallback | None = None) -> IngestSummary | None:
        """Load the open-medicine guideline summaries once per store (a no-op afterwards)."""
        if self.store.get_meta("default_corpus_loaded"):
            return None
        from curbside.sources import read_open_medicine

        summary = IngestSummary()
        with self._lock:
            self._seed_default_vectors()
            Ingestor(self.store, self.settings, on_added=self._embed_added).ingest_documents(
                read_open_medicine(), summary, progress=progress, label="open-medicine")
            self.store.set_meta("default_corpus_loaded", "1")
        return summary

    def _seed_default_vectors(self) -> None:
        """Put the package's prebuilt default-corpus vectors into the embedding cache (see retrieve/prebuilt)."""
        from curbside.retrieve import embed
        from curbside.retrieve.prebuilt import load_prebuilt

        if not self.settings.embed or not embed.available():
            return
        keys, vecs = load_prebuilt()
        if keys:
            self.retriever.vectors.seed_cache(keys, vecs)

    def ingest(self, paths: list[Path], fmt: str | None = None, mapping=None,
               overrides: MetadataOverrides | None = None, progress: ProgressCallback | None = None,
               dedupe_content: bool = False, embed: bool = True, **metadata) -> IngestSummary:
        """Read files into the store (see store.ingest.Ingestor for what counts as a duplicate or a new version).
        dedupe_content: also skip a document whose exact content is stored under another id. embed=False stores
        without embedding (see embed_in_background)."""
        import time

        if metadata and overrides is None:
            overrides = MetadataOverrides(**{k: v for k, v in metadata.items() if v is not None})
        summary = IngestSummary()
        t0 = time.perf_counter()
        with self._lock:
            ingestor = Ingestor(self.store, self.settings, on_added=self._embed_added if embed else None,
                                dedupe_content=dedupe_content)
            for f, docs in read_files([Path(p) for p in paths], fmt, mapping, summary, self.settings.max_file_bytes):
                ingestor.ingest_documents(docs, summary, overrides, progress, label=f.name)
        summary.seconds = time.perf_counter() - t0
        return summary

    def ingest_records(self, docs, label: str = "") -> IngestSummary:
        """Store already-read SourceDocuments (e.g. fetched from PubMed) the way `ingest` stores a file's."""
        summary = IngestSummary()
        with self._lock:
            Ingestor(self.store, self.settings, on_added=self._embed_added).ingest_documents(docs, summary,
                                                                                           label=label)
        return summary

    def pmids_present(self, pmids: list[str]) -> set[str]:
        """The PMIDs of `pmids` stored as pmid:N documents."""
        with self._lock:
            return self.store.pmids_present(pmids)

    def fetch_pubmed_for(self, question: str, n: int, *, client=None, progress=None):
        """Before answering with fresh evidence (`ask --pubmed N`): search PubMed for the question and ingest up to
        n new records; the summary's `note` says what was added, or that PubMed could not be reached."""
        from curbside.sources.pubmed.fetch import fetch_for_question

        question = self._check_question(question, "question")
        return fetch_for_question(self, question, n, client=client, progress=progress)

    def sources(self, evidence_level: str | None = None) -> list[Document]:
        with self._readers.reader() as r:
            return r.store.list_documents(evidence_level)

    def remove(self, document_id: str) -> bool:
        """Delete a document by its id, or by the id given at ingest (external id), PMID or DOI when exactly one
        document has it. False when nothing matches; InputError when the id names several documents."""
        with self._lock:
            found = self.resolve_document_id(document_id)
            return self.store.remove_document(found) if found else False

    def resolve_document_id(self, given: str) -> str | None:
        """The stored id that `given` names (see CorpusStore.resolve_id); None when none does."""
        with self._lock:
            ids = self.store.resolve_id(given)
        if len(ids) > 1:
            shown = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
            raise InputError(given, f"names {len(ids)} documents ({shown}); give one document id")
        return ids[0] if ids else None

    def answer_fingerprint(self) -> str:
        """What decides what articles say (answering settings, shipped model weights): see Settings."""
        return self.settings.answer_fingerprint()

    def corpus_state(self) -> str:
        with self._readers.reader() as r:
            return r.store.corpus_state()

    # ---- retrieval and answers ----
    def search(self, query: str, top_k: int = 10, mode: str | None = None) -> list[SearchHit]:
        """Ranked passages; mode bm25|dense|hybrid (default: hybrid when passages have embeddings, else bm25).
        The mode that ran and any note (e.g. why it fell back to bm25) are in retriever.last_mode/last_note."""
        query = self._check_question(query, "query")
        if mode is not None and mode not in ("bm25", "dense", "hybrid"):
            raise InputError("--mode", f"unknown mode {mode!r}; expected bm25, dense or hybrid")
        with self._readers.reader() as r:
            hits = r.search(query, top_k=top_k, candidates=max(self.settings.candidates, top_k), mode=mode)
            self.retriever.last_mode, self.retriever.last_note = r.last_mode, r.last_note
        return hits

    def ranker(self, name: str) -> Callable[[str], list[str]]:
        """A function question -> ranked document ids (for evaluation), for retriever bm25|dense|hybrid."""
        if name not in ("bm25", "dense", "hybrid"):
            raise InputError("--retriever", f"unknown retriever {name!r}; expected bm25, dense or hybrid")
        if name != "bm25":
            with self._lock:
                ok, note = self.retriever.dense_status()
            if not ok:
                raise InputError("--retriever", f"{name} retrieval is not available: {note}")

        def rank(question: str) -> list[str]:
            with self._lock:
                hits = self.retriever.search(question, top_k=100, candidates=100, mode=name)
            return [h.document_id for h in hits]

        return rank

    def embed_missing(self, progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        """Give every passage without a vector one (cached vectors are reused, never recomputed); commits in
        batches, so an interrupted run resumes. Returns (passages given a vector, vectors computed)."""
        if not self.settings.embed:
            raise InputError("index", "embeddings are turned off (--no-embed or CURBSIDE_NO_EMBED)")
        encode = self._ingest_encode()
        with self._lock:
            return self.retriever.vectors.embed_missing(encode, progress=progress, should_stop=should_stop)

    def embed_in_background(self) -> bool:
        """Give every passage without a vector one in a background thread on a connection of its own (see
        background.py); searches use each vector once committed. False when embeddings are off or unavailable."""
        from curbside.retrieve import embed

        return bool(self.settings.embed and embed.available() and self.background.request())

    def _ingest_encode(self) -> Callable:
        """The encode function of ingest work (ingest's embedding, `curbside index`, background embedding): an
        embedder of its own (same model and settings as the shared one) that runs `threads` batches at once,
        each on a 1-thread ONNX session from a Python thread started by the caller (Embedder.workers): on 2
        cores that beats one batch on 2 intra-op threads (bench/bench_embed.py). A 1-thread session starts no
        threads, so every thread doing ingest work has the priority of the thread that asks for it (nice 19 at
        low ingest priority, priority.py); searches keep the shared embedder (one question is one batch)."""
        from curbside.retrieve.embed import Embedder

        shared = self.retriever.embedder()
        if type(shared) is not Embedder:          # a stand-in (tests)
            return shared.encode
        if self._ingest_embedder is None:
            self._ingest_embedder = Embedder(threads=shared.threads, max_length=shared.max_length,
                                             batch_size=shared.batch_size, token_budget=shared.token_budget,
                                             query_cache=0, workers=shared.threads)
        return self._ingest_embedder.encode

    def _embed_added(self, docs: list[Document]) -> int:
        """Ingest hook: embed the passages of a just-committed batch of documents that have no vector yet
        (skipped without the model). Returns how many passages were given a vector."""
        from curbside.retrieve import embed

        if not self.settings.embed or not docs or not embed.available():
            return 0
        vectors = self.retriever.vectors
        items = vectors.missing_for(list(dict.fromkeys(d.id for d in docs)))
        if not items:
            return 0
        # committed about every 2 s: a kill loses little, and a re-run finishes the rest
        return vectors.embed_items(items, self._ingest_encode())[0]

    def ask(self, question: str, *, audience: str = "clinician", follow_up_of: str | None = None,
            save: bool = True, user: str | None = None, writer: str | None = None,
            progress: Callable[[str, str], None] | None = None,
            on_token: Callable[[str], None] | None = None) -> Article:
        """Retrieve, write (writer: extractive | llm, default settings.writer), add the evidence table and
        follow-ups, verify, save. progress(stage, text) and on_token(text) report a written answer as it is made."""
        from curbside.answer.writer import WRITERS

        question = self._check_question(question, "question")
        if audience not in AUDIENCES:
            raise InputError("audience", f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
        writer = writer or self.settings.writer or "extractive"
        if writer not in WRITERS:
            raise InputError("--writer", f"unknown writer {writer!r}; expected one of {', '.join(WRITERS)}")
        interpretation = ""
        asked = question
        if follow_up_of:
            previous = self.articles().get(follow_up_of)
            if previous is None:
                raise InputError("--follow-up", f"{follow_up_of}: no such article (see `curbside show`)")
            # a parent that was itself a follow-up ("What is the dose?") is read as the question it was answered as
            parent = previous.title if previous.follow_up_of and previous.title else previous.question
            with self._readers.reader() as r:
                res = resolve_follow_up(r.parse(parent), r.parse(question))
            asked, interpretation = res.question, res.interpretation
        if writer == "llm":
            article, parsed, hits = self._write_llm(question, asked, audience, progress, on_token)
            with self._lock:
                article = self._finish(article, parsed, hits, audience, interpretation, follow_up_of, self.retriever)
        else:
            with self._readers.reader() as r:
                parsed = r.parse(asked)
                hits = self.answer_hits(parsed, r)
                article = compose_article(question, parsed, hits, self.settings, audience) if hits \
                    else abstain(question, parsed)
                article.writer = "extractive"
                article = self._finish(article, parsed, hits, audience, interpretation, follow_up_of, r)
        if follow_up_of and asked.strip() != question.strip():
            article.title = asked.strip()          # titled by the self-contained question it answers
        if save:
            article = self.articles().save_new(article, author=user)
        if progress:
            progress("done", "done")
        return article

    def _finish(self, article: Article, parsed, hits: list[SearchHit], audience: str, interpretation: str,
                follow_up_of: str | None, retriever: Retriever) -> Article:
        """Evidence table, follow-ups, bookkeeping and verification, reading through `retriever` (and its store)."""
        store = retriever.store
        if article.abstained and audience == "patient":
            article.disclaimer = DISCLAIMER_PATIENT
            article.sections[0].title = "No Answer Found"
            article.sections[0].items = [Item(text=ABSTAIN_TEXT_PATIENT, kind="notice"),
                                         Item(text=ABSTAIN_HINT_PATIENT, kind="notice")]
        article.audience = audience
        if not article.abstained:
            self._add_evidence_table(article, parsed, hits, store)
            article.follow_ups = self._suggest(parsed, article, retriever)
        article.interpretation = interpretation
        article.follow_up_of = follow_up_of or ""
        article.corpus_state = store.corpus_state()
        article.answer_settings = self.settings.answer_fingerprint()
        article.verification = verify_article(article, store)
        if not article.verification.passed:   # never show an unverified statement: drop it, re-verify
            article = _drop_failures(article, store)
        return article

    def answer_hits(self, parsed, retriever: Retriever | None = None) -> list[SearchHit]:
        """The passages an article is composed from (with their documents' text, which evidence units need). Reads
        through `retriever` (a reader of `self._readers`); without one, the engine's own, and the caller holds the
        store lock."""
        s = self.settings
        r = retriever or self.retriever
        hits = r.search(parsed, top_k=s.answer_passages, candidates=max(s.candidates, s.answer_passages),
                        max_per_document=s.answer_per_document)
        return with_document_text(hits, r.store)

    def _write_llm(self, question: str, asked: str, audience: str, progress, on_token):
        """The llm writer (answer/writer/llm.py): evidence is selected under the store lock, the model writes
        without it (a server keeps answering others meanwhile), claims are checked under it again."""
        from curbside.answer.writer.llm import LLMWriter
        from curbside.answer.writer.llm_client import LLMNotConfigured

        llm = LLMWriter(self.settings, getattr(self, "llm_client", None))
        try:
            llm.client                          # not configured: a clear error before any work
        except LLMNotConfigured as exc:
            raise InputError("--writer llm", str(exc)) from None
        with self._lock:
            parsed = self.retriever.parse(asked)
            hits = self.answer_hits(parsed)
        article = llm.write(question, parsed, hits, audience, progress=progress, on_token=on_token, lock=self._lock)
        return article, parsed, hits

    def _add_evidence_table(self, article: Article, parsed, hits: list[SearchHit], store) -> None:
        if parsed.question_type not in ("treatment", "dosing", "prognosis", "adverse_effects", "other"):
            return
        numbers = {r.document_id: r.n for r in article.references}
        relevant = [h for h in hits if h.coverage > 0 and h.document_id in numbers]

        def cite(doc) -> int:
            return numbers[doc.id]

        article.evidence_table = build_evidence_table(store, relevant, cite)

    def _suggest(self, parsed, article: Article, retriever: Retriever) -> list[str]:
        interventions = [it.label for s in article.sections if s.kind == "options" for it in s.items if it.label]

        def has_evidence(q: str) -> bool:
            from curbside.answer.features import QuestionView, topical

            p = retriever.parse(q)
            view = QuestionView.of(p)
            heads = [view.terms[i] for i in view.heads]
            drugs = [view.terms[i] for i in view.drug_concepts]
            for h in retriever.search(p, top_k=8, candidates=40):
                text = f"{h.document.title} {h.passage.section} {h.passage.text}"
                if topical(text, heads) and all(concept_coverage(h.passage.text, [d]) > 0 for d in drugs):
                    return True
            return False

        return suggest_follow_ups(parsed, interventions, has_evidence)

    def articles(self):
        if self._articles is None:
            from curbside.review.articles import ArticleStore

            self._articles = ArticleStore(self.settings.review_store)
        return self._articles

    def _check_question(self, text: str, field: str) -> str:
        text = (text or "").strip()
        if any("\ud800" <= ch <= "\udfff" for ch in text):   # undecodable bytes (argv, JSON escapes)
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
                "utf-8", "replace").decode("utf-8")
        if not text:
            raise InputError(field, "is empty; expected a clinical question in words")
        if len(text) > self.settings.max_question_chars:
            raise InputError(field, f"is {len(text):,} characters; the limit is {self.settings.max_question_chars:,} "
                                    "(ask one focused question)")
        return text

    def close(self) -> None:
        self.background.close()
        self._readers.close()
        self.store.close()


def _drop_failures(article: Article, store: CorpusStore) -> Article:
    bad = set()
    bad_rows = {int(f.split()[3]) - 1 for f in article.verification.failures if f.startswith("evidence table row")}
    article.evidence_table = [r for i, r in enumerate(article.evidence_table) if i not in bad_rows]
    for f in article.verification.failures:
        if f.startswith("evidence table"):
            continue
        # "section S (...) item I: ..."
        try:
            head = f.split(":", 1)[0]
            s = int(head.split()[1]) - 1
            i = int(head.rsplit("item", 1)[1]) - 1
            bad.add((s, i))
        except (ValueError, IndexError):
            continue
    for si, section in enumerate(article.sections):
        section.items = [it for ii, it in enumerate(section.items) if (si, ii) not in bad]
    article.sections = [s for s in article.sections if s.items]
    if article.bottom_line is not None:
        first = article.sections[0] if article.sections else None
        article.bottom_line.item = first.items[0] if first is not None and first.kind == "bottom_line" else None
    article.verification = verify_article(article, store)
    return article


def open_engine(home: str | Path | None = None, **overrides) -> Engine:
    return Engine(load_settings(home, **overrides))


ProgressFactory = Callable[[str], ProgressCallback]
