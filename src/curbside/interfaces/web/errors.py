"""Clear errors: JSON `{"error": code, "message": ...}` under /api/, an error page (or a login redirect) elsewhere.

Every known failure maps to a 4xx with a message; the catch-all 500 handler exists only as a last resort."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from curbside.errors import CurbsideError, InputError, StoreError
from curbside.review.accounts import AccountError
from curbside.review.workflow import WorkflowError

log = logging.getLogger("curbside.web")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 410: "gone", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_request",
         429: "rate_limited", 500: "internal_error", 503: "unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None,
                 detail=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}
        self.detail = detail


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_response(request: Request, status: int, message: str, code: str | None = None,
                   headers: dict[str, str] | None = None, detail=None) -> Response:
    code = code or CODES.get(status, "error")
    if is_api(request):
        body = {"error": code, "message": message}
        if detail is not None:
            body["detail"] = detail
        if status == 401:
            headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None:
        return JSONResponse({"error": code, "message": message}, status_code=status)
    from curbside.interfaces.web.auth import page_session

    try:
        session = page_session(request)
    except Exception:
        session = None
    return ctx.templates.TemplateResponse(request, "error.html", {"status": status, "message": message,
                                                                  "session": session, "user": session.user if session else None},
                                          status_code=status, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette's 405 names only the first route's)."""
    path = request.url.path
    table = getattr(request.app.state, "route_methods", ())
    return sorted({m for regex, methods in table if regex.match(path) for m in methods})


def route_methods(routers) -> list[tuple]:
    """(path regex, methods) of every route in these routers, for the Allow header of a 405."""
    out = []
    for router in routers:
        for route in getattr(router, "routes", []):
            if getattr(route, "methods", None) and getattr(route, "path_regex", None) is not None:
                out.append((route.path_regex, frozenset(route.methods)))
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(request, exc.status, exc.message, exc.code, exc.headers, exc.detail)

    @app.exception_handler(WorkflowError)
    async def _workflow(request: Request, exc: WorkflowError):
        return error_response(request, exc.status, str(exc))

    @app.exception_handler(AccountError)
    async def _account(request: Request, exc: AccountError):
        return error_response(request, exc.status, str(exc))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        return error_response(request, 422, str(exc))

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError):
        log.error("store error: %s", exc)
        return error_response(request, 503, "the store is unavailable; try again shortly")

    @app.exception_handler(CurbsideError)
    async def _curbside(request: Request, exc: CurbsideError):
        return error_response(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path", "header"))
        message = f"{where}: {first['msg']}" if where else first["msg"]
        return error_response(request, 422, message, "invalid_request", detail=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = "no such page or resource"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
        return error_response(request, exc.status_code, message, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):   # last resort: log it, never leak internals
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal_error", "message": "unexpected server error (logged)"},
                            status_code=500)
