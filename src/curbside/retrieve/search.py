"""Lexical retrieval: question-aware FTS5 BM25 over passages, with a light re-scoring by concept coverage.

The dense and hybrid paths (retrieve/dense.py, retrieve/fusion.py) plug in through `Retriever.search`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.corpus.models import Document, Passage
from curbside.retrieve.abbreviations import AbbreviationIndex
from curbside.retrieve.query import ParsedQuestion, fts_query, parse_question, sentence_terms
from curbside.store.corpus_store import CorpusStore

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


@dataclass
class SearchHit:
    passage: Passage
    document: Document
    score: float
    rank: int = 0
    lexical_score: float = 0.0
    dense_score: float | None = None
    coverage: float = 0.0            # share of the question's concepts the passage mentions
    features: dict[str, float] = field(default_factory=dict)

    # flat accessors used by interfaces
    @property
    def passage_id(self) -> str:
        return self.passage.id

    @property
    def document_id(self) -> str:
        return self.passage.document_id

    @property
    def text(self) -> str:
        return self.passage.text

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def section(self) -> str:
        return self.passage.section

    def to_json(self) -> dict:
        return {
            "rank": self.rank, "document_id": self.document_id, "passage_id": self.passage_id,
            "score": round(self.score, 4), "title": self.title, "section": self.section,
            "evidence_level": self.document.evidence_level.value, "page": self.passage.page,
            "start": self.passage.start, "end": self.passage.end, "text": self.text,
            "lexical_score": round(self.lexical_score, 4),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "coverage": round(self.coverage, 3),
        }


def concept_coverage(text: str, terms: list[set[str]]) -> float:
    """Share of concepts (each a set of lowercase variants/stems) that occur in `text`."""
    if not terms:
        return 0.0
    low = text.lower()
    words = set(_WORD.findall(low))
    hit = 0
    for variants in terms:
        if any((v in words) if " " not in v and "-" not in v else (v in low) for v in variants) or \
                any(len(v) >= 5 and " " not in v and any(w.startswith(v) for w in words) for v in variants):
            hit += 1
    return hit / len(terms)


class Retriever:
    """BM25 candidates from FTS5, re-scored with concept coverage; one instance per store (cheap to keep)."""

    def __init__(self, store: CorpusStore):
        self.store = store
        self._abbrev: AbbreviationIndex | None = None
        self._abbrev_state = ""

    def abbreviations(self) -> AbbreviationIndex:
        state = self.store.corpus_state()
        if self._abbrev is None or state != self._abbrev_state:
            self._abbrev = AbbreviationIndex(self.store.abbreviation_pairs())
            self._abbrev_state = state
        return self._abbrev

    def parse(self, question: str) -> ParsedQuestion:
        return parse_question(question, self.abbreviations())

    def search(self, query: str | ParsedQuestion, top_k: int = 10, candidates: int = 100) -> list[SearchHit]:
        parsed = query if isinstance(query, ParsedQuestion) else self.parse(query)
        return self.lexical(parsed, top_k, candidates)

    def lexical(self, parsed: ParsedQuestion, top_k: int, candidates: int) -> list[SearchHit]:
        match = fts_query(parsed)
        scored = self.store.search_fts(match, max(candidates, top_k))
        if not scored:
            return []
        hits = self.hydrate(scored)
        terms = sentence_terms(parsed)
        top = hits[0].lexical_score or 1.0
        for h in hits:
            h.coverage = concept_coverage(h.document.title + " " + h.passage.section + " " + h.text, terms)
            h.score = h.lexical_score / top * 0.6 + h.coverage * 0.4
        hits.sort(key=lambda h: -h.score)
        for i, h in enumerate(hits[:top_k], 1):
            h.rank = i
        return hits[:top_k]

    def hydrate(self, scored: list[tuple[int, float]]) -> list[SearchHit]:
        passages = self.store.get_passages_by_rowid([r for r, _ in scored])
        docs = self.store.get_documents(p.document_id for p in passages.values())
        out = []
        for rowid, s in scored:
            p = passages.get(rowid)
            if p is None or p.document_id not in docs:
                continue
            out.append(SearchHit(passage=p, document=docs[p.document_id], score=s, lexical_score=s))
        return out
