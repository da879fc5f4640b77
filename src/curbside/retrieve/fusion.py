"""Combining rankings and diversifying results: reciprocal rank fusion and maximal marginal relevance.

Pure functions over ids, scores and vectors; no store access, so they are cheap to test.
"""

from __future__ import annotations

from typing import Hashable, Sequence, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

RRF_K = 60


def rrf(rankings: Sequence[Sequence[K]], k: int = RRF_K, weights: Sequence[float] | None = None) -> dict[K, float]:
    """Reciprocal rank fusion (Cormack et al. 2009): score(d) = sum_i w_i / (k + rank_i(d)), ranks from 1.

    Each ranking lists ids best first; an id absent from a ranking gets nothing from it. Returns id -> score;
    sort by descending score (ties keep the order of first appearance)."""
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[K, float] = {}
    for ranking, w in zip(rankings, weights):
        seen = set()
        for r, key in enumerate(ranking, 1):
            if key in seen:       # a repeated id counts once, at its best rank
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + w / (k + r)
    return scores


def fused_order(rankings: Sequence[Sequence[K]], k: int = RRF_K, weights: Sequence[float] | None = None) -> list[K]:
    scores = rrf(rankings, k, weights)
    return sorted(scores, key=lambda d: -scores[d])


def rank_positions(ranking: Sequence[K]) -> dict[K, int]:
    """id -> 1-based rank (first occurrence)."""
    out: dict[K, int] = {}
    for r, key in enumerate(ranking, 1):
        out.setdefault(key, r)
    return out


def minmax(values: Sequence[float]) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if not len(a):
        return a
    lo, hi = float(a.min()), float(a.max())
    return np.zeros_like(a) if hi - lo < 1e-12 else (a - lo) / (hi - lo)


def mmr(relevance: Sequence[float], vectors: np.ndarray | None, top_k: int, lambda_: float = 0.8,
        groups: Sequence[Hashable] | None = None, max_per_group: int | None = None,
        has_vector: Sequence[bool] | None = None, min_similarity: float = 0.0,
        similarity: np.ndarray | None = None) -> list[int]:
    """Maximal marginal relevance: greedily pick the item maximising
    lambda * relevance - (1 - lambda) * max cosine to the items already picked.

    `relevance` is min-max scaled first, so lambda means the same whatever the score scale. `vectors` are unit
    rows (or None: no similarity penalty); similarities below `min_similarity` count as 0, so only near-duplicates
    are pushed down (on-topic passages are naturally similar to each other). `groups` (e.g. document ids) with `max_per_group` cap how many items
    one group may contribute, so one document cannot fill the list; capped items come after all others.
    `similarity` (n x n) may be given instead of `vectors` (e.g. precomputed for evaluation).
    Returns indexes into the inputs, in selection order."""
    n = len(relevance)
    if n == 0 or top_k <= 0:
        return []
    rel = minmax(relevance)
    sim = None
    if (vectors is not None or similarity is not None) and lambda_ < 1.0:
        if similarity is not None:
            sim = np.array(similarity, dtype=np.float32)
        else:
            v = np.asarray(vectors, dtype=np.float32)
            sim = np.einsum("ik,jk->ij", v, v)   # single-threaded; small BLAS calls stall on a busy machine
        if min_similarity > 0.0:
            sim = np.where(sim >= min_similarity, sim, 0.0)
        if has_vector is not None:      # items without a vector are not similar to anything
            hv = np.asarray(has_vector, dtype=bool)
            sim[~hv, :] = 0.0
            sim[:, ~hv] = 0.0
    picked: list[int] = []
    per_group: dict = {}
    max_sim = np.zeros(n)
    available = np.ones(n, dtype=bool)
    deferred: list[int] = []
    want = min(top_k, n)
    while len(picked) < want and available.any():
        score = lambda_ * rel - (1.0 - lambda_) * max_sim if sim is not None else rel.copy()
        score = np.where(available, score, -np.inf)
        i = int(np.argmax(score))
        available[i] = False
        if groups is not None and max_per_group is not None:
            g = groups[i]
            if per_group.get(g, 0) >= max_per_group:
                deferred.append(i)
                continue
            per_group[g] = per_group.get(g, 0) + 1
        picked.append(i)
        if sim is not None:
            max_sim = np.maximum(max_sim, sim[i])
    if len(picked) < want:  # not enough distinct groups: fill with the capped items, best first
        picked.extend(deferred[: want - len(picked)])
    return picked
