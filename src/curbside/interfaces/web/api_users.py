"""JSON API: sign-in for a token, the current user, API tokens, users (admins) and the audit log (admins)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictBool

from curbside.interfaces.web.api_articles import ERRORS
from curbside.interfaces.web.auth import Principal, api_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import SafeStr, client_ip, json_int
from curbside.review.accounts import MAX_PASSWORD, MIN_PASSWORD, TokenInfo, User
from curbside.review.audit import AuditEntry

router = APIRouter(prefix="/api", tags=["users"])
Role = Literal["reader", "clinician", "reviewer", "admin"]
Username = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class LoginRequest(BaseModel):
    username: SafeStr = Field(..., min_length=1, max_length=64)
    password: SafeStr = Field(..., min_length=1, max_length=MAX_PASSWORD)
    label: SafeStr = Field("api", max_length=100, description="a name for the new token")


class NewToken(BaseModel):
    token: str = Field(..., description="shown once; only its hash is stored")
    info: TokenInfo
    user: User


class TokenRequest(BaseModel):
    label: SafeStr = Field("", max_length=100)
    expires_in_days: json_int(1, 365) | None = Field(None,
                                        description="lifetime in days (default: CURBSIDE_WEB_TOKEN_DAYS, 90)")


class NewUser(BaseModel):
    username: SafeStr = Field(..., min_length=1, max_length=64)
    password: SafeStr = Field(..., min_length=MIN_PASSWORD, max_length=MAX_PASSWORD,
                              description="at least 12 characters, not a common or easily guessed password")
    role: Role
    display_name: SafeStr = Field("", max_length=200)
    credentials: SafeStr = Field("", max_length=200, description="shown beside the name on articles the user approves, e.g. 'MD, Consultant Haematologist'")


class UserUpdate(BaseModel):
    role: Role | None = None
    active: StrictBool | None = None
    password: SafeStr | None = Field(None, min_length=MIN_PASSWORD, max_length=MAX_PASSWORD,
                                     description="a new password (revokes the user's sessions and API tokens)")
    display_name: SafeStr | None = Field(None, max_length=200)
    credentials: SafeStr | None = Field(None, max_length=200, description="'' removes them")


def _too_many(wait: float, what: str) -> ApiError:
    return ApiError(429, f"too many failed sign-ins {what}; try again in {max(1, int(wait + 0.999))} s",
                    headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def sign_in(ctx: Ctx, ip: str, username: str, password: str, via: str) -> User | None:
    """Check a password under the sign-in throttles, which count failures only: per client address (a token
    bucket per worker, CURBSIDE_WEB_LOGIN_PER_MINUTE/_BURST) and per account (a back-off kept in the store and
    shared by every worker: 5 failures free, then 1, 2, 4 ... s up to 15 min between attempts, ASVS 2.2.1).
    Each attempt is counted before the password is checked and given back when it was right, so parallel
    guesses cannot outrun the count and successful sign-ins never count. 429 when throttled; None when wrong."""
    wait = ctx.login_limiter.take("ip:" + ip)
    if wait > 0:
        raise _too_many(wait, "from your address")
    wait = ctx.accounts.login_attempt(username)
    if wait > 0:
        ctx.login_limiter.refund("ip:" + ip)
        raise _too_many(wait, "for this account")
    user = ctx.accounts.authenticate(username, password)
    if user is None:
        ctx.audit.record(username[:64], "login_failed", via, "", ip)
        return None
    ctx.accounts.login_succeeded(username)
    ctx.login_limiter.refund("ip:" + ip)
    return user


@router.post("/auth/login", response_model=NewToken, status_code=201,
             responses={400: {"description": "malformed request body (e.g. not UTF-8)"},
                        401: {"description": "wrong username or password"}, 413: {"description": "body too large"},
                        422: {"description": "invalid input"},
                        429: {"description": "too many attempts"}},
             summary="Exchange a username and password for an API token")
def api_login(body: LoginRequest, request: Request, ctx: Ctx = Depends(get_ctx)):
    ip = client_ip(request)
    user = sign_in(ctx, ip, body.username, body.password, "api")
    if user is None:
        raise ApiError(401, "wrong username or password")
    plain, info = ctx.accounts.create_token(user, body.label, ctx.config.token_days or None)
    ctx.audit.record(user.username, "token_create", info.id, {"label": body.label, "via": "login"}, ip)
    return NewToken(token=plain, info=info, user=user)


@router.get("/me", response_model=User, responses=ERRORS, summary="Who the credentials belong to")
def api_me(p: Principal = Depends(api_principal)):
    return p.user


@router.get("/tokens", response_model=list[TokenInfo], responses=ERRORS, summary="Your API tokens")
def api_tokens(p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return ctx.accounts.tokens(p.user)


@router.post("/tokens", response_model=NewToken, status_code=201, responses=ERRORS, summary="A new API token for you")
def api_new_token(request: Request, body: TokenRequest | None = None, p: Principal = Depends(api_principal),
                  ctx: Ctx = Depends(get_ctx)):
    label = body.label if body else ""
    days = (body.expires_in_days if body else None) or ctx.config.token_days or None
    plain, info = ctx.accounts.create_token(p.user, label, days)
    ctx.audit.record(p.username, "token_create", info.id, {"label": label}, client_ip(request))
    return NewToken(token=plain, info=info, user=p.user)


@router.delete("/tokens/{token_id}", status_code=204, responses=ERRORS, summary="Revoke one of your tokens")
def api_revoke_token(request: Request, token_id: str = Path(..., max_length=64),
                     p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    if not ctx.accounts.revoke_token(p.user, token_id):
        raise ApiError(404, f"{token_id}: no such active token of yours")
    ctx.audit.record(p.username, "token_revoke", token_id, "", client_ip(request))
    return Response(status_code=204)


@router.get("/users", response_model=list[User], responses=ERRORS, summary="All users (admins)")
def api_users(p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("manage_users", "manage users")
    return ctx.accounts.users()


@router.post("/users", response_model=User, status_code=201, responses=ERRORS | {409: {"description": "taken"}},
             summary="Create a user (admins)")
def api_add_user(body: NewUser, request: Request, p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("manage_users", "manage users")
    user = ctx.accounts.add_user(body.username, body.password, body.role, body.display_name,
                                 body.credentials)
    ctx.audit.record(p.username, "user_create", user.username, {"role": user.role}, client_ip(request))
    return user


@router.patch("/users/{username}", response_model=User, responses=ERRORS,
              summary="Change a user's role, active flag, password, name or credentials (admins)")
def api_update_user(body: UserUpdate, request: Request, username: str = Username,
                    p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("manage_users", "manage users")
    if username == p.username and (body.active is False or (body.role and body.role != "admin")):
        raise ApiError(409, "you may not deactivate yourself or remove your own admin role")
    user = ctx.accounts.update_user(username, role=body.role, active=body.active, password=body.password,
                                    display_name=body.display_name, credentials=body.credentials)
    changes = {k: v for k, v in body.model_dump().items() if v is not None and k != "password"}
    if body.password:
        changes["password"] = "changed"
    ctx.audit.record(p.username, "user_update", username, changes, client_ip(request))
    return user


@router.get("/audit", response_model=list[AuditEntry], responses=ERRORS, summary="The audit log (admins)")
def api_audit(limit: int = Query(200, ge=1, le=5000), actor: str | None = Query(None, max_length=64),
              action: str | None = Query(None, max_length=64), p: Principal = Depends(api_principal),
              ctx: Ctx = Depends(get_ctx)):
    p.require("audit", "read the audit log")
    return ctx.audit.entries(limit, actor, action)


@router.get("/health", tags=["meta"], summary="Liveness (no authentication)")
def api_health(ctx: Ctx = Depends(get_ctx)):
    return {"status": "ok"}
