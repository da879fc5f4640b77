"""`curbside migrate`: copy the corpus between SQLite and PostgreSQL, verified by counts and checksums."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from curbside.interfaces.cli import HomeOpt, _fail, _fail_with, err, out

    @app.command()
    def migrate(
        to: str = typer.Option(..., "--to", help="Target store: postgresql://USER@HOST:PORT/DB or sqlite:///PATH "
                                                 "(must be empty)."),
        json_out: bool = typer.Option(False, "--json"),
        home: Optional[Path] = HomeOpt,
    ) -> None:
        """Copy documents, passages, vectors and the review data (articles with versions, users, audit) from this
        store (--store, else the home's SQLite file) to another, then check both hold the same (counts and
        checksums)."""
        from dataclasses import replace

        from curbside.errors import CurbsideError, InputError
        from curbside.settings import load_settings
        from curbside.store.backends import open_corpus_store, open_store_url
        from curbside.review.db import Database
        from curbside.review.transfer import check_empty, copy_review, review_fingerprint
        from curbside.store.migrate import copy_store, fingerprint

        settings = load_settings(home, load_default_corpus=False)
        if to.strip() == (settings.store or "").strip():
            _fail("--to: names the store being copied; expected another store", 2)
        try:
            settings.ensure_home()
            source = open_corpus_store(settings)
            target = open_store_url(to, replace(settings, store=to))
            t0 = time.perf_counter()

            def progress(done: int, total: int) -> None:
                if not json_out:
                    err.print(f"\r{done:,}/{total:,} documents", end="", highlight=False)

            src_review, dst_review = Database(review_location(settings.store, settings)), Database(
                review_location(to, settings))
            if src_review.path == dst_review.path:
                _fail("--to: the review data would be copied onto itself; expected another store", 2)
            check_empty(dst_review)
            copied = copy_store(source, target, progress=progress)
            if not json_out and copied:
                err.print("", highlight=False)
            rows = copy_review(src_review, dst_review)
            seconds = time.perf_counter() - t0
            a, b = fingerprint(source), fingerprint(target)
            ra, rb = review_fingerprint(src_review), review_fingerprint(dst_review)
        except CurbsideError as exc:
            _fail_with(exc, 2 if isinstance(exc, InputError) else 1)
        same = a.to_json() == b.to_json() and ra == rb
        report = {"copied_documents": copied, "copied_review_rows": rows, "seconds": round(seconds, 1),
                  "source": {**a.to_json(), "review": ra}, "target": {**b.to_json(), "review": rb},
                  "verified": same}
        if json_out:
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            out.print(f"copied {a.documents:,} documents, {a.passages:,} passages, {a.vectors:,} vectors, "
                      f"{sum(rows.values()):,} review rows (articles, versions, users, audit...) in "
                      f"{seconds:.1f} s; " + ("verified: counts and checksums match" if same else
                                             "NOT verified: the stores differ"), highlight=False)
        if not same:
            _fail(f"the copy differs from the source (source {a.to_json()}, target {b.to_json()})")


def review_location(store: str, settings) -> "str | Path":
    """Where the review data of a store lives: the PostgreSQL database itself, a sqlite:/// file itself, or (no
    store named) the home's SQLite file."""
    store = (store or "").strip()
    if store.startswith(("postgresql://", "postgres://")):
        return store
    if store.startswith("sqlite:///"):
        return Path(store[len("sqlite:///"):]).expanduser()
    return settings.db_path
