"""Print a seeded sample of NGC recommendations with the label Curbside extracts, for hand-checking.

A "recommendation" is a sentence of a guideline's "Major Recommendations" field that states a recommendation
(should / recommend / suggest / must / offer / consider / do not ...), in a guideline whose rating-scheme
fields are non-empty. The rating-scheme definitions that NGC appends at the end of the field are left out.
The field is split into lines, then into sentences the way Curbside splits documents
(curbside.corpus.passages), and the label is found with ``label_for_sentence`` on the whole normalised field.
``--wide N`` also prints N raw lines around each sentence, which is what the hand-check needs.

    python scripts/check_grading_ngc.py PATH/ngc_guideline_summaries.jsonl [--seed 1] [-n 30] [--wide 2]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import textwrap

from curbside.answer.grading import describe, label_for_sentence
from curbside.corpus.passages import normalise_block, sentence_spans

REC = re.compile(r"\b(should|recommends?|recommended|suggests?|must|is indicated|are indicated|advised?|offer|"
                 r"consider|do not|is not recommended|may be (?:used|considered|offered))\b", re.I)
EMPTY = {"", "not applicable", "none", "not stated", "none provided"}
DEFS = re.compile(r"(?m)^(?:Definitions?(?: of [^\n]*)?|Rating Schemes?[^\n]*)\s*:?\s*$")


def has_scheme(row: dict) -> bool:
    fields = ("Rating Scheme for the Strength of the Evidence", "Rating Scheme for the Strength of the Recommendations")
    return any((row.get(f) or "").strip().lower().rstrip(".") not in EMPTY for f in fields)


def recommendations(rows: list[dict]) -> list[tuple[dict, str, int, int]]:
    out = []
    for row in rows:
        if not has_scheme(row):
            continue
        text = normalise_block(row.get("Major Recommendations") or "")
        m = None
        for m in DEFS.finditer(text):
            pass
        body_end = m.start() if m and m.start() > len(text) * 0.4 else len(text)
        pos = 0
        for line in text[:body_end].split("\n"):      # lines first: one NGC line is one recommendation or item
            for s, e in sentence_spans(text, pos, pos + len(line)):
                sent = text[s:e]
                if len(sent) >= 40 and REC.search(sent) and not sent.rstrip().endswith("?"):
                    out.append((row, text, s, e))
            pos += len(line) + 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--wide", type=int, default=0, help="also show this many raw lines around each sentence")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(args.path, encoding="utf-8") if line.strip()]
    recs = recommendations(rows)
    random.Random(args.seed).shuffle(recs)
    print(f"{len(recs)} recommendation sentences in {len(rows)} guidelines; seed {args.seed}; showing {args.n}\n")
    found = 0
    for i, (row, text, s, e) in enumerate(recs[:args.n], 1):
        lab = label_for_sentence(text, s, e)
        found += lab is not None
        ls = text.rfind("\n", 0, s)
        prev = text[text.rfind("\n", 0, ls) + 1:ls] if ls > 0 else ""
        after = text[e:].split("\n")
        print(f"[{i}] {row['id']}  {row['Guideline Title'][:90]}")
        scheme = (row.get("Rating Scheme for the Strength of the Recommendations") or "").replace("\n", " ")
        print(f"    scheme: {scheme[:110]}")
        print(f"    prev  : {prev[-160:]}")
        print(textwrap.indent(textwrap.fill(text[s:e], 110), "    SENT  : ").replace("\n    SENT  :", "\n           "))
        print(f"    after : {' ⏎ '.join(after[:3])[:260]!r}")
        where = "" if not lab else "inside" if s <= lab.start < e else "after" if lab.start >= e else "before"
        print(f"    LABEL : {describe(lab) + '   [' + repr(lab.text) + ' ' + where + ']' if lab else '-'}")
        if args.wide:
            a = s
            for _ in range(args.wide):
                a = max(0, text.rfind("\n", 0, a - 1))
            b = e
            for _ in range(args.wide):
                b = text.find("\n", b + 1) if text.find("\n", b + 1) != -1 else len(text)
            print(textwrap.indent(text[a:s] + "<<<" + text[s:e] + ">>>" + text[e:b], "      | "))
        print()
    print(f"labels found for {found}/{args.n}")


if __name__ == "__main__":
    main()
