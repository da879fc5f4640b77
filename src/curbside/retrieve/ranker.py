"""A small learned ranker over cheap features of each candidate passage.

Features come from the lexical and dense rankings (BM25 score and rank, cosine and rank, their reciprocal rank
fusion), from the question (share of its concepts the passage and the title mention) and from the document
(evidence level, recency, section type, length). The model is linear on standardised features, trained
pairwise (RankNet loss) by scripts/train_ranker.py on MedQuAD and PubMedQA questions of several styles; only the weights ship, in
curbside/data/ranker_weights.json. Without weights, the score is plain reciprocal rank fusion.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from curbside.corpus.models import EvidenceLevel

WEIGHTS_PATH = Path(__file__).resolve().parent.parent / "data" / "ranker_weights.json"

FEATURES = (
    "bm25",          # BM25 score / best BM25 score among the candidates (0 when not a BM25 candidate)
    "bm25_rr",       # 1 / log2(1 + BM25 rank), 0 when absent
    "cosine",        # cosine between question and passage vectors
    "cos_gap",       # cosine - best cosine among the candidates
    "dense_rr",      # 1 / log2(1 + dense rank), 0 when absent
    "rrf",           # reciprocal rank fusion of both rankings, scaled to [0, 1]
    "both",          # 1 when the passage is in both candidate lists
    "coverage",      # share of the question's concepts mentioned in title + section + text
    "title_match",   # share of the question's concepts mentioned in the title
    "evidence",      # evidence level, 1 = guideline ... 0 = unclassified
    "recency",       # publication year scaled to [0, 1] over 1990..2030 (fixed, so scores do not drift), 0 unknown
    "key_section",   # results / conclusions / recommendations / summary / management sections
    "length",        # log passage length, scaled
    "cos_z",         # cosine standardised over the candidates (scale-free: long questions have flatter cosines)
    "bm25_z",        # BM25 score standardised over the BM25 candidates (0 when not a BM25 candidate)
    "long_bm25_rr",  # bm25_rr on a long question (else 0): lets the model trust the lexical rank less there
    "long_dense_rr", # dense_rr on a long question (else 0)
    "long_coverage", # coverage on a long question (else 0)
    "kw_coverage",   # share of the question's (focus's) keywords, stemmed, in title + section + text: what is asked
    "doc_support",   # how many candidates come from the same document (log-scaled): document-level evidence
    "lead",          # the document's first passage (where consumer pages and abstracts say what they are about)
    "bm25_conf_rr",  # bm25_rr x how sharply BM25 separates its top hit from its 10th (query-level confidence)
    "dense_conf_rr", # dense_rr x how far the best cosine stands above the candidates' (query-level confidence)
    "other_cos_z",   # long question: cosine to the view the dense query is not (its focus or the whole message)
                     # standardised; else = cos_z
    "idf_coverage",  # coverage with each concept weighted by its rarity among the candidates, log((n+1)/(df+1)):
                     # naming 'LB-100' counts, naming 'disease' or 'assessed' (in most candidates) hardly does
    "idf_kw_coverage",  # the same over the question's keywords
    "rare_hit",      # mentions the question's concept that the fewest candidates mention (at least one does)
    "doc_cos_z",     # best cos_z among the candidates from the same document (relevance is judged per document)
    "doc_bm25_z",    # best bm25_z among them
    "doc_idf_coverage",  # best idf_coverage among them
    "doc_rrf",       # best rrf among them
)

_KEY_SECTION = re.compile(r"result|conclusion|recommend|summary|key point|management|treatment|finding|interpretation",
                          re.I)
_N_LEVELS = len(EvidenceLevel)


@dataclass
class CandidateInfo:
    """What the feature computation needs about one candidate (filled by the retriever)."""

    bm25: float | None = None      # raw BM25 (None: not a lexical candidate)
    bm25_rank: int | None = None
    cosine: float | None = None    # None: no vector for this passage
    dense_rank: int | None = None
    coverage: float = 0.0
    title_match: float = 0.0
    evidence_level: EvidenceLevel = EvidenceLevel.UNCLASSIFIED
    year: int | None = None
    section: str = ""
    kind: str = "text"
    length: int = 0
    kw_coverage: float = 0.0
    document_id: str = ""
    lead: bool = False
    other_cosine: float | None = None   # long questions: cosine to the other view's embedding (focus / whole)
    concept_hits: tuple[int, ...] = ()  # per concept of the question (its focus): 1 when the passage mentions it
    keyword_hits: tuple[int, ...] = ()  # per keyword (query.keyword_terms): 1 when the passage mentions it


def in_held_out(question_id: str, fraction: float = 0.4) -> bool:
    """The deterministic train/held-out split of evaluation questions (by a hash of the question id): the ranker
    is trained on the rest and reported on these."""
    h = int(hashlib.blake2b(str(question_id).encode(), digest_size=8).hexdigest(), 16)
    return (h % 10_000) < fraction * 10_000


def _rr(rank: int | None) -> float:
    return 0.0 if not rank else 1.0 / math.log2(1 + rank)


def local_idf_coverage(hits: Sequence[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, from its per-concept mentions (one row per candidate, 1 = mentioned): the share of the
    concepts it mentions, each weighted by log((n + 1) / (df + 1)) with df the number of the n candidates that
    mention the concept (a question-local IDF: no corpus statistics needed, and a word of the question's phrasing
    that most candidates share weighs little), and whether it mentions the rarest concept some candidate
    mentions. Zeros when the question has no concepts."""
    n = len(hits)
    width = max((len(h) for h in hits), default=0)
    if not n or not width:
        return np.zeros(n), np.zeros(n)
    H = np.array([list(h) + [0] * (width - len(h)) for h in hits], dtype=np.float64)
    df = H.sum(axis=0)
    idf = np.log((n + 1) / (df + 1))
    cov = H @ idf / max(float(idf.sum()), 1e-12)
    seen = np.where(df > 0, df, np.inf)
    rare = H[:, int(np.argmin(seen))] if np.isfinite(seen.min()) else np.zeros(n)
    return cov, rare


def _per_document_max(values: np.ndarray, docs: Sequence[str]) -> np.ndarray:
    best: dict[str, float] = {}
    for d, v in zip(docs, values):
        if d not in best or v > best[d]:
            best[d] = float(v)
    return np.array([best[d] for d in docs])


def feature_matrix(cands: Sequence[CandidateInfo], rrf_k: int = 60, long: bool = False) -> np.ndarray:
    """(n, len(FEATURES)) float64 matrix, columns in FEATURES order. `long`: the question is long and wordy
    (`query.is_long`), which switches on the long_* interaction features."""
    n = len(cands)
    X = np.zeros((n, len(FEATURES)))
    if not n:
        return X
    best_bm25 = max((c.bm25 for c in cands if c.bm25 is not None), default=0.0) or 1.0
    best_cos = max((c.cosine for c in cands if c.cosine is not None), default=0.0)
    rrf_max = 2.0 / (rrf_k + 1)
    coss = np.array([c.cosine for c in cands if c.cosine is not None])
    cos_mu, cos_sd = (float(coss.mean()), float(coss.std()) or 1.0) if len(coss) else (0.0, 1.0)
    bms = np.array([c.bm25 for c in cands if c.bm25 is not None])
    bm_mu, bm_sd = (float(bms.mean()), float(bms.std()) or 1.0) if len(bms) else (0.0, 1.0)
    lg = 1.0 if long else 0.0
    fcs = np.array([c.other_cosine for c in cands if c.other_cosine is not None])
    f_mu, f_sd = (float(fcs.mean()), float(fcs.std()) or 1.0) if len(fcs) else (cos_mu, cos_sd)
    by_rank = sorted(c.bm25 for c in cands if c.bm25 is not None)[::-1]
    bm25_conf = (by_rank[0] - by_rank[min(9, len(by_rank) - 1)]) / by_rank[0] if by_rank and by_rank[0] > 0 else 0.0
    dense_conf = min(max((float(coss.max()) - cos_mu) / cos_sd / 4.0, 0.0), 1.0) if len(coss) > 1 else 0.0
    per_doc: dict[str, int] = {}
    for c in cands:
        if c.document_id:
            per_doc[c.document_id] = per_doc.get(c.document_id, 0) + 1
    for i, c in enumerate(cands):
        rrf = (1.0 / (rrf_k + c.bm25_rank) if c.bm25_rank else 0.0) + \
              (1.0 / (rrf_k + c.dense_rank) if c.dense_rank else 0.0)
        cos = c.cosine if c.cosine is not None else 0.0
        X[i] = (
            (c.bm25 or 0.0) / best_bm25,
            _rr(c.bm25_rank),
            cos,
            cos - best_cos if c.cosine is not None else -1.0,
            _rr(c.dense_rank),
            rrf / rrf_max,
            1.0 if c.bm25_rank and c.dense_rank else 0.0,
            c.coverage,
            c.title_match,
            1.0 - c.evidence_level.rank / (_N_LEVELS - 1),
            min(max((c.year - 1990) / 40.0, 0.0), 1.0) if c.year else 0.0,
            1.0 if (c.kind == "recommendation" or _KEY_SECTION.search(c.section or "")) else 0.0,
            min(math.log1p(c.length) / math.log(3000), 1.0),
            (c.cosine - cos_mu) / cos_sd if c.cosine is not None else -3.0,
            (c.bm25 - bm_mu) / bm_sd if c.bm25 is not None else 0.0,
            lg * _rr(c.bm25_rank),
            lg * _rr(c.dense_rank),
            lg * c.coverage,
            c.kw_coverage,
            min(math.log2(per_doc.get(c.document_id, 1)) / 3.0, 1.0),
            1.0 if c.lead else 0.0,
            bm25_conf * _rr(c.bm25_rank),
            dense_conf * _rr(c.dense_rank),
            ((c.other_cosine - f_mu) / f_sd if c.other_cosine is not None else
             (c.cosine - cos_mu) / cos_sd if c.cosine is not None and not len(fcs) else -3.0),
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,     # filled below: they need every candidate's row
        )
    col = FEATURES.index
    X[:, col("idf_coverage")], X[:, col("rare_hit")] = local_idf_coverage([c.concept_hits for c in cands])
    X[:, col("idf_kw_coverage")] = local_idf_coverage([c.keyword_hits for c in cands])[0]
    docs = [c.document_id or str(i) for i, c in enumerate(cands)]
    for name in ("cos_z", "bm25_z", "idf_coverage", "rrf"):
        X[:, col("doc_" + name)] = _per_document_max(X[:, col(name)], docs)
    return X


@dataclass
class Ranker:
    """score = w . (x - mean) / std + bias over FEATURES; weights from JSON."""

    features: tuple[str, ...] = FEATURES
    weights: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))
    mean: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))
    std: np.ndarray = field(default_factory=lambda: np.ones(len(FEATURES)))
    bias: float = 0.0
    info: dict = field(default_factory=dict)
    learned: bool = False

    @classmethod
    def rrf_only(cls) -> "Ranker":
        w = np.zeros(len(FEATURES))
        w[FEATURES.index("rrf")] = 1.0
        return cls(weights=w, info={"model": "reciprocal rank fusion (no learned weights)"})

    @classmethod
    def load(cls, path: Path | None = None) -> "Ranker":
        path = path or WEIGHTS_PATH
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            return cls.rrf_only()
        names = tuple(data.get("features", ()))
        w = dict(zip(names, data.get("weights", ())))
        mu = dict(zip(names, data.get("mean", ())))
        sd = dict(zip(names, data.get("std", ())))
        # features unknown to the file get weight 0 (older weights keep working)
        return cls(weights=np.array([w.get(f, 0.0) for f in FEATURES]),
                   mean=np.array([mu.get(f, 0.0) for f in FEATURES]),
                   std=np.array([sd.get(f, 1.0) or 1.0 for f in FEATURES]),
                   bias=float(data.get("bias", 0.0)), info={k: v for k, v in data.items()
                                                           if k not in ("weights", "mean", "std", "features")},
                   learned=True)

    def score(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.zeros(0)
        return ((X - self.mean) / self.std) @ self.weights + self.bias

    def to_json(self) -> dict:
        return {"features": list(self.features), "weights": [round(float(x), 6) for x in self.weights],
                "mean": [round(float(x), 6) for x in self.mean], "std": [round(float(x), 6) for x in self.std],
                "bias": round(self.bias, 6), **self.info}


def train_pairwise(groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = 1e-3, epochs: int = 400,
                   lr: float = 0.05, max_pairs: int = 400, seed: int = 0,
                   group_weights: Sequence[float] | None = None) -> Ranker:
    """Fit a linear RankNet: for each question (X, relevance grades), every pair of candidates with different
    grades should score the higher grade higher (binary labels: relevant above non-relevant). Each question
    weighs the same, times its `group_weights` entry (e.g. 1 / questions of its style, so every style counts
    alike). Features constant over the data get weight 0. Full-batch Adam."""
    rng = np.random.default_rng(seed)
    allX = np.concatenate([X for X, _ in groups])
    mean, std = allX.mean(axis=0), allX.std(axis=0)
    usable = std > 1e-9
    std = np.where(usable, std, 1.0)
    gw = list(group_weights) if group_weights is not None else [1.0] * len(groups)
    diffs = []
    for (X, y), weight in zip(groups, gw):
        Z = (X - mean) / std
        y = np.asarray(y, dtype=float)
        if len(y) < 2 or y.max() <= 0 or y.max() == y.min():
            continue
        pi, ni = np.meshgrid(np.arange(len(y)), np.arange(len(y)), indexing="ij")
        keep = y[pi] > y[ni]
        pi, ni = pi[keep], ni[keep]
        if len(pi) > max_pairs:
            pick = rng.choice(len(pi), max_pairs, replace=False)
            pi, ni = pi[pick], ni[pick]
        d = Z[pi] - Z[ni]
        diffs.append((d, np.full(len(d), weight / len(d))))
    D = np.concatenate([d for d, _ in diffs])
    qw = np.concatenate([w for _, w in diffs])
    qw = qw / qw.sum()
    w = np.zeros(D.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, epochs + 1):
        s = D @ w
        p = 1.0 / (1.0 + np.exp(np.clip(s, -30, 30)))          # d loss / d s of log(1 + exp(-s)) = -p
        g = -(D * (qw * p)[:, None]).sum(axis=0) + l2 * w
        g[~usable] = 0.0
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    w[~usable] = 0.0
    return Ranker(weights=w, mean=np.where(usable, mean, 0.0), std=std, learned=True,
                  info={"model": "linear RankNet on standardised features"})
