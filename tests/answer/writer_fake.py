"""A fake OpenAI-compatible chat server on 127.0.0.1 for the llm writer tests: it replays scripted answers (streamed
as server-sent events or as one JSON body), can be slow or fail, records every request, and stops itself."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self, replies: list[str] | None = None, *, stream: bool = True, delay: float = 0.0,
                 status: int = 200, fail_first: int = 0):
        self.replies = list(replies or [])
        self.stream, self.delay, self.status, self.fail_first = stream, delay, status, fail_first
        self.requests: list[dict] = []
        self.calls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):   # quiet
                pass

            def do_POST(self):            # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                fake.calls += 1
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if fake.calls <= fake.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.status != 200 or self.path.rstrip("/") != "/v1/chat/completions":
                    self.send_response(fake.status if fake.status != 200 else 404)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": "no"}')
                    return
                text = fake.replies.pop(0) if fake.replies else ""
                try:
                    if fake.stream and body.get("stream"):
                        self.send_response(200)
                        self.send_header("Content-Type", "text/event-stream")
                        self.end_headers()
                        for i in range(0, len(text), 17):
                            ev = {"model": "fake-model", "choices": [{"index": 0, "delta": {"content": text[i:i + 17]},
                                                                      "finish_reason": None}]}
                            self.wfile.write(f"data: {json.dumps(ev)}\n\n".encode())
                        end = {"model": "fake-model", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                        self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                    else:
                        out = json.dumps({"model": "fake-model", "choices": [{"index": 0, "message": {
                            "role": "assistant", "content": text}, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 20}}).encode()
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(out)))
                        self.end_headers()
                        self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def free_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port bound then released)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/v1"
