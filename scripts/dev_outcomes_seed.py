"""Print the Evidence-table rows extracted from a text file (dev check for curbside.answer.outcomes).

usage: python scripts/dev_outcomes_seed.py PATH [--interventions Anakinra,ATG,...] [--passages] [--quotes] [--width N]

The file is normalised and cut into passages exactly as ingestion does (build_text_and_passages). By default the
whole document text is given to extract_outcomes; --passages extracts per passage (as the evidence table does)
and merges. Every cell is checked against the document text (offset invariant: each of its parts is the exact text
at its offsets, and a cell in several parts shows them joined by a space) before it is printed. --width 0 prints
whole cells.
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


WIDTH = 40


def _short(v: str, n: int | None = None) -> str:
    n = WIDTH if n is None else n
    v = " ".join(v.split()).replace("|", "/")
    return v if not n or len(v) <= n else v[: n - 1] + "\u2026"


def _bad(text: str, c) -> bool:
    parts = c.spans()
    return any(text[p.start:p.end] != p.value for p in parts) or (
        bool(c.parts) and c.value != " ".join(p.value for p in parts))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--interventions", default="")
    ap.add_argument("--passages", action="store_true")
    ap.add_argument("--quotes", action="store_true", help="list every cell with its span(s)")
    ap.add_argument("--width", type=int, default=40, help="cut table cells to N characters (0: whole)")
    a = ap.parse_args()
    global WIDTH
    WIDTH = a.width
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
           if (c := getattr(r, col)) is not None and _bad(text, c)]
    print(f"{len(rows)} rows in {ms:.0f} ms; offset invariant: {'OK' if not bad else bad}\n")
    print("| Intervention | Study | " + " | ".join(TITLES[c] for c in SHOWN) + " | AE |")
    print("|" + "---|" * (len(SHOWN) + 3))
    for r in rows:
        vals = [_short(getattr(r, c).value) if getattr(r, c) else "" for c in SHOWN]
        ae = _short(r.adverse_events.value, min(30, WIDTH) if WIDTH else 0) if r.adverse_events else ""
        print(f"| {r.intervention} | {_short(study_label(r.study))} | " + " | ".join(vals) + f" | {ae} |")
    if a.quotes:
        print()
        for r in rows:
            print(f"{r.intervention} / {study_label(r.study) or '-'}"
                  + (f"   study [{r.study.start}:{r.study.end}] {r.study.value!r}" if r.study else ""))
            for col in ALL_COLS:
                c = getattr(r, col)
                for i, p in enumerate(c.spans() if c else []):
                    name = col if i == 0 else f"  + part {i + 1}"
                    print(f"   {name:18} [{p.start}:{p.end}] {_short(p.value, 90)!r}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
