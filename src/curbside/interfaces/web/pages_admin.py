"""Admin page (users, roles, audit log) and the Account page (API tokens, password)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from curbside.interfaces.web.auth import Principal, check_csrf, page_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.pages_auth import redirect, render
from curbside.interfaces.web.security import client_ip
from curbside.review.workflow import ROLES

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin(request: Request, p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("manage_users", "manage users")
    return render(request, "admin.html", p, active="admin", users=ctx.accounts.users(), roles=ROLES,
                  audit=ctx.audit.entries(200))


@router.post("/admin/users")
def add_user(request: Request, username: str = Form(""), password: str = Form(""), role: str = Form("reader"),
             display_name: str = Form(""), credentials: str = Form(""), csrf_token: str = Form(""),
             p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    p.require("manage_users", "manage users")
    user = ctx.accounts.add_user(username.strip(), password, role, display_name.strip(), credentials.strip())
    ctx.audit.record(p.username, "user_create", user.username, {"role": user.role}, client_ip(request))
    return redirect("/admin", "user")


@router.post("/admin/users/{username}")
def update_user(request: Request, username: str, role: str = Form(""), active: str = Form(""),
                credentials: str = Form(""), credentials_field: str = Form(""), csrf_token: str = Form(""),
                p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    p.require("manage_users", "manage users")
    is_active = None if active == "" else active == "1"
    if username == p.username and (is_active is False or (role and role != "admin")):
        raise ApiError(409, "you may not deactivate yourself or remove your own admin role")
    # the row's form carries credentials_field, so an emptied box removes them (an empty field arrives as "")
    creds = credentials.strip()[:200] if credentials_field else None
    ctx.accounts.update_user(username, role=role or None, active=is_active, credentials=creds)
    ctx.audit.record(p.username, "user_update", username, {"role": role or None, "active": is_active}
                     | ({} if creds is None else {"credentials": creds}), client_ip(request))
    return redirect("/admin", "user")


@router.get("/account")
def account(request: Request, p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    return render(request, "account.html", p, active="account", tokens=ctx.accounts.tokens(p.user), new_token=None)


@router.post("/account/tokens")
def new_token(request: Request, label: str = Form(""), csrf_token: str = Form(""),
              p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    plain, info = ctx.accounts.create_token(p.user, label.strip()[:100], ctx.config.token_days or None)
    ctx.audit.record(p.username, "token_create", info.id, {"label": info.label}, client_ip(request))
    return render(request, "account.html", p, active="account", tokens=ctx.accounts.tokens(p.user), new_token=plain)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: str, csrf_token: str = Form(""), p: Principal = Depends(page_principal),
                 ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    if not ctx.accounts.revoke_token(p.user, token_id[:64]):
        raise ApiError(404, "no such active token of yours")
    ctx.audit.record(p.username, "token_revoke", token_id[:64], "", client_ip(request))
    return redirect("/account", "token")


@router.post("/account/password")
def change_password(request: Request, current: str = Form(""), new: str = Form(""), csrf_token: str = Form(""),
                    p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    from curbside.interfaces.web.api_users import sign_in

    if sign_in(ctx, client_ip(request), p.username, current[:1024], "password_change") is None:
        raise ApiError(403, "the current password is wrong")
    ctx.accounts.update_user(p.username, password=new)
    ctx.audit.record(p.username, "password_change", p.username, "", client_ip(request))
    return redirect("/login", "password")
