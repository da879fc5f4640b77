"""Sign-in and sign-out pages, and the helpers every page uses to render a template."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from curbside.interfaces.web.api_users import sign_in
from curbside.interfaces.web.auth import (PRE_CSRF_COOKIE, Principal, check_csrf, clear_session_cookie, page_principal,
                                          page_session, pre_csrf, set_pre_csrf, set_session_cookie)
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import client_ip, same_token
from curbside.review.workflow import PERMISSIONS

router = APIRouter(include_in_schema=False)

FLASH = {"approved": "Approved and published.", "submitted": "Submitted for review.",
         "changes": "Changes requested; the author has been asked for a new version.",
         "review": "Review started.", "retired": "Article retired.", "version": "New version created; it is under review.",
         "comment": "Comment added.",
         "reading": "Reading recorded beside the damaged text.",
         "struck": "Sentence struck: a new version without it is under review.", "uploaded": "Upload finished.", "deleted": "Source removed.",
         "user": "User saved.", "token": "Token revoked.", "password": "Password changed.", "signedout": "Signed out."}


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200, **context):
    ctx: Ctx = request.app.state.ctx
    flash = FLASH.get(request.query_params.get("msg", ""), "")
    base = {"user": principal.user if principal else None, "csrf": principal.csrf if principal else "",
            "user_perms": PERMISSIONS.get(principal.user.role, frozenset()) if principal else frozenset(),
            "flash": flash}
    return ctx.templates.TemplateResponse(request, name, base | context, status_code=status_code)


def redirect(url: str, msg: str | None = None) -> RedirectResponse:
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + msg
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths (no open redirects)."""
    t = (target or "").strip()
    parsed = urlparse(t)
    if not t.startswith("/") or t.startswith("//") or t.startswith("/\\") or parsed.scheme or parsed.netloc:
        return "/"
    return t


@router.get("/login")
def login_page(request: Request, next: str = "/", ctx: Ctx = Depends(get_ctx)):
    if page_session(request):
        return redirect(safe_next(next))
    token = pre_csrf(request)
    response = render(request, "login.html", None, login_csrf=token, next=safe_next(next), username="", error="")
    set_pre_csrf(response, request, ctx, token)
    return response


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
          next: str = Form("/"), ctx: Ctx = Depends(get_ctx)):
    if not same_token(csrf_token, request.cookies.get(PRE_CSRF_COOKIE)):
        raise ApiError(403, "the sign-in form expired; reload the page and try again", "csrf_failed")
    ip = client_ip(request)
    username = username.strip()[:64]
    user = sign_in(ctx, ip, username, password[:1024], "web")
    if user is None:
        token = pre_csrf(request)
        response = render(request, "login.html", None, status_code=401, login_csrf=token, next=safe_next(next),
                          username=username, error="Wrong username or password.")
        set_pre_csrf(response, request, ctx, token)
        return response
    sid, _ = ctx.accounts.create_session(user, ctx.config.session_hours)
    ctx.audit.record(user.username, "login", "web", "", ip)
    response = redirect(safe_next(next))
    set_session_cookie(response, request, ctx, sid)
    response.delete_cookie(PRE_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), p: Principal = Depends(page_principal),
           ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    from curbside.interfaces.web.auth import SESSION_COOKIE

    ctx.accounts.end_session(request.cookies.get(SESSION_COOKIE, ""))
    ctx.audit.record(p.username, "logout", "web", "", client_ip(request))
    response = redirect("/login", "signedout")
    clear_session_cookie(response, request, ctx)
    return response
