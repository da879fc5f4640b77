"""A small stand-in for curbside.engine.Engine with the same methods, returning hand-built articles."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from curbside.answer.models import Article, Item, Quote, Reference, Section
from curbside.corpus.models import Document, EvidenceLevel, Passage
from curbside.errors import InputError
from curbside.review.articles import ArticleStore


@dataclass
class FakeSummary:
    added: int = 0
    duplicates: int = 0
    failed: int = 0
    passages: int = 0
    files: int = 0
    errors: list[str] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class FakeHit:
    passage_id: str
    document_id: str
    score: float
    text: str
    title: str
    section: str = ""


class FakeEngine:
    def __init__(self, settings):
        self.settings = settings
        settings.ensure_home()
        self._articles = ArticleStore(settings.db_path)
        self.lock = threading.Lock()
        self.docs: dict[str, Document] = {
            "pmid:111": Document(id="pmid:111", title="HLH guideline <b>2019</b>", text="Emapalumab is recommended.",
                                 authors=["Doe J", "Roe R"], journal="Blood", year=2019, pmid="111",
                                 evidence_level=EvidenceLevel.GUIDELINE, added_at="2024-01-01T00:00:00Z"),
            "doi:10.1/xyz": Document(id="doi:10.1/xyz", title="Salvage review", text="Ruxolitinib helped.",
                                     year=2020, doi="10.1/xyz", evidence_level=EvidenceLevel.NARRATIVE_REVIEW,
                                     url="javascript:alert(1)", added_at="2024-01-01T00:00:00Z"),
        }
        self.state = 1
        self.asked: list[tuple] = []
        self.quoted: dict[str, str] = {}     # document id -> the span of its text that answers cite (default: all)
        self.store = FakeStore(self)

    def articles(self) -> ArticleStore:
        return self._articles

    def corpus_state(self) -> str:
        return f"state-{self.state}"

    def ask(self, question: str, *, audience: str = "clinician", follow_up_of: str | None = None, save: bool = True,
            user: str | None = None) -> Article:
        question = (question or "").strip()
        if not question:
            raise InputError("question", "is empty; expected a clinical question in words")
        if len(question) > 2000:
            raise InputError("question", "too long")
        if follow_up_of and self._articles.get(follow_up_of) is None:
            raise InputError("--follow-up", f"{follow_up_of}: no such article")
        self.asked.append((question, audience, follow_up_of, save))
        refs, items = [], []
        for n, d in enumerate(sorted(self.docs.values(), key=lambda d: d.id), start=1):
            refs.append(Reference(n=n, document_id=d.id, title=d.title, authors=d.authors, journal=d.journal,
                                  year=d.year, pmid=d.pmid, doi=d.doi, url=d.url, evidence_level=d.evidence_level.value,
                                  evidence_label=d.evidence_level.label))
            span = self.quoted.get(d.id, d.text)
            at = d.text.index(span)
            text = span if audience == "clinician" else span + f" ({audience} explanation)"
            items.append(Item(text=text, citations=[n], quotes=[Quote(document_id=d.id, passage_id=d.id + "#0",
                                                                     text=span, start=at, end=at + len(span))]))
        article = Article(
            question=question, generated_at=datetime.now(timezone.utc).isoformat(), title=question,
            caution="Educational purpose only \u2022 Exercise caution as content is pending human review",
            audience=audience, disclaimer="For professionals." if audience != "patient" else "Not medical advice.",
            sections=[Section(title="From the Guidelines", kind="guidelines", items=items[:1]),
                      Section(title="Treatment Options", kind="options", items=items)],
            references=refs, follow_ups=["What is the dose of emapalumab?", "Is <i>ruxolitinib</i> safe?"],
            corpus_state=self.corpus_state(), follow_up_of=follow_up_of or "")
        if save:
            article = self._articles.save_new(article, author=user)
        return article

    def fetch_pubmed_for(self, question: str, n: int, *, client=None, progress=None):
        """As the real Engine with no network: nothing fetched, and the note says so."""
        from curbside.sources.pubmed.fetch import FetchSummary

        self.asked.append(("pubmed", question, n))
        return FetchSummary(offline=True, note="PubMed (fake) cannot be reached from this machine; answered from "
                                                "the library only, no PubMed records were added")

    def search(self, query: str, top_k: int = 10):
        if not query.strip():
            raise InputError("query", "is empty")
        return [FakeHit(d.id + "#0", d.id, 1.0, d.text, d.title) for d in list(self.docs.values())[:top_k]]

    def ingest(self, paths: list[Path], fmt: str | None = None, **metadata) -> FakeSummary:
        s = FakeSummary(files=len(paths))
        for p in paths:
            data = Path(p).read_bytes()
            if b"FAIL" in data:
                s.failed += 1
                s.errors.append(f"{p}: could not parse")
                continue
            did = "sha:" + str(abs(hash(data)))[:12]
            if did in self.docs:
                s.duplicates += 1
                continue
            tier = metadata.get("tier") or EvidenceLevel.RANDOMIZED_TRIAL
            text = data.decode("utf-8", "replace")[:500]
            self.docs[did] = Document(id=did, title=metadata.get("title") or text.splitlines()[0][:80], text=text,
                                      year=metadata.get("year"), evidence_level=tier, added_at="2025-01-01T00:00:00Z")
            s.added += 1
            s.passages += 1
            s.document_ids.append(did)
            self.state += 1
        return s

    def sources(self, evidence_level: str | None = None) -> list[Document]:
        docs = sorted(self.docs.values(), key=lambda d: d.id)
        return [d for d in docs if evidence_level is None or d.evidence_level.value == evidence_level]

    def remove(self, document_id: str) -> bool:
        if self.docs.pop(document_id, None) is None:
            return False
        self.state += 1
        return True

    def close(self) -> None:
        self._articles.close()


class FakeStore:
    """The two CorpusStore reads the web app makes for citations in context: one passage a document, its section
    the document's first line when that line is a heading ('# ...'), page 3 for PDFs."""

    def __init__(self, engine: FakeEngine):
        self.engine = engine

    def get_document(self, document_id: str, with_text: bool = True) -> Document | None:
        return self.engine.docs.get(document_id)

    def get_passage(self, passage_id: str) -> Passage | None:
        d = self.engine.docs.get(passage_id.rsplit("#", 1)[0])
        if d is None:
            return None
        first = d.text.split("\n", 1)[0]
        return Passage(id=passage_id, document_id=d.id, ordinal=0, text=d.text, start=0, end=len(d.text),
                       section=first.lstrip("# ") if first.startswith("#") else "",
                       kind="table" if "|" in d.text else "text", page=3 if d.source_format == "pdf" else None)

    def counts(self) -> tuple[int, int]:
        return len(self.engine.docs), len(self.engine.docs)
