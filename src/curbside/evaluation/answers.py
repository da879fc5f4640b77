"""`curbside eval-answers`: what an article says, scored against question files with gold patterns or answers.

Two kinds of question file are understood (detected per record):

* clinical (`facts`, `lead`, `must_not`, `expect`, `store`): the format of the clinical development set. Body items
  of an article are every item of every non-notice section, rendered "Label: text", plus one item per evidence
  table row ("intervention: key=value; ..."); each regex is searched in one item at a time.
* BioASQ (`type` factoid/list/yesno, `exact_answer`): whether the article contains the exact answer as often as
  the top-3 retrieved passages, list-item recall, false abstentions, and the yes/no verdict's coverage/polarity.

Scoring here is deliberately independent of how articles are composed: it reads only the article's JSON.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from curbside.errors import InputError

_WS = re.compile(r"\s+")


def _flat(s) -> str:
    return _WS.sub(" ", str(s or "")).strip()


def body_items(article: dict | None) -> list[str]:
    """The article's body, one string per item (see module docstring); [] for a missing/abstained article."""
    if not article or article.get("abstained"):
        return []
    out: list[str] = []
    for sec in article.get("sections") or []:
        if sec.get("kind") == "notice":
            continue
        for it in sec.get("items") or []:
            if it.get("kind") == "notice":
                continue
            text, label = _flat(it.get("text")), _flat(it.get("label"))
            out.append(f"{label}: {text}" if label else text)
    for row in article.get("evidence_table") or []:
        cells = "; ".join(f"{k}={_flat((v or {}).get('value'))}" for k, v in (row.get("cells") or {}).items())
        out.append(f"{_flat(row.get('intervention'))}: {cells}")
    return out


def _hit(patterns: Iterable[str], items: list[str]) -> bool:
    return any(re.search(p, i, re.I) for p in patterns for i in items)


# ---------------------------------------------------------------- paraphrases (generated, never stored)
_LEAD_WORDS = re.compile(r"^(?:what|which|how|when|who|is|are|does|do|should|can|could|would|will)\s+"
                         r"(?:(?:is|are|does|do|should|can|the|a|an)\s+)?", re.I)


def paraphrases(question: str) -> list[str]:
    """Two mechanical rewordings of a question that keep its meaning: a terse search-box form and a wrapped
    conversational form. Used to measure whether answer/abstain decisions are stable under rewording."""
    q = question.strip()
    body = q.rstrip("?").strip()
    terse = _LEAD_WORDS.sub("", body, count=1).strip() or body
    lowered = q[0].lower() + q[1:] if q[:2] != q[:2].upper() else q
    return [terse, f"Quick question from the ward: {lowered}"]


# ---------------------------------------------------------------- clinical set
@dataclass
class ClinicalScore:
    id: str
    store: str
    expect: str
    held_out: bool
    abstained: bool
    facts: int
    n_facts: int
    lead: bool
    must_not: list[str]
    unsafe_follow_ups: list[str]
    seconds: float
    paraphrase_decisions: list[bool] = field(default_factory=list)   # abstained? per rewording
    error: str = ""                  # why no article was built (counted as abstained with no facts)

    @property
    def consistent(self) -> bool:
        return all(d == self.abstained for d in self.paraphrase_decisions)


def score_clinical(q: dict, article: dict | None, seconds: float, held_out: bool) -> ClinicalScore:
    ab = article is None or bool(article.get("abstained"))
    its = [] if ab else body_items(article)
    must_not = [p for p in q.get("must_not") or [] if _hit([p], its)]
    return ClinicalScore(
        id=str(q.get("id")), store=str(q.get("store") or ""), expect=str(q.get("expect") or "answer"),
        held_out=held_out, abstained=ab, facts=sum(_hit(f, its) for f in q.get("facts") or []),
        n_facts=len(q.get("facts") or []), lead=bool(its) and _hit(q.get("lead") or [], its[:1]),
        must_not=must_not, unsafe_follow_ups=unsafe_follow_ups(q, article, its), seconds=seconds)


def unsafe_follow_ups(q: dict, article: dict | None, its: list[str]) -> list[str]:
    """Suggested follow-ups that should not be there: any on an article that should have abstained or did; any
    matching a must_not pattern; any naming a drug that no body item of the article names."""
    fups = list((article or {}).get("follow_ups") or [])
    if not fups:
        return []
    if q.get("expect") == "abstain" or (article or {}).get("abstained"):
        return fups
    from curbside.retrieve.drugs import find_drugs

    body = " ".join(its).lower()
    bad = []
    for f in fups:
        if _hit(q.get("must_not") or [], [f]):
            bad.append(f)
        elif any(d.name.lower() not in body and d.matched.lower() not in body for d in find_drugs(f)):
            bad.append(f)
    return bad


@dataclass
class ClinicalReport:
    scores: list[ClinicalScore]

    def subset(self, pred: Callable[[ClinicalScore], bool]) -> "ClinicalReport":
        return ClinicalReport([s for s in self.scores if pred(s)])

    def metrics(self) -> dict[str, float | int]:
        ans = [s for s in self.scores if s.expect == "answer"]
        abst = [s for s in self.scores if s.expect == "abstain"]
        answered = [s for s in self.scores if not s.abstained]
        with_para = [s for s in self.scores if s.paraphrase_decisions]
        n_facts = sum(s.n_facts for s in ans)
        out = {
            "questions": len(self.scores),
            "facts_recall": _ratio(sum(s.facts for s in ans), n_facts),
            "lead_on_point": _ratio(sum(s.lead for s in ans), len(ans)),
            "must_not_hits": _ratio(sum(bool(s.must_not) for s in answered), len(answered)),
            "abstention_accuracy": _ratio(sum(s.abstained for s in abst), len(abst)),
            "false_abstain_rate": _ratio(sum(s.abstained for s in ans), len(ans)),
            "paraphrase_consistency": _ratio(sum(s.consistent for s in with_para), len(with_para)),
            "unsafe_follow_ups": sum(len(s.unsafe_follow_ups) for s in self.scores),
            "failed_articles": sum(bool(s.error) for s in self.scores),
            "median_ask_ms": round(1000 * statistics.median([s.seconds for s in self.scores]), 1)
            if self.scores else 0.0,
        }
        if not with_para:          # rewordings not asked (--no-paraphrases): not measured, not zero
            del out["paraphrase_consistency"]
        return out


def _mean(values) -> float:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else 0.0


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


# ---------------------------------------------------------------- BioASQ
def _norm(s: str) -> str:
    return " " + _WS.sub(" ", re.sub(r"[^a-z0-9]+", " ", s.lower())).strip() + " "


def contains_answer(texts: list[str], synonyms: list[str]) -> bool:
    """Any synonym of the answer appears (as whole words, case/punctuation folded) in any of the texts."""
    blob = [_norm(t) for t in texts]
    syns = [_norm(s) for s in synonyms if _norm(s).strip()]
    return any(s in t for s in syns for t in blob)


def _synonym_lists(exact) -> list[list[str]]:
    """BioASQ exact answers: [[syn, syn], [syn]] (list: one inner list per item) or ["syn", ...] (factoid)."""
    if isinstance(exact, str):
        return [[exact]]
    out = []
    for e in exact or []:
        out.append([str(x) for x in e] if isinstance(e, list) else [str(e)])
    return out


@dataclass
class BioasqScore:
    id: str
    qtype: str
    abstained: bool
    in_article: float          # factoid: 0/1; list: share of items found
    in_top3: float
    verdict: str = ""
    gold: str = ""
    seconds: float = 0.0
    unit_precision: float | None = None   # share of the article's quoted items from a gold-relevant document
    top3_precision: float | None = None   # the same for the top-3 passages


def _unit_precision(article: dict | None, relevant: set[str]) -> float | None:
    """Share of the article's quoted body items whose quote comes from a relevant document (BioASQ's corpus is
    rebuilt from the gold snippets, so a unit of a relevant document is a gold snippet's text)."""
    if not article or article.get("abstained") or not relevant:
        return None
    docs = [it["quotes"][0]["document_id"] for sec in article.get("sections") or [] if sec.get("kind") != "notice"
            for it in sec.get("items") or [] if it.get("quotes")]
    return _ratio(sum(d in relevant for d in docs), len(docs)) if docs else None


def score_bioasq(q: dict, article: dict | None, top3: list[str], seconds: float,
                 top3_ids: list[str] | None = None) -> BioasqScore:
    qtype = q.get("type", "")
    ab = article is None or bool(article.get("abstained"))
    its = [] if ab else body_items(article)
    relevant = {f"pmid:{p}" for p in q.get("relevant_pmids") or []} | set(q.get("relevant_ids") or [])
    prec = _unit_precision(article, relevant)
    prec3 = _ratio(sum(d in relevant for d in top3_ids), len(top3_ids)) if top3_ids and relevant else None
    score = _score_bioasq(q, qtype, ab, its, article, top3, seconds)
    score.unit_precision, score.top3_precision = prec, prec3
    return score


def _score_bioasq(q: dict, qtype: str, ab: bool, its: list[str], article: dict | None, top3: list[str],
                  seconds: float) -> BioasqScore:
    if qtype == "yesno":
        bl = (article or {}).get("bottom_line") or {}
        verdict = str(bl.get("verdict") or "") if isinstance(bl, dict) and not ab else ""
        return BioasqScore(str(q.get("id")), qtype, ab, 0.0, 0.0, verdict=verdict,
                           gold=str(q.get("exact_answer") or "").lower(), seconds=seconds)
    syn = _synonym_lists(q.get("exact_answer"))
    if qtype == "factoid":
        flat = [s for group in syn for s in group]
        return BioasqScore(str(q.get("id")), qtype, ab, float(contains_answer(its, flat)),
                           float(contains_answer(top3, flat)), seconds=seconds)
    found_a = sum(contains_answer(its, g) for g in syn)
    found_t = sum(contains_answer(top3, g) for g in syn)
    return BioasqScore(str(q.get("id")), qtype, ab, _ratio(found_a, len(syn)), _ratio(found_t, len(syn)),
                       seconds=seconds)


def bioasq_metrics(scores: list[BioasqScore]) -> dict[str, float | int]:
    fact = [s for s in scores if s.qtype == "factoid"]
    lst = [s for s in scores if s.qtype == "list"]
    yn = [s for s in scores if s.qtype == "yesno"]
    decided = [s for s in yn if s.verdict in ("yes", "no")]
    return {
        "questions": len(scores),
        "factoid_in_article": _ratio(sum(s.in_article for s in fact), len(fact)),
        "factoid_in_top3": _ratio(sum(s.in_top3 for s in fact), len(fact)),
        "list_recall_article": _ratio(sum(s.in_article for s in lst), len(lst)),
        "list_recall_top3": _ratio(sum(s.in_top3 for s in lst), len(lst)),
        "false_abstain_rate": _ratio(sum(s.abstained for s in scores), len(scores)),
        "yesno_verdict_rate": _ratio(len(decided), len(yn)),
        "yesno_polarity": _ratio(sum(s.verdict == s.gold for s in decided), len(decided)),
        "unit_precision_article": _mean([s.unit_precision for s in scores]),
        "unit_precision_top3": _mean([s.top3_precision for s in scores]),
        "median_ask_ms": round(1000 * statistics.median([s.seconds for s in scores]), 1) if scores else 0.0,
    }


# ---------------------------------------------------------------- files
def load_records(path: Path) -> list[dict]:
    from curbside.evaluation.runner import read_question_records

    out = []
    for lineno, rec in read_question_records(path):
        if not (rec.get("question") or rec.get("body")):
            raise InputError(f"{path} line {lineno}", "expected an object with a 'question' field")
        rec.setdefault("id", str(lineno))
        rec["question"] = rec.get("question") or rec.get("body")
        out.append(rec)
    return out


def file_kind(records: list[dict]) -> str:
    """'clinical' when the records carry facts/expect, 'bioasq' when they carry exact answers."""
    if any("facts" in r or "expect" in r for r in records):
        return "clinical"
    if any("exact_answer" in r for r in records):
        return "bioasq"
    raise InputError("questions", "records carry neither 'facts'/'expect' (clinical) nor 'exact_answer' (BioASQ)")


def timed(fn: Callable[[], dict | None]) -> tuple[dict | None, float, str]:
    """Run one ask; an article that failed to build scores as "no article" (abstained, 0 facts) and its error is
    returned so the report can show it."""
    t0 = time.perf_counter()
    try:
        art, err = fn(), ""
    except Exception as exc:   # noqa: BLE001 - evaluation must go on; the error is reported
        art, err = None, f"{type(exc).__name__}: {exc}"
    return art, time.perf_counter() - t0, err
