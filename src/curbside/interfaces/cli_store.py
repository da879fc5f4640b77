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
        """Copy documents, passages and vectors from this store (--store, else the home's SQLite file) to
        another, then check both hold the same (counts and checksums). Review data stays in the home."""
        from dataclasses import replace

        from curbside.errors import CurbsideError, InputError
        from curbside.settings import load_settings
        from curbside.store.backends import open_corpus_store, open_store_url
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

            copied = copy_store(source, target, progress=progress)
            if not json_out and copied:
                err.print("", highlight=False)
            seconds = time.perf_counter() - t0
            a, b = fingerprint(source), fingerprint(target)
        except CurbsideError as exc:
            _fail_with(exc, 2 if isinstance(exc, InputError) else 1)
        same = a.to_json() == b.to_json()
        report = {"copied_documents": copied, "seconds": round(seconds, 1), "source": a.to_json(),
                  "target": b.to_json(), "verified": same}
        if json_out:
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            out.print(f"copied {a.documents:,} documents, {a.passages:,} passages, {a.vectors:,} vectors in "
                      f"{seconds:.1f} s; " + ("verified: counts and checksums match" if same else
                                             "NOT verified: the stores differ"), highlight=False)
        if not same:
            _fail(f"the copy differs from the source (source {a.to_json()}, target {b.to_json()})")
