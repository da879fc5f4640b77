"""Choosing the corpus store backend: the SQLite file in the home (default) or PostgreSQL (`--store URL`)."""

from __future__ import annotations

from curbside.errors import InputError
from curbside.settings import Settings
from curbside.store.protocols import CorpusStoreLike


def open_corpus_store(settings: Settings) -> CorpusStoreLike:
    """The corpus store `settings.store` names: "" or "sqlite" is the home's SQLite file, a postgresql:// URL a
    PostgreSQL database (schema created or upgraded on open); anything else is an InputError."""
    return open_store_url(settings.store, settings)


def open_store_url(store: str, settings: Settings) -> CorpusStoreLike:
    from curbside.store.postgres import is_postgres_url

    store = (store or "").strip()
    if is_postgres_url(store):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise InputError("--store", "PostgreSQL support is not installed; expected `pip install "
                                        "'curbside[postgres]'` (psycopg)") from None
        from curbside.store.postgres import PostgresCorpusStore

        return PostgresCorpusStore(store, settings.home, settings.pg_pool)
    if store in ("", "sqlite"):
        from curbside.store.corpus_store import CorpusStore

        return CorpusStore(settings.db_path)
    if store.startswith("sqlite:///"):
        from pathlib import Path

        from curbside.store.corpus_store import CorpusStore

        return CorpusStore(Path(store[len("sqlite:///"):]).expanduser())
    raise InputError("--store", f"{store!r} is not a store; expected postgresql://USER@HOST:PORT/DATABASE, "
                                "sqlite:///PATH or nothing (the SQLite file in the home)")
