"""Server-Timing on every response: the request's waits (curbside/waits.py: the SQLite write lock, commit and
checkpoint, vector-index refresh, corpus caches, reader pool) and the server's whole time, so a client or a bench
tells a request that waited on an ingest from one that queued for busy cores. On by default; turn it off with
CURBSIDE_WEB_SERVER_TIMING=0 (WebConfig.server_timing). Only the request's own caller sees its header."""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders

from curbside import waits


class ServerTiming:
    """Pure ASGI middleware: records the request's waits while the app runs, adds them at the response's start."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        with waits.recording() as spent:

            async def send_timed(message):
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message).append("Server-Timing",
                                                         waits.server_timing(spent, time.perf_counter() - t0))
                await send(message)

            await self.app(scope, receive, send_timed)
