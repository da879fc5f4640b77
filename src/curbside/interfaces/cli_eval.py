"""`curbside eval`: retrieval metrics per retriever, side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from curbside.errors import CurbsideError

out = Console()


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        questions: Path = typer.Argument(..., help="JSONL with 'question' and 'relevant_pmids' or 'relevant_ids'."),
        retriever: List[str] = typer.Option(["bm25"], "--retriever", "-r", help="bm25|dense|hybrid (repeatable)"),
        limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N questions."),
        held_out: bool = typer.Option(False, "--held-out",
                                      help="Only the questions held out from training the ranker (by id hash)."),
        types: str = typer.Option("dataset", "--types",
                                  help="Per-type rows by the file's 'type' (dataset) or Curbside's parsed "
                                       "question type (parsed)."),
        json_out: bool = typer.Option(False, "--json"),
        home: Optional[Path] = typer.Option(None, "--home"),
    ) -> None:
        """Recall@10, Recall@100, nDCG@10 and MRR@10 of each retriever on a questions file."""
        from curbside.engine import Engine
        from curbside.evaluation.runner import evaluate, load_questions
        from curbside.retrieve.ranker import in_held_out
        from curbside.settings import load_settings

        if types not in ("dataset", "parsed"):
            Console(stderr=True).print(f"[bold red]error:[/] --types: expected dataset or parsed, not {types!r}")
            raise typer.Exit(2)
        try:
            engine = Engine(load_settings(home, load_default_corpus=False))
            qs = [q for q in load_questions(questions, None) if not held_out or in_held_out(q.id)]
            qs = qs[:limit] if limit else qs
            if types == "parsed":
                for q in qs:
                    q.qtype = engine.retriever.parse(q.question).question_type
            known = {d.id for d in engine.sources()}
            results = []
            for name in retriever:
                rank = engine.ranker(name)
                results.append(evaluate(qs, known, name, rank))
        except CurbsideError as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1)
        if json_out:
            sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
            return
        table = Table(title=f"{questions.name}{' (held-out part)' if held_out else ''}: {results[0].n} questions "
                            f"({results[0].skipped} skipped: no relevant document in the store)")
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
