"""`curbside eval`: retrieval quality on a questions file with relevant document ids.

Questions file: JSONL, one object per line with "question" and relevant ids in "relevant_ids" (document ids as
stored, e.g. "pmid:123") or "relevant_pmids" (PubMed ids), or graded judgements in "relevant": {"doc id": grade}
(grades > 0 are relevant; nDCG then uses the gain 2^grade - 1; a list there means grade 1 each); optional "type"
for per-type breakdowns and "group" (e.g. the topic of near-duplicate questions), which decides the held-out
split instead of the id when present. Relevant ids absent from the store are dropped; questions with none left are
skipped (and counted).
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
    grades: dict[str, float] | None = None     # graded judgements (id -> grade > 0); None: binary
    group: str = ""

    @property
    def split_key(self) -> str:
        """What the held-out split hashes: the group when given (near-duplicates stay together), else the id."""
        return self.group or self.id

    @property
    def judged(self):
        return self.grades if self.grades is not None else self.relevant


@dataclass
class EvalResult:
    retriever: str
    n: int = 0
    skipped: int = 0
    seconds: float = 0.0
    sums: dict[str, float] = field(default_factory=dict)
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    per_question: list[dict] = field(default_factory=list)
    graded: bool = False          # some question had graded judgements (nDCG with gain 2^grade - 1)

    METRICS = ("recall@10", "recall@100", "ndcg@10", "mrr@10")

    def add(self, q: EvalQuestion, ranked: list[str]) -> None:
        rel = q.judged
        self.graded = self.graded or q.grades is not None
        scores = {
            "recall@10": recall_at(ranked, rel, 10), "recall@100": recall_at(ranked, rel, 100),
            "ndcg@10": ndcg_at(ranked, rel, 10), "mrr@10": mrr_at(ranked, rel, 10),
            "recall@1": recall_at(ranked, rel, 1),
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
                "queries_per_second": round(self.qps, 2), "graded": self.graded,
                **{m: round(self.mean(m), 4) for m in (*self.METRICS, "recall@1")},
                "by_type": {t: {m: round(self.type_mean(t, m), 4) for m in self.METRICS} | {"n": int(v["n"])}
                            for t, v in sorted(self.by_type.items())}}


def read_question_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) of a JSONL questions file; a one-line error names the file and line otherwise."""
    if not path.exists():
        raise InputError(str(path), "no such file; expected a JSONL questions file")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {lineno}", f"not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{path} line {lineno}", "expected a JSON object")
            yield lineno, rec


def load_questions(path: Path, limit: int | None = None) -> Iterator[EvalQuestion]:
    n = 0
    for lineno, rec in read_question_records(path):
        question = rec.get("question") or rec.get("body")
        if not question:
            raise InputError(f"{path} line {lineno}", "field 'question' is missing")
        rel = {str(r) for r in rec.get("relevant_ids", [])}
        rel |= {f"pmid:{p}" for p in rec.get("relevant_pmids", [])}
        grades = None
        judged = rec.get("relevant")
        if isinstance(judged, dict):
            try:
                grades = {str(k): float(v) for k, v in judged.items()}
            except (TypeError, ValueError):
                raise InputError(f"{path} line {lineno}", "field 'relevant': grades must be numbers") from None
            grades = {k: v for k, v in grades.items() if v > 0}
            for r in rel:
                grades.setdefault(r, 1.0)
            rel = set(grades)
        elif isinstance(judged, list):
            rel |= {str(r) for r in judged}
        if "pmid" in rec and not rel:
            rel = {f"pmid:{rec['pmid']}"}
        yield EvalQuestion(id=str(rec.get("id", lineno)), question=question, relevant=rel,
                           qtype=str(rec.get("type", "")), grades=grades, group=str(rec.get("group") or ""))
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
        grades = {k: v for k, v in q.grades.items() if k in rel} if q.grades is not None else None
        res.add(EvalQuestion(q.id, q.question, rel, q.qtype, grades, q.group), ranked)
    res.seconds = time.perf_counter() - t0
    return res
