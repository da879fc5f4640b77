"""One settings object for every stage; built from defaults, then $CURBSIDE_* env vars, then flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def default_home() -> Path:
    """$CURBSIDE_HOME, else a per-user data directory ($XDG_DATA_HOME/curbside or ~/.local/share/curbside)."""
    env = os.environ.get("CURBSIDE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "curbside"


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    # where the corpus lives: "" = the SQLite file in `home`; "postgresql://user@host:port/db" = PostgreSQL
    # (--store or CURBSIDE_STORE; review data stays in the home's SQLite file)
    store: str = ""
    # PostgreSQL connections one process may hold (store.pg_pool; CURBSIDE_PG_POOL): the engine's store, each
    # reader's, the background embedder's and the review store's two are leased from it, so N server workers hold
    # at most N x pg_pool connections (keep that under the server's max_connections)
    pg_pool: int = 20
    # ingest
    passage_chars: int = 900          # target passage length (characters)
    passage_max_chars: int = 1600     # hard cap before a forced split
    max_file_bytes: int = 512 * 1024 * 1024
    load_default_corpus: bool = True  # load open-medicine guidelines on first use
    # retrieval
    top_k: int = 10
    candidates: int = 100             # lexical candidates before re-ranking
    embed: bool = True                # dense embeddings at ingest + hybrid search (issue 3)
    # CPU priority of embedding at ingest (CURBSIDE_INGEST_PRIORITY): "low" = `curbside ingest`/`index` and the
    # server's background embedding run at the lowest priority (nice 19), so searches and asks keep the cores;
    # "normal" = as any other work (an ingest on an otherwise idle machine is as fast either way)
    ingest_priority: str = "low"
    # answering
    max_question_chars: int = 2000
    answer_passages: int = 60         # passages considered for the article
    answer_per_document: int = 25     # of which at most this many from one document (a single review may hold
                                      # most of the answer; search results shown to users keep 3 per document)
    min_relevance: float = 0.34       # share of the question's concepts a passage must cover to count as an answer
    max_items_per_section: int = 12
    # writing (issue 15): `extractive` quotes units; `llm` has a language model write the article from them and
    # checks every written claim against the quotes it cites (answer/writer/)
    writer: str = "extractive"
    llm_url: str = ""                 # OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_gguf: str = ""                # a .gguf file run in-process (xllamacpp); wins over llm_url
    llm_threads: int = 1              # GGUF: llama.cpp threads (OpenMP waits passively)
    llm_context: int = 8192           # GGUF: context window in tokens
    llm_timeout: float = 60.0         # seconds to connect / between bytes of the answer
    llm_deadline: float = 600.0       # seconds for the whole answer, retries included
    llm_retries: int = 2              # retries after the first attempt (connection errors, timeouts, 429, 5xx)
    llm_backoff: float = 0.5          # seconds before the first retry; doubles each time
    llm_max_tokens: int = 700         # tokens the model may write
    llm_max_units: int = 12           # evidence units given to the model
    llm_fallback: bool = True         # model unreachable: the extractive article with a visible note (else an error)
    claim_support_threshold: float = 0.55  # a claim's support score needed to be shown: measured by
    #                                        scripts/measure_claim_support.py (docs/llm-writer.md)

    ANSWER_FIELDS = ("answer_passages", "answer_per_document", "max_items_per_section", "candidates")

    def answer_fingerprint(self) -> str:
        """A hash of everything that decides what an article says: the answering settings, the package version
        (the answering code) and the learned weights (the ranker decides which passages an article is composed
        from, the relevance and verdict models what it says of them). Stored on every article; a change flags
        approved articles for re-review."""
        import hashlib
        import json
        from importlib import resources

        from curbside import __version__

        parts = {f: getattr(self, f) for f in self.ANSWER_FIELDS} | {"version": __version__}
        for name in ("ranker_weights.json", "relevance_weights.json", "verdict_weights.json"):
            try:
                parts[name] = hashlib.sha256(resources.files("curbside").joinpath("data", name).read_bytes()
                                             ).hexdigest()[:16]
            except (FileNotFoundError, OSError):
                parts[name] = ""
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def db_path(self) -> Path:
        return self.home / "curbside.sqlite"

    @property
    def review_store(self) -> "Path | str":
        """Where the review data (articles, users, audit) lives: the PostgreSQL database of `store` when there is
        one (so several server machines share it), else the home's SQLite file."""
        return self.store if self.store.startswith(("postgresql://", "postgres://")) else self.db_path

    def with_home(self, home: str | Path | None) -> "Settings":
        return self if home is None else replace(self, home=Path(home).expanduser())

    def ensure_home(self) -> Path:
        """Create the home (0700) and an empty store file (0600) if missing: the store holds password hashes,
        the audit log and every question asked. Existing files keep the mode they have."""
        private_store(self.db_path)
        return self.home


def private_store(db_path: Path) -> None:
    """The store's folder created 0700 and the store file 0600 (SQLite gives its -wal/-shm files the same)."""
    home = Path(db_path).parent
    if not home.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(home, 0o700)
    if not Path(db_path).exists():
        try:
            os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass


def load_settings(home: str | Path | None = None, **overrides) -> Settings:
    s = Settings()
    if os.environ.get("CURBSIDE_NO_EMBED"):
        s = replace(s, embed=False)
    if os.environ.get("CURBSIDE_NO_DEFAULT_CORPUS"):
        s = replace(s, load_default_corpus=False)
    if os.environ.get("CURBSIDE_STORE", "").strip():
        s = replace(s, store=os.environ["CURBSIDE_STORE"].strip())
    if os.environ.get("CURBSIDE_PG_POOL", "").strip().isdigit() and int(os.environ["CURBSIDE_PG_POOL"]) > 0:
        s = replace(s, pg_pool=int(os.environ["CURBSIDE_PG_POOL"]))
    priority = os.environ.get("CURBSIDE_INGEST_PRIORITY", "").strip().lower()
    if priority in ("low", "normal"):
        s = replace(s, ingest_priority=priority)
    s = _llm_from_env(s)
    s = s.with_home(home)
    return replace(s, **overrides) if overrides else s


_LLM_ENV = {"CURBSIDE_WRITER": ("writer", str), "CURBSIDE_LLM_URL": ("llm_url", str),
            "CURBSIDE_LLM_MODEL": ("llm_model", str), "CURBSIDE_LLM_API_KEY": ("llm_api_key", str),
            "CURBSIDE_LLM_GGUF": ("llm_gguf", str), "CURBSIDE_LLM_THREADS": ("llm_threads", int),
            "CURBSIDE_LLM_CONTEXT": ("llm_context", int), "CURBSIDE_LLM_TIMEOUT": ("llm_timeout", float),
            "CURBSIDE_LLM_DEADLINE": ("llm_deadline", float), "CURBSIDE_LLM_RETRIES": ("llm_retries", int),
            "CURBSIDE_LLM_MAX_TOKENS": ("llm_max_tokens", int), "CURBSIDE_LLM_MAX_UNITS": ("llm_max_units", int)}


def _llm_from_env(s: Settings) -> Settings:
    """CURBSIDE_WRITER and CURBSIDE_LLM_* (a value that does not parse is ignored; the default stays)."""
    changes = {}
    for var, (name, kind) in _LLM_ENV.items():
        raw = os.environ.get(var, "").strip()
        if not raw:
            continue
        try:
            changes[name] = kind(raw)
        except ValueError:
            continue
    if os.environ.get("CURBSIDE_LLM_NO_FALLBACK"):
        changes["llm_fallback"] = False
    return replace(s, **changes) if changes else s
