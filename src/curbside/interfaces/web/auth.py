"""Who is asking: a bearer token (API) or a session cookie (pages; API too, with an X-CSRF-Token header for
writes). Every route asks for a Principal and checks a permission on the server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import is_https, same_token
from curbside.review.accounts import Session, TokenError, User
from curbside.review.workflow import Actor

SESSION_COOKIE = "curbside_session"
PRE_CSRF_COOKIE = "curbside_csrf"          # double-submit token for the login form (before a session exists)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="An API token (`cs_...`) from POST /api/auth/login, POST /api/tokens or the Account page.")


@dataclass
class Principal:
    user: User
    via: str                     # token | session
    csrf: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.user.username, self.user.role)

    @property
    def username(self) -> str:
        return self.user.username

    def can(self, permission: str) -> bool:
        return self.actor.can(permission)

    def require(self, permission: str, what: str = "do this") -> None:
        if not self.can(permission):
            raise ApiError(403, f"a {self.user.role} may not {what}")


def page_session(request: Request) -> Session | None:
    cached = getattr(request.state, "session", False)
    if cached is not False:
        return cached
    sid = request.cookies.get(SESSION_COOKIE, "")
    session = request.app.state.ctx.accounts.session(sid) if sid else None
    request.state.session = session
    return session


def api_principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                  ctx: Ctx = Depends(get_ctx)) -> Principal:
    """API caller: a bearer token, or a browser session (which must send X-CSRF-Token on writes)."""
    header = request.headers.get("authorization")
    if header:
        if creds is None or not creds.credentials:
            raise ApiError(401, "the Authorization header must be 'Bearer <token>'")
        try:
            user = ctx.accounts.check_token(creds.credentials.strip())
        except TokenError as exc:
            raise ApiError(401, str(exc)) from None
        return Principal(user, "token")
    session = page_session(request)
    if session is None:
        raise ApiError(401, "authentication required: send 'Authorization: Bearer <token>'")
    if request.method not in SAFE_METHODS and not same_token(request.headers.get("x-csrf-token"), session.csrf):
        raise ApiError(403, "missing or wrong X-CSRF-Token header (needed with a session cookie)", "csrf_failed")
    return Principal(session.user, "session", session.csrf)


def page_principal(request: Request) -> Principal:
    """Page visitor with a session; otherwise a 401 that the error handler turns into a redirect to /login."""
    session = page_session(request)
    if session is None:
        raise ApiError(401, "please sign in")
    return Principal(session.user, "session", session.csrf)


def optional_page_principal(request: Request) -> Principal | None:
    session = page_session(request)
    return Principal(session.user, "session", session.csrf) if session else None


def check_csrf(principal: Principal, token: str | None) -> None:
    """Every form POST carries the session's CSRF token."""
    if not same_token(token, principal.csrf):
        raise ApiError(403, "the form's security token is missing or out of date; reload the page and try again",
                       "csrf_failed")


def cookie_secure(request: Request, ctx: Ctx) -> bool:
    mode = ctx.config.secure_cookies
    return mode == "always" or (mode == "auto" and is_https(request))


def set_session_cookie(response: Response, request: Request, ctx: Ctx, sid: str) -> None:
    response.set_cookie(SESSION_COOKIE, sid, max_age=ctx.config.session_hours * 3600, httponly=True,
                        samesite="lax", secure=cookie_secure(request, ctx), path="/")


def clear_session_cookie(response: Response, request: Request, ctx: Ctx) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request, ctx))


def pre_csrf(request: Request) -> str:
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_pre_csrf(response: Response, request: Request, ctx: Ctx, token: str) -> None:
    response.set_cookie(PRE_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=cookie_secure(request, ctx), path="/login")
