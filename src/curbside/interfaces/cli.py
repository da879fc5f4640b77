"""The `curbside` command line (Typer + Rich)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from curbside.errors import CurbsideError, InputError
from curbside.interfaces.cli_pubmed import AskCommand, ask_with_pubmed

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Curbside: offline clinical evidence engine. Guideline-first, cited, verified answers.")
out = Console()
err = Console(stderr=True)

HomeOpt = typer.Option(None, "--home", help="Data directory (default: $CURBSIDE_HOME or ~/.local/share/curbside).")


def _engine(home: Optional[Path], **overrides):
    from curbside.engine import Engine
    from curbside.settings import load_settings

    return Engine(load_settings(home, **overrides))


def _ingest_priority(engine) -> None:
    """`ingest` and `index`: at Settings.ingest_priority "low" (the default; CURBSIDE_INGEST_PRIORITY) the whole
    process runs at the lowest CPU priority, so a server or asks on the same machine keep the cores."""
    if engine.settings.ingest_priority == "low":
        from curbside import priority

        priority.lower_process()


def _fail(message: str, code: int = 1) -> None:
    """Print one error line (the message is data: never read as Rich markup) and exit with `code`."""
    err.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _fail_with(exc: CurbsideError, code: int | None = None) -> None:
    """_fail for an error: a full disk or a damaged store keeps its own exit code."""
    own = getattr(exc, "exit_code", 1)
    _fail(str(exc), own if own != 1 or code is None else code)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} docs"),
                    TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="Files or directories to ingest."),
    format: Optional[str] = typer.Option(None, "--format", "-f",
                                         help="text|markdown|pdf|pubmed_xml|medline|jsonl (default: auto-detect)"),
    id_field: Optional[str] = typer.Option(None, "--id-field"),
    title_field: Optional[str] = typer.Option(None, "--title-field"),
    text_field: Optional[str] = typer.Option(None, "--text-field"),
    url_field: Optional[str] = typer.Option(None, "--url-field"),
    year_field: Optional[str] = typer.Option(None, "--year-field"),
    title: Optional[str] = typer.Option(None, "--title"),
    authors: Optional[str] = typer.Option(None, "--authors", help="Comma-separated, e.g. \"Marsh RA, et al.\""),
    journal: Optional[str] = typer.Option(None, "--journal"),
    year: Optional[int] = typer.Option(None, "--year"),
    doi: Optional[str] = typer.Option(None, "--doi"),
    pmid: Optional[str] = typer.Option(None, "--pmid"),
    url: Optional[str] = typer.Option(None, "--url"),
    tier: Optional[str] = typer.Option(None, "--tier", help="Evidence level, e.g. guideline, systematic_review, rct."),
    no_embed: bool = typer.Option(False, "--no-embed", help="Skip dense embeddings (lexical search only)."),
    dedupe_content: bool = typer.Option(False, "--dedupe-content",
                                        help="Also skip a document whose exact text is stored under another id."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    home: Optional[Path] = HomeOpt,
) -> None:
    """Read guidelines and papers into the store. A document keeps its own id (--id-field, PMID, DOI or NCT
    number): the same id with the same text is skipped as a duplicate, with changed text it replaces the stored
    document (a new version)."""
    from curbside.corpus.models import EvidenceLevel
    from curbside.sources import FORMATS, JsonlMapping
    from curbside.store.ingest import MetadataOverrides

    if format and format not in FORMATS:
        _fail(f"--format: unknown format {format!r}; expected one of {', '.join(FORMATS)}", 2)
    try:
        level = EvidenceLevel.parse(tier) if tier else None
    except ValueError as exc:
        _fail(f"--tier: {exc}", 2)
    overrides = MetadataOverrides(
        title=title, journal=journal, year=year, doi=doi, pmid=pmid, url=url, tier=level,
        authors=[a.strip() for a in _split_authors(authors)] if authors else None)
    mapping = JsonlMapping(id_field, title_field, text_field, url_field, year_field) \
        if any((id_field, title_field, text_field, url_field, year_field)) else None
    overrides_kw = {"embed": False} if no_embed else {}
    try:
        engine = _engine(home, **overrides_kw)
        _ingest_priority(engine)
        with _progress() as bar:
            task = bar.add_task("ingesting", total=None)

            def progress(label: str, done: int) -> None:
                bar.update(task, description=f"ingesting {escape(label)}", completed=done)

            summary = engine.ingest(paths, format, mapping=mapping, overrides=overrides, progress=progress,
                                    dedupe_content=dedupe_content)
    except CurbsideError as exc:
        _fail_with(exc)
    if json_out:
        out.print_json(json.dumps({k: v for k, v in summary.__dict__.items() if k != "document_ids"}
                                  | {"document_ids": summary.document_ids[:1000]}, ensure_ascii=False))
    else:
        for e in summary.errors[:50]:
            err.print(f"[red]failed:[/] {escape(e)}", highlight=False, soft_wrap=True)
        if summary.failed > 50 and len(summary.errors) > 50:
            err.print(f"... and {summary.failed - 50:,} more failures", highlight=False)
        for sk in summary.skipped_paths[:50]:
            err.print(f"[yellow]skipped:[/] {escape(sk)}", highlight=False, soft_wrap=True)
        if summary.skipped > 50:
            err.print(f"... and {summary.skipped - 50:,} more skipped paths", highlight=False)
        if summary.vectors_resumed:
            err.print(f"[yellow]note:[/] {summary.vectors_resumed:,} passages of documents already stored got their "
                      "missing vectors (an earlier run was interrupted)", highlight=False, soft_wrap=True)
        for n in summary.notes:
            err.print(f"[yellow]note:[/] {escape(n)}", highlight=False, soft_wrap=True)
        replaced = f", {summary.replaced:,} replaced by a new version" if summary.replaced else ""
        skipped = f", {summary.skipped:,} paths not read" if summary.skipped else ""
        out.print(f"{summary.added:,} documents added{replaced}, {summary.duplicates:,} skipped as duplicates, "
                  f"{summary.failed:,} failed{skipped}, {summary.passages:,} passages "
                  f"({summary.files} files, {summary.seconds:.1f} s, {summary.passages_per_second:,.0f} passages/s)",
                  highlight=False, markup=False)
    if summary.added or summary.replaced:
        _check_living_evidence(engine)
    if (summary.failed or summary.skipped) and not summary.added and not summary.replaced and not summary.duplicates:
        raise typer.Exit(1)


def _check_living_evidence(engine) -> None:
    """Flag approved articles whose question now retrieves new evidence ("New evidence — needs re-review")."""
    from curbside.review.living import check_articles

    flags = check_articles(engine, engine.articles())
    if flags:
        err.print(f"{len(flags)} approved article(s) flagged: new evidence — needs re-review "
                  "(see `curbside review list`)", highlight=False)


def _split_authors(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    merged: list[str] = []
    for p in parts:
        if p.lower().rstrip(".") in ("et al", "et al.") and merged:
            merged[-1] += ", et al."
        elif p:
            merged.append(p)
    return merged


@app.command()
def sources(
    level: Optional[str] = typer.Option(None, "--level", help="Only this evidence level."),
    json_out: bool = typer.Option(False, "--json"),
    home: Optional[Path] = HomeOpt,
) -> None:
    """List the loaded documents."""
    try:
        engine = _engine(home)
        docs = engine.sources(level)
        counts = {d.id: engine.store.passage_count(d.id) for d in docs} if len(docs) <= 5000 else {}
    except CurbsideError as exc:
        _fail_with(exc)
    if json_out:
        out.print_json(json.dumps([{"id": d.id, "document_id": d.id, "external_id": d.external_id,
                                    "title": d.title, "year": d.year, "journal": d.journal,
                                    "evidence_level": d.evidence_level.value, "passages": counts.get(d.id),
                                    "source": d.source_name or d.source_format, "version": d.version}
                                   for d in docs]))
        return
    table = Table(title=f"{len(docs):,} documents")
    for col in ("id", "title", "year", "evidence level", "passages"):
        table.add_column(col, overflow="fold")
    for d in docs[:500]:
        table.add_row(Text(d.id), Text(d.title[:90]), str(d.year or ""), Text(d.evidence_level.label),
                      str(counts.get(d.id, "")))
    out.print(table)
    if len(docs) > 500:
        out.print(f"... {len(docs) - 500:,} more (use --json for all)", highlight=False)


@app.command()
def remove(document_id: str = typer.Argument(...), home: Optional[Path] = HomeOpt) -> None:
    """Delete a document and its passages (by its id, or the id given at ingest, its PMID or DOI)."""
    try:
        engine = _engine(home)
        found = engine.resolve_document_id(document_id)
        ok = bool(found) and engine.remove(found)
    except CurbsideError as exc:
        _fail_with(exc, 2 if isinstance(exc, InputError) else 1)
    if not ok:
        _fail(f"{document_id}: no such document (see `curbside sources`)")
    out.print(f"removed {found}", highlight=False, markup=False)


@app.command()
def search(
    query: str = typer.Argument(...),
    top_k: int = typer.Option(10, "--top-k", "-k", min=1, max=1000),
    mode: Optional[str] = typer.Option(None, "--mode", "-m",
                                       help="bm25|dense|hybrid (default: hybrid when passages have embeddings)"),
    no_embed: bool = typer.Option(False, "--no-embed", help="Lexical BM25 only (no embedding model loaded)."),
    json_out: bool = typer.Option(False, "--json"),
    home: Optional[Path] = HomeOpt,
) -> None:
    """Ranked passages for a query."""
    if mode is not None and mode not in ("bm25", "dense", "hybrid"):
        _fail(f"--mode: unknown mode {mode!r}; expected bm25, dense or hybrid", 2)
    try:
        engine = _engine(home, **({"embed": False} if no_embed else {}))
        query = _clean_arg(query)
        hits = engine.search(query, top_k=top_k, mode=mode)
        parsed = engine.retriever.parse(query)
    except CurbsideError as exc:
        _fail_with(exc, 2 if isinstance(exc, InputError) else 1)
    used, note = engine.retriever.last_mode, engine.retriever.last_note
    if json_out:
        sys.stdout.write(json.dumps({"query": query, "mode": used, "note": note,
                                     "understood": parsed.to_info().model_dump(),
                                     "hits": [h.to_json() for h in hits]}, ensure_ascii=False, indent=2) + "\n")
        return
    if note:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    for h in hits:
        out.print(f"[bold]{h.rank}.[/] {escape(h.title)} [dim]({escape(h.document.evidence_level.label)}; "
                  f"{escape(h.passage_id)}; score {h.score:.3f})[/]", highlight=False)
        out.print("   " + h.text[:400].replace("\n", " "), highlight=False, markup=False)


@app.command()
def index(
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    gc: bool = typer.Option(False, "--gc", help="Also drop cached vectors no passage uses any more."),
    home: Optional[Path] = HomeOpt,
) -> None:
    """Embed every passage that has no vector yet (dense/hybrid search). Resumable: stop it any time with
    Ctrl-C and run it again; vectors already computed are kept and never recomputed."""
    import time

    try:
        engine = _engine(home, load_default_corpus=False)
        _ingest_priority(engine)
        vectors = engine.retriever.vectors
        todo = vectors.missing_count()
        have, total = vectors.counts()
        if not todo:
            out.print(f"all {total:,} passages have embeddings", highlight=False)
        else:
            t0 = time.perf_counter()
            bar = Progress(SpinnerColumn(), TextColumn("embedding"), BarColumn(),
                           TextColumn("{task.completed:,}/{task.total:,} passages"), TimeElapsedColumn(),
                           TextColumn("ETA"), TimeRemainingColumn(), console=err, transient=True,
                           disable=no_progress or not err.is_terminal)
            with bar:
                task = bar.add_task("embedding", total=todo)
                done, computed = engine.embed_missing(lambda d, t: bar.update(task, completed=d))
            secs = time.perf_counter() - t0
            out.print(f"{done:,} passages indexed ({computed:,} embedded, {done - computed:,} from the cache) in "
                      f"{secs:.1f} s ({computed / secs if secs else 0:,.0f} passages/s); "
                      f"{have + done:,} of {total:,} passages have embeddings", highlight=False)
        if gc:
            out.print(f"{vectors.gc():,} unused cached vectors dropped", highlight=False)
        engine.retriever.vectors.index()   # build and save the index now, not on the first search
    except CurbsideError as exc:
        _fail_with(exc)


@app.command(cls=AskCommand)
def ask(
    question: str = typer.Argument(...),
    format: str = typer.Option("text", "--format", "-f", help="text|markdown|html|json"),
    audience: str = typer.Option("clinician", "--audience", help="clinician|trainee|patient"),
    follow_up: Optional[str] = typer.Option(None, "--follow-up", help="ARTICLE_ID of the earlier article."),
    no_save: bool = typer.Option(False, "--no-save", help="Do not store the article."),
    no_embed: bool = typer.Option(False, "--no-embed", help="Lexical BM25 retrieval only."),
    pubmed: Optional[int] = typer.Option(None, "--pubmed", min=1, max=200, help="First fetch up to N new PubMed "
                                         "records for the question (--pubmed alone: 10); offline, says so."),
    writer: Optional[str] = typer.Option(None, "--writer", help="extractive (default: every sentence quoted) | llm "
                                         "(written by the model set in CURBSIDE_LLM_URL/_MODEL or CURBSIDE_LLM_GGUF; "
                                         "every claim checked against its quotes)"),
    llm_url: Optional[str] = typer.Option(None, "--llm-url", help="OpenAI-compatible base URL for --writer llm "
                                          "(overrides CURBSIDE_LLM_URL), e.g. http://127.0.0.1:8080/v1"),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", help="Model name at --llm-url (CURBSIDE_LLM_MODEL)."),
    llm_gguf: Optional[Path] = typer.Option(None, "--llm-gguf", help="A .gguf file run in-process for --writer llm "
                                            "(CURBSIDE_LLM_GGUF; needs curbside[local-llm])."),
    home: Optional[Path] = HomeOpt,
) -> None:
    """Answer a clinical question with a cited, verified article."""
    from curbside.answer.render import render

    if format not in ("text", "markdown", "html", "json"):
        _fail(f"--format: unknown format {format!r}; expected text, markdown, html or json", 2)
    if audience not in ("clinician", "trainee", "patient"):
        _fail(f"--audience: unknown audience {audience!r}; expected clinician, trainee or patient", 2)
    try:
        if writer is not None and writer not in ("extractive", "llm"):
            _fail(f"--writer: unknown writer {writer!r}; expected extractive or llm", 2)
        if llm_gguf is not None and not llm_gguf.is_file():
            _fail(f"--llm-gguf: {llm_gguf}: no such file; expected a .gguf model file", 2)
        llm = {k: v for k, v in (("llm_url", llm_url), ("llm_model", llm_model),
                                 ("llm_gguf", str(llm_gguf) if llm_gguf else None)) if v}
        engine = _engine(home, **({"embed": False} if no_embed else {}), **({"writer": writer} if writer else {}),
                         **llm)
        if pubmed:
            article = ask_with_pubmed(engine, _clean_arg(question), pubmed, audience=audience,
                                      follow_up_of=follow_up, save=not no_save)
        else:
            def shown(stage: str, text: str) -> None:     # --writer llm: what it is doing, on a terminal
                if stage != "done":
                    err.print(f"[dim]{escape(text)}...[/]", highlight=False)

            live = {"progress": shown} if engine.settings.writer == "llm" and sys.stderr.isatty() else {}
            article = engine.ask(_clean_arg(question), audience=audience, follow_up_of=follow_up, save=not no_save,
                                 **live)
    except CurbsideError as exc:
        _fail_with(exc, 2 if isinstance(exc, InputError) else 1)
    sys.stdout.write(render(article, format))


@app.command()
def show(
    article_id: str = typer.Argument(..., help="An article id, or a document id (then the stored document)."),
    format: str = typer.Option("text", "--format", "-f", help="text|markdown|html|json"),
    version: Optional[int] = typer.Option(None, "--version"),
    home: Optional[Path] = HomeOpt,
) -> None:
    """Show a saved article exactly as it was stored; given a document id, show that document and its passages."""
    from curbside.answer.render import render

    try:
        engine = _engine(home, load_default_corpus=False)
        article = engine.articles().get(article_id, version)
        doc_id = engine.resolve_document_id(article_id) if article is None else None
    except CurbsideError as exc:
        _fail_with(exc)
    if article is not None:
        sys.stdout.write(render(article, format))
        return
    if doc_id is None:
        _fail(f"{article_id}: no such article or document")
    _show_document(engine, doc_id, format)


def _show_document(engine, doc_id: str, format: str) -> None:
    doc = engine.store.get_document(doc_id)
    passages = engine.store.passages_of(doc_id)
    if format == "json":
        sys.stdout.write(json.dumps({
            "document_id": doc.id, "external_id": doc.external_id, "version": doc.version, "title": doc.title,
            "authors": doc.authors, "journal": doc.journal, "year": doc.year, "pmid": doc.pmid, "doi": doc.doi,
            "url": doc.url, "evidence_level": doc.evidence_level.value, "source": doc.source_name or doc.source_format,
            "source_path": doc.source_path, "added_at": doc.added_at, "content_hash": doc.content_hash,
            "passages": [{"passage_id": p.id, "section": p.section, "page": p.page, "start": p.start, "end": p.end,
                          "text": p.text} for p in passages]}, ensure_ascii=False, indent=2) + "\n")
        return
    head = [doc.title, f"id: {doc.id}" + (f" (given as {doc.external_id})" if doc.external_id
                                           and doc.external_id != doc.id else ""),
            f"version {doc.version}, added {doc.added_at}; {doc.evidence_level.label}; {len(passages)} passages",
            doc.citation_label(), doc.url]
    sys.stdout.write("\n".join(h for h in head if h) + "\n\n" + doc.text + "\n")


def _clean_arg(text: str) -> str:
    """A command-line argument as valid text: bytes that were not UTF-8 (kept by Python as lone surrogates)
    become U+FFFD instead of crashing the tokenizer or the output."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
            "utf-8", "replace").decode("utf-8")


def main() -> None:
    try:
        from curbside.interfaces import cli_eval

        cli_eval.register(app)
    except ImportError:
        pass
    try:
        from curbside.interfaces import cli_review

        cli_review.register(app)
    except ImportError:
        pass
    from curbside.interfaces import cli_pubmed, cli_store

    cli_pubmed.register(app)
    cli_store.register(app)
    try:
        _store_option(sys.argv)
        app()
    except CurbsideError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        err.print("interrupted; everything committed before this point is kept", highlight=False)
        sys.exit(130)
    except (sqlite3.Error, OSError) as exc:
        from curbside.store.sqlite import translate

        mapped = translate(exc, _home_arg())
        if mapped is None:
            raise
        err.print(f"[bold red]error:[/] {escape(str(mapped))}", highlight=False, soft_wrap=True)
        sys.exit(mapped.exit_code)
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        import os

        from curbside.store.postgres import translate as pg_translate

        mapped = pg_translate(exc, os.environ.get("CURBSIDE_STORE", ""))
        msg = str(mapped) if mapped else f"PostgreSQL store: {str(exc).strip().splitlines()[0]}"
        err.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
        sys.exit(getattr(mapped, "exit_code", 1))


def _store_option(argv: list[str]) -> None:
    """`--store URL` (or `--store=URL`) on any command: the corpus store for this run, passed on as CURBSIDE_STORE
    (so `serve --workers N` gives it to every worker). postgresql://USER@HOST:PORT/DB, or sqlite (the default)."""
    import os

    for i, arg in enumerate(argv[1:], 1):
        if arg == "--":
            return
        if arg == "--store" or arg.startswith("--store="):
            value = arg.split("=", 1)[1] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else "")
            if not value or value.startswith("-"):
                err.print("[bold red]error:[/] --store: expected a store, e.g. postgresql://USER@HOST:PORT/DATABASE",
                          highlight=False)
                sys.exit(2)
            os.environ["CURBSIDE_STORE"] = value
            del argv[i:i + (1 if "=" in arg else 2)]
            return


def _home_arg() -> str:
    """The store path named on the command line (for messages), else ""."""
    from curbside.settings import load_settings

    argv = sys.argv
    try:
        home = argv[argv.index("--home") + 1] if "--home" in argv else None
        return str(load_settings(home).db_path)
    except (IndexError, OSError):
        return ""


if __name__ == "__main__":
    main()
