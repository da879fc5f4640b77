"""Print compact articles for a list of questions, to read answer quality by eye (one line per item).

    python scripts/dev_articles.py QUESTIONS.txt [--home STORE] [--audience clinician|trainee|patient] [--no-embed]
    python scripts/dev_articles.py - < questions.txt

Each question: its sections, each item's label, text (cut at --width), citations and evidence line, then the
references. Use it before and after a change to answer composition and diff the two outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions", help="a file with one question per line, or - for standard input")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--audience", default="clinician")
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--width", type=int, default=220)
    args = ap.parse_args()
    if args.no_embed:
        os.environ["CURBSIDE_NO_EMBED"] = "1"

    from curbside.engine import Engine
    from curbside.settings import load_settings

    text = sys.stdin.read() if args.questions == "-" else Path(args.questions).read_text(encoding="utf-8")
    engine = Engine(load_settings(args.home))
    try:
        for q in (ln.strip() for ln in text.splitlines()):
            if not q or q.startswith("#"):
                continue
            a = engine.ask(q, audience=args.audience, save=False)
            print("=" * 100)
            print("Q:", q, f"  [{a.query.question_type if a.query else ''}; mode {engine.retriever.last_mode}]")
            for s in a.sections:
                print(f"## {s.title}")
                for it in s.items:
                    label = f"[{it.label}] " if it.label else ""
                    ev = f" | {it.evidence}" if getattr(it, "evidence", "") else ""
                    print(f"  - {label}{it.text[:args.width]} {it.citations}{ev}")
            if a.evidence_table:
                print(f"## Evidence Table: {len(a.evidence_table)} rows")
            print("refs:", "; ".join(f"{r.n}. {r.title[:60]} [{r.evidence_level}]" for r in a.references))
            if not a.verification.passed:
                print("VERIFICATION FAILED:", a.verification.failures[:3])
    finally:
        engine.close()


if __name__ == "__main__":
    main()
