"""Reading grade of the text Curbside adds in patient mode (section titles, glossary explanations, notices,
disclaimer), on 20 MedQuAD questions; and a check that clinician mode carries no additions.

    python scripts/readability_patient.py --home STORE_WITH_MEDQUAD --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from curbside.answer.glossary import reading_grade
from curbside.engine import Engine
from curbside.settings import load_settings


def added_text(article) -> str:
    parts = [s.title + "." for s in article.sections]
    for s in article.sections:
        for it in s.items:
            parts += [g.explanation.capitalize() + "." for g in it.glosses]
            if it.kind == "notice":
                parts.append(it.text)
    parts.append(article.disclaimer)
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    recs = [json.loads(line) for line in (Path(args.shared) / "data/corpus/medquad.jsonl").open()]
    step = len(recs) // args.n
    questions = [recs[i * step]["question"] for i in range(args.n)]
    engine = Engine(load_settings(args.home, embed=False))
    grades = []
    for q in questions:
        patient = engine.ask(q, audience="patient", save=False)
        clinician = engine.ask(q, save=False)
        g = reading_grade(added_text(patient))
        grades.append(g)
        assert all(not it.glosses for s in clinician.sections for it in s.items)
        assert patient.verification.passed
        glosses = sum(len(it.glosses) for s in patient.sections for it in s.items)
        print(f"{g:5.1f}  glosses={glosses:2d}  abstained={patient.abstained!s:5}  {q}")
    print(f"\nmedian grade {statistics.median(grades):.1f}, max {max(grades):.1f}, "
          f"{sum(g <= 9 for g in grades)}/{len(grades)} at grade <= 9")


if __name__ == "__main__":
    main()
