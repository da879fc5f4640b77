"""`curbside eval`: retrieval metrics per retriever, side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from curbside.errors import CurbsideError

out = Console()


def register(app: typer.Typer) -> None:
    register_answers(app)

    @app.command("eval")
    def eval_command(
        questions: Path = typer.Argument(..., help="JSONL with 'question' and 'relevant_pmids', 'relevant_ids' "
                                                 "or graded 'relevant': {id: grade}."),
        retriever: List[str] = typer.Option(["bm25"], "--retriever", "-r",
                                            help="bm25|dense|hybrid|rrf (repeatable; rrf = plain reciprocal rank "
                                                 "fusion of the bm25 and dense candidates, no learned ranker)"),
        limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N questions."),
        held_out: bool = typer.Option(False, "--held-out",
                                      help="Only the questions held out from training the ranker (by a hash of "
                                             "their 'group', else their id)."),
        types: str = typer.Option("dataset", "--types",
                                  help="Per-type rows by the file's 'type' (dataset) or Curbside's parsed "
                                       "question type (parsed)."),
        json_out: bool = typer.Option(False, "--json"),
        home: Optional[Path] = typer.Option(None, "--home"),
    ) -> None:
        """Recall@10, Recall@100, nDCG@10 and MRR@10 of each retriever on a questions file (nDCG with graded
        gain 2^grade - 1 when the file gives grades)."""
        from curbside.engine import Engine
        from curbside.evaluation.runner import evaluate, load_questions
        from curbside.retrieve.ranker import in_held_out
        from curbside.settings import load_settings

        if types not in ("dataset", "parsed"):
            Console(stderr=True).print(f"error: --types: expected dataset or parsed, not {types!r}", markup=False,
                                       highlight=False)
            raise typer.Exit(2)
        try:
            engine = Engine(load_settings(home, load_default_corpus=False))
            qs = [q for q in load_questions(questions, None) if not held_out or in_held_out(q.split_key)]
            qs = qs[:limit] if limit else qs
            if types == "parsed":
                for q in qs:
                    q.qtype = engine.retriever.parse(q.question).question_type
            known = {d.id for d in engine.sources()}
            results = []
            for name in retriever:
                rank = _rrf_rank(engine) if name == "rrf" else engine.ranker(name)
                results.append(evaluate(qs, known, name, rank))
        except CurbsideError as exc:
            Console(stderr=True).print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(1)
        if json_out:
            sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
            return
        graded = ", graded nDCG" if results[0].graded else ""
        table = Table(title=f"{escape(questions.name)}{' (held-out part)' if held_out else ''}{graded}: "
                            f"{results[0].n} questions ({results[0].skipped} skipped: no relevant document in the store)")
        for col in ("retriever", "type", "n", "Recall@10", "Recall@100", "nDCG@10", "MRR@10", "q/s"):
            table.add_column(col, justify="right" if col not in ("retriever", "type") else "left")
        for r in results:
            table.add_row(r.retriever, "all", str(r.n), *(f"{r.mean(m):.4f}" for m in r.METRICS), f"{r.qps:.1f}")
        types = sorted({t for r in results for t in r.by_type} - {"all"})
        for t in types:
            for r in results:
                if t in r.by_type:
                    table.add_row(r.retriever, t, str(int(r.by_type[t]["n"])),
                                  *(f"{r.type_mean(t, m):.4f}" for m in r.METRICS), "")
        out.print(table)
        base = next((r for r in results if r.retriever == "bm25"), None)
        for r in results:
            if base is None or r is base:
                continue
            parts = [f"all {100 * (r.mean('ndcg@10') - base.mean('ndcg@10')):+.1f}"]
            parts += [f"{t} {100 * (r.type_mean(t, 'ndcg@10') - base.type_mean(t, 'ndcg@10')):+.1f}"
                      for t in types if t in r.by_type and t in base.by_type]
            out.print(f"{r.retriever} - bm25, nDCG@10 points: " + ", ".join(parts), highlight=False)


def _rrf_rank(engine):
    """question -> document ids ranked by reciprocal rank fusion of the BM25 and dense top 100 (MMR and the
    per-document cap as in hybrid search): the baseline the learned ranker has to beat."""
    from curbside.retrieve.ranker import Ranker

    hybrid = engine.ranker("hybrid")
    rrf = Ranker.rrf_only()

    def rank(question: str) -> list[str]:
        ret = engine.retriever
        saved, ret.ranker = ret.ranker, rrf
        try:
            return hybrid(question)
        finally:
            ret.ranker = saved

    return rank


def register_answers(app: typer.Typer) -> None:
    @app.command("eval-answers")
    def eval_answers_command(
        questions: Path = typer.Argument(..., help="JSONL: the clinical dev format (facts/lead/must_not/expect) or "
                                                   "BioASQ (type + exact_answer)."),
        home: Optional[Path] = typer.Option(None, "--home", help="Ask every question in this store."),
        stores: Optional[Path] = typer.Option(None, "--stores",
                                              help="Ask each question in the store its 'store' field names, kept "
                                                   "under this folder (built on first use with --shared)."),
        shared: Optional[Path] = typer.Option(None, "--shared", help="The shared data folder (to build stores)."),
        held_out_only: bool = typer.Option(False, "--held-out", help="Only the held-out questions."),
        limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N questions."),
        no_paraphrases: bool = typer.Option(False, "--no-paraphrases",
                                            help="Skip asking two rewordings of each clinical question."),
        check_file: Optional[Path] = typer.Option(None, "--check", help="Compare with pinned figures: OK/FAIL."),
        pin_file: Optional[Path] = typer.Option(None, "--pin", help="Write the measured figures as the new pins."),
        details: Optional[Path] = typer.Option(None, "--details", help="Write per-question results (JSONL)."),
        json_out: bool = typer.Option(False, "--json"),
    ) -> None:
        """Answer quality: facts recall, lead on point, must_not hits, abstentions, paraphrase stability, unsafe
        follow-ups, latency (clinical); exact answers in the article vs the top-3 passages, verdicts (BioASQ)."""
        from curbside.evaluation import answers_run as R
        from curbside.retrieve.ranker import in_held_out

        err = Console(stderr=True)
        try:
            records = R.load_records(questions)
            kind = R.file_kind(records)
            if held_out_only:
                records = [r for r in records if (R.held_out(str(r["id"])) if kind == "clinical"
                                                  else in_held_out(str(r["id"])))]
            records = records[:limit] if limit else records
            st = R.Stores(home, stores, shared, log=lambda s: err.print(s, highlight=False, markup=False))
            done = [0]

            def tick(_id: str) -> None:
                done[0] += 1
                if not json_out and done[0] % 10 == 0:
                    err.print(f"{done[0]}/{len(records)} questions", highlight=False, markup=False)

            if kind == "clinical":
                report, per_q = R.run_clinical(records, st, with_paraphrases=not no_paraphrases, progress=tick)
                figures = R.clinical_groups(report)
            else:
                scores, per_q = R.run_bioasq(records, st, progress=tick)
                figures = R.bioasq_groups(scores)
            st.close()
            rows = R.check(figures, R.load_pins(check_file, kind)) if check_file else []
            if pin_file:
                R.write_pins(pin_file, kind, figures, {"file": questions.name, "questions": len(records),
                                                       "held_out_only": held_out_only})
        except CurbsideError as exc:
            err.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(1)
        if details:
            with details.open("w", encoding="utf-8") as fh:
                for d in per_q:
                    fh.write(json.dumps(d) + "\n")
        if json_out:
            sys.stdout.write(json.dumps({"file": questions.name, "kind": kind, "figures": figures,
                                         "check": [dict(zip(("group", "metric", "pinned", "measured", "status"), r))
                                                   for r in rows]}, indent=2) + "\n")
        else:
            _print_answer_figures(figures, rows, kind, questions.name)
        if any(r[4] == "FAIL" for r in rows):
            raise typer.Exit(3)


def _print_answer_figures(figures: dict, rows: list, kind: str, name: str) -> None:
    groups = list(figures)
    metrics = [m for m in figures[groups[0]]]
    table = Table(title=f"{escape(name)} ({kind}): answer quality")
    table.add_column("metric", no_wrap=True)
    for g in groups:
        table.add_column(g.replace("store:default+", "+").replace("store:", ""), justify="right", no_wrap=True)
    for m in metrics:
        table.add_row(m, *(_fmt(figures[g].get(m)) for g in groups))
    out.print(table)
    if rows:
        t = Table(title="against pinned figures")
        for c in ("group", "metric", "pinned", "measured", "status"):
            t.add_column(c, no_wrap=True)
        for g, m, want, got, status in rows:
            style = {"FAIL": "bold red", "BETTER": "green"}.get(status, "")
            t.add_row(g, m, _fmt(want), _fmt(got), f"[{style}]{status}[/]" if style else status)
        out.print(t)
        fails = sum(r[4] == "FAIL" for r in rows)
        skipped = sum(r[4] == "SKIP" for r in rows)
        out.print(f"{len(rows) - fails - skipped} OK, {fails} FAIL" + (f", {skipped} not measured" if skipped else ""),
                  highlight=False)


def _fmt(v) -> str:
    if v is None:
        return ""
    return f"{v:.3f}" if isinstance(v, float) and v <= 1.0 else str(v)
