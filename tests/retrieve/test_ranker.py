"""The learned ranker: feature computation, weights file, training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from curbside.corpus.models import EvidenceLevel
from curbside.retrieve.ranker import FEATURES, WEIGHTS_PATH, CandidateInfo, Ranker, feature_matrix, train_pairwise


def col(X, name):
    return X[:, FEATURES.index(name)]


def test_features_from_both_rankings():
    cands = [
        CandidateInfo(bm25=10.0, bm25_rank=1, cosine=0.5, dense_rank=3, coverage=1.0, title_match=0.5,
                      evidence_level=EvidenceLevel.GUIDELINE, year=2020, section="Recommendations", length=800),
        CandidateInfo(bm25=5.0, bm25_rank=2, cosine=None, dense_rank=None, coverage=0.5),
        CandidateInfo(bm25=None, bm25_rank=None, cosine=0.7, dense_rank=1, section="Methods", length=50),
    ]
    X = feature_matrix(cands)
    assert X.shape == (3, len(FEATURES))
    assert list(col(X, "bm25")) == [1.0, 0.5, 0.0]
    assert col(X, "bm25_rr")[0] == 1.0 and col(X, "bm25_rr")[2] == 0.0
    assert col(X, "dense_rr")[2] == 1.0 and col(X, "dense_rr")[1] == 0.0
    assert col(X, "cosine")[1] == 0.0 and col(X, "cos_gap")[1] == -1.0     # no vector
    assert col(X, "cos_gap")[2] == 0.0 and col(X, "cos_gap")[0] == pytest.approx(-0.2)
    assert list(col(X, "both")) == [1.0, 0.0, 0.0]
    assert col(X, "rrf")[0] > col(X, "rrf")[1] > 0.0
    assert col(X, "evidence")[0] == 1.0 and col(X, "evidence")[1] == 0.0   # guideline vs unclassified
    assert col(X, "recency")[0] == 0.75 and col(X, "recency")[1] == 0.0
    assert list(col(X, "key_section")) == [1.0, 0.0, 0.0]
    assert list(col(X, "coverage")) == [1.0, 0.5, 0.0] and col(X, "title_match")[0] == 0.5
    assert 0 < col(X, "length")[2] < col(X, "length")[0] <= 1.0
    assert feature_matrix([]).shape == (0, len(FEATURES))


def test_rrf_only_ranker_orders_by_fusion():
    r = Ranker.rrf_only()
    X = feature_matrix([CandidateInfo(bm25=1, bm25_rank=5, cosine=0.1, dense_rank=9),
                        CandidateInfo(bm25=2, bm25_rank=1, cosine=0.9, dense_rank=1)])
    s = r.score(X)
    assert s[1] > s[0] and not r.learned


def test_shipped_weights_load_and_are_small():
    assert WEIGHTS_PATH.exists()
    assert WEIGHTS_PATH.stat().st_size < 8 * 1024
    r = Ranker.load()
    assert r.learned and r.weights.shape == (len(FEATURES),)
    data = json.loads(WEIGHTS_PATH.read_text())
    assert set(data["features"]) <= set(FEATURES)
    # more lexical and more semantic agreement must both help
    assert r.weights[FEATURES.index("cosine")] > 0 or r.weights[FEATURES.index("dense_rr")] > 0
    assert r.weights[FEATURES.index("bm25")] > 0 or r.weights[FEATURES.index("bm25_rr")] > 0


def test_missing_or_bad_weights_fall_back_to_rrf(tmp_path):
    assert not Ranker.load(tmp_path / "none.json").learned
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not Ranker.load(bad).learned
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"features": ["cosine", "unknown"], "weights": [2.0, 5.0], "mean": [0, 0],
                                   "std": [1, 1], "bias": 0}))
    r = Ranker.load(partial)
    assert r.weights[FEATURES.index("cosine")] == 2.0 and r.weights.sum() == 2.0


def test_training_learns_the_informative_feature():
    rng = np.random.default_rng(1)
    groups = []
    for _ in range(40):
        X = rng.random((30, len(FEATURES)))
        X[:, FEATURES.index("evidence")] = 0.5             # constant: must get weight 0
        y = (X[:, FEATURES.index("cosine")] > 0.8).astype(float)
        groups.append((X, y))
    r = train_pairwise(groups, epochs=200)
    w = dict(zip(FEATURES, r.weights))
    assert w["cosine"] > 1.0
    assert w["evidence"] == 0.0
    assert max(abs(v) for k, v in w.items() if k != "cosine") < w["cosine"] / 3
    X, y = groups[0]
    s = r.score(X)
    assert s[y > 0].min() > np.median(s[y == 0])
