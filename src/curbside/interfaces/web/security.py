"""Request-level security: token-bucket rate limits, CSRF comparison, security headers, safe input text."""

from __future__ import annotations

import re
import secrets
import threading
import time
from typing import Annotated

from pydantic import AfterValidator

from starlette.datastructures import MutableHeaders
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
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or proto == "https"


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, and a request-size guard (413 before reading)."""

    def __init__(self, app, max_body: int = 2 * 1024 * 1024, max_upload: int = 50 * 1024 * 1024,
                 upload_paths: tuple[str, ...] = ("/api/sources", "/library/upload")):
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.upload_paths = upload_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.max_upload + 64 * 1024 if path in self.upload_paths else self.max_body
        length = _content_length(scope)
        if length is not None and length > limit:
            body = (b'{"error":"too_large","message":"the request body is %d bytes; the limit is %d"}'
                    % (length, limit))
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        docs = path.startswith("/api/docs") or path.startswith("/api/redoc")
        method = scope.get("method", "GET")

        async def send_headers(message):
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("Referrer-Policy", "same-origin")
                if not docs:
                    h.setdefault("Content-Security-Policy", CSP)
                    h.setdefault("X-Frame-Options", "DENY")
                if path.startswith("/api/") or method != "GET":
                    h.setdefault("Cache-Control", "no-store")
                elif not path.startswith("/static/"):
                    h.setdefault("Cache-Control", "private, no-cache")
            await send(message)

        await self.app(scope, receive, send_headers)


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
