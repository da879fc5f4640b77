"""Train the evidence-unit relevance model (src/curbside/data/relevance_weights.json) in one command.

    python scripts/train_relevance.py --shared ../shared --stores /tmp/cs-eval

Data: the clinical development set (`SHARED/data/eval/clinical/questions_dev.jsonl`, written for this project),
TUNING SPLIT ONLY (curbside.evaluation.answers_run.held_out() keeps ~30% of questions out; they are never read
here except to report the held-out figures at the end). For every question the units of the passages Curbside
retrieves for it (exactly as `curbside ask` does) are labelled: 1 when a fact or lead pattern of the question
matches the unit, 0 otherwise; a unit matching a must_not pattern is a negative with weight 3; every unit of a
question that should be abstained on is a negative. The model is a logistic regression over the general features
of curbside/answer/features.py (no word of any question is a feature), so what it learns is how much coverage,
head-concept presence, answer type, role and polarity matter; the fit holds the weights of NONPOSITIVE at or below 0
(the issue's rules, e.g. a risk factor is never a treatment, as constraints on what is learnt, not as hand weights).
Thresholds: the answer/abstain threshold maximises balanced accuracy of the decision on the tuning questions; the
item threshold is the highest (shortest articles) whose composed tuning articles hold within --facts-tolerance of
the most facts (`--item-threshold units`: F2 of unit labels instead). After a change to the ranker or to
composition, keep the weights and re-pick only the item threshold: `--keep-weights
src/curbside/data/relevance_weights.json`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from curbside.answer.features import FEATURES, QuestionView, featurize  # noqa: E402
from curbside.answer.relevance import STUDIES_ASKED, Scored, fit_logistic  # noqa: E402
from curbside.answer.units import units_for_hits, units_for_passage  # noqa: E402
from curbside.evaluation.answers_run import Stores, held_out, load_records  # noqa: E402

# features that may only lower relevance (the rules, as constraints on the fit rather than hand weights):
# a risk factor is never a treatment, an acute question does not get maintenance therapy, another population's
# statement and one patient's course do not answer
NONPOSITIVE = ("risk_factor_for_treatment", "maintenance_for_acute", "population_conflict", "case_narrative",
               "prevention_for_treatment")
OUT = Path(__file__).resolve().parents[1] / "src" / "curbside" / "data" / "relevance_weights.json"


def pool_for(engine, question: str):
    parsed = engine.retriever.parse(question)
    hits = engine.answer_hits(parsed)        # exactly the passages `curbside ask` composes from
    units = units_for_hits(hits)
    feats = featurize(QuestionView.of(parsed), units, {h.passage.id: h.score for h in hits})
    return units, feats


def _match(patterns, text: str) -> bool:
    return any(re.search(p, text, re.I) for p in patterns)


def can_lead(unit, features, studies: bool) -> bool:
    """The same test as Scored.can_lead (the units a decision to answer may rest on)."""
    return Scored(unit, features, 0.0, studies).can_lead


def paraphrase_decisions(records, stores, weights) -> list[tuple[int, str, float]]:
    """(question index, expect, best usable probability) for two rewordings of every tuning question."""
    from curbside.evaluation.answers import paraphrases

    out = []
    for qi, q in enumerate(records):
        if held_out(str(q["id"])):
            continue
        engine = stores.engine(q.get("store") or "default")
        studies = bool(STUDIES_ASKED.search(q["question"]))
        for text in paraphrases(q["question"]):
            units, feats = pool_for(engine, text)
            best = 0.0
            for u, f in zip(units, feats):
                if can_lead(u, f, studies):
                    best = max(best, float(1.0 / (1.0 + np.exp(-(f.x @ weights)))))
            out.append((qi, q.get("expect"), best))
    return out


def collect(records, stores):
    rows = []   # (question index, X, y, w, usable, held_out, expect)
    for qi, q in enumerate(records):
        engine = stores.engine(q.get("store") or "default")
        units, feats = pool_for(engine, q["question"])
        facts = [alt for f in q.get("facts") or [] for alt in f] + list(q.get("lead") or [])
        for u, f in zip(units, feats):
            text = " ".join(u.display.split())
            pos = q.get("expect") == "answer" and _match(facts, text)
            bad = _match(q.get("must_not") or [], text)
            lead = q.get("expect") == "answer" and _match(q.get("lead") or [], text) and not bad
            studies = bool(STUDIES_ASKED.search(q["question"]))
            rows.append((qi, f.x, float(pos and not bad), 3.0 if bad else 1.0, can_lead(u, f, studies),
                         held_out(str(q["id"])), q.get("expect"), float(lead)))
        print(f"{qi + 1}/{len(records)} {q['id']}: {len(units)} units", file=sys.stderr)
    return rows


def pubmedqa_rows(path: Path, weight: float) -> list[tuple]:
    """Research-style rows from PubMedQA (MIT): each abstract with its conclusion appended is one document; the
    units of the conclusion (the sentences that answer the question) are positives, the other units negatives.
    Items whose PMID hashes into the held-out split are kept out of training and reported separately."""
    import json as _json

    from curbside.corpus.models import Document, EvidenceLevel, Passage
    from curbside.retrieve.query import parse_question

    rows = []
    for qi, line in enumerate(path.open(encoding="utf-8")):
        rec = _json.loads(line)
        body = "\n\n".join(rec.get("contexts") or [])
        conclusion = (rec.get("long_answer") or "").strip()
        if not body or not conclusion:
            continue
        text = body + "\n\n" + conclusion
        doc = Document(id=f"pmid:{rec['pmid']}", title="", text=text, evidence_level=EvidenceLevel.UNCLASSIFIED)
        passage = Passage(id=f"pmid:{rec['pmid']}#0", document_id=doc.id, ordinal=0, text=text, start=0,
                          end=len(text))
        units = units_for_passage(doc, passage)
        parsed = parse_question(rec["question"])
        feats = featurize(QuestionView.of(parsed), units, {passage.id: 1.0})
        split = held_out("pqa:" + str(rec["pmid"]))
        for u, f in zip(units, feats):
            rows.append((10_000 + qi, f.x, float(u.start >= len(body)), weight, False, split, "pubmedqa", 0.0))
    return rows


_TOK = re.compile(r"[a-z0-9]+")


def _snippet_match(text: str, snippets: list[set[str]]) -> bool:
    """A unit is one of the gold snippets when at least 80% of its words (and 4 or more) lie in one snippet."""
    toks = set(_TOK.findall(text.lower()))
    return len(toks) >= 4 and any(len(toks & sn) >= 0.8 * len(toks) for sn in snippets)


def bioasq_rows(path: Path, stores, weight: float, limit: int) -> list[tuple]:
    """Expert research-style rows from BioASQ dev (CC BY 2.5): for questions of the ranker's TRAINING split only
    (retrieve.ranker.in_held_out keeps the held-out part that `curbside eval-answers --held-out` reports), the
    units of the passages Curbside retrieves from the BioASQ store, positive when they are one of the question's
    gold snippets. At most `limit` questions, a fixed hash order."""
    import hashlib
    import json as _json

    from curbside.retrieve.ranker import in_held_out

    recs = [_json.loads(line) for line in path.open(encoding="utf-8")]
    recs = [r for r in recs if not in_held_out(str(r["id"])) and r.get("snippets")]
    recs.sort(key=lambda r: hashlib.blake2b(str(r["id"]).encode(), digest_size=8).hexdigest())
    engine = stores.engine("bioasq")
    rows = []
    for qi, rec in enumerate(recs[:limit]):
        units, feats = pool_for(engine, rec["question"])
        snippets = [set(_TOK.findall(sn["text"].lower())) for sn in rec["snippets"]]
        for u, f in zip(units, feats):
            rows.append((20_000 + qi, f.x, float(_snippet_match(u.display, snippets)), weight, False, False,
                         "bioasq", 0.0))
        if qi % 50 == 0:
            print(f"BioASQ {qi}/{min(limit, len(recs))}", file=sys.stderr)
    return rows


def auc(y: np.ndarray, p: np.ndarray) -> float:
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]))
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def decisions(rows, probs, records, split):
    """(question index, expect, best usable probability) for the questions of one split."""
    best: dict[int, float] = {}
    for (qi, _x, _y, _w, usable, ho, _e, _l), p in zip(rows, probs):
        if ho == split and usable:
            best[qi] = max(best.get(qi, 0.0), float(p))
    return [(qi, records[qi].get("expect"), best.get(qi, 0.0)) for qi in range(len(records))
            if held_out(str(records[qi]["id"])) == split]


def lead_accuracy(rows, probs, lead_scores, answer_t: float, split: bool) -> float:
    """Share of answerable questions of a split whose bottom line (the most relevant unit that may lead) matches a
    lead pattern. (A separate lead model over the same features was tried: 4-fold cross-validated on the tuning
    questions it never beat relevance alone, 0.63-0.70 vs 0.70, so the most relevant unit leads.)"""
    best: dict[int, tuple[float, float]] = {}
    for r, p, ls in zip(rows, probs, lead_scores):
        qi, usable, ho, expect, is_lead = r[0], r[4], r[5], r[6], r[7]
        if ho != split or expect != "answer" or not usable or p < answer_t:
            continue
        key = float(p) * float(ls)           # the same order as compose (ls = 1: the most relevant unit leads)
        if qi not in best or key > best[qi][0]:
            best[qi] = (key, is_lead)
    qs = {r[0] for r in rows if r[5] == split and r[6] == "answer"}
    return round(sum(best.get(qi, (0, 0.0))[1] for qi in qs) / max(1, len(qs)), 3)


def pick_answer_threshold(dec) -> float:
    """The middle of the widest run of thresholds with the most correct answer/abstain decisions (over the tuning
    questions and two mechanical rewordings of each): a margin on both sides, so that rewordings of a question
    (which move its best probability a little) keep their decision."""
    grid = np.linspace(0.05, 0.99, 189)
    ans = [d for d in dec if d[1] == "answer"]
    abst = [d for d in dec if d[1] == "abstain"]
    vals = [sum(d[2] >= t for d in ans) + sum(d[2] < t for d in abst) for t in grid]   # correct decisions
    best = max(vals)
    runs, cur = [], []
    for t, v in zip(grid, vals):
        if v >= best - 1e-9:
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    run = max(runs, key=len)
    return round(float((run[0] + run[-1]) / 2), 3)


def pick_item_threshold(records, stores, weights, answer_t: float, grid, tolerance: float = 0.0
                        ) -> tuple[float, float]:
    """The item threshold whose articles hold the most facts over the TUNING questions, composed exactly as
    `curbside ask` composes them (section limits, per-document caps, blocks and all: a unit-level F-score cannot
    see those), or rather the highest threshold (the shortest articles) whose recall is within `tolerance` of the
    most: one or two facts more are not worth a longer article for every question (at tolerance 0.02, two facts
    of the ~130 tuning facts). Returns (threshold, facts recall)."""
    import curbside.answer.compose as compose
    from curbside.answer.relevance import RelevanceModel
    from curbside.evaluation.answers import body_items

    tuning = [q for q in records if not held_out(str(q["id"])) and q.get("expect") == "answer"]
    original = compose.load_model
    found: list[tuple[float, float]] = []
    try:
        for t in grid:
            model = RelevanceModel(np.asarray(weights, dtype=np.float32), answer_t, float(t), {})
            compose.load_model = lambda path=None, m=model: m
            got = total = 0
            words = []
            for q in tuning:
                article = stores.engine(q.get("store") or "default").ask(q["question"], save=False)
                items = body_items(article.model_dump(mode="json"))
                got += sum(any(_match(alts, it) for it in items) for alts in q.get("facts") or [])
                total += len(q.get("facts") or [])
                words.append(sum(len(it.split()) for it in items))
            recall = got / max(1, total)
            found.append((float(t), recall))
            print(f"item threshold {t:.2f}: tuning facts recall {recall:.3f}, median article "
                  f"{float(np.median(words)):.0f} words", file=sys.stderr)
    finally:
        compose.load_model = original
    most = max(r for _, r in found)
    t, recall = max((t, r) for t, r in found if r >= most - tolerance - 1e-9)
    return round(t, 3), round(recall, 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--stores", type=Path, required=True, help="Folder of the evaluation stores (built if missing).")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--l2", type=float, default=20.0,
                    help="L2 penalty; 20 chosen by lead on point over the TUNING split among 2, 8, 20, 50 "
                         "(2026-12-01, with the heading_overlap feature)")
    ap.add_argument("--pubmedqa-weight", type=float, default=0.3,
                    help="weight of PubMedQA units (research-style questions; 0 = leave them out)")
    ap.add_argument("--bioasq-weight", type=float, default=0.0,
                    help="weight of BioASQ gold-snippet units (the ranker's training split; 0 = leave them out). "
                         "Measured 2026-12-01 at 0.3 with 300 questions: BioASQ unit AUC 0.96, but the clinical "
                         "set lost (facts 0.688 -> 0.663, held-out lead 0.714 -> 0.643), so the shipped model "
                         "leaves them out")
    ap.add_argument("--bioasq-questions", type=int, default=300, help="BioASQ training questions used")
    ap.add_argument("--keep-weights", type=Path, default=None,
                    help="a weights file whose weights and answer threshold are kept (no refit): only the item "
                         "threshold is chosen again and the figures re-measured, e.g. after a change to units or "
                         "composition")
    ap.add_argument("--item-threshold", choices=("articles", "units"), default="articles",
                    help="how the item threshold is chosen: 'articles' = the one whose composed tuning articles "
                         "hold the most facts (0.36-0.66, the highest within --facts-tolerance of the most; "
                         "minutes); 'units' = unit-level F2")
    ap.add_argument("--facts-tolerance", type=float, default=0.02,
                    help="with --item-threshold articles: the highest threshold whose tuning facts recall is within "
                         "this of the best is chosen (shorter articles for at most ~2 of ~130 facts)")
    args = ap.parse_args()
    records = load_records(args.shared / "data" / "eval" / "clinical" / "questions_dev.jsonl")
    stores = Stores(None, args.stores, args.shared, log=lambda s: print(s, file=sys.stderr))
    rows = collect(records, stores)
    pqa = args.shared / "data" / "eval" / "pubmedqa" / "pqal_dev.jsonl"
    if args.pubmedqa_weight > 0 and pqa.exists():
        extra = pubmedqa_rows(pqa, args.pubmedqa_weight)
        print(f"PubMedQA: {len(extra)} units", file=sys.stderr)
        rows += extra
    bq = args.shared / "data" / "eval" / "bioasq" / "questions_dev.jsonl"
    if args.bioasq_weight > 0 and bq.exists():
        extra = bioasq_rows(bq, stores, args.bioasq_weight, args.bioasq_questions)
        print(f"BioASQ: {len(extra)} units, {int(sum(r[2] for r in extra))} gold", file=sys.stderr)
        rows += extra
    X = np.stack([r[1] for r in rows]).astype(np.float64)
    y = np.array([r[2] for r in rows])
    w = np.array([r[3] for r in rows])
    train = np.array([not r[5] for r in rows])
    usable = np.array([r[4] for r in rows])
    # positives are rare (a few per question): weight them up so the model ranks rather than always says no
    pos_w = (train & (y == 0)).sum() / max(1, (train & (y == 1)).sum())
    sw = w * np.where(y == 1, min(pos_w, 20.0), 1.0)
    if args.keep_weights:          # re-pick the item threshold (and report) for weights trained before
        kept = json.loads(args.keep_weights.read_text(encoding="utf-8"))
        weights = np.array([kept["weights"].get(n, 0.0) for n in FEATURES])
        answer_t = float(kept["answer_threshold"])
        probs = 1.0 / (1.0 + np.exp(-(X @ weights)))
    else:
        weights = fit_logistic(X[train], y[train], sw[train], l2=args.l2,
                               nonpositive=tuple(FEATURES.index(f) for f in NONPOSITIVE))
        probs = 1.0 / (1.0 + np.exp(-(X @ weights)))
        answer_t = pick_answer_threshold(decisions(rows, probs, records, False)
                                         + paraphrase_decisions(records, stores, weights))
    mask = train & usable
    best_f1, item_t = -1.0, answer_t
    for t in np.linspace(0.05, 0.95, 91):
        sel = mask & (probs >= t)
        tp = (sel & (y == 1)).sum()
        prec, rec = tp / max(1, sel.sum()), tp / max(1, (mask & (y == 1)).sum())
        f1 = 5 * prec * rec / max(1e-9, 4 * prec + rec)     # F2: a missed fact costs more than a spare item
        if f1 > best_f1:
            best_f1, item_t = f1, float(t)
    item_t = round(item_t, 3)
    item_by = "unit F2 over the tuning units"
    if args.item_threshold == "articles":
        item_t, recall = pick_item_threshold(records, stores, weights, answer_t, np.arange(0.36, 0.665, 0.02),
                                             args.facts_tolerance)
        item_by = (f"facts recall of the composed tuning articles ({recall}; the highest threshold within "
                   f"{args.facts_tolerance:g} of the best)")
    report = {}
    for split in (False, True):
        for style in ("pubmedqa", "bioasq"):
            m = np.array([r[6] == style and r[5] == split for r in rows])
            if m.any():
                report[f"{style}_{'held_out' if split else 'train'}_auc"] = round(auc(y[m], probs[m]), 4)
    for name, split in (("tuning", False), ("held_out", True)):
        m = np.array([r[5] == split and r[6] not in ("pubmedqa", "bioasq") for r in rows])
        dec = decisions(rows, probs, records, split)
        ans = [d for d in dec if d[1] == "answer"]
        abst = [d for d in dec if d[1] == "abstain"]
        report[name] = {"units": int(m.sum()), "positives": int((m & (y == 1)).sum()),
                        "auc": round(auc(y[m], probs[m]), 4),
                        "answered_when_answerable": round(sum(d[2] >= answer_t for d in ans) / max(1, len(ans)), 3),
                        "abstained_when_should": round(sum(d[2] < answer_t for d in abst) / max(1, len(abst)), 3),
                        "lead_on_point": lead_accuracy(rows, probs, np.ones(len(rows)), answer_t, split)}
    data = {"features": list(FEATURES), "weights": {n: round(float(v), 5) for n, v in zip(FEATURES, weights)},
            "answer_threshold": answer_t, "item_threshold": item_t,
            "about": {"trained": str(date.today()), "data": "clinical dev set, tuning split (held-out never used); PubMedQA pqal_dev (MIT), conclusions as "
                              "positives, hash split",
                      "questions": sum(not held_out(str(r["id"])) for r in records), "l2": args.l2,
                      "pubmedqa_weight": args.pubmedqa_weight, "bioasq_weight": args.bioasq_weight,
                      "bioasq_questions": args.bioasq_questions, "item_threshold_by": item_by,
                      "nonpositive": kept["about"].get("nonpositive", []) if args.keep_weights else list(NONPOSITIVE),
                      "weights_from": kept["about"].get("weights_from", kept["about"].get("trained", ""))
                      if args.keep_weights else str(date.today()),
                      "command": "python scripts/train_relevance.py --shared ../shared --stores DIR",
                      "figures": report}}
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"weights": data["weights"], "answer_threshold": answer_t, "item_threshold": item_t,
                      "figures": report}, indent=2))


if __name__ == "__main__":
    main()
