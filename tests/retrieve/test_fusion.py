"""Reciprocal rank fusion and MMR diversification."""

from __future__ import annotations

import numpy as np
import pytest

from curbside.retrieve.fusion import fused_order, minmax, mmr, rank_positions, rrf


def test_rrf_scores_follow_the_formula():
    s = rrf([["a", "b", "c"], ["c", "a"]], k=60)
    assert s["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert s["b"] == pytest.approx(1 / 62)
    assert s["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_prefers_items_ranked_well_by_both():
    order = fused_order([["x", "a", "b"], ["y", "a", "b"]])
    assert order[0] == "a"                       # second in both beats first in one
    assert set(order) == {"x", "y", "a", "b"}


def test_rrf_weights_and_duplicates():
    s = rrf([["a", "a", "b"], ["b"]], k=10, weights=[2.0, 1.0])
    assert s["a"] == pytest.approx(2 / 11)       # the repeat of "a" counts once
    assert s["b"] == pytest.approx(2 / 13 + 1 / 11)
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])


def test_rrf_empty_and_single():
    assert rrf([]) == {}
    assert fused_order([["a", "b"]]) == ["a", "b"]
    assert rank_positions(["a", "b", "a"]) == {"a": 1, "b": 2}


def test_minmax():
    assert list(minmax([1.0, 3.0, 2.0])) == [0.0, 1.0, 0.5]
    assert list(minmax([5.0, 5.0])) == [0.0, 0.0]


def test_mmr_skips_near_duplicates():
    v = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    rel = [1.0, 0.99, 0.9, 0.5]
    assert mmr(rel, v, 3, lambda_=1.0) == [0, 1, 2]          # pure relevance
    assert mmr(rel, v, 3, lambda_=0.5) == [0, 2, 3]          # the duplicate of 0 drops out


def test_mmr_caps_items_per_group_then_fills():
    rel = [0.9, 0.8, 0.7, 0.6, 0.5]
    groups = ["d1", "d1", "d1", "d2", "d1"]
    assert mmr(rel, None, 3, groups=groups, max_per_group=2) == [0, 1, 3]
    # not enough groups: capped items fill the rest, best first
    assert mmr(rel, None, 5, groups=groups, max_per_group=1) == [0, 3, 1, 2, 4]


def test_mmr_without_vectors_for_some_items():
    v = np.array([[1, 0], [1, 0], [0, 0]], dtype=np.float32)
    out = mmr([1.0, 0.9, 0.8], v, 3, lambda_=0.5, has_vector=[True, True, False])
    assert out[0] == 0 and set(out) == {0, 1, 2}
    assert mmr([], None, 5) == []


def test_mmr_min_similarity_only_pushes_near_duplicates():
    v = np.array([[1, 0], [0.8, 0.6], [1, 0.01]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    rel = [1.0, 0.8, 0.9]            # item 2 is a near-copy of item 0; item 1 is related but different
    assert mmr(rel, v, 3, lambda_=1.0) == [0, 2, 1]
    # plain MMR counts the 0.8 similarity of item 1 against it more than item 2's duplication
    assert mmr(rel, v, 3, lambda_=0.5) == [0, 2, 1]
    # with a duplicate threshold only the near-copy is pushed down
    assert mmr(rel, v, 3, lambda_=0.5, min_similarity=0.95) == [0, 1, 2]
