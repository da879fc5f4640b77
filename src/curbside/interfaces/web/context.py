"""What every route needs: settings, the engine, the stores, limits and templates (one object on app.state)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from curbside.interfaces.web.config import WebConfig
from curbside.interfaces.web.security import TokenBucket
from curbside.review.accounts import AccountStore
from curbside.review.articles import ArticleStore
from curbside.review.audit import AuditLog
from curbside.settings import Settings

HERE = Path(__file__).parent


@dataclass
class Ctx:
    settings: Settings
    engine: object
    articles: ArticleStore
    accounts: AccountStore
    audit: AuditLog
    config: WebConfig
    ask_limiter: TokenBucket
    login_limiter: TokenBucket
    templates: Jinja2Templates


def get_ctx(request: Request) -> Ctx:
    return request.app.state.ctx
