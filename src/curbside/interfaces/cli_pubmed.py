"""`curbside pubmed search|sync` and the `--pubmed [N]` option of `curbside ask`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperCommand

from curbside.errors import CurbsideError

out = Console()
err = Console(stderr=True)

DEFAULT_ASK_RECORDS = 10


class AskCommand(TyperCommand):
    """`ask Q --pubmed [N]`: a bare --pubmed means the default number of records (Typer options always want a
    value, so one is supplied here when none follows)."""

    def parse_args(self, ctx, args):
        args = list(args)
        i = 0
        while i < len(args) and args[i] != "--":
            if args[i] == "--pubmed" and (i + 1 >= len(args) or not args[i + 1].isdigit()):
                args.insert(i + 1, str(DEFAULT_ASK_RECORDS))
            i += 1
        return super().parse_args(ctx, args)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _client(home: Optional[Path], api_key: Optional[str], email: Optional[str], **kw):
    from curbside.settings import load_settings
    from curbside.sources.pubmed.fetch import make_client

    def on_retry(reason: str, delay: float) -> None:
        err.print(f"[yellow]retrying:[/] {escape(reason)} (again in {delay:.1f} s)", highlight=False)

    return make_client(load_settings(home).home, api_key=api_key, email=email, on_retry=on_retry, **kw)


def ask_with_pubmed(engine, question: str, n: int, **kw):
    """The CLI's ask --pubmed N: progress on stderr, the note printed, living evidence checked after additions."""
    from curbside.sources.pubmed.fetch import ask_with_pubmed as run

    with _bar() as bar:
        task = bar.add_task("PubMed", total=None)
        client = _client(engine.settings.home, None, None, max_attempts=4, deadline=60.0)
        article, summary = run(engine, question, n, client=client,
                               progress=lambda stage, done, total: bar.update(
                                   task, description=f"PubMed {stage}", completed=done, total=total or None), **kw)
    if summary.note:
        err.print(("[yellow]note:[/] " if summary.offline else "") + escape(summary.note), highlight=False,
                  soft_wrap=True)
    if summary.added or summary.replaced:
        _living(engine)
    return article


def _bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed:,}/{task.total} records"), TimeElapsedColumn(), console=err,
                    transient=True, disable=not err.is_terminal)


def _living(engine) -> None:
    from curbside.review.living import check_articles

    flags = check_articles(engine, engine.articles())
    if flags:
        err.print(f"{len(flags)} approved article(s) flagged: new evidence \u2014 needs re-review "
                  "(see `curbside review list`)", highlight=False)


def register(app: typer.Typer) -> None:
    pubmed_app = typer.Typer(no_args_is_help=True, help="PubMed as a living source: search and fetch records on "
                             "demand, or keep a local mirror in sync from PubMed's baseline and update files.")
    app.add_typer(pubmed_app, name="pubmed")

    @pubmed_app.command("search")
    def search(
        query: str = typer.Argument(..., help="A PubMed query, as typed on pubmed.ncbi.nlm.nih.gov."),
        max_records: int = typer.Option(20, "--max", min=1, max=10_000, help="At most this many records."),
        since: Optional[int] = typer.Option(None, "--since", help="Published in or after this year."),
        until: Optional[int] = typer.Option(None, "--until", help="Published in or before this year."),
        types: Optional[str] = typer.Option(None, "--types", help="Publication types, comma-separated, e.g. "
                                            "\"Randomized Controlled Trial,Practice Guideline\"."),
        ingest: bool = typer.Option(False, "--ingest", help="Store the records (resumable: re-run to continue)."),
        api_key: Optional[str] = typer.Option(None, "--api-key", help="NCBI API key (default $NCBI_API_KEY): "
                                              "10 requests/s instead of 3."),
        email: Optional[str] = typer.Option(None, "--email", help="Contact address sent to NCBI (default "
                                            "$NCBI_EMAIL, else user@host)."),
        batch: int = typer.Option(200, "--batch", min=1, max=10_000, help="Records per EFetch request."),
        no_embed: bool = typer.Option(False, "--no-embed", help="Skip dense embeddings (run `curbside index` later)."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary (and records) as JSON."),
        home: Optional[Path] = typer.Option(None, "--home", help="Data directory."),
    ) -> None:
        """Search PubMed (E-utilities); list the records, or store them with --ingest. NCBI's rules are kept:
        tool and email on every request, at most 3 requests/s (10 with an API key), back-off and retry on
        429/5xx/timeouts. Summary: found, fetched, added, already present, failed."""
        from curbside.sources.pubmed.fetch import search_pubmed
        from curbside.sources.pubmed.query import parse_types, search_term, year_range

        try:
            term = search_term(query, parse_types(types))
            mindate, maxdate = year_range(since, until)
            client = _client(home, api_key, email)
            engine = None
            if ingest:
                from curbside.engine import Engine
                from curbside.settings import load_settings

                engine = Engine(load_settings(home, **({"embed": False} if no_embed else {})))
            with _bar() as bar:
                task = bar.add_task("PubMed", total=None)
                summary = search_pubmed(client, term, max_records, engine=engine, mindate=mindate, maxdate=maxdate,
                                        batch=batch, progress=lambda stage, done, total: bar.update(
                                            task, description=f"PubMed {stage}", completed=done, total=total or None))
        except CurbsideError as exc:
            _fail(str(exc), getattr(exc, "exit_code", 1))
        if json_out:
            data = summary.to_json()
            if not ingest:
                data["records"] = [_record_json(d) for d in summary.records]
            sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        else:
            for d in summary.records:
                kinds = "; ".join(d.publication_types[:3])
                out.print(f"PMID {d.pmid}  {d.year or ''}  {d.title}" + (f"  [{kinds}]" if kinds else ""),
                          highlight=False, markup=False, soft_wrap=True)
            for e in summary.errors[:20]:
                err.print(f"[red]failed:[/] {escape(e)}", highlight=False, soft_wrap=True)
            for w in summary.warnings[:5]:
                err.print(f"[yellow]PubMed:[/] {escape(w)}", highlight=False, soft_wrap=True)
            out.print(_summary_line(summary, ingest), highlight=False, markup=False)
        if ingest and engine is not None and (summary.added or summary.replaced):
            _living(engine)
        if summary.failed and not (summary.added or summary.replaced or summary.already_present or summary.records):
            raise typer.Exit(1)

    @pubmed_app.command("sync")
    def sync(
        folder: Path = typer.Argument(..., help="Folder with pubmedYYnNNNN.xml.gz files and their .md5 files "
                                      "(baseline/ and updatefiles/ subfolders are read too)."),
        filter: Optional[List[str]] = typer.Option(None, "--filter", help="Keep only matching records: "
                                                   "years=2015-2025, types=A;B, mesh=A;B, journals=A;B "
                                                   "(repeatable; all must match)."),
        no_embed: bool = typer.Option(False, "--no-embed", help="Skip dense embeddings (run `curbside index` later)."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        home: Optional[Path] = typer.Option(None, "--home", help="Data directory."),
    ) -> None:
        """Apply PubMed baseline and update files in order: MD5 checked, deletions applied, newer versions
        replace older ones, applied files recorded so a re-run skips them. Streams: memory stays flat."""
        from curbside.engine import Engine
        from curbside.settings import load_settings
        from curbside.sources.pubmed.sync import sync_mirror

        try:
            engine = Engine(load_settings(home, **({"embed": False} if no_embed else {})))
            if engine.settings.embed and not json_out:
                err.print("[yellow]note:[/] records are embedded as they are added, which takes hours per "
                          "30,000-record file on a CPU; --no-embed mirrors for lexical search and `curbside index` "
                          "adds vectors later (resumable)", highlight=False, soft_wrap=True)
            bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                           TextColumn("{task.completed:,} records"), TimeElapsedColumn(), console=err,
                           transient=True, disable=not err.is_terminal)
            with bar:
                task = bar.add_task("sync", total=None)
                summary = sync_mirror(engine, folder, filter, progress=lambda name, i, n, done: bar.update(
                    task, description=f"file {i}/{n} {escape(name)}", completed=done))
        except CurbsideError as exc:
            _fail(str(exc), getattr(exc, "exit_code", 1))
        if json_out:
            sys.stdout.write(json.dumps(summary.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            for f in summary.files:
                if f.status == "applied":
                    out.print(f"applied {f.name}: {f.records:,} records, {f.added:,} added, {f.replaced:,} replaced, "
                              f"{f.unchanged:,} unchanged, {f.deleted:,} deleted, {f.filtered_out:,} filtered out, "
                              f"{f.failed:,} failed ({f.seconds:.1f} s)", highlight=False, markup=False)
            skipped = sum(f.status == "skipped" for f in summary.files)
            if skipped:
                out.print(f"{skipped} file(s) already applied: skipped", highlight=False)
            for e in summary.errors[:20]:
                err.print(f"[red]failed:[/] {escape(e)}", highlight=False, soft_wrap=True)
            for n in summary.notes:
                err.print(f"[yellow]note:[/] {escape(n)}", highlight=False, soft_wrap=True)
            j = summary.to_json()
            out.print(f"{j['applied']} file(s) applied: {j['added']:,} added, {j['replaced']:,} replaced, "
                      f"{j['deleted']:,} deleted, {j['failed']:,} failed ({summary.seconds:.1f} s)",
                      highlight=False, markup=False)
        if summary.changed:
            _living(engine)
        if summary.stopped:
            err.print(f"[bold red]error:[/] {escape(summary.stopped)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1)


def _summary_line(s, ingest: bool) -> str:
    line = f"found {s.found:,}, fetched {s.fetched:,}"
    if ingest:
        line += f", added {s.added:,}"
        if s.replaced:
            line += f", replaced {s.replaced:,}"
        line += f", already present {s.already_present:,}"
    line += f", failed {s.failed:,} ({s.requests} requests"
    if s.retries:
        line += f", {s.retries} retried"
    return line + f", {s.seconds:.1f} s)"


def _record_json(d) -> dict:
    return {"pmid": d.pmid, "title": d.title, "year": d.year, "journal": d.journal, "authors": d.authors,
            "doi": d.doi, "publication_types": d.publication_types, "mesh_terms": d.mesh_terms, "url": d.url}
