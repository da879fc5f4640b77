"""CPU priority of ingest work: embedding passages (ONNX, CPU-heavy) yields the cores to interactive requests.

Linux keeps a nice value per thread, and a thread starts with its creator's. So the server lowers only its
background embedding thread (background.py), which loads an ONNX session of its own from that thread: the
session's worker threads start at the low priority too (the shared session used by searches was created by a
request thread at normal priority; its workers would embed at that priority). `curbside ingest` and `curbside
index` lower their whole process at start. Settings.ingest_priority ("low" by default, CURBSIDE_INGEST_PRIORITY)
chooses; "normal" leaves priorities alone. A thread's priority cannot be raised again without privileges, so only
threads that do nothing but ingest work are lowered.
"""

from __future__ import annotations

import os
import threading

LOW_NICE = 19          # the lowest priority: runs when the cores are otherwise idle (CFS weight 15 vs 1024)
PRIORITIES = ("low", "normal")


def thread_nice(tid: int | None = None) -> int:
    """The nice value of a thread (default: the calling one)."""
    return os.getpriority(os.PRIO_PROCESS, tid or threading.get_native_id())


def lower_thread() -> bool:
    """Give the calling thread the lowest CPU priority; threads it creates from now on start with it. False where
    the platform cannot (then nothing changes)."""
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < LOW_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, LOW_NICE)
        return True
    except (AttributeError, OSError):
        return False


def lower_process() -> bool:
    """Give every thread of this process the lowest CPU priority (threads created later inherit it). For a
    process that does nothing but ingest (`curbside ingest`, `curbside index`)."""
    ok = lower_thread()
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return ok
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < LOW_NICE:
                os.setpriority(os.PRIO_PROCESS, tid, LOW_NICE)
        except OSError:      # a thread that just ended
            pass
    return ok
