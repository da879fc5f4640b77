"""`curbside ask --writer llm` through the real CLI entry point, against the fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.answer.writer_fake import FakeLLM, free_port_url
from tests.conftest import CORPUS

QUESTION = "What are the treatment options for refractory HLH?"


def run(home: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1",
           "COLUMNS": "200", **env_extra}
    for k in ("CURBSIDE_LLM_URL", "CURBSIDE_LLM_GGUF", "CURBSIDE_WRITER"):
        if k not in env_extra:
            env.pop(k, None)
    return subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_writer_llm_json_unreachable_and_unconfigured(tmp_path):
    home = tmp_path / "h"
    assert run(home, "ingest", str(CORPUS / "hlh_guideline.md")).returncode == 0
    probe = run(home, "ask", QUESTION, "--format", "json", "--no-save")
    ext = json.loads(probe.stdout)
    assert ext["writer"] == "extractive" and not ext["abstained"]
    lead = ext["sections"][0]["items"][0]["text"]
    assert "emapalumab" in lead or "Anakinra" in lead
    reply = ("BOTTOM LINE:\nIn refractory HLH not responding to glucocorticoids within 72 hours, escalation to "
             "emapalumab or ruxolitinib is suggested [E1][E2].\n"
             "OPTIONS:\n- Anakinra: 2-10 mg/kg/day may be considered for refractory HLH associated with rheumatic "
             "disease [E1][E2].\n- Anakinra: 50 mg/kg/day for refractory HLH [E1][E2].\n")
    with FakeLLM([reply]) as fake:
        r = run(home, "ask", QUESTION, "--writer", "llm", "--format", "json", "--no-save",
                CURBSIDE_LLM_URL=fake.url, CURBSIDE_LLM_MODEL="fake-model")
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert art["writer"] == "llm" and art["writer_model"] == "fake-model"
    shown = [it for s in art["sections"] for it in s["items"] if it["kind"] == "claim"]
    assert shown and all(it["support"]["passed"] and it["quotes"] for it in shown)
    assert not any("50 mg/kg" in it["text"] for it in shown)
    assert art["verification"]["dropped"] == 1 and art["verification"]["reasons"] == {"number": 1}
    assert art["dropped_claims"][0]["support"]["reasons"] == ["number"]
    text = run(home, "ask", QUESTION, "--writer", "llm", "--no-save", CURBSIDE_LLM_URL=free_port_url(),
               CURBSIDE_LLM_RETRIES="0")
    assert text.returncode == 0 and "Written answer not available" in text.stdout
    none = run(home, "ask", QUESTION, "--writer", "llm", "--no-save")
    assert none.returncode == 2 and "no language model is configured" in none.stderr
    bad = run(home, "ask", QUESTION, "--writer", "poem", "--no-save")
    assert bad.returncode == 2 and "unknown writer" in bad.stderr


def test_cli_llm_backend_flags_override_the_environment(tmp_path):
    home = tmp_path / "h"
    assert run(home, "ingest", str(CORPUS / "hlh_guideline.md")).returncode == 0
    reply = ("BOTTOM LINE:\nIn refractory HLH not responding to glucocorticoids within 72 hours, escalation to "
             "emapalumab or ruxolitinib is suggested [E1][E2].\n")
    with FakeLLM([reply]) as fake:
        # the environment names an unreachable server; --llm-url/--llm-model on the command line win
        r = run(home, "ask", QUESTION, "--writer", "llm", "--format", "json", "--no-save", "--llm-url", fake.url,
                "--llm-model", "flag-model", CURBSIDE_LLM_URL=free_port_url(), CURBSIDE_LLM_RETRIES="0")
        calls = fake.calls
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert calls >= 1 and art["writer"] == "llm" and fake.requests[0]["body"].get("model") == "flag-model"
    assert any(it["kind"] == "claim" for s in art["sections"] for it in s["items"])
    missing = run(home, "ask", QUESTION, "--writer", "llm", "--no-save", "--llm-gguf", str(tmp_path / "none.gguf"))
    assert missing.returncode == 2 and "--llm-gguf" in missing.stderr and "Traceback" not in missing.stderr
