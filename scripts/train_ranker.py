"""Train the hybrid ranker on several question styles and report every style's held-out part.

    python scripts/train_ranker.py [SHARED=../shared] [--sets DIR] [--home BIO_STORE] [--medquad-home STORE]
                                   [--out PATH] [--l2 X [--without-priors] [--drop F,..]] [--max-train N] [--max-eval N] [--report-only]

Styles (each its own question file and store):

- `medquad`: MedQuAD questions against MedQuAD answers (graded: own answer and same-focus same-type answers 2,
  other answers on the focus 1), CC BY 4.0: trained on.
- `medquad_long`: the same questions written as long consumer messages (scripts/make_retrieval_sets.py):
  trained on.
- `pubmedqa`: PubMedQA questions against their abstracts mixed into the BioASQ dev corpus (MIT): trained on.
- `bioasq`: BioASQ dev questions against its corpus: **evaluation only** (BioASQ's terms), never trained on.

1. Builds the question sets (scripts/make_retrieval_sets.py, into --sets) and the stores when missing: --home
   holds BioASQ corpus_dev.jsonl + the PubMedQA abstracts, --medquad-home the MedQuAD answers, with embeddings
   (vectors are cached by content hash, so a second run embeds nothing).
2. Splits each style by a hash of the question's group (MedQuAD: its focus, so near-duplicate questions never
   straddle the split) or id (`ranker.in_held_out`, 40 % held out), never used in training or selection.
3. For up to --max-train training questions per style takes the candidates hybrid search ranks (BM25 top-N over
   the question's focus union dense top-N over its focus too, --dense-view), their features and graded labels; fits a
   linear pairwise ranker (every pair of different grades), each style weighing the same; chooses the feature
   set (with or without style-specific priors) and L2 by 2-fold cross-validation on the training styles plus
   BioASQ's non-held-out questions as a validation style (scored, never fitted on), by the mean over styles.
4. Reports nDCG@10, Recall@10/100 and MRR@10 of bm25, dense, rrf and the learned hybrid (with MMR and the
   per-document cap, as search runs it) on up to --max-eval held-out questions per style, plus the guard
   (hybrid - max(bm25, dense) >= -1 point), and writes the weights (a few KB, no data) with those numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from curbside.evaluation.metrics import dedupe, mrr_at, ndcg_at, recall_at  # noqa: E402
from curbside.evaluation.runner import EvalQuestion, load_questions  # noqa: E402
from curbside.retrieve.fusion import mmr  # noqa: E402
from curbside.retrieve.query import is_long  # noqa: E402
from curbside.retrieve.ranker import (FEATURES, WEIGHTS_PATH, Ranker, feature_matrix, in_held_out,  # noqa: E402
                                      train_pairwise)

HELD_OUT = 0.4
N_CAND = 100
TRAIN_STYLES = ("medquad", "medquad_long", "pubmedqa")
EVAL_ONLY = ("bioasq",)


def open_store(home: Path, corpora: list[Path]):
    from curbside.engine import Engine
    from curbside.settings import load_settings

    engine = Engine(load_settings(home, load_default_corpus=False, embed=True))
    if engine.store.counts()[0] == 0:
        t = time.perf_counter()
        s = engine.ingest(corpora)
        print(f"{home}: ingested {s.added:,} documents, {s.passages:,} passages in {time.perf_counter() - t:.0f} s")
    missing = engine.retriever.vectors.missing_count()
    if missing:
        print(f"{home}: embedding {missing:,} passages (resumable; cached by content hash) ...")
        engine.embed_missing(lambda d, n: print(f"  {d:,}/{n:,}", end="\r"))
        print()
    return engine


def _order(q: EvalQuestion) -> str:
    return hashlib.blake2b(q.id.encode(), digest_size=8).hexdigest()


def split(questions: list[EvalQuestion], known: set[str], max_train: int, max_eval: int):
    qs = []
    for q in questions:
        rel = q.relevant & known
        if not rel:
            continue
        q.relevant = rel
        if q.grades is not None:
            q.grades = {k: v for k, v in q.grades.items() if k in rel}
        qs.append(q)
    train = sorted((q for q in qs if not in_held_out(q.split_key, HELD_OUT)), key=_order)
    test = sorted((q for q in qs if in_held_out(q.split_key, HELD_OUT)), key=_order)
    return train[:max_train], test[:max_eval], len(qs)


def metrics(ranked_docs: list[str], q: EvalQuestion) -> dict[str, float]:
    r = dedupe(ranked_docs)
    rel = q.judged
    return {"ndcg@10": ndcg_at(r, rel, 10), "recall@10": recall_at(r, rel, 10),
            "recall@100": recall_at(r, rel, 100), "mrr@10": mrr_at(r, rel, 10)}


def candidate_sets(engine, questions: list[EvalQuestion], with_sim: bool, cache: Path | None = None) -> list[dict]:
    """Per question: candidate infos (features are recomputed from them on load), document ids, grades and, for
    evaluation, the near-duplicate similarities MMR needs and the bm25 / dense rankings as search returns them.
    --cache keeps them in a pickle (delete it after changing how candidates are found)."""
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            out = pickle.load(fh)
        if [cs["q"].id for cs in out] == [q.id for q in questions]:
            for cs in out:
                cs["X"] = feature_matrix(cs["infos"], long=cs["long"])
            return out
    ret = engine.retriever
    out = []
    t = time.perf_counter()
    for i, q in enumerate(questions, 1):
        parsed = ret.parse(q.question)
        c = ret.candidates(parsed, N_CAND)
        docs = [h.document_id for h in c.hits]
        g = q.judged if isinstance(q.judged, dict) else {d: 1.0 for d in q.judged}
        item = {"q": q, "docs": docs, "infos": c.infos, "long": is_long(q.question),
                "y": np.array([g.get(d, 0.0) for d in docs])}
        if with_sim:
            v = c.vectors.astype(np.float32)
            sim = v @ v.T
            item["sim"] = np.where(sim >= ret.mmr_min_similarity, sim, 0.0).astype(np.float16)
            item["has"] = c.has_vector
            item["bm25_docs"] = [h.document_id for h in ret.lexical(parsed, N_CAND, N_CAND)]
            item["dense_docs"] = [h.document_id for h in ret.dense(parsed, N_CAND, N_CAND)]
            if item["long"]:
                saved, ret.focus_long = ret.focus_long, False
                item["bm25_whole_docs"] = [h.document_id for h in ret.lexical(parsed, N_CAND, N_CAND)]
                ret.focus_long = saved
                for view in ("whole", "focus"):       # the dense channel embedding the whole message / its focus
                    item[f"dense_{view}_docs"] = [h.document_id for h in ret.dense(parsed, N_CAND, N_CAND, view)]
        out.append(item)
        if i % 50 == 0:
            print(f"  candidates {i}/{len(questions)} ({i / (time.perf_counter() - t):.1f} q/s)", end="\r")
    print()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("wb") as fh:
            pickle.dump(out, fh)
    for cs in out:
        cs["X"] = feature_matrix(cs["infos"], long=cs["long"])
    return out


def rank_docs(ranker: Ranker, cs: dict, diversify: bool = False, engine=None) -> list[str]:
    s = ranker.score(cs["X"])
    if not diversify:
        return [cs["docs"][i] for i in np.argsort(-s, kind="stable")]
    ret = engine.retriever
    pool = np.argsort(-s, kind="stable")[: max(N_CAND * 3, N_CAND + 20)]
    picked = mmr(s[pool], None, N_CAND, lambda_=ret.mmr_lambda, groups=[cs["docs"][i] for i in pool],
                 max_per_group=ret.max_per_document, has_vector=cs["has"][pool],
                 min_similarity=ret.mmr_min_similarity, similarity=cs["sim"][np.ix_(pool, pool)])
    return [cs["docs"][pool[i]] for i in picked]


def mean_ndcg(ranker: Ranker, sets: list[dict]) -> float:
    return float(np.mean([metrics(rank_docs(ranker, cs), cs["q"])["ndcg@10"] for cs in sets])) if sets else 0.0


# style-specific priors (document type, date, section, length, first passage): the model may do without them
PRIORS = ("evidence", "recency", "key_section", "length", "lead")
CONFIGS = {"all features": (), "without priors": PRIORS}


def dropped(config: str, extra: str = "") -> tuple[str, ...]:
    """The features a configuration fits without, plus a comma list of others (--drop); an unknown name is a
    ValueError."""
    names = tuple(CONFIGS[config]) + tuple(f for f in dict.fromkeys(extra.split(",")) if f and f not in CONFIGS[config])
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(unknown)}; features: {', '.join(FEATURES)}")
    return names


def fit(by_style: dict[str, list[dict]], l2: float, drop: tuple[str, ...] = ()) -> Ranker:
    """Each style weighs the same; features in `drop` are zeroed (constant columns get weight 0)."""
    cols = [FEATURES.index(f) for f in drop]
    groups, weights = [], []
    for sets in by_style.values():
        for cs in sets:
            X = cs["X"]
            if cols:
                X = X.copy()
                X[:, cols] = 0.0
            groups.append((X, cs["y"]))
            weights.append(1.0 / len(sets))
    ranker = train_pairwise(groups, l2=l2, group_weights=weights)
    ranker.info["dropped"] = list(drop)
    return ranker


def select(train: dict[str, list[dict]], validate: dict[str, list[dict]],
           grid=(1e-2, 1e-1, 1.0)) -> tuple[str, float, dict]:
    """Choose the feature set and L2: nDCG@10 of 2-fold cross-validation on each training style and, for
    validation-only styles (BioASQ's non-held-out questions: never fitted on), of the model fitted on all
    training questions; the choice maximises the mean over styles."""
    folds = [{s: sets[k::2] for s, sets in train.items()} for k in range(2)]
    table = {}
    for name, drop in CONFIGS.items():
        for l2 in grid:
            per_style = {s: [] for s in train}
            for k in range(2):
                model = fit(folds[1 - k], l2, drop)
                for s, sets in folds[k].items():
                    per_style[s].append(mean_ndcg(model, sets))
            scores = {s: round(float(np.mean(v)), 4) for s, v in per_style.items()}
            if validate:
                model = fit(train, l2, drop)
                scores |= {s: round(mean_ndcg(model, sets), 4) for s, sets in validate.items()}
            table[f"{name}, l2={l2:g}"] = scores
            print(f"  {name:<15} l2={l2:<6g} " + ", ".join(f"{s} {v:.4f}" for s, v in scores.items()) +
                  f"  mean {np.mean(list(scores.values())):.4f}")
    best = max(table, key=lambda k: float(np.mean(list(table[k].values()))))
    name, l2 = best.split(", l2=")
    return name, float(l2), table


def evaluate(engine, ranker: Ranker, sets: list[dict]) -> dict:
    """Held-out metrics: bm25 and dense as search runs them (bm25_whole / dense_whole: a long question's
    lexical channel reading the whole message, dense without focus-only expansions), rrf and the learned hybrid
    over the same candidates with MMR and the per-document cap, as hybrid search runs them."""
    rows: dict[str, list[dict]] = {m: [] for m in ("bm25", "bm25_whole", "dense", "dense_whole", "dense_focus",
                                                   "rrf", "hybrid")}
    rrf = Ranker.rrf_only()
    for cs in sets:
        q = cs["q"]
        for name in ("bm25", "dense"):
            rows[name].append(metrics(cs[f"{name}_docs"], q))
            rows[f"{name}_whole"].append(metrics(cs.get(f"{name}_whole_docs", cs[f"{name}_docs"]), q))
        rows["dense_focus"].append(metrics(cs.get("dense_focus_docs", cs["dense_docs"]), q))
        rows["rrf"].append(metrics(rank_docs(rrf, cs, True, engine), q))
        rows["hybrid"].append(metrics(rank_docs(ranker, cs, True, engine), q))
    return {name: {k: round(float(np.mean([m[k] for m in vals])), 4) for k in vals[0]} | {"n": len(vals)}
            for name, vals in rows.items() if vals}


def role(style: str, has_questions: bool, report_only: bool, l2_given: bool) -> str | None:
    """What a style's non-held-out questions are used for: "train" (fitted on), "validate" (scored in the
    selection, never fitted on: the evaluation-only styles, and only when there is a selection) or None."""
    if not has_questions or report_only:
        return None
    if style in EVAL_ONLY:
        return None if l2_given else "validate"
    return "train"


def guard_failures(reports: dict[str, dict], points: float = 1.0) -> list[str]:
    """Styles where the learned hybrid is worse than the better of its two channels by more than `points`."""
    return [s for s, rep in reports.items()
            if rep["hybrid"]["ndcg@10"] < max(rep["bm25"]["ndcg@10"], rep["dense"]["ndcg@10"]) - points / 100]


def print_report(reports: dict[str, dict]) -> None:
    print(f"\n{'style':<13} {'retriever':<10} {'n':>4} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7}")
    for style, rep in reports.items():
        for name, m in rep.items():
            print(f"{style:<13} {name:<10} {m['n']:>4} {m['ndcg@10']:>8.4f} {m['recall@10']:>7.4f} "
                  f"{m['recall@100']:>7.4f} {m['mrr@10']:>7.4f}")
    print("\nnDCG@10 points: hybrid - max(bm25, dense) [guard >= -1], hybrid - max(bm25, dense, rrf) [target >= +3]")
    for style, rep in reports.items():
        best_channel = max(rep["bm25"]["ndcg@10"], rep["dense"]["ndcg@10"])
        best_all = max(best_channel, rep["rrf"]["ndcg@10"])
        h = rep["hybrid"]["ndcg@10"]
        print(f"  {style:<13} {100 * (h - best_channel):+.1f}  {100 * (h - best_all):+.1f}"
              f"{'' if h - best_channel >= -0.01 else '  GUARD FAILS'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    ap.add_argument("--sets", default="/tmp/curbside-sets", help="question sets (built when missing)")
    ap.add_argument("--home", default="/tmp/curbside-bioasq", help="BioASQ + PubMedQA store to build or reuse")
    ap.add_argument("--medquad-home", default="/tmp/curbside-medquad", help="MedQuAD store to build or reuse")
    ap.add_argument("--out", default=str(WEIGHTS_PATH))
    ap.add_argument("--l2", type=float, default=None, help="skip cross-validation and use this L2")
    ap.add_argument("--without-priors", action="store_true",
                    help="with --l2: fit without the style-specific priors (" + ", ".join(PRIORS) + ")")
    ap.add_argument("--drop", default="", help="with --l2: comma list of features to fit without (weight 0)")
    ap.add_argument("--max-train", type=int, default=700, help="training questions per style (at most)")
    ap.add_argument("--max-eval", type=int, default=400, help="held-out questions per style (at most)")
    ap.add_argument("--report-only", action="store_true", help="evaluate the shipped weights; write nothing")
    ap.add_argument("--allow-guard-failure", action="store_true",
                    help="write the weights even when a style's hybrid trails its better channel by > 1 point")
    ap.add_argument("--cache", default=None, help="folder to keep candidate sets in between runs")
    ap.add_argument("--styles", default="medquad,medquad_long,pubmedqa,bioasq", help="comma-separated subset")
    ap.add_argument("--dense-view", choices=("whole", "focus"), default="focus",
                    help="what the dense query embeds of a long question (Retriever.dense_view; the other view is "
                         "the other_cos_z feature)")
    args = ap.parse_args()
    shared, sets_dir = Path(args.shared), Path(args.sets)
    bioasq_q = shared / "data/eval/bioasq/questions_dev.jsonl"
    if not bioasq_q.exists():
        sys.exit(f"{shared}: no data/eval/bioasq/questions_dev.jsonl (pass the shared/ folder)")
    if not (sets_dir / "medquad_long.jsonl").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts/make_retrieval_sets.py"), str(shared), "--out",
                        str(sets_dir)], check=True)
    wanted = args.styles.split(",")
    bio = mq = None
    if {"pubmedqa", "bioasq"} & set(wanted):
        bio = open_store(Path(args.home), [shared / "data/eval/bioasq/corpus_dev.jsonl",
                                           sets_dir / "pubmedqa_corpus.jsonl"])
    if {"medquad", "medquad_long"} & set(wanted):
        mq = open_store(Path(args.medquad_home), [sets_dir / "medquad_corpus.jsonl"])
    for e in (bio, mq):
        if e is not None:
            e.retriever.dense_view = args.dense_view
    styles = {"medquad": (sets_dir / "medquad.jsonl", mq), "medquad_long": (sets_dir / "medquad_long.jsonl", mq),
              "pubmedqa": (sets_dir / "pubmedqa.jsonl", bio), "bioasq": (bioasq_q, bio)}
    styles = {s: v for s, v in styles.items() if s in wanted}
    known = {id(e): {d.id for d in e.sources()} for e in (bio, mq) if e is not None}
    train, test, validate = {}, {}, {}

    def cache(style: str, part: str) -> Path | None:
        return Path(args.cache) / f"{style}-{part}.pkl" if args.cache else None

    for style, (path, engine) in styles.items():
        tr, te, n = split(list(load_questions(path)), known[id(engine)], args.max_train, args.max_eval)
        print(f"{style}: {n} questions with a judged document in the store; {len(tr)} "
              f"{'validation (never fitted on)' if style in EVAL_ONLY else 'train'}, {len(te)} held out")
        use = role(style, bool(tr), args.report_only, args.l2 is not None)
        if use == "validate":
            validate[style] = candidate_sets(engine, tr, with_sim=False, cache=cache(style, "validate"))
        elif use == "train":
            print(f"candidates for {style} training questions ...")
            train[style] = candidate_sets(engine, tr, with_sim=False, cache=cache(style, "train"))
        test[style] = te
    if args.report_only:
        ranker, l2, cv, config, drop = Ranker.load(), None, {}, "", ()
    else:
        if args.l2 is not None:
            config, l2, cv = "without priors" if args.without_priors else "all features", args.l2, {}
        else:
            config, l2, cv = select(train, validate)
        print(f"chosen: {config}, l2={l2:g}")
        assert not set(train) & set(EVAL_ONLY), "an evaluation-only style would be fitted on"
        try:
            drop = dropped(config, args.drop)
        except ValueError as exc:
            sys.exit(f"--drop: {exc}")
        ranker = fit(train, l2, drop)
    print("weights:", ", ".join(f"{f} {w:+.3f}" for f, w in zip(FEATURES, ranker.weights)))
    reports = {}
    for style, qs in test.items():
        engine = styles[style][1]
        print(f"held-out evaluation: {style} ...")
        reports[style] = evaluate(engine, ranker, candidate_sets(engine, qs, with_sim=True, cache=cache(style, "test")))
    print_report(reports)
    failed = guard_failures(reports)
    if args.report_only:
        sys.exit(1 if failed else 0)
    if failed and not args.allow_guard_failure:
        sys.exit(f"guard fails on {', '.join(failed)}: weights not written (--allow-guard-failure to write them)")
    ranker.info = {
        "model": "linear RankNet on standardised features (scripts/train_ranker.py)",
        "trained_on": {s: len(v) for s, v in train.items()},
        "trained_on_note": "MedQuAD (CC BY 4.0) short and long-message questions, PubMedQA (MIT): questions "
                           "with ranker.in_held_out(group or id, 0.4) False; BioASQ: never fitted on (its "
                           "non-held-out questions only help choose among the configurations)",
        "candidates": f"BM25 top-{N_CAND} union dense top-{N_CAND}; a long question's BM25 query is its focus, its "
                      f"dense query {'its focus' if args.dense_view == 'focus' else 'the whole message'}",
        "dense_view": args.dense_view,
        "l2": l2, "features_used": config, "dropped": list(drop), "selection_ndcg@10": cv,
        "held_out": {"fraction": HELD_OUT, "ndcg@10": {s: {name: m["ndcg@10"] for name, m in rep.items()} | {"n": rep["hybrid"]["n"]}
                                                       for s, rep in reports.items()}},
        "date": date.today().isoformat(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(ranker.to_json(), indent=1) + "\n")
    print(f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
