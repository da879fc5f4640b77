"""`curbside eval`: retrieval quality on a questions file with relevant document ids.

Questions file: JSONL, one object per line with "question" and relevant ids in "relevant_ids" (document ids as
stored, e.g. "pmid:123") or "relevant_pmids" (PubMed ids); optional "type" for per-type breakdowns. Relevant ids
absent from the store are dropped; questions with none left are skipped (and counted).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from curbside.errors import InputError
from curbside.evaluation.metrics import dedupe, mrr_at, ndcg_at, recall_at


@dataclass
class EvalQuestion:
    id: str
    question: str
    relevant: set[str]
    qtype: str = ""


@dataclass
class EvalResult:
    retriever: str
    n: int = 0
    skipped: int = 0
    seconds: float = 0.0
    sums: dict[str, float] = field(default_factory=dict)
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    per_question: list[dict] = field(default_factory=list)

    METRICS = ("recall@10", "recall@100", "ndcg@10", "mrr@10")

    def add(self, q: EvalQuestion, ranked: list[str]) -> None:
        scores = {
            "recall@10": recall_at(ranked, q.relevant, 10), "recall@100": recall_at(ranked, q.relevant, 100),
            "ndcg@10": ndcg_at(ranked, q.relevant, 10), "mrr@10": mrr_at(ranked, q.relevant, 10),
            "recall@1": recall_at(ranked, q.relevant, 1),
        }
        self.n += 1
        for k, v in scores.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
            t = self.by_type.setdefault(q.qtype or "all", {"n": 0.0})
            t[k] = t.get(k, 0.0) + v
        self.by_type[q.qtype or "all"]["n"] += 1
        self.per_question.append({"id": q.id, **scores})

    def mean(self, metric: str) -> float:
        return self.sums.get(metric, 0.0) / self.n if self.n else 0.0

    def type_mean(self, qtype: str, metric: str) -> float:
        t = self.by_type[qtype]
        return t.get(metric, 0.0) / t["n"] if t["n"] else 0.0

    @property
    def qps(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict:
        return {"retriever": self.retriever, "questions": self.n, "skipped": self.skipped,
                "queries_per_second": round(self.qps, 2),
                **{m: round(self.mean(m), 4) for m in (*self.METRICS, "recall@1")},
                "by_type": {t: {m: round(self.type_mean(t, m), 4) for m in self.METRICS} | {"n": int(v["n"])}
                            for t, v in sorted(self.by_type.items())}}


def load_questions(path: Path, limit: int | None = None) -> Iterator[EvalQuestion]:
    if not path.exists():
        raise InputError(str(path), "no such file; expected a JSONL questions file")
    with path.open(encoding="utf-8") as fh:
        n = 0
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {lineno}", f"not valid JSON ({exc.msg})") from None
            question = rec.get("question") or rec.get("body")
            if not question:
                raise InputError(f"{path} line {lineno}", "field 'question' is missing")
            rel = {str(r) for r in rec.get("relevant_ids", [])}
            rel |= {f"pmid:{p}" for p in rec.get("relevant_pmids", [])}
            if "pmid" in rec and not rel:
                rel = {f"pmid:{rec['pmid']}"}
            yield EvalQuestion(id=str(rec.get("id", lineno)), question=question, relevant=rel,
                               qtype=str(rec.get("type", "")))
            n += 1
            if limit and n >= limit:
                return


def evaluate(questions: list[EvalQuestion], known_ids: set[str], name: str,
             rank: Callable[[str], list[str]]) -> EvalResult:
    res = EvalResult(retriever=name)
    t0 = time.perf_counter()
    for q in questions:
        rel = q.relevant & known_ids
        if not rel:
            res.skipped += 1
            continue
        ranked = dedupe(rank(q.question))
        res.add(EvalQuestion(q.id, q.question, rel, q.qtype), ranked)
    res.seconds = time.perf_counter() - t0
    return res
