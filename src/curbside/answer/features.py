"""Features of a (question, evidence unit) pair for the learned relevance model (answer/relevance.py).

Every feature is general: how much of the question the unit (or its heading path, or its document title) covers,
whether it is about the question's head concept, how it matches what kind of answer the question wants (a dose, a
criterion, a recommendation), its role and polarity (answer/roles.py), and how its passage ranked. Weights are
learned by `scripts/train_relevance.py`; nothing here is tuned by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from curbside.answer.candidates import (TYPE_CUES, asks_symptoms, concept_weights, document_meaning,
                                        expansion_shorts, head_indices, local_meaning, weighted_coverage)
from curbside.answer.roles import (Role, asks_acute, asks_against, classify, population_conflict,
                                   question_populations)
from curbside.corpus.models import EvidenceLevel
from curbside.retrieve.query import ParsedQuestion, sentence_terms
from curbside.retrieve.search import concept_coverage

FEATURES = (
    "bias", "cov_unit", "cov_context", "head_unit", "head_context", "idf_overlap", "type_cue", "dose_for_dosing",
    "number", "recommendation", "guideline", "against", "against_when_asked", "list_item", "table_row",
    "passage_score", "meta", "population_conflict", "population_covered", "asked_intervention", "length",
    "title_head", "registry", "risk_factor_for_treatment", "maintenance_for_acute", "criterion_for_diagnosis",
    "best_in_passage",
)

_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_STOP = frozenset("""a an the of in on for to and or with without is are was were be been being what which who whom
how when where why does do did can could should would will may might must shall this that these those it its as at
by from into than then there their they them we our you your i me my about after before between during over under
any all some most more less other such no not only own same so too very s t just per vs versus patient patients
recommended recommendation treatment therapy first line use used using""".split())


def _tokens(text: str) -> list[str]:
    return [w.rstrip("s") if len(w) > 4 else w for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass
class QuestionView:
    """What the features need to know about a question, computed once per question."""

    parsed: ParsedQuestion
    terms: list[set[str]]
    weights: list[float]
    heads: list[int]
    expansions: list
    type_re: re.Pattern[str] | None
    populations: frozenset[str]
    clinical_population_terms: list[set[str]]
    interventions: set[str]
    acute: bool
    against_q: bool
    tokens: list[str]

    @classmethod
    def of(cls, parsed: ParsedQuestion) -> "QuestionView":
        terms = sentence_terms(parsed)
        qtype = parsed.question_type
        type_re = TYPE_CUES["symptoms"] if asks_symptoms(parsed) else TYPE_CUES.get(qtype)
        weights = concept_weights(parsed)
        clinical_pops = [t for c, t, w in zip(parsed.concepts, terms, weights) if c.kind == "population" and w == 1.0]
        return cls(parsed=parsed, terms=terms, weights=weights,
                   heads=[i for i in head_indices(parsed) if i < len(terms)], expansions=expansion_shorts(parsed),
                   type_re=type_re, populations=question_populations(parsed.text),
                   clinical_population_terms=clinical_pops,
                   interventions={i.lower() for i in parsed.intervention}, acute=asks_acute(parsed.text),
                   against_q=asks_against(parsed.text), tokens=list(dict.fromkeys(_tokens(parsed.text))))


@dataclass
class UnitFeatures:
    x: np.ndarray
    role: Role
    on_topic: bool            # about the head concept (in the unit, its subject, heading path or title)
    population_ok: bool       # no age-group conflict, and the question's clinical population is covered
    coverage: float


def featurize(view: QuestionView, units: list, passage_scores: dict[str, float]) -> list[UnitFeatures]:
    """Features for every unit of a candidate pool (IDF is computed over the pool itself)."""
    if not units:
        return []
    blobs: dict[str, list[str]] = {}
    for u in units:
        blobs.setdefault(u.document.id, [u.document.title]).append(u.display)
    doc_terms = {d: document_meaning(view.terms, view.expansions, " ".join(p).lower()) for d, p in blobs.items()}
    unit_tokens = [set(_tokens(f"{u.display} {u.subject}")) for u in units]
    n = len(units)
    df: dict[str, int] = {}
    for toks in unit_tokens:
        for t in toks:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in view.tokens}
    idf_total = sum(idf.values()) or 1.0
    top = max(passage_scores.values(), default=1.0) or 1.0
    qtype = view.parsed.question_type
    out: list[UnitFeatures] = []
    for u, toks in zip(units, unit_tokens):
        terms = local_meaning(doc_terms[u.document.id], u.passage.text)
        heads = [terms[i] for i in view.heads]
        own = f"{u.display} {u.subject}"
        ctx = f"{own} {u.context_text} {u.document.title}"
        head_unit = all(concept_coverage(own, [h]) > 0 for h in heads) if heads else True
        head_ctx = all(concept_coverage(ctx, [h]) > 0 for h in heads) if heads else True
        title_head = all(concept_coverage(u.document.title, [h]) > 0 for h in heads) if heads else False
        role = classify(u.display, u.context_text)
        pop_conflict = population_conflict(view.populations, role.populations)
        pop_cov = all(concept_coverage(ctx, [t]) > 0 for t in view.clinical_population_terms)
        low = own.lower()
        cov_unit = weighted_coverage(own, terms, view.weights)
        level = u.document.evidence_level
        x = np.array([
            1.0, cov_unit, weighted_coverage(ctx, terms, view.weights), float(head_unit), float(head_ctx),
            sum(idf[t] for t in view.tokens if t in toks) / idf_total,
            float(bool(view.type_re and view.type_re.search(u.display))),
            float(qtype == "dosing" and role.has_dose), float(bool(re.search(r"\d", u.display))),
            float(role.role == "recommendation"), float(level is EvidenceLevel.GUIDELINE),
            float(role.polarity == "against"), float(role.polarity == "against" and view.against_q),
            float(u.kind == "list_item"), float(u.kind == "table_row"),
            passage_scores.get(u.passage.id, 0.0) / top, float(role.meta), float(pop_conflict), float(pop_cov),
            float(any(i in low for i in view.interventions)), min(len(u.display), 600) / 600.0,
            float(title_head), float(level is EvidenceLevel.TRIAL_REGISTRY),
            float(qtype in ("treatment", "prevention") and role.role == "risk_factor"),
            float(view.acute and role.maintenance),
            float(qtype == "diagnosis" and role.role == "diagnostic"),
            0.0,
        ], dtype=np.float32)
        out.append(UnitFeatures(x=x, role=role, on_topic=head_ctx, population_ok=pop_cov and not pop_conflict,
                                coverage=cov_unit))
    # the best unit of its passage by coverage (passages repeat the same point in several sentences)
    best: dict[str, float] = {}
    for u, f in zip(units, out):
        best[u.passage.id] = max(best.get(u.passage.id, 0.0), f.x[1])
    for u, f in zip(units, out):
        f.x[-1] = float(f.x[1] >= best[u.passage.id] and f.x[1] > 0)
    return out
