"""Ranking metrics over document ids: binary relevance (a set of ids) or graded relevance (id -> grade).

Graded nDCG uses the exponential gain 2^grade - 1 (Burges et al. 2005; with grades 0/1 it is binary nDCG), and
the ideal ranking is every judged document sorted by grade. Recall and MRR count a document as relevant when its
grade is above 0.
"""

from __future__ import annotations

import math
from typing import Mapping, Union

Relevance = Union[set, frozenset, Mapping[str, float]]


def dedupe(ranked: list[str]) -> list[str]:
    return list(dict.fromkeys(ranked))


def grades_of(relevant: Relevance) -> dict[str, float]:
    """id -> grade (a set means grade 1 for each member); grades <= 0 are dropped."""
    if isinstance(relevant, Mapping):
        return {str(k): float(v) for k, v in relevant.items() if float(v) > 0}
    return {str(k): 1.0 for k in relevant}


def recall_at(ranked: list[str], relevant: Relevance, k: int) -> float:
    rel = set(grades_of(relevant)) if isinstance(relevant, Mapping) else relevant
    return len(set(ranked[:k]) & rel) / len(rel) if rel else 0.0


def ndcg_at(ranked: list[str], relevant: Relevance, k: int) -> float:
    g = grades_of(relevant)
    if not g:
        return 0.0
    dcg = sum((2.0 ** g[d] - 1.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in g)
    ideal = sum((2.0 ** x - 1.0) / math.log2(i + 2) for i, x in enumerate(sorted(g.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def mrr_at(ranked: list[str], relevant: Relevance, k: int) -> float:
    rel = set(grades_of(relevant)) if isinstance(relevant, Mapping) else relevant
    for i, d in enumerate(ranked[:k]):
        if d in rel:
            return 1.0 / (i + 1)
    return 0.0
