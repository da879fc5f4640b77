"""Measure the claim support score (answer/writer/claims.py `support_score`) on labelled (claim, cited unit) pairs and
pick the threshold a written claim needs to be shown (settings.claim_support_threshold).

Pairs come from the dev clinical questions' own evidence (nothing is stored or copied): for each answerable
question, the top usable units the relevance model selects; from each unit a *claim* is made the way a small model
rewrites a source sentence (parentheticals and 20-40% of the other words dropped, a few connective words and 5-25%
new content words added, the unit's subject named), and it is scored

* against the unit it came from (label 1: the claim is supported by what it cites), and
* against another unit of the same question's evidence, on the same topic but a different statement (label 0: the
  model cited the wrong unit) -- the hard case, since topic words are shared.

The threshold is the lowest that keeps the false-support rate (label 0 pairs passing) at or under --max-fpr on the
tuning questions; the held-out questions (the eval split) report how it carries over.

    python scripts/measure_claim_support.py --stores /tmp/cs-eval --questions ../shared/data/eval/clinical/questions_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

FILLERS = ["is", "the", "for", "patients", "should", "be", "used", "recommended", "in", "with", "a", "and"]
# content words a model adds when it rewords a sentence (not in the source): a claim keeps its meaning but not
# all of its words
REWORDING = ["administer", "management", "approach", "preferred", "effective", "benefit", "regimen", "dosing",
             "clinicians", "initial", "standard", "advised", "considered", "outcomes", "appropriate", "typically",
             "indicated", "guidance", "course", "especially"]


def make_claim(unit, rng: random.Random) -> str:
    text = re.sub(r"\([^()]{0,120}\)", " ", unit.display)
    words = text.split()
    keep_share = rng.uniform(0.6, 0.8)
    kept = [w for w in words if re.search(r"\d", w) or rng.random() < keep_share]
    for _ in range(rng.randint(1, 3)):
        kept.insert(rng.randint(0, len(kept)), rng.choice(FILLERS))
    for _ in range(max(1, round(len(kept) * rng.uniform(0.05, 0.25)))):
        kept.insert(rng.randint(0, len(kept)), rng.choice(REWORDING))
    if unit.subject:
        kept.insert(0, unit.subject + ":")
    return " ".join(kept)


def evidence_of(unit) -> str:
    return f"{unit.display} {unit.subject} {unit.context_text}"


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def rates(pos: list[float], neg: list[float], t: float) -> tuple[float, float]:
    tpr = sum(p >= t for p in pos) / max(1, len(pos))
    fpr = sum(n >= t for n in neg) / max(1, len(neg))
    return tpr, fpr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--units", type=int, default=8, help="top units per question")
    ap.add_argument("--max-fpr", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from curbside.answer.compose import select_units, with_document_text
    from curbside.answer.relevance import load_model
    from curbside.answer.writer.claims import support_score
    from curbside.evaluation.answers import load_records
    from curbside.evaluation.answers_run import Stores, held_out

    rng = random.Random(args.seed)
    model = load_model()
    stores = Stores(None, args.stores, args.shared)
    data = {"tuning": ([], []), "held_out": ([], [])}
    for q in load_records(args.questions):
        if q.get("expect") != "answer":
            continue
        eng = stores.engine(q.get("store") or "default")
        with eng._lock:
            parsed = eng.retriever.parse(q["question"])
            hits = with_document_text(eng.retriever.search(parsed, top_k=eng.settings.answer_passages,
                                                           candidates=100, max_per_document=25), eng.store)
            scored = [s for s in select_units(parsed, hits, model) if s.usable][:args.units]
        units = [s.unit for s in scored]
        pos, neg = data["held_out" if held_out(str(q["id"])) else "tuning"]
        for i, u in enumerate(units):
            claim = make_claim(u, rng)
            pos.append(support_score(claim, evidence_of(u), q["question"]))
            others = [v for j, v in enumerate(units) if j != i and v.display != u.display]
            if others:
                v = rng.choice(others)
                neg.append(support_score(claim, evidence_of(v), q["question"]))
    stores.close()

    pos, neg = data["tuning"]
    grid = [round(0.05 * k, 2) for k in range(4, 19)]
    threshold = next((t for t in grid if rates(pos, neg, t)[1] <= args.max_fpr), grid[-1])
    report = {"threshold": threshold, "max_fpr": args.max_fpr}
    for split, (p, n) in data.items():
        tpr, fpr = rates(p, n, threshold)
        report[split] = {"positives": len(p), "negatives": len(n), "auc": round(auc(p, n), 3),
                         "supported_shown": round(tpr, 3), "wrong_unit_shown": round(fpr, 3),
                         "curve": {str(t): [round(x, 3) for x in rates(p, n, t)] for t in grid}}
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"threshold {threshold} (lowest with wrong-unit pass rate <= {args.max_fpr} on tuning)")
    for split in data:
        r = report[split]
        print(f"{split:9} pairs {r['positives']}+{r['negatives']}  AUC {r['auc']}  supported shown "
              f"{r['supported_shown']}  wrong-unit shown {r['wrong_unit_shown']}")
    print("threshold  tuning(TPR,FPR)  held-out(TPR,FPR)")
    for t in grid:
        print(f"{t:9}  {report['tuning']['curve'][str(t)]}  {report['held_out']['curve'][str(t)]}")


if __name__ == "__main__":
    main()
