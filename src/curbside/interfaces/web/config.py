"""Web settings (rate limits, upload limits, cookies), from defaults then $CURBSIDE_WEB_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class WebConfig:
    ask_per_minute: float = 30.0        # token-bucket refill per user and per client address; 0 turns limiting off
    ask_burst: int = 10                 # bucket size
    login_per_minute: float = 10.0      # failed-login throttle per address+username
    login_burst: int = 10
    max_upload_bytes: int = 50 * 1024 * 1024
    session_hours: int = 12
    token_days: int = 90                # API token lifetime (0: until revoked)
    forwarded_allow_ips: str = ""       # proxies whose X-Forwarded-For/-Proto are trusted ("" none, "*" any)
    hsts_seconds: int = 0               # Strict-Transport-Security max-age on https responses (0: not sent)
    max_body_bytes: int = 2 * 1024 * 1024   # request bodies other than uploads
    secure_cookies: str = "auto"        # auto (Secure when the request came over https), always, never
    evidence_check: bool = True         # re-check approved articles after the library changes
    log_requests: bool = False
    server_timing: bool = True          # Server-Timing header: the request's waits (write lock, index...) and time

    @classmethod
    def from_env(cls, **overrides) -> "WebConfig":
        cfg = cls()
        for f in fields(cls):
            raw = os.environ.get("CURBSIDE_WEB_" + f.name.upper())
            if raw is None:
                continue
            if f.type in ("bool", bool):
                value = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.type in ("int", int):
                value = int(raw)
            elif f.type in ("float", float):
                value = float(raw)
            else:
                value = raw
            cfg = replace(cfg, **{f.name: value})
        return replace(cfg, **overrides) if overrides else cfg
