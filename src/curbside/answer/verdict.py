"""Yes/no verdict for a yes/no question, from the evidence sentences an article selected.

``decide(question, sentences)`` returns ``VerdictResult(verdict, index, confidence)``: "yes", "no" or "unclear",
the index of the sentence that best supports the verdict, and the calibrated probability of the chosen verdict
(for "unclear": of the side the evidence leans to, which stayed below the threshold).

Three small logistic regressions in numpy (weights in ``curbside/data/verdict_weights.json``, reproduced by
``scripts/train_verdict.py`` from PubMedQA's expert-labelled items, MIT licence; see docs/verdict.md):

* every sentence gets features *with respect to the question*: no-effect / negation cues ("did not", "no
  significant", "failed to") and whether one sits near a question term, positive-effect cues, hedges, unfavourable
  assessments ("poor", "limited value"), conclusion / result / background / restated-question cues, the share of
  the question's terms it covers, whether its direction words agree with the question's ("increase" vs "decrease");
* the **sentence model** (trained on PubMedQA conclusion sentences, labelled with their item's yes/no answer)
  gives each sentence a polarity logit;
* the **question model** reads relevance-weighted aggregates of those logits (weights from rank, question coverage
  and the given scores) and gives P(yes), Platt-calibrated on out-of-fold predictions;
* the **finding model** (results and decided conclusions vs background, aims and undecided conclusions) says
  whether any on-topic sentence states a finding at all.

The verdict is "unclear" when the calibrated probability of the winning side is below the threshold chosen on
held-out (out-of-fold) data, or when no sentence about the question reads as a finding (restated questions,
hedges, off-topic evidence). The supporting sentence is the one whose own polarity pushes hardest toward the
verdict, weighted by relevance. A question phrased negatively ("Is X not ...?") has its verdict flipped.

Runtime needs numpy only: nothing is downloaded, no torch. The weights file may also hold an "embed" model (adds
the MiniLM question-sentence cosine); the training script ships it only when it beats the features-only model in
cross-validation, and decide() falls back to the features-only model whenever the embedder is missing or fails.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

YES, NO, UNCLEAR = "yes", "no", "unclear"


@dataclass(frozen=True)
class VerdictResult:
    verdict: str            # "yes" | "no" | "unclear"
    index: int | None       # which of the given sentences best supports the verdict (None: unclear, no support)
    confidence: float       # calibrated probability of the chosen verdict


# ---------------------------------------------------------------- question type

_AUX = (r"is|are|was|were|am|does|do|did|can|could|should|shall|has|have|had|will|would|may|might|must|"
        r"isn't|aren't|doesn't|don't|didn't|can't|cannot|shouldn't|hasn't|haven't|wasn't|weren't")
_YN_START = re.compile(rf"^\s*(?:[^,?]{{1,60}},\s*)?(?:{_AUX})\b", re.I)
_YN_TAIL = re.compile(r"\b(?:yes\s+or\s+no|true\s+or\s+false|or\s+not)\b\s*[?.]?\s*$", re.I)
_WH = re.compile(r"^\s*(?:what|which|who|whom|whose|where|when|why|how|list|name|describe|give|explain|summari[sz]e)\b",
                 re.I)
# "Is X inherited as a dominant or recessive trait?", "Is fingolimod a drug or a pro-drug?": one "or" between two
# single words is a choice between alternatives, not a yes/no question
_CHOICE = re.compile(r"\b(?![A-Z0-9-]+\s)[\w-]*[a-z][\w-]*\s+or\s+(?:an?\s+|the\s+)?[\w-]*[a-z][\w-]*\b")
_ASK_TO = re.compile(r"^\s*(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:summari[sz]e|describe|list|explain|name|give|"
                     r"tell|provide|outline|define)\b", re.I)


def is_yes_no(question: str) -> bool:
    """Whether the question asks for a yes/no answer: it opens with an auxiliary verb ("Is/Are/Does/Do/Can/
    Should/Has/Was ...", optionally after a short leading phrase "In adults with sepsis, does ..."), or ends
    "yes or no?". A choice between two named alternatives ("... dominant or recessive?") is not yes/no."""
    q = (question or "").strip()
    if not q:
        return False
    if _YN_TAIL.search(q):
        return True
    if _WH.match(q) or _ASK_TO.match(q) or not _YN_START.match(q):
        return False
    return not (len(re.findall(r"\bor\b", q, re.I)) == 1 and _CHOICE.search(q))


# ---------------------------------------------------------------- text features

_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
_STOP = set("""a an the of in on at to for from by with without and or but if than then as is are was were be been
being am do does did done can could should shall will would may might must has have had having this that these those
there their they them it its it's we our you your he she his her not no nor yes any all some such into onto over under
about between among after before during against within via per vs versus whether which what who whom when where why
how patients patient use used using effect effects affect affects role associated association human humans
treatment""".split())


@lru_cache(maxsize=65536)
def _stem(w: str) -> str:
    for suf in ("ations", "ation", "ments", "ment", "ness", "ities", "ity", "ing", "ers", "ies", "ied", "ed", "es",
                "er", "ly", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[:-len(suf)][:7]
    return w[:7]


def content_terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def _rx(words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + words + r")\b", re.I)


# no effect / negative finding
_NOEFFECT = _rx(
    r"no (?:statistically )?significant|not (?:statistically )?significant(?:ly)?|non-?significant(?:ly)?|"
    r"did not|does not|do not|was not|were not|is not|are not|has not|have not|had not|could not|cannot|can ?not|"
    r"failed to|fail to|fails to|not associated|no association|no (?:clear |significant |measurable )?(?:difference|"
    r"differences|effect|effects|benefit|improvement|reduction|increase|change|changes|correlation|relationship|"
    r"impact|influence|advantage|evidence|role|link)|no longer|not (?:differ|improve|reduce|increase|affect|"
    r"influence|change|alter|prevent|predict|correlate|support|superior|effective|beneficial|useful|necessary|"
    r"required|recommended|indicated|related|linked|found|observed|detected|seen|shown|confirmed)|"
    r"ineffective|inefficacious|unaffected|unchanged|unrelated|similar|comparable|equivalent|independent of|"
    r"neither|nor|lack of|lacks|lacked|absence of|absent|none of|negative results?|disappointing|futile|"
    r"not a|not an|rather than|instead of|contrary to|refute[sd]?|no role|unable to|did ?n't|does ?n't|was ?n't|"
    # guideline phrasing of a negative answer
    r"contraindicated|avoid|avoided|should be avoided|not advised|discouraged|"
    r"(?:recommend|suggest|advise|advocate)(?:s|ed)? against|(?:is|are) no longer (?:recommended|advised|indicated)|"
    r"(?:is|are) not (?:routinely )?(?:recommended|indicated|suggested)|should not|must not|do not (?:use|give|start|"
    r"routinely)"
)
_NEG_WORD = _rx(r"not|no|never|neither|nor|without|none|cannot|n't|fail(?:s|ed)?")
# positive effect / affirmative finding
_POSEFFECT = _rx(
    r"significant(?:ly)?|improve[sd]?|improvement|reduce[sd]?|reduction|decrease[sd]?|increase[sd]?|"
    r"lower(?:ed)?|higher|enhance[sd]?|prevent(?:s|ed)?|effective(?:ly|ness)?|efficacy|efficacious|superior|"
    r"benefit(?:s|ed)?|beneficial|associated with|correlated with|correlates? with|predict(?:s|ed|ive)?|"
    r"risk factor|is a|are a|was a|play[s]? a (?:key |crucial |critical |major |central |important )?role|"
    r"causes?|caused|induce[sd]?|mediate[sd]?|promote[sd]?|inhibit(?:s|ed)?|activate[sd]?|regulate[sd]?|"
    r"safe|safely|feasible|useful|valuable|accurate|reliable|sensitive|recommended|approved|indicated|"
    r"demonstrate[sd]?|show(?:s|ed|n)?|confirm(?:s|ed)?|support(?:s|ed)?|found|identified|revealed|"
    r"is associated|are associated|was associated|were associated|linked to|contributes? to|leads? to|result(?:s|ed)? in|"
    r"responsible for|required for|essential for|involved in|resulted|achieved|successful(?:ly)?|"
    r"can be|could be used|should be|is effective|are effective|yes|indeed|particularly|strongly|"
    # guideline phrasing of a positive answer
    r"first-line|preferred|is suggested|are suggested|(?:is|are) (?:strongly )?recommended|should be (?:used|given|"
    r"offered|started|considered)|may be considered|is reasonable|is appropriate"
)
_HEDGE = _rx(
    r"may|might|could|possibly|possible|perhaps|potential(?:ly)?|unclear|uncertain|unknown|not known|"
    r"remains? to be|remain(?:s|ed)? (?:unclear|controversial|uncertain|unknown|to be)|controversial|conflicting|"
    r"inconsistent|inconclusive|mixed|further (?:studies|study|research|investigation|trials|work|evaluation)|"
    r"larger (?:studies|trials)|warrant(?:s|ed)?|limited (?:evidence|data)|insufficient|suggest(?:s|ed|ing)?|"
    r"appear(?:s|ed)? to|seem(?:s|ed)? to|likely|unlikely|tend(?:s|ed)? to|trend|debate[d]?|questionable|"
    r"preliminary|needs? to be|should be (?:confirmed|investigated|evaluated)"
)
_QUESTIONLIKE = _rx(
    r"whether|is unknown|are unknown|remains unknown|not been|has not been|have not been|little is known|"
    r"aim(?:s|ed)?|objective|purpose|we (?:investigated|evaluated|examined|assessed|studied|sought|hypothesi[sz]ed|"
    r"compared|analy[sz]ed|determined|aimed)|to (?:determine|evaluate|assess|investigate|examine|compare|test|explore)|"
    r"this study|the present study|in this study|hypothesis|question"
)
_CONCLUSION = _rx(
    r"conclusions?|in conclusion|we conclude|concluded|in summary|overall|taken together|these (?:results|findings|"
    r"data|observations)|our (?:results|findings|data|study)|this study (?:shows|showed|demonstrates|demonstrated|"
    r"suggests|indicates|confirms|provides)|(?:suggest|indicate|demonstrate|show|confirm|reveal)(?:s|ed)? that|"
    r"therefore|thus|hence"
)
_RESULT = re.compile(r"(?:\bp\s*[<=>≤]\s*0?\.\d|\b95\s*%|\bCI\b|\b(?:OR|HR|RR|AUC)\b|\d+(?:\.\d+)?\s*%|\bn\s*=\s*\d)", re.I)
_BACKGROUND = _rx(r"background|introduction|is a common|is one of|are common|is characterized|has been|have been "
                  r"(?:reported|proposed|suggested|shown)|previous(?:ly)?|recent(?:ly)?")
_SUPERLATIVE_NEG = _rx(r"worse|poor(?:er|ly)?|inferior|detrimental|harmful|adverse|unfavou?rable|impaired?|little|"
                      r"limited (?:value|role|benefit|utility|use)|insufficient|inadequate|disappointing|unreliable|"
                      r"low (?:agreement|accuracy|sensitivity|specificity|yield|value)|overestimat\w*|underestimat\w*|"
                      r"not living up|not justified|unnecessary|not necessary|not needed|not required|not recommended|"
                      r"should not|need not|does not support|do not support|no need")
_INC = _rx(r"increase[sd]?|increasing|higher|elevat(?:e|ed|es|ion)|rais(?:e|ed|es)|more|greater|enhanc(?:e|ed|es)|"
           r"up-?regulat\w*|gain|promot\w*|improv\w*|better|longer|prolong\w*|accelerat\w*|activat\w*|induc\w*|"
           r"overexpress\w*|amplif\w*")
_DEC = _rx(r"decrease[sd]?|decreasing|lower(?:ed)?|reduc\w*|diminish\w*|less|fewer|smaller|declin\w*|down-?regulat\w*|"
           r"loss|inhibit\w*|suppress\w*|attenuat\w*|worse|poor(?:er)?|shorter|delay\w*|impair\w*|block\w*|"
           r"deplet\w*|prevent\w*|repress\w*|silenc\w*|shorten\w*")
# a question whose claim is itself negative ("Is X not associated ...?", "Should X be avoided ...?", "Is X comparable
# to Y?"): the evidence is read for the affirmative claim and the verdict flipped
_Q_NEG = re.compile(r"\b(?:not|no|never|cannot|avoid(?:ed)?|contraindicated|similar|comparable|equivalent|"
                    r"non-?inferior|independent of|unaffected|unchanged|unrelated|ineffective|unnecessary|futile)\b|"
                    r"n't\b", re.I)

SENTENCE_FEATURES = [
    "noeffect", "neg", "poseffect", "hedge", "questionlike", "conclusion", "result", "background",
    "unfavourable", "overlap", "overlap_all", "missing", "dir_agree", "dir_conflict", "noeffect_x_overlap",
    "pos_x_overlap", "concl_x_noeffect", "concl_x_pos", "hedge_x_noeffect", "len", "noeffect_near", "pos_near",
    "cos",
]
N_SF = len(SENTENCE_FEATURES)


def _count(rx: re.Pattern[str], s: str, cap: float = 3.0) -> float:
    return min(float(len(rx.findall(s))), cap)


def _near(rx: re.Pattern[str], low: str, q_positions: list[int], window: int = 50, cap: float = 3.0) -> float:
    """Cue matches with a question term within `window` characters: the cue is about what was asked."""
    n = 0
    for m in rx.finditer(low):
        lo, hi = m.start() - window, m.end() + window
        if any(lo <= p <= hi for p in q_positions):
            n += 1
            if n >= cap:
                break
    return min(float(n), cap)


def _direction(text: str) -> int:
    inc, dec = len(_INC.findall(text)), len(_DEC.findall(text))
    return (inc > dec) - (dec > inc)


@dataclass
class _Question:
    text: str
    terms: set[str]
    direction: int
    negated: bool


def _parse_question(question: str) -> _Question:
    q = question.strip()
    body = re.sub(rf"^\s*(?:{_AUX})\b", "", q, flags=re.I)
    body = re.sub(r",?\s*(?:yes or no|true or false)\s*\??\s*$", "", body, flags=re.I)
    return _Question(q, content_terms(body), _direction(body), bool(_Q_NEG.search(body)))


def sentence_features(q: _Question, sentence: str, cos: float | None = None) -> np.ndarray:
    s = sentence.strip()
    low = s.lower()
    q_positions: list[int] = []
    terms: set[str] = set()
    for m in _WORD.finditer(low):
        w = m.group()
        if w in _STOP or len(w) < 2:
            continue
        t = _stem(w)
        terms.add(t)
        if t in q.terms:
            q_positions.append(m.start())
    ov = len(q.terms & terms) / max(1, len(q.terms))
    ov_all = float(ov >= 0.999)
    missing = 1.0 - ov
    noeff = _count(_NOEFFECT, low)
    pos = _count(_POSEFFECT, low, 4.0)
    hedge = _count(_HEDGE, low)
    concl = min(_count(_CONCLUSION, low), 1.0)
    sdir = _direction(low)
    agree = float(q.direction != 0 and sdir == q.direction)
    conflict = float(q.direction != 0 and sdir == -q.direction)
    f = np.array([
        noeff,
        _count(_NEG_WORD, low),
        pos,
        hedge,
        min(_count(_QUESTIONLIKE, low), 1.0),
        concl,
        min(_count(_RESULT, s), 1.0),
        min(_count(_BACKGROUND, low), 1.0),
        min(_count(_SUPERLATIVE_NEG, low), 1.0),
        ov,
        ov_all,
        missing,
        agree,
        conflict,
        noeff * ov,
        pos * ov,
        concl * noeff,
        concl * pos,
        hedge * min(noeff, 1.0),
        min(len(s) / 200.0, 2.0),
        _near(_NOEFFECT, low, q_positions),
        _near(_POSEFFECT, low, q_positions, cap=4.0),
        0.0 if cos is None else float(cos),
    ], dtype=np.float64)
    return f


def relevance_weights(feats: np.ndarray, scores: Sequence[float] | None, use_cos: bool) -> np.ndarray:
    """Pooling weights of the sentences (sum 1): best-first rank, question coverage, cosine, given scores."""
    n = feats.shape[0]
    rank = 1.0 / np.sqrt(1.0 + np.arange(n))
    rel = 0.25 + feats[:, SENTENCE_FEATURES.index("overlap")]
    if use_cos:
        rel = rel + np.clip(feats[:, SENTENCE_FEATURES.index("cos")], 0.0, 1.0)
    w = rank * rel
    if scores is not None and len(scores) == n:
        sc = np.asarray(scores, dtype=np.float64)
        if np.all(np.isfinite(sc)) and sc.max() > sc.min():
            w = w * (0.5 + (sc - sc.min()) / (sc.max() - sc.min()))
    total = w.sum()
    return w / total if total > 0 else np.full(n, 1.0 / max(n, 1))


POOLED = ["mean:" + f for f in SENTENCE_FEATURES] + ["max:" + f for f in (
    "noeffect_x_overlap", "pos_x_overlap", "concl_x_noeffect", "concl_x_pos", "hedge", "dir_conflict",
    "unfavourable", "noeffect_near", "pos_near")] + ["q_direction", "q_negated", "n_sentences"]
# aggregates of the sentence-level polarity model (trained on conclusion sentences) over the given sentences
STACKED = ["s:weighted_mean", "s:min", "s:max", "s:top3_mean", "s:weighted_neg", "s:weighted_pos", "s:conclusion_mean",
           "s:finding_mean", "s:finding_extreme"]
FEATURES = POOLED + STACKED


def pooled_features(q: _Question, feats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mean = weights @ feats
    idx = [SENTENCE_FEATURES.index(n.split(":", 1)[1]) for n in POOLED if n.startswith("max:")]
    # max over sentences, damped by each sentence's weight relative to the heaviest one
    rel = weights / max(weights.max(), 1e-12)
    mx = (feats[:, idx] * rel[:, None]).max(axis=0)
    extra = np.array([abs(q.direction), float(q.negated), min(feats.shape[0], 20) / 20.0])
    return np.concatenate([mean, mx, extra])


def stacked_features(z: np.ndarray, feats: np.ndarray, weights: np.ndarray, pf: np.ndarray) -> np.ndarray:
    """z: each sentence's logit under the sentence-level polarity model (positive: reads as 'yes');
    pf: each sentence's probability of stating a finding."""
    concl = feats[:, SENTENCE_FEATURES.index("conclusion")]
    fw = weights * pf
    fmean = (fw @ z) / fw.sum() if fw.sum() > 1e-9 else weights @ z
    return np.array([
        weights @ z, z.min(), z.max(), z[:3].mean(),
        weights @ np.minimum(z, 0.0), weights @ np.maximum(z, 0.0),
        (concl @ z) / concl.sum() if concl.sum() > 0 else weights @ z,
        fmean, float(z[np.argmax(pf * np.abs(z))]),
    ])


# ---------------------------------------------------------------- model


@dataclass
class _Linear:
    mu: np.ndarray
    sd: np.ndarray
    w: np.ndarray
    b: float

    def z(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mu) / self.sd) @ self.w + self.b

    @classmethod
    def from_json(cls, m: dict) -> "_Linear":
        return cls(np.asarray(m["mu"], float), np.asarray(m["sd"], float), np.asarray(m["w"], float), float(m["b"]))


@dataclass
class _Model:
    sentence: _Linear        # sentence-level polarity model over SENTENCE_FEATURES
    question: _Linear        # question-level model over FEATURES
    platt_a: float
    platt_b: float
    threshold: float         # "unclear" below this calibrated probability of the winning side
    min_overlap: float       # a sentence covering less of the question's terms is not evidence about it
    finding: _Linear | None  # P(the sentence states a finding, not background/aim/uncertainty)
    min_finding: float       # "unclear" when no on-topic sentence reads as a finding at least this surely
    use_cos: bool
    columns: np.ndarray      # indices into FEATURES that the question model reads


_models: dict[str, _Model] = {}
_models_lock = threading.Lock()


def model_from_json(m: dict) -> _Model:
    return _Model(sentence=_Linear.from_json(m["sentence"]), question=_Linear.from_json(m["question"]),
                  platt_a=float(m["platt"][0]), platt_b=float(m["platt"][1]), threshold=float(m["threshold"]),
                  min_overlap=float(m.get("min_overlap", 0.0)), use_cos=bool(m.get("use_cos")),
                  finding=_Linear.from_json(m["finding"]) if m.get("finding") else None,
                  min_finding=float(m.get("min_finding", 0.0)),
                  columns=np.asarray(m.get("columns", range(len(FEATURES))), dtype=int))


def _load_models() -> dict[str, _Model]:
    with _models_lock:
        if not _models:
            raw = json.loads(resources.files("curbside").joinpath("data/verdict_weights.json").read_text("utf-8"))
            for key, m in raw["models"].items():
                _models[key] = model_from_json(m)
        return _models


def _embed(question: str, sentences: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        from curbside.retrieve import embed
        if not embed.available():
            return None
        emb = embed.shared_embedder()
        return emb.encode_query(question), emb.encode(sentences)
    except Exception:   # any failure of the optional embedder: fall back to the features-only model
        return None


def sentence_matrix(question: str, sentences: Sequence[str],
                    vectors: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[_Question, np.ndarray]:
    q = _parse_question(question)
    cos = None
    if vectors is not None:
        qv, sv = vectors
        cos = np.asarray(sv, float) @ np.asarray(qv, float)
    feats = np.stack([sentence_features(q, s, None if cos is None else float(cos[i]))
                      for i, s in enumerate(sentences)])
    return q, feats


def featurize(question: str, sentences: Sequence[str], scores: Sequence[float] | None,
              vectors: tuple[np.ndarray, np.ndarray] | None, sentence_model: _Linear,
              finding_model: _Linear | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(question-level features in FEATURES order, per-sentence features, pooling weights, sentence logits)."""
    q, feats = sentence_matrix(question, sentences, vectors)
    weights = relevance_weights(feats, scores, vectors is not None)
    z = sentence_model.z(feats)
    pf = (1.0 / (1.0 + np.exp(-np.clip(finding_model.z(feats), -40, 40))) if finding_model is not None
          else np.ones(len(z)))
    x = np.concatenate([pooled_features(q, feats, weights), stacked_features(z, feats, weights, pf)])
    return x, feats, weights, z


def evidence_strength(model: _Model, feats: np.ndarray) -> float:
    """How surely the best on-topic sentence states a finding (0 when no sentence is about the question)."""
    on_topic = feats[:, SENTENCE_FEATURES.index("overlap")] >= model.min_overlap
    if not on_topic.any():
        return 0.0
    if model.finding is None:
        return 1.0
    p = 1.0 / (1.0 + np.exp(-np.clip(model.finding.z(feats[on_topic]), -40, 40)))
    return float(p.max())


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def decide(question: str, sentences: list[str], *, scores: list[float] | None = None,
           vectors: tuple[np.ndarray, np.ndarray] | None = None, embed: bool = True) -> VerdictResult:
    """Verdict on a yes/no question from its evidence sentences (verbatim, best first; scores: their relevance).

    vectors: optional precomputed MiniLM vectors (question (384,), sentences (n, 384)), used only when the
    shipped weights include an embedding model; embed=False never runs the embedder. Never raises on odd input:
    no usable sentence gives ("unclear", None, 1.0)."""
    idx = [i for i, s in enumerate(sentences or []) if isinstance(s, str) and s.strip()]
    if not isinstance(question, str) or not question.strip() or not idx:
        return VerdictResult(UNCLEAR, None, 1.0)
    sents = [sentences[i] for i in idx]
    sc = None
    if scores is not None and len(scores) == len(sentences):
        try:
            sc = [float(scores[i]) for i in idx]
        except (TypeError, ValueError):
            sc = None
    models = _load_models()
    model = models["features"]
    if "embed" in models:
        if vectors is not None:
            try:
                qv = np.asarray(vectors[0], dtype=np.float64).reshape(-1)
                sv = np.asarray(vectors[1], dtype=np.float64)[idx]
                vectors = (qv, sv) if sv.ndim == 2 and sv.shape[1] == qv.shape[0] else None
            except (IndexError, TypeError, ValueError):
                vectors = None
        elif embed:
            vectors = _embed(question, sents)
        if vectors is not None:
            model = models["embed"]
    if not model.use_cos:
        vectors = None
    x, feats, weights, zs = featurize(question, sents, sc, vectors, model.sentence, model.finding)
    p_yes = _sigmoid(model.platt_a * float(model.question.z(x[model.columns])) + model.platt_b)
    verdict = YES if p_yes >= 0.5 else NO
    conf = p_yes if verdict == YES else 1.0 - p_yes
    # supporting sentence: the one whose own polarity pushes hardest toward the verdict, weighted by relevance
    direction = 1.0 if verdict == YES else -1.0
    rel = weights / max(float(weights.max()), 1e-12)
    push = direction * zs * (0.5 + 0.5 * rel) - 0.25 * feats[:, SENTENCE_FEATURES.index("questionlike")]
    best = int(np.argmax(push))
    if _parse_question(question).negated:   # "Is X not ...?": the model reads the evidence for the positive claim
        verdict = NO if verdict == YES else YES
    strength = evidence_strength(model, feats)
    on_topic = bool((feats[:, SENTENCE_FEATURES.index("overlap")] >= model.min_overlap).any())
    if conf < model.threshold or strength < model.min_finding:
        support = idx[best] if on_topic and push[best] > 0 else None
        return VerdictResult(UNCLEAR, support, round(conf, 4))
    if push[best] <= 0:   # nothing leans the verdict's way on its own: the most relevant sentence
        best = int(np.argmax(weights))
    return VerdictResult(verdict, idx[best], round(conf, 4))
