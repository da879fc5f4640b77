"""Clients for the language model that writes articles (`--writer llm`).

Two backends, chosen by the settings (never anything else):

* an OpenAI-compatible server at ``settings.llm_url`` (vLLM, Ollama, llama.cpp's server, Azure OpenAI, OpenAI...):
  ``POST {llm_url}/chat/completions``, streamed as server-sent events when the server does (plain JSON otherwise),
  with a connect/read timeout, an overall deadline, and bounded retries with exponential backoff on connection
  errors, timeouts, 429 and 5xx. Proxies from the environment are not used: the request goes to the configured
  address and nowhere else.
* a GGUF file at ``settings.llm_gguf`` run in-process through ``xllamacpp`` (llama.cpp; optional extra
  ``curbside[local-llm]``), with its threads capped (``llm_threads``, default 1) and OpenMP waiting passively so a
  small machine stays responsive.

When the configured model cannot be used, `LLMUnavailable` says why; no other service is ever tried.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Protocol

from curbside.errors import CurbsideError

TokenCallback = Callable[[str], None]


class LLMUnavailable(CurbsideError):
    """The configured language model could not be reached or did not answer in time."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class LLMNotConfigured(LLMUnavailable):
    pass


@dataclass
class Completion:
    text: str
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str = ""
    attempts: int = 1
    extra: dict = field(default_factory=dict)


class ChatClient(Protocol):
    name: str                                  # what the article records as its writer model

    def chat(self, messages: list[dict], *, max_tokens: int, temperature: float = 0.0,
             on_token: TokenCallback | None = None) -> Completion: ...


# ---------------------------------------------------------------------------------------------- OpenAI-compatible
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAICompatibleClient:
    def __init__(self, base_url: str, model: str = "", api_key: str = "", *, timeout: float = 60.0,
                 deadline: float = 300.0, retries: int = 2, backoff: float = 0.5, stream: bool = True):
        if not base_url.startswith(("http://", "https://")):
            raise LLMNotConfigured(f"CURBSIDE_LLM_URL must start with http:// or https:// (got {base_url!r})")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout, self.deadline, self.retries, self.backoff, self.stream = timeout, deadline, retries, backoff, stream
        self.name = model or self.base_url
        # no proxy handler: the configured address is the only one ever contacted
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def endpoint(self) -> str:
        return self.base_url + "/chat/completions"

    def chat(self, messages: list[dict], *, max_tokens: int, temperature: float = 0.0,
             on_token: TokenCallback | None = None) -> Completion:
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, "stream": self.stream}
        if self.model:
            body["model"] = self.model
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
            headers["api-key"] = self.api_key          # Azure OpenAI reads this header
        t0 = time.monotonic()
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                pause = self.backoff * (2 ** (attempt - 1)) * (1 + 0.25 * random.random())
                if time.monotonic() - t0 + pause > self.deadline:
                    break
                time.sleep(pause)
            try:
                out = self._once(data, headers, t0, on_token)
                out.attempts = attempt + 1
                out.seconds = time.monotonic() - t0
                return out
            except _Retryable as exc:
                last = str(exc)
            except _Fatal as exc:
                raise LLMUnavailable(f"the language model at {self.base_url} refused the request: {exc}") from None
        raise LLMUnavailable(f"the language model at {self.base_url} could not be used after "
                             f"{self.retries + 1} attempt(s): {last}")

    def _once(self, data: bytes, headers: dict, t0: float, on_token: TokenCallback | None) -> Completion:
        req = urllib.request.Request(self.endpoint, data=data, headers=headers, method="POST")
        left = self.deadline - (time.monotonic() - t0)
        if left <= 0:
            raise _Retryable("deadline passed")
        try:
            resp = self._opener.open(req, timeout=min(self.timeout, left))
        except urllib.error.HTTPError as exc:
            detail = _read_error(exc)
            if exc.code in _RETRY_STATUS:
                raise _Retryable(f"HTTP {exc.code} {detail}") from None
            raise _Fatal(f"HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Retryable(f"{type(reason).__name__}: {reason}") from None
        with resp:
            ctype = resp.headers.get("Content-Type", "")
            try:
                if "text/event-stream" in ctype:
                    return self._read_stream(resp, t0, on_token)
                raw = _read_limited(resp, t0, self.deadline)
            except (socket.timeout, TimeoutError) as exc:
                raise _Retryable(f"timed out while reading the answer ({exc})") from None
            except (ConnectionError, OSError) as exc:
                raise _Retryable(f"connection dropped while reading the answer ({exc})") from None
        try:
            payload = json.loads(raw.decode("utf-8"))
            choice = payload["choices"][0]
            text = (choice.get("message") or {}).get("content") or choice.get("text") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise _Fatal("the answer is not an OpenAI chat completion") from None
        if on_token and text:
            on_token(text)
        usage = payload.get("usage") or {}
        return Completion(text=text, model=str(payload.get("model") or self.model),
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0),
                          finish_reason=str(choice.get("finish_reason") or ""))

    def _read_stream(self, resp, t0: float, on_token: TokenCallback | None) -> Completion:
        parts: list[str] = []
        model, finish, usage = self.model, "", {}
        for line in resp:
            if time.monotonic() - t0 > self.deadline:
                raise _Retryable("the answer did not finish before the deadline")
            line = line.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            chunk = line[5:].strip()
            if chunk == "[DONE]":
                break
            try:
                ev = json.loads(chunk)
            except ValueError:
                continue
            model = ev.get("model") or model
            usage = ev.get("usage") or usage
            for ch in ev.get("choices") or []:
                delta = (ch.get("delta") or {}).get("content") or ""
                if delta:
                    parts.append(delta)
                    if on_token:
                        on_token(delta)
                finish = ch.get("finish_reason") or finish
        return Completion(text="".join(parts), model=str(model or ""), finish_reason=str(finish or ""),
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0))


class _Retryable(Exception):
    pass


class _Fatal(Exception):
    pass


def _read_error(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(300).decode("utf-8", "replace").strip().replace("\n", " ")[:200]
    except Exception:   # noqa: BLE001 - an error body is only a hint
        return ""


def _read_limited(resp, t0: float, deadline: float, limit: int = 8 * 1024 * 1024) -> bytes:
    out = bytearray()
    while True:
        if time.monotonic() - t0 > deadline:
            raise _Retryable("the answer did not finish before the deadline")
        block = resp.read(65536)
        if not block:
            return bytes(out)
        out += block
        if len(out) > limit:
            raise _Fatal("the answer is larger than 8 MB")


# ---------------------------------------------------------------------------------------------- in-process GGUF
_GGUF_LOCK = threading.Lock()
_GGUF_SERVERS: dict[tuple, object] = {}


class GGUFClient:
    """A GGUF model run in this process by llama.cpp (xllamacpp). Loaded once per (path, threads, context)."""

    def __init__(self, path: str, *, threads: int = 1, n_ctx: int = 8192):
        self.path, self.threads, self.n_ctx = path, max(1, int(threads)), int(n_ctx)
        self.name = os.path.basename(path)

    def _server(self):
        if not os.path.isfile(self.path):
            raise LLMNotConfigured(f"CURBSIDE_LLM_GGUF: {self.path} is not a file")
        key = (os.path.realpath(self.path), self.threads, self.n_ctx)
        with _GGUF_LOCK:
            if key in _GGUF_SERVERS:
                return _GGUF_SERVERS[key]
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # never spin a core waiting for work
            try:
                import xllamacpp
            except ImportError:
                raise LLMNotConfigured("CURBSIDE_LLM_GGUF needs the llama.cpp binding: "
                                       'pip install "curbside[local-llm]"') from None
            p = xllamacpp.CommonParams()
            p.model.path = self.path
            p.n_ctx = self.n_ctx
            p.n_parallel = 1
            p.cpuparams.n_threads = self.threads
            p.cpuparams_batch.n_threads = self.threads
            p.warmup = False
            # llama.cpp also opens an HTTP listener on 127.0.0.1; a random key no one is told keeps it closed to
            # other local users (in-process calls do not need it), and its logs stay off unless asked for
            import secrets

            p.api_keys = [secrets.token_hex(24)]
            p.n_threads_http = 1
            p.verbosity = 3 if os.environ.get("CURBSIDE_LLM_VERBOSE") else -1
            try:
                server = xllamacpp.Server(p)
            except Exception as exc:  # noqa: BLE001 - llama.cpp reports load failures as generic errors
                raise LLMUnavailable(f"could not load {self.path}: {exc}") from None
            _GGUF_SERVERS[key] = server
            return server

    def chat(self, messages: list[dict], *, max_tokens: int, temperature: float = 0.0,
             on_token: TokenCallback | None = None) -> Completion:
        server = self._server()
        t0 = time.monotonic()
        req = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, "stream": True,
               "stream_options": {"include_usage": True}}
        parts: list[str] = []
        state: dict = {"finish": "", "usage": {}, "error": ""}

        def on_chunk(ev) -> None:
            if isinstance(ev, (str, bytes)):
                try:
                    ev = json.loads(ev)
                except ValueError:
                    return
            if not isinstance(ev, dict):
                return
            if ev.get("error"):
                state["error"] = str(ev.get("error"))[:300]
            state["usage"] = ev.get("usage") or state["usage"]
            for ch in ev.get("choices") or []:
                delta = (ch.get("delta") or {}).get("content") or ""
                if delta:
                    parts.append(delta)
                    if on_token:
                        on_token(delta)
                state["finish"] = ch.get("finish_reason") or state["finish"]

        with _GGUF_LOCK:     # one generation at a time per process
            result = server.handle_chat_completions(req, on_chunk)
        if isinstance(result, dict) and result.get("error"):
            state["error"] = str(result["error"])[:300]
        if state["error"] and not parts:
            raise LLMUnavailable(f"the local model {self.name} failed: {state['error']}")
        usage = state["usage"] or {}
        return Completion(text="".join(parts), model=self.name, finish_reason=state["finish"],
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0),
                          seconds=time.monotonic() - t0)


def make_client(settings) -> ChatClient:
    """The client the settings configure: the GGUF file when one is set, else the OpenAI-compatible URL."""
    if settings.llm_gguf:
        return GGUFClient(str(settings.llm_gguf), threads=settings.llm_threads, n_ctx=settings.llm_context)
    if settings.llm_url:
        return OpenAICompatibleClient(settings.llm_url, settings.llm_model, settings.llm_api_key,
                                      timeout=settings.llm_timeout, deadline=settings.llm_deadline,
                                      retries=settings.llm_retries, backoff=settings.llm_backoff)
    raise LLMNotConfigured("no language model is configured: set CURBSIDE_LLM_URL (an OpenAI-compatible base URL "
                           "such as http://127.0.0.1:8080/v1, with CURBSIDE_LLM_MODEL) or CURBSIDE_LLM_GGUF "
                           "(a .gguf file)")
