"""Learned relevance of evidence units to a question: a logistic model over answer/features.py.

The weights and the answer/abstain threshold ship in `curbside/data/relevance_weights.json`, written by
`scripts/train_relevance.py` (one command; the training split and measured figures are recorded in the file).
Scoring is a dot product per unit: no model runtime, no network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from curbside.answer.features import _STUDIES as STUDIES_ASKED
from curbside.answer.features import FEATURES, QuestionView, UnitFeatures, continues_lead_in, featurize
from curbside.corpus.models import EvidenceLevel


@dataclass(frozen=True)
class RelevanceModel:
    weights: np.ndarray
    answer_threshold: float          # the best on-topic unit's probability needed to answer at all
    item_threshold: float            # a unit's probability needed to appear in the article
    about: dict

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(X @ self.weights)))


WEIGHTS_FILE = "relevance_weights.json"


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> RelevanceModel:
    if path:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    else:
        data = json.loads(resources.files("curbside").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8"))
    names = data["features"]
    w = np.array([data["weights"].get(n, 0.0) for n in FEATURES], dtype=np.float32)
    missing = [n for n in FEATURES if n not in names]
    about = dict(data.get("about", {}), missing_features=missing)
    return RelevanceModel(w, float(data["answer_threshold"]), float(data["item_threshold"]), about)


@dataclass
class Scored:
    unit: object                      # answer.units.Unit
    features: UnitFeatures
    prob: float

    @property
    def role(self):
        return self.features.role

    studies_asked: bool = False       # the question asks about trials/studies: study plans are evidence then
    document_answers: bool = False    # its document holds a unit that may answer the question on its own

    @property
    def usable(self) -> bool:
        """Can appear in an article for this question at all: about its head concept (itself, or a unit of a
        document that answers the question: a burns guideline's fluid line need not repeat the formula's name), not
        about another population, and not plan/meta text (study plans count when the question asks what is being
        studied)."""
        f = self.features
        registry = self.unit.document.evidence_level is EvidenceLevel.TRIAL_REGISTRY
        return (f.on_topic or self.document_answers) and f.population_ok \
            and (not (f.role.meta or registry) or self.studies_asked)

    @property
    def can_lead(self) -> bool:
        """Can answer the question on its own: about the head concept itself (not only through its document),
        usable, about the question's population when it names one, not one patient's course (a case narrative
        that names the disease is no answer to how it is treated), and not the second half of a sentence whose
        subject is its lead-in ("Is more likely than erythema migrans to be hot, itchy or painful")."""
        return self.features.on_topic and self.usable and self.features.population_covered \
            and not self.features.role.case and not continues_lead_in(self.unit.display)


def score_units(parsed, units: list, passage_scores: dict[str, float],
                model: RelevanceModel | None = None) -> list[Scored]:
    """Units with their probability of answering the question, best first."""
    model = model or load_model()
    feats = featurize(QuestionView.of(parsed), units, passage_scores)
    if not feats:
        return []
    probs = model.probabilities(np.stack([f.x for f in feats]))
    studies = bool(STUDIES_ASKED.search(parsed.text))
    out = [Scored(u, f, float(p), studies) for u, f, p in zip(units, feats, probs)]
    answering = {s.unit.document.id for s in out if s.prob >= model.answer_threshold and s.can_lead}
    for s in out:
        s.document_answers = s.unit.document.id in answering
    out.sort(key=lambda s: -s.prob)
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1.0,
                 iterations: int = 50, nonpositive: tuple[int, ...] = ()) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (the bias, column 0, is not penalised). Columns in
    `nonpositive` may only lower the probability: a weight the data would make positive is held at 0 (an active
    set: the column leaves the Newton step while its gradient pushes it up)."""
    n, d = X.shape
    sw = np.ones(n) if sample_weight is None else sample_weight
    w = np.zeros(d)
    reg = np.full(d, l2)
    reg[0] = 0.0
    bounded = np.zeros(d, dtype=bool)
    bounded[list(nonpositive)] = True
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        g = X.T @ (sw * (p - y)) + reg * w
        free = ~(bounded & (w >= 0) & (g < 0))      # a column at its bound and pushed up stays at 0
        Xf = X[:, free]
        H = (Xf * (sw * p * (1 - p))[:, None]).T @ Xf + np.diag(reg[free]) + 1e-6 * np.eye(free.sum())
        step = np.zeros(d)
        step[free] = np.linalg.solve(H, g[free])
        w -= step
        over = bounded & (w > 0)
        w[over] = 0.0
        if np.abs(step).max() < 1e-6 and not over.any():
            break
    return w
