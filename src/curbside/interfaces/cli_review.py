"""CLI commands for the web app and the review workflow: `curbside serve`, `curbside user ...`, `curbside review ...`."""

from __future__ import annotations

import os
import re

import getpass
import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

out = Console()
err = Console(stderr=True)

HomeOpt = typer.Option(None, "--home", help="Data directory (default: $CURBSIDE_HOME or ~/.local/share/curbside).")


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings(home: Optional[Path], **overrides):
    from curbside.settings import load_settings

    return load_settings(home, **overrides)


def _accounts(home: Optional[Path]):
    from curbside.review.accounts import AccountStore

    return AccountStore(_settings(home).review_store)


def _articles(home: Optional[Path]):
    from curbside.review.articles import ArticleStore

    return ArticleStore(_settings(home).review_store)


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="Users and roles (reader, clinician, reviewer, admin).", no_args_is_help=True)
    review_app = typer.Typer(help="The review workflow: list, approve, request changes, re-check evidence.",
                             no_args_is_help=True)
    app.add_typer(user_app, name="user")
    app.add_typer(review_app, name="review")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
        port: int = typer.Option(8000, "--port", min=1, max=65535),
        proxy_headers: bool = typer.Option(False, "--proxy-headers",
                                           help="Trust X-Forwarded-For/-Proto from a reverse proxy on this machine "
                                                "(127.0.0.1, ::1); see --forwarded-allow-ips."),
        forwarded_allow_ips: str = typer.Option("", "--forwarded-allow-ips",
                                                help="Comma-separated addresses or networks of the reverse proxies "
                                                     "whose X-Forwarded-For/-Proto are trusted (default: none)."),
        hsts_seconds: int = typer.Option(0, "--hsts-seconds", min=0,
                                         help="Send Strict-Transport-Security with this max-age on https "
                                              "responses (e.g. 31536000 once TLS works; default: off)."),
        workers: int = typer.Option(1, "--workers", min=1, max=32,
                                    help="Worker processes (one per CPU core answers that many questions at once; "
                                         "the ask rate limit then applies per worker)."),
        home: Optional[Path] = HomeOpt,
    ) -> None:
        """Start the web app and JSON API (pages at /, API docs at /api/docs)."""
        import uvicorn

        from curbside.errors import CurbsideError
        from curbside.interfaces.web.app import create_app
        from curbside.interfaces.web.config import WebConfig

        trusted = forwarded_allow_ips.strip() or ("127.0.0.1,::1" if proxy_headers else "")
        try:
            settings = _settings(home)
            config = WebConfig.from_env()
            trusted = trusted or config.forwarded_allow_ips
            hsts_seconds = hsts_seconds or config.hsts_seconds
            web = create_app(settings, config=WebConfig.from_env(forwarded_allow_ips=trusted,
                                                                 hsts_seconds=hsts_seconds))
            if web.state.ctx.accounts.count_users() == 0:
                err.print("[yellow]no users yet:[/] create the first admin with "
                          "`curbside user add NAME --role admin`", highlight=False)
        except CurbsideError as exc:
            _fail(str(exc))
        where = re.sub(r"(//[^:@/]*):[^@/]*@", r"\1:***@", settings.store) if settings.store else settings.db_path
        out.print(f"Curbside on http://{host}:{port}/  (API docs: /api/docs; store: {where}"
                  + (f"; {workers} workers" if workers > 1 else "") + ")", highlight=False, markup=False)
        if trusted:
            out.print(f"Trusting X-Forwarded-For/-Proto only from: {trusted}", highlight=False, markup=False)
        # the app applies X-Forwarded-* itself, only from `trusted` (uvicorn's own handling stays off)
        common = dict(host=host, port=port, proxy_headers=False, log_level="info")
        if workers == 1:
            uvicorn.run(web, **common)
            return
        # the store is ready (default corpus loaded, schema current); each worker process opens its own app on it
        web.state.ctx.engine.close()
        os.environ["CURBSIDE_HOME"] = str(settings.home)
        os.environ["CURBSIDE_WEB_FORWARDED_ALLOW_IPS"] = trusted
        os.environ["CURBSIDE_WEB_HSTS_SECONDS"] = str(hsts_seconds)
        if not settings.embed:
            os.environ["CURBSIDE_NO_EMBED"] = "1"
        uvicorn.run("curbside.interfaces.web.app:app_from_env", factory=True, workers=workers, **common)

    @user_app.command("add")
    def user_add(
        name: str = typer.Argument(..., help="Username: letters, digits, '.', '_' or '-'."),
        role: str = typer.Option(..., "--role", help="admin | reviewer | clinician | reader"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
        display_name: str = typer.Option("", "--name", help="Full name shown in the app."),
        credentials: str = typer.Option("", "--credentials",
                                        help="Shown beside the name on approved articles, e.g. 'MD, Consultant Haematologist'."),
        home: Optional[Path] = HomeOpt,
    ) -> None:
        """Create a user (the first one should be an admin)."""
        from curbside.review.accounts import AccountError
        from curbside.review.audit import AuditLog

        password = _read_password(password_stdin)
        try:
            accounts = _accounts(home)
            user = accounts.add_user(name, password, role, display_name, credentials)
            AuditLog(accounts.db).record("cli", "user_create", user.username, {"role": user.role})
        except AccountError as exc:
            _fail(str(exc), 2)
        out.print(f"created {user.role} {user.username}", highlight=False, markup=False)

    @user_app.command("list")
    def user_list(json_out: bool = typer.Option(False, "--json"), home: Optional[Path] = HomeOpt) -> None:
        """List users."""
        users = _accounts(home).users()
        if json_out:
            sys.stdout.write(json.dumps([u.model_dump() for u in users], indent=2) + "\n")
            return
        table = Table(title=f"{len(users)} users")
        for col in ("username", "role", "credentials", "active", "last sign-in"):
            table.add_column(col)
        for u in users:
            table.add_row(Text(u.username), Text(u.role), Text(u.credentials), "yes" if u.active else "no",
                          Text(u.last_login_at or ""))
        out.print(table)

    @user_app.command("set")
    def user_set(
        name: str = typer.Argument(...),
        role: Optional[str] = typer.Option(None, "--role"),
        active: Optional[bool] = typer.Option(None, "--active/--disabled"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Set a new password from standard input."),
        display_name: Optional[str] = typer.Option(None, "--name", help="A new full name."),
        credentials: Optional[str] = typer.Option(None, "--credentials",
                                                  help="Shown beside the name on approved articles ('' removes them)."),
        home: Optional[Path] = HomeOpt,
    ) -> None:
        """Change a user's role, name or credentials, disable/enable them, or reset the password."""
        from curbside.review.accounts import AccountError
        from curbside.review.audit import AuditLog

        password = _read_password(True) if password_stdin else None
        try:
            accounts = _accounts(home)
            u = accounts.update_user(name, role=role, active=active, password=password, display_name=display_name,
                                     credentials=credentials)
            AuditLog(accounts.db).record("cli", "user_update", name, {"role": role, "active": active,
                                                                      "password": bool(password)}
                                         | {k: v for k, v in (("display_name", display_name),
                                                              ("credentials", credentials)) if v is not None})
        except AccountError as exc:
            _fail(str(exc), 2)
        out.print(f"{u.username}: {u.role}, {'active' if u.active else 'disabled'}"
                  + (f", {u.credentials}" if u.credentials else ""), highlight=False, markup=False)

    @user_app.command("token")
    def user_token(name: str = typer.Argument(...), label: str = typer.Option("cli", "--label"),
                   home: Optional[Path] = HomeOpt) -> None:
        """Print a new API token for a user (shown once)."""
        from curbside.review.audit import AuditLog

        accounts = _accounts(home)
        u = accounts.user(name)
        if u is None:
            _fail(f"{name}: no such user", 2)
        plain, info = accounts.create_token(u, label)
        AuditLog(accounts.db).record("cli", "token_create", info.id, {"user": name, "label": label})
        sys.stdout.write(plain + "\n")

    @review_app.command("list")
    def review_list(
        state: Optional[str] = typer.Option(None, "--state", help="Submitted, Under Review, Changes requested, ..."),
        limit: int = typer.Option(50, "--limit", min=1, max=1000),
        json_out: bool = typer.Option(False, "--json"),
        home: Optional[Path] = HomeOpt,
    ) -> None:
        """List saved articles with their review state."""
        rows = _articles(home).list(state, limit)
        if json_out:
            sys.stdout.write(json.dumps([r.model_dump() for r in rows], indent=2, ensure_ascii=False) + "\n")
            return
        table = Table(title=f"{len(rows)} articles")
        for col in ("id", "state", "v", "author", "question", "flag"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(*(Text(str(v)) for v in (r.id, r.state, r.current_version, r.author or "", r.question[:80],
                                                   r.evidence_flag or "")))
        out.print(table)

    def _act(article_id: str, action: str, as_user: str, note: str, home: Optional[Path]) -> None:
        from curbside.review.audit import AuditLog
        from curbside.review.workflow import Actor, WorkflowError

        accounts = _accounts(home)
        u = accounts.user(as_user)
        if u is None or not u.active:
            _fail(f"--as: {as_user}: no such active user", 2)
        store = _articles(home)
        try:
            s = store.transition(article_id, Actor(u.username, u.role), action, note)
        except KeyError:
            _fail(f"{article_id}: no such article", 2)
        except WorkflowError as exc:
            _fail(str(exc), 2)
        AuditLog(accounts.db).record(u.username, action, article_id, {"via": "cli", "note": note[:300]})
        out.print(f"{article_id}: {s.state}", highlight=False, markup=False)

    @review_app.command("start")
    def review_start(article_id: str, as_user: str = typer.Option(..., "--as", help="Reviewer username."),
                     home: Optional[Path] = HomeOpt) -> None:
        """Submitted -> Under Review."""
        _act(article_id, "start_review", as_user, "", home)

    @review_app.command("approve")
    def review_approve(article_id: str, as_user: str = typer.Option(..., "--as", help="Reviewer username."),
                       note: str = typer.Option("", "--note"), home: Optional[Path] = HomeOpt) -> None:
        """Under Review -> Approved (published). Not on your own article."""
        _act(article_id, "approve", as_user, note, home)

    @review_app.command("request-changes")
    def review_changes(article_id: str, as_user: str = typer.Option(..., "--as"),
                       note: str = typer.Option(..., "--note", help="What should change."),
                       home: Optional[Path] = HomeOpt) -> None:
        """-> Changes requested."""
        _act(article_id, "request_changes", as_user, note, home)

    @review_app.command("retire")
    def review_retire(article_id: str, as_user: str = typer.Option(..., "--as"), note: str = typer.Option("", "--note"),
                      home: Optional[Path] = HomeOpt) -> None:
        """-> Retired (no longer published)."""
        _act(article_id, "retire", as_user, note, home)

    @review_app.command("check-evidence")
    def review_check(home: Optional[Path] = HomeOpt) -> None:
        """Re-ask approved articles against the library now; flag those with new evidence."""
        from curbside.engine import Engine
        from curbside.review.living import check_articles

        engine = Engine(_settings(home))
        flags = check_articles(engine, engine.articles())
        for f in flags:
            out.print(f"{f.article_id}: {f.reason} (+{len(f.added)} / -{len(f.removed)} passages)", highlight=False,
                      markup=False)
        out.print(f"{len(flags)} article(s) flagged", highlight=False)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        _fail("no terminal to ask for the password: use --password-stdin", 2)
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        _fail("the passwords differ", 2)
    return first
