"""Running `curbside eval-answers`: stores per question, asking, pinned figures with OK/FAIL.

Stores: with `--home H` every question is asked in H. With `--stores DIR` each question is asked in the store its
`store` field names (clinical: default, default+ngc, default+hlh; BioASQ: bioasq), kept at DIR/<last part of the
name> and built there on first use from `--shared` with the recipe of the clinical set's README.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from curbside.errors import InputError
from curbside.evaluation.answers import (BioasqScore, ClinicalReport, ClinicalScore, bioasq_metrics, file_kind,
                                         load_records, paraphrases, score_bioasq, score_clinical, timed)

HELD_OUT_FRACTION = 0.3
HLH_SEED = "seeds/003_348291d564c772fc.txt"
HLH_META = ["--title", "Salvage therapy for refractory hemophagocytic lymphohistiocytosis: a review of the "
                       "published experience", "--authors", "Marsh RA, et al.", "--journal", "Pediatr Blood Cancer",
            "--year", "2017"]
# store name -> (folder name, embeddings?, ingest steps: list of (shared-relative path, extra CLI args))
RECIPES: dict[str, tuple[str, bool, list[tuple[str, list[str]]]]] = {
    "default": ("default", True, []),
    "default+ngc": ("ngc", False, [("data/corpus/ngc_guideline_summaries.jsonl", ["--no-embed"])]),
    "default+hlh": ("hlh", True, [(HLH_SEED, HLH_META),
                                  ("data/corpus/clinicaltrials_hlh_subset.jsonl",
                                   ["--format", "jsonl", "--id-field", "nct_id", "--title-field", "title",
                                    "--text-field", "text"])]),
    "bioasq": ("bioasq", True, [("data/eval/bioasq/corpus_dev.jsonl", [])]),
}


def held_out(question_id: str) -> bool:
    """The clinical questions never used for tuning answering (a fixed hash split of ids; BioASQ uses the
    ranker's split, so its held-out questions were not used to train either)."""
    from curbside.retrieve.ranker import in_held_out

    return in_held_out(question_id, HELD_OUT_FRACTION)


class Stores:
    """Opens (and on first use builds) one engine per store name."""

    def __init__(self, home: Path | None, stores_dir: Path | None, shared: Path | None,
                 log: Callable[[str], None] = lambda s: None):
        self.home, self.dir, self.shared, self.log = home, stores_dir, shared, log
        self.engines: dict[str, object] = {}

    def engine(self, name: str):
        key = name if self.dir is not None else "_home"
        if key not in self.engines:
            self.engines[key] = self._open(name)
        return self.engines[key]

    def _open(self, name: str):
        from curbside.engine import Engine
        from curbside.settings import load_settings

        if self.dir is None:
            return Engine(load_settings(self.home))
        if name not in RECIPES:
            raise InputError("store", f"unknown store {name!r}; expected one of {', '.join(RECIPES)}")
        folder, embed, steps = RECIPES[name]
        home = self.dir / folder
        if not (home / ".eval-built").exists():
            self._build(name, home, steps)
        return Engine(load_settings(home, embed=embed, load_default_corpus=name != "bioasq"))

    def _build(self, name: str, home: Path, steps) -> None:
        if self.shared is None:
            raise InputError(f"store {name}", f"{home} is not built; pass --shared DIR to build it")
        home.mkdir(parents=True, exist_ok=True)
        self.log(f"building store {name} in {home} ...")
        cli = [sys.executable, "-c", "from curbside.interfaces.cli import main; main()"]
        if name != "bioasq":
            subprocess.run(cli + ["sources", "--json", "--home", str(home)], check=True, stdout=subprocess.DEVNULL)
        for rel, extra in steps:
            path = self.shared / rel
            if not path.exists():
                raise InputError(str(path), "missing; expected the shared development data")
            env = dict(os.environ, CURBSIDE_NO_DEFAULT_CORPUS="1") if name == "bioasq" else None
            subprocess.run(cli + ["ingest", str(path), *extra, "--json", "--home", str(home)],
                           check=True, stdout=subprocess.DEVNULL, env=env)
        (home / ".eval-built").write_text("ok\n")

    def close(self) -> None:
        for e in self.engines.values():
            e.close()


def _ask(engine, question: str) -> dict | None:
    return engine.ask(question, save=False).model_dump(mode="json")


def run_clinical(records: list[dict], stores: Stores, *, with_paraphrases: bool = True,
                 progress: Callable[[str], None] = lambda s: None) -> tuple[ClinicalReport, list[dict]]:
    scores: list[ClinicalScore] = []
    details = []
    for q in records:
        engine = stores.engine(q.get("store") or "default")
        art, secs, err = timed(lambda: _ask(engine, q["question"]))
        s = score_clinical(q, art, secs, held_out(str(q["id"])))
        s.error = err
        if with_paraphrases:
            for p in paraphrases(q["question"]):
                pa, _, _ = timed(lambda: _ask(engine, p))
                s.paraphrase_decisions.append(pa is None or bool(pa.get("abstained")))
        scores.append(s)
        first = _first_item(art)
        details.append(asdict(s) | {"first_item": first, "consistent": s.consistent})
        progress(q["id"])
    return ClinicalReport(scores), details


def _first_item(art: dict | None) -> str:
    from curbside.evaluation.answers import body_items

    items = body_items(art)
    return items[0][:200] if items else ""


def run_bioasq(records: list[dict], stores: Stores, *, progress: Callable[[str], None] = lambda s: None
               ) -> tuple[list[BioasqScore], list[dict]]:
    scores, details = [], []
    for q in records:
        if q.get("type") not in ("factoid", "list", "yesno"):
            continue
        engine = stores.engine("bioasq")
        art, secs, err = timed(lambda: _ask(engine, q["question"]))
        hits = engine.search(q["question"], top_k=3)
        s = score_bioasq(q, art, [h.passage.text for h in hits], secs, [h.document.id for h in hits])
        scores.append(s)
        details.append(asdict(s) | {"error": err})
        progress(str(q["id"]))
    return scores, details


def clinical_groups(report: ClinicalReport) -> dict[str, dict]:
    groups = {"all": report, "tuning": report.subset(lambda s: not s.held_out),
              "held_out": report.subset(lambda s: s.held_out)}
    for store in sorted({s.store for s in report.scores}):
        groups[f"store:{store}"] = report.subset(lambda s, st=store: s.store == st)
    return {k: v.metrics() for k, v in groups.items()}


def bioasq_groups(scores: list[BioasqScore]) -> dict[str, dict]:
    from curbside.retrieve.ranker import in_held_out

    return {"all": bioasq_metrics(scores), "held_out": bioasq_metrics([s for s in scores if in_held_out(s.id)])}


# ---------------------------------------------------------------- pins (OK/FAIL against a versioned file)
LOWER_IS_BETTER = {"must_not_hits", "false_abstain_rate", "unsafe_follow_ups", "median_ask_ms", "failed_articles"}
DEFAULT_TOLERANCE = {"median_ask_ms": None}     # timings are reported, never pinned (machines are noisy)


def pin(figures: dict[str, dict], tolerance: float = 0.02) -> dict:
    out = {}
    for group, metrics in figures.items():
        out[group] = {}
        for m, v in metrics.items():
            if m in DEFAULT_TOLERANCE or m == "questions":
                continue
            tol = 0 if m in ("unsafe_follow_ups", "failed_articles") else tolerance
            out[group][m] = {"value": v, "tolerance": tol}
    return out


def check(figures: dict[str, dict], pinned: dict) -> list[tuple[str, str, float, float, str]]:
    """(group, metric, pinned value, measured, OK|FAIL|BETTER|SKIP) for every pinned figure."""
    rows = []
    for group, metrics in pinned.items():
        for m, spec in metrics.items():
            got = figures.get(group, {}).get(m)
            want, tol = float(spec["value"]), float(spec.get("tolerance", 0))
            if got is None:        # not measured in this run (e.g. --no-paraphrases): neither OK nor FAIL
                rows.append((group, m, want, float("nan"), "SKIP"))
                continue
            lower = m in LOWER_IS_BETTER
            worse = got > want + tol if lower else got < want - tol
            better = got < want - tol if lower else got > want + tol
            rows.append((group, m, want, float(got), "FAIL" if worse else "BETTER" if better else "OK"))
    return rows


def load_pins(path: Path, kind: str) -> dict:
    if not path.exists():
        raise InputError(str(path), "no such file; expected pinned figures (write them with --pin)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON ({exc.msg})") from None
    return data.get(kind, {})


def write_pins(path: Path, kind: str, figures: dict, meta: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[kind] = pin(figures)
    data.setdefault("_about", {})[kind] = meta
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


__all__ = ["Stores", "run_clinical", "run_bioasq", "clinical_groups", "bioasq_groups", "check", "load_pins",
           "write_pins", "file_kind", "load_records"]
