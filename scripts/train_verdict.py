"""Train the yes/no verdict model (src/curbside/data/verdict_weights.json) and measure it.

    python scripts/train_verdict.py [SHARED] [--bioasq-home /tmp/cs/bioasq] [--cache /tmp/verdict_cache]
                                    [--no-write] [--no-embed]

Training data: PubMedQA expert-labelled items (`SHARED/data/eval/pubmedqa/pqal_dev.jsonl`, MIT licence). A fixed
seed splits them into 350 development items (training, 5-fold cross-validation for model choice, Platt
calibration and the "unclear" threshold on out-of-fold predictions) and 150 held-out items (reported only).
Each item becomes one training example per evidence view: (1) its abstract's sentences plus the conclusion
(long_answer), (2) the abstract's sentences without the conclusion; sentences ordered best first by their
relevance to the question and cut to the top 10, as an article would select them.

BioASQ (`SHARED/data/eval/bioasq/questions_dev.jsonl`, NLM terms: evaluation only) is never used to train or
tune: its yes/no questions are only measured, (a) with the gold snippets split into sentences, (b) with the top
sentences of Curbside's own search over a store built from `corpus_dev.jsonl` (`--bioasq-home`, skipped when
absent). Two models are shipped: "features" (no embedder) and "embed" (adds MiniLM question-sentence cosines);
`decide()` picks the second when the embedder is installed. Embeddings are cached under --cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from curbside.answer import verdict as V  # noqa: E402
from curbside.corpus.passages import sentence_spans, normalise_block  # noqa: E402

SEED = 20261201
TOP_K = 10
N_TEST = 150


def split_sentences(text: str) -> list[str]:
    t = normalise_block(text)
    return [t[s:e] for s, e in sentence_spans(t) if len(t[s:e].strip()) > 1]


# ---------------------------------------------------------------- embeddings (cached on disk)

class EmbCache:
    def __init__(self, path: Path | None, enabled: bool):
        self.path = path
        self.enabled = enabled
        self.vecs: dict[str, np.ndarray] = {}
        self.dirty = False
        if enabled and path and path.exists():
            z = np.load(path)
            self.vecs = dict(zip(z["keys"].tolist(), z["vecs"]))
        self._emb = None

    @staticmethod
    def key(t: str) -> str:
        return hashlib.blake2b(t.strip().encode(), digest_size=12).hexdigest()

    def ensure(self, texts: list[str]) -> None:
        if not self.enabled:
            return
        need = sorted({t for t in texts if self.key(t) not in self.vecs})
        if not need:
            return
        if self._emb is None:
            from curbside.retrieve.embed import Embedder
            self._emb = Embedder(threads=1)
        t0 = time.time()
        for s in range(0, len(need), 512):
            chunk = need[s:s + 512]
            vs = self._emb.encode(chunk)
            for t, v in zip(chunk, vs):
                self.vecs[self.key(t)] = v
            self.dirty = True
            print(f"  embedded {s + len(chunk)}/{len(need)} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
            self.save()

    def get(self, t: str) -> np.ndarray:
        return self.vecs[self.key(t)]

    def save(self) -> None:
        if self.enabled and self.path and self.dirty:
            keys = list(self.vecs)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(keys), vecs=np.stack([self.vecs[k] for k in keys]).astype(np.float32))
            tmp.replace(self.path)
            self.dirty = False


# ---------------------------------------------------------------- examples

def order_by_relevance(question: str, sents: list[str]) -> list[str]:
    q = V._parse_question(question)
    def rel(s: str) -> float:
        t = V.content_terms(s)
        return len(q.terms & t) / max(1, len(q.terms))
    return sorted(sents, key=lambda s: -rel(s))


def pubmedqa_examples(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        ctx = [s for c in r["contexts"] for s in split_sentences(c)]
        concl = split_sentences(r.get("long_answer") or "")
        label = r["final_decision"]
        for view, sents in (("with_conclusion", ctx + concl), ("abstract_only", ctx)):
            out.append({"id": r["pmid"], "view": view, "question": r["question"], "label": label,
                        "sentences": order_by_relevance(r["question"], sents)[:TOP_K],
                        "good": set(concl) if view == "with_conclusion" else None})
    return out


def bioasq_gold_examples(questions: list[dict]) -> list[dict]:
    out = []
    for q in questions:
        sents: list[str] = []
        seen = set()
        for sn in q.get("snippets") or []:
            for s in split_sentences(sn["text"].replace("<br>", " ")):
                k = s.lower()
                if k not in seen:
                    seen.add(k)
                    sents.append(s)
        out.append({"id": q["id"], "view": "gold_snippets", "question": q["question"],
                    "label": str(q["exact_answer"]).lower(), "sentences": sents[:TOP_K]})
    return out


def bioasq_retrieved_examples(questions: list[dict], home: Path, cache: Path) -> list[dict] | None:
    """Top sentences of Curbside's search hits (hybrid when the store has vectors), cached as JSON."""
    if cache.exists():
        data = json.loads(cache.read_text())
    else:
        if not (home / "curbside.sqlite").exists():
            return None
        from curbside.engine import open_engine
        eng = open_engine(home)
        data = {}
        t0 = time.time()
        for i, q in enumerate(questions):
            hits = eng.search(q["question"], top_k=10)
            data[q["id"]] = [{"text": h.text, "score": float(h.score), "doc": h.document_id} for h in hits]
            if i % 100 == 0:
                print(f"  searched {i}/{len(questions)} ({time.time() - t0:.0f}s, mode {eng.retriever.last_mode})",
                      file=sys.stderr, flush=True)
        cache.write_text(json.dumps(data))
    out = []
    for q in questions:
        hits = data.get(q["id"]) or []
        relevant = {f"pmid:{p}" for p in q.get("relevant_pmids") or []}
        good = set()
        cands: list[tuple[float, int, str, float]] = []
        pq = V._parse_question(q["question"])
        for rank, h in enumerate(hits[:5]):
            for s in split_sentences(h["text"]):
                ov = len(pq.terms & V.content_terms(s)) / max(1, len(pq.terms))
                cands.append((ov / (1 + 0.15 * rank), rank, s, h["score"]))
                if h.get("doc") in relevant:
                    good.add(s)
        cands.sort(key=lambda c: -c[0])
        seen, sents, scores = set(), [], []
        for rel, _, s, sc in cands:
            if s.lower() in seen:
                continue
            seen.add(s.lower())
            sents.append(s)
            scores.append(rel)
            if len(sents) >= TOP_K:
                break
        out.append({"id": q["id"], "view": "retrieved", "question": q["question"],
                    "label": str(q["exact_answer"]).lower(), "sentences": sents, "scores": scores,
                    "good": good})
    return out


def bioasq_article_examples(questions: list[dict], home: Path, cache: Path) -> list[dict] | None:
    """The sentences Curbside's own article quotes for the question (body items in order, their relevance as
    scores), cached as JSON; abstained articles give no sentences (scored as unclear)."""
    data = json.loads(cache.read_text()) if cache.exists() else {}
    todo = [q for q in questions if q["id"] not in data]
    if todo:
        if not (home / "curbside.sqlite").exists():
            return None
        from curbside.engine import open_engine
        eng = open_engine(home)
        t0 = time.time()
        for i, q in enumerate(todo):
            try:
                art = eng.ask(q["question"], save=False).model_dump()
            except Exception as exc:   # an article that fails to build counts as no evidence
                print(f"  ask failed for {q['id']}: {exc}", file=sys.stderr)
                art = {"abstained": True}
            items = []
            if not art.get("abstained"):
                for sec in art.get("sections") or []:
                    if sec.get("kind") == "notice":
                        continue
                    for it in sec.get("items") or []:
                        if it.get("kind", "quote") in ("quote", "claim") and (it.get("text") or "").strip():
                            items.append({"text": it["text"], "score": it.get("relevance")})
            data[q["id"]] = items
            if i % 25 == 0:
                print(f"  asked {i}/{len(todo)} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
                cache.write_text(json.dumps(data))
        cache.write_text(json.dumps(data))
    out = []
    for q in questions:
        items = data.get(q["id"]) or []
        scores = [it["score"] for it in items]
        out.append({"id": q["id"], "view": "article", "question": q["question"], "label": str(q["exact_answer"]).lower(),
                    "sentences": [it["text"] for it in items][:TOP_K],
                    "scores": scores[:TOP_K] if all(isinstance(x, (int, float)) for x in scores) else None})
    return out


# ---------------------------------------------------------------- model fitting

def vectors_for(ex: dict, cache: EmbCache | None, key: str = "sentences"):
    if cache is None or not cache.enabled or not ex[key]:
        return None
    return (cache.get(ex["question"]).astype(np.float64),
            np.stack([cache.get(s) for s in ex[key]]).astype(np.float64))


def target(question: str, label: str) -> float:
    y = 1.0 if label == "yes" else 0.0
    if V._parse_question(question).negated:
        y = 1.0 - y   # the model reads evidence for the positive claim; decide() flips it back
    return y


def fit_lr(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 60) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (X standardised by the caller)."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    reg = np.full(d + 1, float(l2))
    reg[-1] = 0.0
    w = np.zeros(d + 1)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(A @ w)))
        g = A.T @ (p - y) + reg * w
        H = (A * (p * (1 - p))[:, None]).T @ A + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:d], float(w[-1])


def train_linear(X: np.ndarray, y: np.ndarray, l2: float) -> V._Linear:
    mu = X.mean(0)
    sd = X.std(0)
    sd[sd < 1e-9] = 1.0
    w, b = fit_lr((X - mu) / sd, y, l2)
    return V._Linear(mu, sd, w, b)


def logloss(z: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, -(2 * y - 1) * z)))


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    w, b = fit_lr(z[:, None], y, 1e-3)
    return float(w[0]), b


def choose_threshold(conf: np.ndarray, correct: np.ndarray, min_coverage: float, target_acc: float) -> float:
    """The lowest confidence threshold at which the decided (not unclear) answers reach target_acc, as long as
    coverage stays >= min_coverage; else the highest threshold that keeps min_coverage."""
    best = 0.5
    for t in np.unique(np.round(np.concatenate([[0.5], conf]), 4)):
        keep = conf >= t
        if keep.mean() < min_coverage:
            break
        best = float(t)
        if correct[keep].mean() >= target_acc:
            break
    return best


def linear_json(m: V._Linear) -> dict:
    r = lambda v: [round(float(x), 6) for x in v]  # noqa: E731
    return {"mu": r(m.mu), "sd": r(m.sd), "w": r(m.w), "b": round(float(m.b), 6)}


def fit_variant(name: str, train_exs: list[dict], concl: list[dict], findings: list[dict], fold_of: dict,
                emb: EmbCache | None,
                args, grid=(1.0, 3.0, 10.0, 30.0, 100.0, 300.0)) -> dict:
    """Two stages, cross-validated by item: a sentence-level polarity model on conclusion sentences, then the
    question-level model on pooled features + aggregates of the sentence model (computed out of fold)."""
    use_cos = emb is not None
    y = np.array([target(e["question"], e["label"]) for e in train_exs])
    g = np.array([fold_of[e["id"]] for e in train_exs])
    # sentence level
    SF = np.array([V.sentence_matrix(c["question"], [c["sentence"]],
                                     vectors_for({"question": c["question"], "s": [c["sentence"]]}, emb, "s"))[1][0]
                   for c in concl])
    sy = np.array([target(c["question"], c["label"]) for c in concl])
    sg = np.array([fold_of[c["id"]] for c in concl])
    best_s = None
    for l2 in grid:
        oof = np.zeros(len(sy))
        for k in range(5):
            m = train_linear(SF[sg != k], sy[sg != k], l2)
            oof[sg == k] = m.z(SF[sg == k])
        ll = logloss(oof, sy)
        if best_s is None or ll < best_s[0]:
            best_s = (ll, l2, float(np.mean((oof > 0) == (sy > 0.5))))
    s_l2 = best_s[1]
    # question-level features with out-of-fold sentence models
    # finding model: does a sentence state a finding (results, decided conclusions) or background/aim/uncertainty?
    FX = np.array([V.sentence_matrix(f["question"], [f["sentence"]],
                                     vectors_for({"question": f["question"], "s": [f["sentence"]]}, emb, "s"))[1][0]
                   for f in findings])
    fy = np.array([f["finding"] for f in findings], dtype=float)
    finding = train_linear(FX, fy, 10.0)
    fg = np.array([fold_of.get(f["id"], 0) for f in findings])
    foof = np.zeros(len(fy))
    for k in range(5):
        foof[fg == k] = train_linear(FX[fg != k], fy[fg != k], 10.0).z(FX[fg == k])
    X = np.zeros((len(train_exs), len(V.FEATURES)))
    fold_models = {k: train_linear(SF[sg != k], sy[sg != k], s_l2) for k in range(5)}
    for i, e in enumerate(train_exs):
        X[i] = V.featurize(e["question"], e["sentences"], e.get("scores"), vectors_for(e, emb),
                           fold_models[g[i]], finding)[0]
    cols = np.array([i for i, f in enumerate(V.FEATURES)
                     if args.design == "combined" or (args.design == "stacked") == f.startswith("s:")])
    X = X[:, cols]
    best = None
    for l2 in ([args.question_l2] if args.question_l2 else grid):
        oof = np.zeros(len(y))
        for k in range(5):
            m = train_linear(X[g != k], y[g != k], l2)
            oof[g == k] = m.z(X[g == k])
        ll = logloss(oof, y)
        if args.select:
            print(f"  {name:9s} question l2={l2:<6} cv logloss {ll:.4f} acc {np.mean((oof > 0) == (y > 0.5)):.3f}")
        if best is None or ll < best[0]:
            best = (ll, l2, oof.copy())
    ll, l2, oof = best
    a, b = platt(oof, y)
    pc = 1 / (1 + np.exp(-(a * oof + b)))
    conf = np.maximum(pc, 1 - pc)
    thr = choose_threshold(conf, (pc >= 0.5) == (y > 0.5), args.min_coverage, args.target_acc)
    curve = "; ".join(f">={t:.2f}: cov {np.mean(conf >= t):.2f} acc {np.mean(((pc >= 0.5) == (y > 0.5))[conf >= t]):.3f}"
                      for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75) if np.any(conf >= t))
    print(f"{name}: out-of-fold confidence curve (PubMedQA development part): {curve}")
    # off-topic gate: evidence covering less of the question than (almost) every on-topic training abstract
    ov_col = V.SENTENCE_FEATURES.index("overlap")
    max_ov = np.array([V.sentence_matrix(e["question"], e["sentences"])[1][:, ov_col].max() for e in train_exs])
    min_ov = float(np.quantile(max_ov, 0.02))
    sentence = train_linear(SF, sy, s_l2)
    probe = V._Model(sentence, sentence, 1.0, 0.0, 0.5, min_ov, finding, 0.0, use_cos, np.arange(1))
    strength = np.array([V.evidence_strength(probe, V.sentence_matrix(e["question"], e["sentences"],
                                                                      vectors_for(e, emb))[1]) for e in train_exs])
    # a verdict needs one on-topic sentence that reads as a finding at least as surely as in 90% of the training
    # abstracts (--finding-quantile)
    min_finding = float(np.quantile(strength, args.finding_quantile))
    print(f"{name}: evidence strength on training examples: 2/5/10% quantiles "
          f"{np.quantile(strength, [0.02, 0.05, 0.1]).round(3).tolist()}, share below 0.5 {np.mean(strength < 0.5):.3f}")
    print(f"{name}: finding model on {len(fy)} sentences ({int(fy.sum())} findings; cv acc "
          f"{np.mean((foof > 0) == (fy > 0.5)):.3f}); unclear when the best on-topic finding < {min_finding:.3f}")
    question = train_linear(X, y, l2)
    print(f"{name}: sentence model on {len(sy)} conclusion sentences (cv logloss {best_s[0]:.4f}, acc {best_s[2]:.3f},"
          f" l2 {s_l2}); question model on {len(y)} examples (cv logloss {ll:.4f}, acc "
          f"{np.mean((oof > 0) == (y > 0.5)):.3f}, l2 {l2}); platt a={a:.3f} b={b:.3f}; unclear below {thr:.3f}; "
          f"off-topic below overlap {min_ov:.3f}")
    return {"sentence": linear_json(sentence), "question": linear_json(question), "platt": [a, b],
            "threshold": thr, "min_overlap": round(min_ov, 4), "use_cos": use_cos,
            "finding": linear_json(finding), "min_finding": round(min_finding, 4),
            "design": args.design, "columns": cols.tolist(),
            "cv": {"logloss": round(ll, 4), "accuracy": round(float(np.mean((oof > 0) == (y > 0.5))), 4),
                   "l2": l2, "sentence_l2": s_l2, "sentence_logloss": round(best_s[0], 4)}}


def metrics(exs: list[dict], results: list[V.VerdictResult]) -> dict:
    yn = [(e, r) for e, r in zip(exs, results) if e["label"] in ("yes", "no")]
    decided = [(e, r) for e, r in yn if r.verdict != V.UNCLEAR]
    correct = sum(e["label"] == r.verdict for e, r in decided)
    maybe = [(e, r) for e, r in zip(exs, results) if e["label"] == "maybe"]
    always_yes = sum(e["label"] == "yes" for e, _ in yn) / max(1, len(yn))
    # supporting sentence: a conclusion sentence (PubMedQA) / from a relevant PMID (BioASQ retrieved), vs the share
    # of such sentences among those given (what a random pick would reach)
    judged = [(e, r) for e, r in decided if e.get("good") is not None and r.index is not None]
    support = (sum(e["sentences"][r.index] in e["good"] for e, r in judged) / len(judged)) if judged else None
    support_base = (sum(sum(s in e["good"] for s in e["sentences"]) / len(e["sentences"]) for e, _ in judged)
                    / len(judged)) if judged else None
    return {"n": len(yn), "coverage": len(decided) / max(1, len(yn)),
            "polarity": correct / max(1, len(decided)),
            "acc_all": correct / max(1, len(yn)), "maybe_unclear": (sum(r.verdict == V.UNCLEAR for _, r in maybe)
                                                                 / len(maybe)) if maybe else None,
            "yes_share": always_yes,
            "support": support, "support_base": support_base,
            "no_recall": (sum(r.verdict == "no" for e, r in yn if e["label"] == "no")
                          / max(1, sum(e["label"] == "no" for e, _ in yn)))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"))
    ap.add_argument("--bioasq-home", default="/tmp/cs/bioasq")
    ap.add_argument("--cache", default="/tmp/verdict_cache")
    ap.add_argument("--no-write", action="store_true", help="measure only; leave the shipped weights alone")
    ap.add_argument("--no-embed", action="store_true", help="skip the MiniLM model (features-only)")
    ap.add_argument("--min-coverage", type=float, default=0.85)
    ap.add_argument("--target-acc", type=float, default=0.80)
    ap.add_argument("--finding-quantile", type=float, default=0.10)
    ap.add_argument("--no-retrieved", action="store_true", help="skip BioASQ measured on retrieved sentences")
    ap.add_argument("--design", choices=["pooled", "stacked", "combined"], default="stacked",
                    help="question-level features: pooled sentence features, sentence-model aggregates, or both")
    ap.add_argument("--question-l2", type=float, default=None, help="fix the question model's L2 (default: CV)")
    ap.add_argument("--articles", action="store_true",
                    help="also measure on the sentences of Curbside's own articles (held-out ids; slow, cached)")
    ap.add_argument("--select", action="store_true", help="print the cross-validated grid of candidate models")
    args = ap.parse_args()
    shared = Path(args.shared)
    cache_dir = Path(args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)

    rows = [json.loads(l) for l in open(shared / "data/eval/pubmedqa/pqal_dev.jsonl")]
    rng = random.Random(SEED)
    ids = sorted(r["pmid"] for r in rows)
    rng.shuffle(ids)
    test_ids = set(ids[:N_TEST])
    dev_rows = [r for r in rows if r["pmid"] not in test_ids]
    test_rows = [r for r in rows if r["pmid"] in test_ids]
    dev = pubmedqa_examples(dev_rows)
    test = pubmedqa_examples(test_rows)

    bq = [json.loads(l) for l in open(shared / "data/eval/bioasq/questions_dev.jsonl")]
    yn_q = [q for q in bq if q["type"] == "yesno"]
    bio_gold = bioasq_gold_examples(yn_q)
    bio_ret = None if args.no_retrieved else bioasq_retrieved_examples(yn_q, Path(args.bioasq_home), cache_dir / "bioasq_retrieved.json")

    bio_art = None
    if args.articles:
        from curbside.retrieve.ranker import in_held_out as _held
        bio_art = bioasq_article_examples([q for q in yn_q if _held(q["id"])], Path(args.bioasq_home),
                                          cache_dir / "bioasq_articles.json")

    # question-type detector on all BioASQ questions
    det = [(V.is_yes_no(q["question"]), q["type"] == "yesno") for q in bq]
    tp = sum(a and b for a, b in det)
    print(f"is_yes_no on BioASQ dev ({len(bq)} questions): precision {tp / max(1, sum(a for a, _ in det)):.3f}, "
          f"recall {tp / max(1, sum(b for _, b in det)):.3f}")

    emb = EmbCache(cache_dir / "emb.npz", not args.no_embed)
    if emb.enabled:
        from curbside.retrieve import embed as E
        if not E.available():
            print("embedder unavailable: features-only", file=sys.stderr)
            emb.enabled = False
    if emb.enabled:
        texts = []
        for ex in dev + test + bio_gold + (bio_ret or []) + (bio_art or []):
            texts.append(ex["question"])
            texts.extend(ex["sentences"])
        emb.ensure(texts)
        emb.save()

    train_exs = [e for e in dev if e["label"] in ("yes", "no")]
    concl = [{"id": r["pmid"], "question": r["question"], "label": r["final_decision"], "sentence": s}
             for r in dev_rows if r["final_decision"] in ("yes", "no") for s in split_sentences(r["long_answer"])]
    findings = []
    for r in dev_rows:
        for text, lab in zip(r["contexts"], r["labels"]):
            lab = lab.upper()
            is_bg = any(w in lab for w in ("BACKGROUND", "OBJECTIVE", "PURPOSE", "INTRODUCTION", "AIM"))
            if "RESULT" in lab or is_bg:
                findings += [{"id": r["pmid"], "question": r["question"], "sentence": s, "finding": not is_bg}
                             for s in split_sentences(text)]
        findings += [{"id": r["pmid"], "question": r["question"], "sentence": s,
                      "finding": r["final_decision"] != "maybe"} for s in split_sentences(r["long_answer"])]
    frng = random.Random(SEED + 1)
    uniq = sorted({e["id"] for e in train_exs})
    frng.shuffle(uniq)
    fold_of = {u: i % 5 for i, u in enumerate(uniq)}

    shipped = {"features": fit_variant("features", train_exs, concl, findings, fold_of, None, args)}
    if emb.enabled:
        shipped["embed"] = fit_variant("embed", train_exs, concl, findings, fold_of, emb, args)

    from curbside.retrieve.ranker import in_held_out
    sets = [("PubMedQA held-out +conclusion", [e for e in test if e["view"] == "with_conclusion"]),
            ("PubMedQA held-out abstract only", [e for e in test if e["view"] == "abstract_only"]),
            ("BioASQ yes/no gold snippets", bio_gold)]
    if bio_ret:
        sets.append(("BioASQ yes/no retrieved", bio_ret))
    if bio_art:
        sets.append(("BioASQ yes/no articles [held-out ids]", bio_art))
        sets.append(("BioASQ yes/no articles, answered [held-out]", [e for e in bio_art if e["sentences"]]))
    for label, exs in list(sets):
        if label.startswith("BioASQ") and "articles" not in label:
            sets.append((label + " [held-out ids]", [e for e in exs if in_held_out(e["id"])]))
            sets.append((label + " [other ids]", [e for e in exs if not in_held_out(e["id"])]))
    table = []
    for name, m in shipped.items():
        V._models.clear()
        V._models.update({"features": V.model_from_json(m)})
        if name != "features":
            V._models["embed"] = V.model_from_json(m)
        for label, exs in sets:
            res = [V.decide(e["question"], e["sentences"], scores=e.get("scores"),
                            vectors=vectors_for(e, emb) if name != "features" else None, embed=False) for e in exs]
            table.append((name, label, metrics(exs, res)))
    V._models.clear()
    V._models.update({"features": V.model_from_json(shipped["features"])})
    for label, exs in sets:
        if "held-out ids" not in label:
            continue
        res = [V.decide(e["question"], e["sentences"], scores=e.get("scores"), embed=False) for e in exs]
        pts = []
        for t in (0.5, 0.55, 0.6, 0.65, 0.7):
            dec = [(e, r) for e, r in zip(exs, res) if r.verdict != V.UNCLEAR and r.confidence >= t]
            pts.append(f">={t:.2f}: cov {len(dec) / len(exs):.2f} pol {sum(e['label'] == r.verdict for e, r in dec) / max(1, len(dec)):.3f}")
        print(f"features, {label}, confidence cut-offs (report only): " + "; ".join(pts))
    V._models.clear()

    print()
    print(f"{'model':11s} {'evaluation set':40s} {'n':>4s} {'coverage':>8s} {'polarity':>8s} {'acc(all)':>8s} "
          f"{'no-recall':>9s} {'maybe->unclear':>14s} {'yes share':>9s} {'support (random)':>16s}")
    for name, label, m in table:
        mu = "" if m["maybe_unclear"] is None else f"{m['maybe_unclear']:.3f}"
        print(f"{name:11s} {label:40s} {m['n']:4d} {m['coverage']:8.3f} {m['polarity']:8.3f} {m['acc_all']:8.3f} "
              f"{m['no_recall']:9.3f} {mu:>14s} {m['yes_share']:9.3f} "
              + (f"{m['support']:7.3f} ({m['support_base']:.3f})" if m["support"] is not None else ""))

    if not args.no_write:
        keep = {"features": shipped["features"]}
        # the embedding variant ships only when it beats the features-only model in cross-validation
        if "embed" in shipped and shipped["embed"]["cv"]["logloss"] < shipped["features"]["cv"]["logloss"] - 0.002:
            keep["embed"] = shipped["embed"]
        out = {"about": "yes/no verdict model; trained by scripts/train_verdict.py on PubMedQA pqal_dev (MIT), "
                        f"seed {SEED}, {len(dev_rows)} development items; see docs/verdict.md",
               "sentence_features": V.SENTENCE_FEATURES, "features": V.FEATURES, "models": keep}
        path = ROOT / "src/curbside/data/verdict_weights.json"
        path.write_text(json.dumps(out, indent=1) + "\n")
        print(f"\nwrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
