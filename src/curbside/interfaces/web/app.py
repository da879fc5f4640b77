"""The FastAPI app factory: pages, JSON API (OpenAPI at /api/docs), static files, security middleware."""

from __future__ import annotations

import logging

from fastapi_offline import FastAPIOffline
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from curbside.interfaces.web.config import WebConfig
from curbside.interfaces.web.context import HERE, Ctx
from curbside.interfaces.web.security import SecurityHeaders, TokenBucket
from curbside.review.accounts import AccountStore
from curbside.review.articles import ArticleStore
from curbside.review.audit import AuditLog
from curbside.settings import Settings

log = logging.getLogger("curbside.web")


def make_templates() -> Jinja2Templates:
    from curbside.interfaces.web import render

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    render.configure(templates.env)
    return templates


def create_app(settings: Settings, engine=None, config: WebConfig | None = None) -> FastAPI:
    """The web app on the store at `settings.db_path`; `engine` defaults to a new Engine(settings)."""
    config = config or WebConfig.from_env()
    if engine is None:
        from curbside.engine import Engine

        engine = Engine(settings)
    settings.ensure_home()
    articles = engine.articles() if hasattr(engine, "articles") else ArticleStore(settings.review_store)
    accounts = AccountStore(settings.review_store)
    ctx = Ctx(settings=settings, engine=engine, articles=articles, accounts=accounts, audit=AuditLog(accounts.db, deferred=True),
              config=config, ask_limiter=TokenBucket(config.ask_per_minute, config.ask_burst),
              login_limiter=TokenBucket(config.login_per_minute, config.login_burst), templates=make_templates())

    # FastAPIOffline serves the Swagger UI assets from the package itself: /api/docs works with no internet.
    app = FastAPIOffline(static_url="/api/docs-static", title="Curbside", version=_version(),
                  description="Offline clinical evidence engine: cited, verified articles with a medical review "
                              "workflow. Authenticate with `Authorization: Bearer <token>` (POST /api/auth/login).",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.ctx = ctx
    from curbside.interfaces.web import (api_articles, api_sources, api_users, errors, pages_admin, pages_articles,
                                         pages_auth, pages_library)

    errors.install(app)
    modules = (api_articles, api_sources, api_users, pages_auth, pages_articles, pages_library, pages_admin)
    for module in modules:
        app.include_router(module.router)
    app.state.route_methods = errors.route_methods([m.router for m in modules])
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _wrap_outermost(app, config)
    return app


def _wrap_outermost(app: FastAPI, config: WebConfig) -> None:
    """Security headers and body limits around everything, the last-resort 500 handler included; around them the
    Server-Timing header (unless turned off); outside all, X-Forwarded-For/-Proto applied only from the proxies in
    `forwarded_allow_ips` (none by default)."""
    build = app.build_middleware_stack

    def build_middleware_stack():
        inner = SecurityHeaders(build(), max_body=config.max_body_bytes, max_upload=config.max_upload_bytes,
                                hsts_seconds=config.hsts_seconds)
        if config.server_timing:          # the request's waits on locks, the index and readers (timing.py)
            from curbside.interfaces.web.timing import ServerTiming

            inner = ServerTiming(inner)
        trusted = [h.strip() for h in config.forwarded_allow_ips.split(",") if h.strip()]
        if not trusted:
            return inner
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        return ProxyHeadersMiddleware(inner, trusted_hosts=trusted)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """App factory for `curbside serve --workers N`: each worker process builds its own app (its own engine and
    SQLite connections) on the store named by $CURBSIDE_HOME; SQLite in WAL mode serialises their writes."""
    from curbside.settings import load_settings

    return create_app(load_settings())


def _version() -> str:
    try:
        from curbside import __version__

        return str(__version__)
    except ImportError:
        return "0"
