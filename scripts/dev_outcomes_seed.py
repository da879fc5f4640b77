"""Print the Evidence-table rows extracted from a text file (dev check for curbside.answer.outcomes).

usage: python scripts/dev_outcomes_seed.py PATH [--interventions Anakinra,ATG,...] [--passages] [--quotes]

The file is normalised and cut into passages exactly as ingestion does (build_text_and_passages). By default the
whole document text is given to extract_outcomes; --passages extracts per passage (as the evidence table does)
and merges. Every cell is checked against the document text (offset invariant) before it is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from curbside.answer.outcomes import ALL_COLS, extract_outcomes, merge_rows, study_label
from curbside.corpus.models import SourceDocument, SourceSection
from curbside.corpus.passages import build_text_and_passages

SHOWN = ("patients", "complete_response", "partial_response", "no_response", "overall_response", "survival",
         "time_to_response", "dosing")
TITLES = {"patients": "N", "complete_response": "CR", "partial_response": "PR", "no_response": "NR",
          "overall_response": "ORR", "survival": "Survival", "time_to_response": "Time", "dosing": "Dosing"}


def _short(v: str, n: int = 40) -> str:
    v = " ".join(v.split()).replace("|", "/")
    return v if len(v) <= n else v[: n - 1] + "\u2026"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--interventions", default="")
    ap.add_argument("--passages", action="store_true")
    ap.add_argument("--quotes", action="store_true", help="list every cell with its span")
    a = ap.parse_args()
    raw = Path(a.path).read_text(encoding="utf-8", errors="replace")
    doc = SourceDocument(title=Path(a.path).stem, sections=[SourceSection(text=raw)])
    text, passages = build_text_and_passages(doc, "dev")
    ivs = [s.strip() for s in a.interventions.split(",") if s.strip()] or None
    t0 = time.perf_counter()
    if a.passages:
        rows = merge_rows([r for p in passages
                           for r in extract_outcomes(p.text, base_offset=p.start, source_id=p.id, interventions=ivs)])
    else:
        rows = extract_outcomes(text, source_id="dev#all", interventions=ivs)
    ms = (time.perf_counter() - t0) * 1000
    bad = [(r.intervention, col, c) for r in rows for col in ALL_COLS + ("study",)
           if (c := getattr(r, col)) is not None and text[c.start:c.end] != c.value]
    print(f"{len(rows)} rows in {ms:.0f} ms; offset invariant: {'OK' if not bad else bad}\n")
    print("| Intervention | Study | " + " | ".join(TITLES[c] for c in SHOWN) + " | AE |")
    print("|" + "---|" * (len(SHOWN) + 3))
    for r in rows:
        vals = [_short(getattr(r, c).value) if getattr(r, c) else "" for c in SHOWN]
        ae = _short(r.adverse_events.value, 30) if r.adverse_events else ""
        print(f"| {r.intervention} | {_short(study_label(r.study))} | " + " | ".join(vals) + f" | {ae} |")
    if a.quotes:
        print()
        for r in rows:
            print(f"{r.intervention} / {study_label(r.study) or '-'}"
                  + (f"   study [{r.study.start}:{r.study.end}] {r.study.value!r}" if r.study else ""))
            for col in ALL_COLS:
                c = getattr(r, col)
                if c:
                    print(f"   {col:18} [{c.start}:{c.end}] {_short(c.value, 90)!r}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
