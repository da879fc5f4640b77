"""Request-level security: token-bucket rate limits, CSRF comparison, security headers, safe input text."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


class TokenBucket:
    """In-memory token buckets keyed by user or address: `rate_per_minute` refill, `burst` capacity."""

    def __init__(self, rate_per_minute: float, burst: int, max_keys: int = 50_000):
        self.rate = rate_per_minute / 60.0
        self.burst = max(1, int(burst))
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 if allowed (and a token is spent), else the seconds to wait before retrying."""
        if not self.enabled:
            return 0.0
        t = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), t))
            tokens = min(float(self.burst), tokens + (t - last) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, t)
                return 0.0
            self._buckets[key] = (tokens, t)
            if len(self._buckets) > self.max_keys:   # forget the fullest buckets first
                for k in [k for k, (n, _) in self._buckets.items() if n >= self.burst - 1][: self.max_keys // 2]:
                    self._buckets.pop(k, None)
            return (cost - tokens) / self.rate


    def refund(self, key: str, cost: float = 1.0) -> None:
        """Give back a token taken for something that turned out not to count (a successful sign-in)."""
        if not self.enabled:
            return
        with self._lock:
            if key in self._buckets:
                tokens, last = self._buckets[key]
                self._buckets[key] = (min(float(self.burst), tokens + cost), last)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and secrets.compare_digest(str(a).encode("utf-8", "ignore"),
                                                          str(b).encode("utf-8", "ignore"))


def clean_text(text: str | None, *, multiline: bool = True) -> str:
    """Input text fit to store and search: no surrogates or control characters (newlines kept if multiline)."""
    text = _SURROGATE.sub("\ufffd", text or "")
    text = _CONTROL.sub(" ", text)
    if not multiline:
        text = text.replace("\r", " ").replace("\n", " ")
    return text


def has_bad_chars(text: str) -> bool:
    return bool(_SURROGATE.search(text) or "\x00" in text)


def client_ip(request: Request) -> str:
    """The client's address: the socket peer, or what a trusted proxy reported (`--forwarded-allow-ips`; the
    proxy-headers middleware has then already put it in the scope). Never a header from an untrusted client."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    """Came over TLS: to this server, or to a trusted proxy (X-Forwarded-Proto, applied only for proxies in
    `--forwarded-allow-ips`). A header from anyone else is ignored."""
    return request.url.scheme in ("https", "wss")


class BodyTooLarge(HTTPException):
    """Raised from the receive channel when a request body grows past its limit (the app answers 413)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes",
                         headers={"Connection": "close"})


def _json(status: int, message: str, code: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[dict, dict]:
    body = json.dumps({"error": code, "message": message}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close"), *headers]}
    return start, {"type": "http.response.body", "body": body}


class SecurityHeaders:
    """Pure ASGI middleware, outermost in the app (so even a last-resort 500 gets its headers):

    * security headers on every response: CSP (the API docs get theirs with hashes of their inline scripts),
      frame-ancestors and X-Frame-Options, nosniff, Referrer-Policy, Cache-Control; HSTS over https when
      `hsts_seconds` is set;
    * request bodies bounded while they stream in, chunked ones included: a declared Content-Length over the
      limit is refused before reading, and the receive channel counts bytes and stops at the limit (413), so
      neither memory nor disk fills up before authentication or parsing;
    * uploads (multipart, up to `max_upload`) only from a signed-in admin: the credentials are checked before a
      byte of the body is read, so an anonymous upload is never spooled to disk.
    """

    def __init__(self, app, max_body: int = 2 * 1024 * 1024, max_upload: int = 50 * 1024 * 1024,
                 upload_paths: tuple[str, ...] = ("/api/sources", "/library/upload"), hsts_seconds: int = 0):
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.upload_paths = upload_paths
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method = scope.get("method", "GET")
        upload = path in self.upload_paths and method == "POST"
        limit = self.max_upload + 64 * 1024 if upload else self.max_body
        docs = path.startswith("/api/docs") or path.startswith("/api/redoc")
        https = scope.get("scheme") in ("https", "wss")
        started = False
        held: list[dict] = []

        async def send_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                h = MutableHeaders(scope=message)
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("Referrer-Policy", "same-origin")
                h.setdefault("X-Frame-Options", "DENY")
                h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if https and self.hsts_seconds > 0:
                    h.setdefault("Strict-Transport-Security", f"max-age={self.hsts_seconds}; includeSubDomains")
                if path.startswith("/api/") or method != "GET":
                    h.setdefault("Cache-Control", "no-store")
                elif not path.startswith("/static/") and not path.startswith("/api/docs-static"):
                    h.setdefault("Cache-Control", "private, no-cache")
                if docs and h.get("content-type", "").startswith("text/html"):
                    held.append(message)      # its CSP needs the hashes of the page's inline scripts
                    return
                h.setdefault("Content-Security-Policy", CSP)
            elif held:
                held.append(message)
                if message.get("more_body"):
                    return
                start, chunks = held[0], held[1:]
                body = b"".join(m.get("body", b"") for m in chunks)
                h = MutableHeaders(scope=start)
                h.setdefault("Content-Security-Policy", docs_csp(body))
                if "content-length" in h:
                    h["content-length"] = str(len(body))
                held.clear()
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        length = _content_length(scope)
        if length is not None and length > limit:
            start, body = _json(413, f"the request body is {length} bytes; the limit is {limit}", "too_large")
            await send_headers(start)
            await send_headers(body)
            return
        if upload:
            refused = await run_in_threadpool(_upload_refusal, scope)
            if refused is not None:
                await send_headers(refused[0])
                await send_headers(refused[1])
                return

        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send_headers)
        except BodyTooLarge as exc:      # raised where no handler turned it into a response
            if started:
                raise
            start, body = _json(413, exc.detail, "too_large")
            await send_headers(start)
            await send_headers(body)


def _upload_refusal(scope) -> tuple[dict, dict] | None:
    """Why an upload request may not send its body (401/403 as the route would answer), or None."""
    from curbside.interfaces.web.auth import SESSION_COOKIE
    from curbside.review.accounts import TokenError
    from curbside.review.workflow import has_permission

    app = scope.get("app")
    ctx = getattr(getattr(app, "state", None), "ctx", None)
    if ctx is None:
        return None
    headers = Headers(scope=scope)
    api = scope.get("path", "").startswith("/api/")
    auth = headers.get("authorization")
    user = None
    if auth:
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() != "bearer" or not cred.strip():
            message = "the Authorization header must be 'Bearer <token>'"
        else:
            try:
                user = ctx.accounts.check_token(cred.strip())
            except TokenError as exc:
                message = str(exc)
    else:
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            cookies[k] = v
        session = ctx.accounts.session(cookies.get(SESSION_COOKIE, ""))
        user = session.user if session else None
        message = "authentication required: send 'Authorization: Bearer <token>'" if api else "please sign in"
    if user is None:
        if not api:
            return ({"type": "http.response.start", "status": 303,
                     "headers": [(b"location", b"/login?next=%2Flibrary"), (b"content-length", b"0"),
                                 (b"connection", b"close")]},
                    {"type": "http.response.body", "body": b""})
        return _json(401, message, "unauthorized", [(b"www-authenticate", b"Bearer")])
    if not has_permission(user.role, "manage_sources"):
        return _json(403, f"a {user.role} may not add sources", "forbidden")
    return None


_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def docs_csp(html: bytes) -> str:
    """The API docs page's policy: scripts from this server plus the page's own inline scripts (by hash)."""
    hashes = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
                      for m in _SCRIPT.finditer(html))
    return ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self' {hashes}; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'none'; connect-src 'self'")


def _content_length(scope) -> int | None:
    for k, v in scope.get("headers", ()):
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


def _no_bad_chars(value: str) -> str:
    if has_bad_chars(value):
        raise ValueError("contains characters that are not allowed (NUL or unpaired surrogates)")
    return value


SafeStr = Annotated[str, AfterValidator(_no_bad_chars)]


def _not_a_bool(value):
    if isinstance(value, bool):
        raise ValueError("expected an integer, not true or false")
    return value


def json_int(ge: int, le: int):
    """An integer in [ge, le] as JSON Schema has it: 3 and 3.0 are integers, true and false are not (pydantic's lax
    int takes them). The bounds come before the validator so that the schema says minimum/maximum."""
    from annotated_types import Ge, Le

    return Annotated[int, Ge(ge), Le(le), BeforeValidator(_not_a_bool)]
