"""Property-based fuzzing of the JSON API from its OpenAPI schema (Schemathesis): no input may cause a 5xx.

Bounded to keep the suite fast: CURBSIDE_FUZZ_EXAMPLES examples per operation (default 30)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tests.interfaces.web.conftest import make_web  # noqa: E402

EXAMPLES = int(os.environ.get("CURBSIDE_FUZZ_EXAMPLES", "30"))
_web = None


def fuzz_web():
    """One app for the whole fuzzing run (built lazily, on a private temporary store)."""
    global _web
    if _web is None:
        from argon2 import PasswordHasher

        from curbside.review import accounts

        real, accounts._hasher = accounts._hasher, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        try:
            _web = make_web(Path(tempfile.mkdtemp(prefix="curbside-fuzz-")))
        finally:
            accounts._hasher = real
        _web.ask("carl")
    return _web


def _openapi() -> dict:
    from fastapi.openapi.utils import get_openapi

    app = fuzz_web().app
    return get_openapi(title=app.title, version=app.version, routes=app.routes)


schema = schemathesis.openapi.from_dict(_openapi()) if os.environ.get("CURBSIDE_SKIP_FUZZ") is None else None


if schema is not None:
    @schema.parametrize()
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def test_no_server_errors(case):
        w = fuzz_web()
        user = "rita" if "transitions" in case.path or "comments" in case.path else "admin"
        case.call_and_validate(headers=w.h(user), checks=[not_a_server_error], app=w.app)

    @schema.parametrize()
    @settings(max_examples=max(5, EXAMPLES // 3), deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def test_no_server_errors_without_credentials(case):
        case.call_and_validate(checks=[not_a_server_error], app=fuzz_web().app)
