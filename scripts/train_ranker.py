"""Train the hybrid ranker's weights on BioASQ dev and report on held-out questions.

    python scripts/train_ranker.py [SHARED=../shared] [--home /tmp/curbside-bioasq] [--out PATH]

1. Builds (or reuses) a store holding BioASQ `corpus_dev.jsonl` with embeddings (vectors are cached by content
   hash, so a second run embeds nothing).
2. Splits `questions_dev.jsonl` by a hash of the question id (`ranker.in_held_out`): 40% held out, never seen
   in training or model selection.
3. For each training question takes the same candidates the hybrid search ranks (BM25 top-N union dense top-N),
   their features, and labels (the passage's document is a relevant PMID); fits a linear pairwise ranker,
   choosing the L2 strength by 4-fold cross-validation on the training questions.
4. Reports Recall@10/100, nDCG@10 and MRR@10 of bm25, dense, RRF and the learned hybrid (with MMR) on the
   held-out questions, overall and per BioASQ type, and writes the weights (a few KB, no data) to
   src/curbside/data/ranker_weights.json with those numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from curbside.evaluation.metrics import dedupe, mrr_at, ndcg_at, recall_at  # noqa: E402
from curbside.retrieve.ranker import FEATURES, WEIGHTS_PATH, Ranker, in_held_out, train_pairwise  # noqa: E402

HELD_OUT = 0.4
N_CAND = 100


def open_store(shared: Path, home: Path):
    from curbside.engine import Engine
    from curbside.settings import load_settings

    engine = Engine(load_settings(home, load_default_corpus=False, embed=True))
    if engine.store.counts()[0] == 0:
        t = time.perf_counter()
        s = engine.ingest([shared / "data/eval/bioasq/corpus_dev.jsonl"])
        print(f"ingested {s.added:,} documents, {s.passages:,} passages in {time.perf_counter() - t:.0f} s")
    missing = engine.retriever.vectors.missing_count()
    if missing:
        print(f"embedding {missing:,} passages (resumable; cached by content hash) ...")
        t = time.perf_counter()
        engine.embed_missing(lambda d, n: print(f"  {d:,}/{n:,}", end="\r"))
        print(f"\nembedded in {time.perf_counter() - t:.0f} s")
    return engine


def load_questions(shared: Path, known: set[str]) -> list[dict]:
    out = []
    for line in (shared / "data/eval/bioasq/questions_dev.jsonl").open():
        q = json.loads(line)
        rel = {f"pmid:{p}" for p in q.get("relevant_pmids", [])} & known
        if rel:
            out.append({"id": q["id"], "question": q["question"], "type": q.get("type", ""), "relevant": rel})
    return out


def metrics(ranked_docs: list[str], relevant: set[str]) -> dict[str, float]:
    r = dedupe(ranked_docs)
    return {"recall@10": recall_at(r, relevant, 10), "recall@100": recall_at(r, relevant, 100),
            "ndcg@10": ndcg_at(r, relevant, 10), "mrr@10": mrr_at(r, relevant, 10)}


def candidate_sets(engine, questions: list[dict]) -> list[dict]:
    """Per question: candidate document ids, feature matrix, labels, vectors (for MMR)."""
    ret = engine.retriever
    out = []
    t = time.perf_counter()
    for i, q in enumerate(questions, 1):
        c = ret.candidates(ret.parse(q["question"]), N_CAND)
        docs = [h.document_id for h in c.hits]
        y = np.array([1.0 if d in q["relevant"] else 0.0 for d in docs])
        out.append({"q": q, "docs": docs, "X": c.X, "y": y})
        if i % 200 == 0:
            print(f"  candidates {i}/{len(questions)} ({i / (time.perf_counter() - t):.0f} q/s)", end="\r")
    print()
    return out


def rank_docs(ranker: Ranker, cs: dict) -> list[str]:
    s = ranker.score(cs["X"])
    return [cs["docs"][i] for i in np.argsort(-s, kind="stable")]


def mean_ndcg(ranker: Ranker, sets: list[dict]) -> float:
    return float(np.mean([metrics(rank_docs(ranker, cs), cs["q"]["relevant"])["ndcg@10"] for cs in sets]))


def fit(sets: list[dict], l2: float) -> Ranker:
    return train_pairwise([(cs["X"], cs["y"]) for cs in sets], l2=l2)


def choose_l2(train: list[dict], grid=(1e-4, 1e-3, 1e-2, 1e-1)) -> tuple[float, dict]:
    folds = [train[i::4] for i in range(4)]
    cv = {}
    for l2 in grid:
        scores = []
        for k in range(4):
            fit_on = [cs for j, f in enumerate(folds) if j != k for cs in f]
            scores.append(mean_ndcg(fit(fit_on, l2), folds[k]))
        cv[l2] = float(np.mean(scores))
        print(f"  l2={l2:g}: cross-validated nDCG@10 {cv[l2]:.4f}")
    return max(cv, key=cv.get), cv


def evaluate(engine, ranker: Ranker, questions: list[dict], sets: list[dict]) -> dict:
    """Held-out metrics of bm25 / dense / rrf / learned-hybrid (the real search path, MMR included)."""
    ret = engine.retriever
    saved = ret.ranker
    rows: dict[str, list[tuple[str, dict]]] = {m: [] for m in ("bm25", "dense", "rrf", "hybrid")}
    rrf = Ranker.rrf_only()
    try:
        for q, cs in zip(questions, sets):
            parsed = ret.parse(q["question"])
            rows["bm25"].append((q["type"], metrics([h.document_id for h in ret.lexical(parsed, 100, 100)],
                                                    q["relevant"])))
            rows["dense"].append((q["type"], metrics([h.document_id for h in ret.dense(parsed, 100, 100)],
                                                     q["relevant"])))
            rows["rrf"].append((q["type"], metrics(rank_docs(rrf, cs), q["relevant"])))
            ret.ranker = ranker
            rows["hybrid"].append((q["type"], metrics([h.document_id for h in ret.hybrid(parsed, 100, N_CAND)],
                                                      q["relevant"])))
            ret.ranker = saved
    finally:
        ret.ranker = saved
    report = {}
    for name, vals in rows.items():
        by_type: dict[str, dict] = {}
        for t in ["all"] + sorted({t for t, _ in vals}):
            sel = [m for tt, m in vals if t == "all" or tt == t]
            by_type[t] = {k: round(float(np.mean([m[k] for m in sel])), 4) for k in sel[0]} | {"n": len(sel)}
        report[name] = by_type
    return report


def print_report(report: dict) -> None:
    types = list(report["bm25"])
    print(f"{'retriever':<9} {'type':<9} {'n':>4} {'R@10':>7} {'R@100':>7} {'nDCG@10':>8} {'MRR@10':>7}")
    for t in types:
        for name, by in report.items():
            m = by[t]
            print(f"{name:<9} {t:<9} {m['n']:>4} {m['recall@10']:>7.4f} {m['recall@100']:>7.4f} "
                  f"{m['ndcg@10']:>8.4f} {m['mrr@10']:>7.4f}")
    base = report["bm25"]
    print("\nhybrid - bm25, nDCG@10 points: " + ", ".join(
        f"{t} {100 * (report['hybrid'][t]['ndcg@10'] - base[t]['ndcg@10']):+.1f}" for t in types))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    ap.add_argument("--home", default="/tmp/curbside-bioasq", help="store to build or reuse")
    ap.add_argument("--out", default=str(WEIGHTS_PATH))
    ap.add_argument("--l2", type=float, default=None, help="skip cross-validation and use this L2")
    args = ap.parse_args()
    shared = Path(args.shared)
    if not (shared / "data/eval/bioasq/questions_dev.jsonl").exists():
        sys.exit(f"{shared}: no data/eval/bioasq/questions_dev.jsonl (pass the shared/ folder)")
    engine = open_store(shared, Path(args.home))
    known = {d.id for d in engine.sources()}
    qs = load_questions(shared, known)
    train_q = [q for q in qs if not in_held_out(q["id"], HELD_OUT)]
    test_q = [q for q in qs if in_held_out(q["id"], HELD_OUT)]
    print(f"{len(qs)} questions with a relevant document in the corpus: {len(train_q)} train, {len(test_q)} held out")
    print("candidates for training questions ...")
    train = candidate_sets(engine, train_q)
    if args.l2 is None:
        l2, cv = choose_l2(train)
    else:
        l2, cv = args.l2, {}
    ranker = fit(train, l2)
    print("weights:", ", ".join(f"{f} {w:+.3f}" for f, w in zip(FEATURES, ranker.weights)))
    print("held-out evaluation ...")
    test = candidate_sets(engine, test_q)
    report = evaluate(engine, ranker, test_q, test)
    print_report(report)
    ranker.info = {
        "model": "linear RankNet on standardised features (scripts/train_ranker.py)",
        "trained_on": f"BioASQ dev questions_dev.jsonl over corpus_dev.jsonl: {len(train_q)} questions "
                      f"(ranker.in_held_out(id, {HELD_OUT}) is False)",
        "candidates": f"BM25 top-{N_CAND} union dense top-{N_CAND}",
        "l2": l2, "cv_ndcg@10": {str(k): round(v, 4) for k, v in cv.items()},
        "held_out": {"fraction": HELD_OUT, "questions": len(test_q),
                     "ndcg@10": {name: by["all"]["ndcg@10"] for name, by in report.items()}},
        "date": date.today().isoformat(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(ranker.to_json(), indent=1) + "\n")
    print(f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
