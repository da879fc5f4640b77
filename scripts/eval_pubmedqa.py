"""PubMedQA dev retrieval: each question against all 500 abstracts of pqal_dev.jsonl; Recall@1 of its own abstract.

    python scripts/eval_pubmedqa.py [SHARED=../shared] [--home /tmp/curbside-pubmedqa] [--with-conclusions]

Builds (or reuses) a store whose corpus is the 500 abstracts (the `contexts` of each record, i.e. the abstract
without its conclusion, which is the `long_answer`; --with-conclusions adds it), embeds them, then ranks every
question with bm25, dense and hybrid and prints Recall@1, Recall@5, MRR@10 and queries/second. The corpus file
is written inside --home (outside the repository), never into the project.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _contexts(rec: dict) -> list[str]:
    c = rec.get("contexts", [])
    if isinstance(c, str):       # stored as the repr of a list in some exports
        try:
            c = ast.literal_eval(c)
        except (ValueError, SyntaxError):
            c = [c]
    return [str(x) for x in c]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"))
    ap.add_argument("--home", default="/tmp/curbside-pubmedqa")
    ap.add_argument("--with-conclusions", action="store_true")
    ap.add_argument("--retriever", "-r", action="append", default=None, help="bm25|dense|hybrid (repeatable)")
    args = ap.parse_args()
    src = Path(args.shared) / "data/eval/pubmedqa/pqal_dev.jsonl"
    if not src.exists():
        sys.exit(f"{src}: not found (pass the shared/ folder)")
    records = [json.loads(line) for line in src.open() if line.strip()]

    from curbside.engine import Engine
    from curbside.evaluation.metrics import dedupe, mrr_at, recall_at
    from curbside.settings import load_settings

    home = Path(args.home)
    engine = Engine(load_settings(home, load_default_corpus=False, embed=True))
    if engine.store.counts()[0] == 0:
        corpus = home / "pubmedqa_abstracts.jsonl"
        with corpus.open("w") as fh:
            for r in records:
                parts = _contexts(r) + ([r["long_answer"]] if args.with_conclusions and r.get("long_answer") else [])
                fh.write(json.dumps({"pmid": r["pmid"], "title": "", "text": "\n\n".join(parts),
                                     "year": r.get("year")}) + "\n")
        s = engine.ingest([corpus])
        print(f"corpus: {s.added} abstracts, {s.passages} passages", file=sys.stderr)
    if engine.retriever.vectors.missing_count():
        engine.embed_missing()
    have, total = engine.retriever.vectors.counts()
    print(f"{engine.store.counts()[0]} abstracts, {total} passages ({have} with vectors), {len(records)} questions")
    print(f"{'retriever':<8} {'Recall@1':>9} {'Recall@5':>9} {'Recall@10':>9} {'MRR@10':>8} {'q/s':>7}")
    for name in args.retriever or ["bm25", "dense", "hybrid"]:
        rank = engine.ranker(name)
        r1 = r5 = r10 = mrr = 0.0
        t = time.perf_counter()
        for rec in records:
            ranked = dedupe(rank(rec["question"]))
            rel = {f"pmid:{rec['pmid']}"}
            r1 += recall_at(ranked, rel, 1)
            r5 += recall_at(ranked, rel, 5)
            r10 += recall_at(ranked, rel, 10)
            mrr += mrr_at(ranked, rel, 10)
        secs = time.perf_counter() - t
        n = len(records)
        print(f"{name:<8} {r1 / n:>9.4f} {r5 / n:>9.4f} {r10 / n:>9.4f} {mrr / n:>8.4f} {n / secs:>7.1f}")


if __name__ == "__main__":
    main()
