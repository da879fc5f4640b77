"""Ingest work yields the CPU to interactive requests (Settings.ingest_priority, priority.py): the server's
background embedding thread and the ONNX worker threads it creates run at nice 19, `curbside ingest`/`index`
lower their whole process; "normal" leaves priorities alone. Nothing here is timed: nice values are read back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.retrieve.test_vectors import fake_encode

linux_only = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="per-thread nice values are Linux's")


def _nices() -> dict[int, int]:
    out = {}
    for t in os.listdir("/proc/self/task"):
        try:
            out[int(t)] = os.getpriority(os.PRIO_PROCESS, int(t))
        except OSError:
            pass
    return out


def test_setting_default_env_and_bad_value(monkeypatch):
    from curbside.settings import Settings, load_settings

    assert Settings().ingest_priority == "low"
    monkeypatch.setenv("CURBSIDE_INGEST_PRIORITY", "Normal")
    assert load_settings().ingest_priority == "normal"
    monkeypatch.setenv("CURBSIDE_INGEST_PRIORITY", "high")     # not a choice: the default stays
    assert load_settings().ingest_priority == "low"


class RecordingEmbedder:
    def __init__(self):
        self.nices: list[int] = []

    def encode(self, texts):
        from curbside.priority import thread_nice

        self.nices.append(thread_nice())
        return fake_encode(texts)

    def encode_query(self, text):
        return fake_encode([text])[0]


@linux_only
@pytest.mark.parametrize("priority", ["low", "normal"])
def test_background_embedding_thread_runs_at_low_priority(tmp_path, monkeypatch, priority):
    from curbside.engine import Engine
    from curbside.priority import LOW_NICE, thread_nice
    from curbside.retrieve import embed
    from curbside.settings import load_settings

    monkeypatch.setattr(embed, "available", lambda: True)
    mine = thread_nice()
    eng = Engine(load_settings(tmp_path / "home", load_default_corpus=False, embed=True, ingest_priority=priority))
    fake = RecordingEmbedder()
    monkeypatch.setattr(eng.retriever, "embedder", lambda: fake)
    try:
        eng.ingest([CORPUS / "hlh_guideline.md"], embed=False)
        assert eng.embed_in_background() and eng.background.wait(60) and not eng.background.error
        assert fake.nices and set(fake.nices) == {LOW_NICE if priority == "low" else mine}
        assert thread_nice() == mine                      # the caller (a request's thread) keeps its priority
    finally:
        eng.close()


@linux_only
@pytest.mark.skipif(not __import__("curbside.retrieve.embed", fromlist=["x"]).available(),
                    reason="embedding model not installed")
def test_onnx_worker_threads_of_background_embedding_run_at_low_priority(tmp_path):
    """Every thread that runs the model for background embedding is at nice 19: the background thread and the
    worker threads it starts for batches side by side (Embedder.workers), read while each batch runs; threads
    that outlive the run (onnxruntime's own, if its session made any) are at 19 too (as `ps -L` shows them).
    The shared session (loaded here by a normal-priority thread, as a server's first search does) keeps its
    workers at normal priority. Run in a child process: threads' priorities cannot be raised again."""
    script = f"""
import os, sys, threading
from pathlib import Path
from curbside.engine import Engine
from curbside.retrieve.embed import Embedder
from curbside.settings import load_settings
from curbside.priority import thread_nice

def nices():
    out = {{}}
    for t in os.listdir("/proc/self/task"):
        try:
            out[int(t)] = os.getpriority(os.PRIO_PROCESS, int(t))
        except OSError:
            pass
    return out

ran = {{}}
real = Embedder._run
def recording(self, encs):
    if self.workers > 1:
        ran[threading.get_native_id()] = thread_nice()
    return real(self, encs)
Embedder._run = recording

eng = Engine(load_settings({str(tmp_path / "home")!r}, load_default_corpus=False, embed=True))
eng.retriever.embedder().encode(["a query"] * 4)          # the shared session, loaded at normal priority
before = nices()
eng.ingest([Path({str(CORPUS / "hlh_guideline.md")!r})], embed=False)
assert eng.embed_in_background() and eng.background.wait(300), "background run did not finish"
assert not eng.background.error, eng.background.error
assert eng.background.embedded > 0
after = nices()
new = {{t: n for t, n in after.items() if t not in before}}
assert eng._ingest_embedder is not None and eng._ingest_embedder._session is not None
assert eng._ingest_embedder.workers == 2
print("main", thread_nice(), "old", sorted(set(before.values())), "new", sorted(new.values()), "ran", ran)
assert len(ran) >= 2 and set(ran.values()) == {{19}}, ran   # the background thread and its workers
assert set(new.values()) <= {{19}}, new                    # any thread left behind by the run
assert set(before.values()) == {{thread_nice()}}          # the shared session's workers stay as they were
eng.close()
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "CURBSIDE_INGEST_PRIORITY": "low"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


@linux_only
@pytest.mark.parametrize("command,priority,expected", [("ingest", "", 19), ("ingest", "normal", None),
                                                       ("index", "", 19)])
def test_cli_ingest_and_index_lower_their_process(tmp_path, command, priority, expected):
    """`curbside ingest`/`index` in a child process, which then reports the nice value of each of its threads."""
    args = [command, str(CORPUS / "asthma_page.txt")] if command == "ingest" else [command, "--no-progress"]
    script = f"""
import os, threading
from curbside.interfaces.cli import app
start = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
try:
    app({args!r}, standalone_mode=False)
except SystemExit:
    pass
nices = set()
for t in os.listdir("/proc/self/task"):
    nices.add(os.getpriority(os.PRIO_PROCESS, int(t)))
print("RESULT", start, sorted(nices))
"""
    env = {**os.environ, "CURBSIDE_HOME": str(tmp_path / "home"), "CURBSIDE_NO_DEFAULT_CORPUS": "1",
           "CURBSIDE_NO_EMBED": "1"}
    env.pop("CURBSIDE_INGEST_PRIORITY", None)
    if priority:
        env["CURBSIDE_INGEST_PRIORITY"] = priority
    if command == "index":
        env.pop("CURBSIDE_NO_EMBED")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stdout + proc.stderr
    _, start, nices = line[0].split(" ", 2)
    assert nices == (f"[{expected}]" if expected is not None else f"[{start}]"), line[0]
