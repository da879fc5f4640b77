"""The language model clients without a model: HTTP errors, deadlines, configuration, the optional GGUF binding."""

from __future__ import annotations

import sys
import time

import pytest

from curbside.answer.writer.llm_client import (GGUFClient, LLMNotConfigured, LLMUnavailable, OpenAICompatibleClient,
                                               make_client)
from curbside.settings import load_settings
from tests.answer.writer_fake import FakeLLM, free_port_url

MSG = [{"role": "user", "content": "hi"}]


def test_streamed_and_plain_answers_with_tokens_reported():
    with FakeLLM(["Hello there, clinician."]) as fake:
        got: list[str] = []
        out = OpenAICompatibleClient(fake.url, "m").chat(MSG, max_tokens=20, on_token=got.append)
    assert out.text == "Hello there, clinician." and "".join(got) == out.text and len(got) > 1
    assert out.model == "fake-model" and out.finish_reason == "stop"
    with FakeLLM(["plain"], stream=False) as fake:
        out = OpenAICompatibleClient(fake.url, "m").chat(MSG, max_tokens=20)
    assert out.text == "plain" and out.completion_tokens == 20


def test_refused_requests_are_not_retried_and_say_why():
    with FakeLLM([], status=401) as fake:
        with pytest.raises(LLMUnavailable, match="refused the request: HTTP 401"):
            OpenAICompatibleClient(fake.url, "m", retries=3, backoff=0.01).chat(MSG, max_tokens=5)
    assert fake.calls == 1


def test_server_errors_are_retried_with_backoff_then_reported():
    with FakeLLM([], status=503) as fake:
        t0 = time.monotonic()
        with pytest.raises(LLMUnavailable, match="after 3 attempt"):
            OpenAICompatibleClient(fake.url, "m", retries=2, backoff=0.05).chat(MSG, max_tokens=5)
    assert fake.calls == 3 and time.monotonic() - t0 >= 0.15


def test_unreachable_and_deadline():
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable, match="could not be used"):
        OpenAICompatibleClient(free_port_url(), retries=1, backoff=0.01).chat(MSG, max_tokens=5)
    with FakeLLM(["late"], delay=2.0) as fake:
        with pytest.raises(LLMUnavailable):
            OpenAICompatibleClient(fake.url, timeout=0.3, deadline=0.8, retries=3, backoff=0.1).chat(MSG,
                                                                                                   max_tokens=5)
    assert time.monotonic() - t0 < 6


def test_configuration_from_settings_and_env(monkeypatch, tmp_path):
    with pytest.raises(LLMNotConfigured, match="no language model is configured"):
        make_client(load_settings(tmp_path))
    with pytest.raises(LLMNotConfigured, match="http"):
        OpenAICompatibleClient("ftp://example.invalid")
    monkeypatch.setenv("CURBSIDE_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CURBSIDE_LLM_MODEL", "qwen")
    monkeypatch.setenv("CURBSIDE_LLM_MAX_TOKENS", "123")
    monkeypatch.setenv("CURBSIDE_LLM_TIMEOUT", "not a number")
    s = load_settings(tmp_path)
    assert s.llm_url == "http://127.0.0.1:9/v1" and s.llm_model == "qwen" and s.llm_max_tokens == 123
    assert s.llm_timeout == 60.0                                  # a value that does not parse: the default
    c = make_client(s)
    assert isinstance(c, OpenAICompatibleClient) and c.endpoint == "http://127.0.0.1:9/v1/chat/completions"
    monkeypatch.setenv("CURBSIDE_LLM_GGUF", str(tmp_path / "none.gguf"))
    g = make_client(load_settings(tmp_path))
    assert isinstance(g, GGUFClient) and g.threads == 1          # a GGUF file wins over the URL
    with pytest.raises(LLMNotConfigured, match="is not a file"):
        g.chat(MSG, max_tokens=5)


def test_gguf_without_the_binding_says_how_to_install_it(monkeypatch, tmp_path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF" + b"\0" * 64)
    monkeypatch.setitem(sys.modules, "xllamacpp", None)
    with pytest.raises(LLMNotConfigured, match=r"curbside\[local-llm\]"):
        GGUFClient(str(f)).chat(MSG, max_tokens=5)


def test_api_key_is_not_in_the_settings_repr(tmp_path):
    s = load_settings(tmp_path, llm_api_key="sk-secret")
    assert "sk-secret" not in repr(s)
