"""kill -9 at random points during `curbside ingest` (with and without embeddings) and `curbside index`, then check
the store and re-run to completion; prints one row per trial.

    python bench/kill_trials.py [--trials 12] [--seed 7] [--workdir /tmp/cs-kill]

The corpus is generated (invented sentences: text files, a JSONL with ids, a Markdown file) in --workdir, which is
deleted at the end. After each kill the store must pass: SQLite integrity_check, the FTS5 integrity-check, no
passage without its document, every stored document complete (its passages exactly those of a clean reference
run), every vector mapped to the passage text it was computed from. After the re-run: the clean reference counts
(documents, passages) and, where embedding was on, a vector for every passage.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

STARTUP_S = 1.5   # about how long the CLI takes to start (imports) before it touches the store
WORDS = ("anakinra etoposide ruxolitinib emapalumab alemtuzumab dexamethasone ferritin fever cytopenia splenomegaly "
         "response survival relapse dose daily weekly infusion children adults refractory primary secondary "
         "macrophage activation syndrome lymphohistiocytosis interleukin trial cohort remission toxicity").split()


def make_corpus(root: Path, rng: random.Random, n_text: int, n_jsonl: int) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    txt = root / "texts"
    txt.mkdir(exist_ok=True)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."

    for i in range(n_text):
        paras = ["\n".join(sentence() for _ in range(rng.randint(3, 7))) for _ in range(rng.randint(2, 5))]
        (txt / f"paper{i:03}.txt").write_text(f"Invented paper {i}\n\n" + "\n\n".join(paras) + "\n")
    with (root / "records.jsonl").open("w") as fh:
        for i in range(n_jsonl):
            fh.write(json.dumps({"rid": f"rec-{i:04}", "title": f"Record {i}: " + sentence(),
                                 "text": " ".join(sentence() for _ in range(rng.randint(2, 6))),
                                 "url": "https://example.org/same-for-all"}) + "\n")
    return [txt, root / "records.jsonl"]


def cli(home: Path, *args: str, embed: bool) -> list[str]:
    return [sys.executable, "-m", "curbside.interfaces.cli", *args, "--home", str(home)]


def env(embed: bool) -> dict:
    e = {**os.environ, "CURBSIDE_NO_DEFAULT_CORPUS": "1", "COLUMNS": "200"}
    if not embed:
        e["CURBSIDE_NO_EMBED"] = "1"
    else:
        e.pop("CURBSIDE_NO_EMBED", None)
    return e


def ingest_cmds(home: Path, inputs: list[Path], embed: bool) -> list[list[str]]:
    extra = [] if embed else ["--no-embed"]
    return [cli(home, "ingest", str(inputs[0]), *extra, embed=embed),
            cli(home, "ingest", str(inputs[1]), "--id-field", "rid", *extra, embed=embed)]


def run_all(cmds: list[list[str]], embed: bool) -> float:
    t0 = time.perf_counter()
    for c in cmds:
        r = subprocess.run(c, env=env(embed), capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"command failed: {' '.join(c)}\n{r.stderr}")
    return time.perf_counter() - t0


def run_and_kill(cmds: list[list[str]], embed: bool, at: float) -> tuple[str, float]:
    """Run the commands one after another; SIGKILL whichever runs at `at` seconds. Returns (what was killed)."""
    t0 = time.perf_counter()
    for i, c in enumerate(cmds):
        p = subprocess.Popen(c, env=env(embed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None:
            if time.perf_counter() - t0 >= at:
                p.send_signal(signal.SIGKILL)
                p.wait()
                return f"cmd {i + 1}/{len(cmds)}", time.perf_counter() - t0
            time.sleep(0.02)
    return "finished first", time.perf_counter() - t0


def snapshot(db: Path) -> dict:
    """Per-document passage texts, plus counts, read with plain sqlite3."""
    c = sqlite3.connect(db)
    docs = {r[0]: [] for r in c.execute("SELECT id FROM documents")}
    for did, text in c.execute("SELECT document_id, text FROM passages ORDER BY document_id, ordinal"):
        docs.setdefault(did, []).append(text)
    c.close()
    return docs


def check(db: Path, reference: dict) -> tuple[bool, str, dict]:
    from curbside.store.vectors import embed_input, vector_key

    c = sqlite3.connect(db)
    problems = []
    if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check")
    try:
        c.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        problems.append(f"fts ({exc})")
    n_fts = c.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
    n_pass = c.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    if n_fts != n_pass:
        problems.append(f"fts rows {n_fts} != passages {n_pass}")
    orphans = c.execute("SELECT COUNT(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)").fetchone()[0]
    if orphans:
        problems.append(f"{orphans} orphan passages")
    c.close()
    docs = snapshot(db)
    half = [d for d, texts in docs.items() if reference.get(d) != texts]
    if half:
        problems.append(f"{len(half)} documents differ from the clean run (e.g. {half[0]})")
    c = sqlite3.connect(db)
    have_vec_tables = c.execute("SELECT 1 FROM sqlite_master WHERE name = 'passage_vectors'").fetchone()
    n_vec = bad_vec = 0
    if have_vec_tables:
        rows = c.execute("SELECT p.title, p.section, p.text, v.hash, e.hash IS NOT NULL FROM passage_vectors v "
                         "JOIN passages p ON p.rowid = v.rowid LEFT JOIN embeddings e ON e.hash = v.hash").fetchall()
        n_vec = len(rows)
        bad_vec = sum(1 for t, s, x, h, ok in rows if not ok or vector_key(embed_input(t, s, x)) != h)
        if bad_vec:
            problems.append(f"{bad_vec} vectors not matching their passage")
    c.close()
    return not problems, "; ".join(problems) or "ok", {"docs": len(docs), "passages": n_pass, "vectors": n_vec}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", default="/tmp/cs-kill")
    ap.add_argument("--texts", type=int, default=40)
    ap.add_argument("--records", type=int, default=120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    inputs = make_corpus(work / "corpus", rng, args.texts, args.records)
    ref_home = work / "reference"
    t_plain = run_all(ingest_cmds(ref_home, inputs, embed=False), embed=False)
    reference = snapshot(ref_home / "curbside.sqlite")
    n_docs, n_pass = len(reference), sum(len(v) for v in reference.values())
    emb_home = work / "reference-embed"
    t_embed = run_all(ingest_cmds(emb_home, inputs, embed=True), embed=True)
    t_index = run_all([cli(emb_home, "index", "--no-progress", embed=True)], embed=True)
    print(f"corpus: {n_docs} documents, {n_pass} passages; clean runs: ingest {t_plain:.1f} s, ingest+embed "
          f"{t_embed:.1f} s, index with nothing to do {t_index:.1f} s")
    modes = ["ingest", "ingest+embed", "index"]
    rows = []
    for trial in range(args.trials):
        mode = modes[trial % 3]
        home = work / f"trial{trial:02}"
        embed = mode != "ingest"
        if mode == "index":
            run_all(ingest_cmds(home, inputs, embed=False), embed=False)
            cmds = [cli(home, "index", "--no-progress", embed=True)]
            span = max(t_embed - t_plain, 2.0)
        else:
            cmds = ingest_cmds(home, inputs, embed)
            span = t_embed if embed else t_plain
        at = rng.uniform(min(STARTUP_S, span * 0.5), span * 0.9)   # after the CLI has started, before it ends
        killed, when = run_and_kill(cmds, embed, at)
        db = home / "curbside.sqlite"
        ok1, why1, c1 = check(db, reference) if db.exists() else (True, "no store yet", {"docs": 0, "passages": 0,
                                                                                          "vectors": 0})
        run_all(cmds, embed)                       # the same command(s) again, to completion
        ok2, why2, c2 = check(db, reference)
        complete = c2["docs"] == n_docs and c2["passages"] == n_pass and (not embed or c2["vectors"] == n_pass)
        rows.append((trial + 1, mode, f"{when:.1f}", killed, f"{c1['docs']}/{c1['passages']}/{c1['vectors']}",
                     why1, f"{c2['docs']}/{c2['passages']}/{c2['vectors']}", why2 if ok2 else why2,
                     "PASS" if ok1 and ok2 and complete else "FAIL"))
        shutil.rmtree(home, ignore_errors=True)
    head = ("#", "mode", "kill at s", "killed", "after kill d/p/v", "checks after kill", "after re-run d/p/v",
            "checks after re-run", "result")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: " | ".join(str(v).ljust(w) for v, w in zip(r, widths))  # noqa: E731
    print(line(head))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print(f"expected after re-run: {n_docs}/{n_pass}/{n_pass} (vectors only where embedding was on: "
          f"{n_docs}/{n_pass}/0 for plain ingest); {sum(r[-1] == 'PASS' for r in rows)}/{len(rows)} trials pass")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
