"""A written answer as it is made: server-sent events for `--writer llm` (and the extractive writer, which just
finishes quickly). Events, each `event: NAME` + `data: JSON`:

* ``progress`` -- {"stage": "selecting" | "writing" | "checking" | "done", "text": "checking 14 claims"}
* ``token``    -- {"text": "..."}: what the model has written so far, piece by piece (a preview; the article that
  counts is the checked one)
* ``article``  -- {"id": ..., "url": "/articles/ID", "article": {...}}: the saved, checked article (the same JSON
  as POST /api/ask)
* ``error``    -- {"status": 4xx/5xx, "detail": "..."}

The answer is made on a worker thread (services.ask: permissions, rate limit, audit as for any ask); the response
only relays its events, with a comment line every few seconds so proxies keep the connection open.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Callable, Iterator

from fastapi.responses import StreamingResponse

from curbside.errors import CurbsideError, InputError
from curbside.interfaces.web.errors import ApiError

KEEPALIVE_S = 5.0
MAX_TOKEN_EVENTS = 4000


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream_answer(run: Callable[..., object], *, url_of: Callable[[object], str]) -> StreamingResponse:
    """`run(progress=..., on_token=...)` -> Article, on a worker thread; its events relayed as SSE."""
    events: queue.Queue = queue.Queue()
    sent = {"tokens": 0}

    def progress(stage: str, text: str) -> None:
        events.put(("progress", {"stage": stage, "text": text}))

    def on_token(text: str) -> None:
        if sent["tokens"] < MAX_TOKEN_EVENTS:
            sent["tokens"] += 1
            events.put(("token", {"text": text}))

    def work() -> None:
        try:
            article = run(progress=progress, on_token=on_token)
            events.put(("article", {"id": article.id, "url": url_of(article),
                                    "article": article.model_dump(mode="json")}))
        except ApiError as exc:
            events.put(("error", {"status": exc.status, "detail": exc.message}))
        except InputError as exc:
            events.put(("error", {"status": 422, "detail": str(exc)}))
        except CurbsideError as exc:
            events.put(("error", {"status": 503, "detail": str(exc)}))
        except Exception:  # noqa: BLE001 - the stream must end with an event, never hang
            import logging

            logging.getLogger("curbside.web").exception("streamed ask failed")
            events.put(("error", {"status": 500, "detail": "internal error"}))
        finally:
            events.put(None)

    threading.Thread(target=work, name="curbside-ask-stream", daemon=True).start()

    def body() -> Iterator[str]:
        yield sse("progress", {"stage": "started", "text": "selecting evidence"})
        while True:
            try:
                ev = events.get(timeout=KEEPALIVE_S)
            except queue.Empty:
                yield ": keep-alive\n\n"
                continue
            if ev is None:
                return
            yield sse(*ev)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
