"""Build the retrieval dev sets of several question styles (and the MedQuAD corpus file) from shared/ data.

    python scripts/make_retrieval_sets.py [SHARED=../shared] --out /tmp/cs14/sets [--medquad-fraction 0.3]

Writes, under --out (outside the repository; nothing here is committed):

- `medquad_corpus.jsonl`: MedQuAD answers as documents (id `mq:<record id>`, title = the focus, i.e. the page
  topic, text = the answer; the question is *not* stored, so a question cannot match itself). A deterministic
  share of the foci (hash of the lower-cased focus < --medquad-fraction) keeps embedding time down; every answer
  of a chosen focus is kept, so near-duplicate answers stay as distractors.
- `medquad.jsonl`: each MedQuAD question of those foci, graded: its own answer 2, answers to the same focus and
  question type (near-duplicate questions from another NIH source) 2, other answers on the same focus 1.
  `group` = the focus, so the held-out split (`ranker.in_held_out(group)`) keeps a topic's questions together.
- `medquad_long.jsonl`: the same questions and judgements, written as long consumer messages: a greeting, who is
  asking and why, sometimes another condition and medicine of the asker's (a distractor), the question, a
  closing line. Templates are invented here; only the question and focus come from MedQuAD.
- `pubmedqa.jsonl`: PubMedQA questions, relevant = the question's own abstract (`pmid:<id>`); ingest
  `pubmedqa_corpus.jsonl` (the abstracts without their conclusions) into a store that also holds the BioASQ dev
  corpus, so each question is ranked against ~14k biomedical passages rather than 500 abstracts.
- BioASQ needs no conversion: `questions_dev.jsonl` is read as it is.

Licences: MedQuAD CC BY 4.0 and PubMedQA MIT allow training; BioASQ is used for evaluation only.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GREETINGS = ["", "Hi,", "Hello,", "Hello doctor,", "Good morning.", "Dear Sir or Madam,", "Hi there.", "Hey,"]
ASKERS = ["My mother", "My father", "My husband", "My wife", "My son", "My daughter", "My sister", "My brother",
          "My grandmother", "A close friend", "My uncle", "My 14 year old", "My partner"]
SITUATIONS = [
    "{asker} was told last month that {pron} has {focus}.",
    "{asker} has just been diagnosed with {focus} and we are all very worried.",
    "I was diagnosed with {focus} a few years ago and I still have questions.",
    "Our doctor mentioned {focus} at the last visit but did not explain much.",
    "I have been reading about {focus} online and I am confused by what I find.",
    "{asker} was recently seen by a specialist who thinks it could be {focus}.",
    "We found out at the hospital that {asker_low} may have {focus}.",
    "I am 52 and my doctor thinks I might have {focus}.",
]
DISTRACTORS = [
    ("high blood pressure", "lisinopril"), ("type 2 diabetes", "metformin"), ("asthma", "an albuterol inhaler"),
    ("high cholesterol", "atorvastatin"), ("arthritis in the knees", "ibuprofen"), ("acid reflux", "omeprazole"),
    ("an underactive thyroid", "levothyroxine"), ("depression", "sertraline"), ("migraines", "sumatriptan"),
    ("atrial fibrillation", "apixaban"), ("back pain", "naproxen"), ("seasonal allergies", "cetirizine"),
]
OTHER = [
    "{Pron} also has {cond} and takes {drug} for it.",
    "Besides that, {pron} has had {cond} for years and is on {drug}.",
    "I should say I also have {cond} and take {drug} every day.",
]
CLOSINGS = ["", "Thank you so much for any help.", "Any advice would be appreciated, we are very worried.",
            "Please answer as soon as you can.", "Thanks in advance.", "I would be grateful for any information.",
            "We live far from a big hospital, so any information helps.", "Thank you."]


def _h(text: str) -> float:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) / 2 ** 32


def chosen_focus(focus: str, fraction: float) -> bool:
    return _h(focus.lower()) < fraction


def _natural(question: str) -> str:
    """MedQuAD's templated 'What is (are) X ?' as a person would type it."""
    q = " ".join(question.split()).replace(" ?", "?")
    q = q.replace("What is (are)", "What is").replace("what is (are)", "what is")
    return q


def long_message(rec: dict, rng: random.Random) -> str:
    asker = rng.choice(ASKERS)
    pron = rng.choice(["she", "he"]) if not asker.startswith(("My mother", "My wife", "My sister", "My daughter",
                                                              "My grandmother")) else "she"
    if asker.startswith(("My father", "My husband", "My son", "My brother", "My uncle")):
        pron = "he"
    focus = rec["focus"]
    parts = [rng.choice(GREETINGS),
             rng.choice(SITUATIONS).format(asker=asker, asker_low=asker[0].lower() + asker[1:], pron=pron,
                                           focus=focus)]
    if rng.random() < 0.5:
        cond, drug = rng.choice(DISTRACTORS)
        parts.append(rng.choice(OTHER).format(Pron=pron.capitalize(), pron=pron, cond=cond, drug=drug))
    q = _natural(rec["question"])
    parts.append(q if rng.random() < 0.7 else q[0].lower() + q[1:].rstrip("?") + ", can you explain?")
    parts.append(rng.choice(CLOSINGS))
    return " ".join(p for p in parts if p)


def medquad(shared: Path, out: Path, fraction: float) -> tuple[int, int]:
    recs = [json.loads(line) for line in (shared / "data/corpus/medquad.jsonl").open() if line.strip()]
    recs = [r for r in recs if r.get("answer", "").strip() and r.get("focus") and chosen_focus(r["focus"], fraction)]
    seen: set[str] = set()          # MedQuAD reuses a few ids across collections: the first record keeps its id
    recs = [r for r in recs if not (r["id"] in seen or seen.add(r["id"]))]
    by_focus: dict[str, list[dict]] = defaultdict(list)
    with (out / "medquad_corpus.jsonl").open("w") as fh:
        for r in recs:
            fh.write(json.dumps({"id": "mq:" + r["id"], "title": r["focus"], "text": r["answer"],
                                 "url": r.get("url", "")}) + "\n")
            by_focus[r["focus"].lower()].append(r)
    n = 0
    with (out / "medquad.jsonl").open("w") as short, (out / "medquad_long.jsonl").open("w") as long_:
        for r in recs:
            rel = {}
            for o in by_focus[r["focus"].lower()]:
                rel["mq:" + o["id"]] = 2 if o["id"] == r["id"] or o.get("qtype") == r.get("qtype") else 1
            base = {"id": "mq:" + r["id"], "type": r.get("qtype", ""), "group": r["focus"].lower(), "relevant": rel}
            short.write(json.dumps({**base, "question": _natural(r["question"])}) + "\n")
            rng = random.Random(r["id"])
            long_.write(json.dumps({**base, "question": long_message(r, rng)}) + "\n")
            n += 1
    return len(recs), n


def pubmedqa(shared: Path, out: Path) -> int:
    recs = [json.loads(line) for line in (shared / "data/eval/pubmedqa/pqal_dev.jsonl").open() if line.strip()]
    with (out / "pubmedqa_corpus.jsonl").open("w") as corpus, (out / "pubmedqa.jsonl").open("w") as qs:
        for r in recs:
            c = r.get("contexts", [])
            if isinstance(c, str):
                try:
                    c = ast.literal_eval(c)
                except (ValueError, SyntaxError):
                    c = [c]
            corpus.write(json.dumps({"pmid": r["pmid"], "title": "", "text": "\n\n".join(map(str, c)),
                                     "year": r.get("year")}) + "\n")
            qs.write(json.dumps({"id": f"pq:{r['pmid']}", "question": r["question"],
                                 "relevant_ids": [f"pmid:{r['pmid']}"], "type": "pubmedqa"}) + "\n")
    return len(recs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", required=True, help="folder for the sets (outside the repository)")
    ap.add_argument("--medquad-fraction", type=float, default=0.3, help="share of MedQuAD foci kept (by hash)")
    args = ap.parse_args()
    shared, out = Path(args.shared), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    docs, qs = medquad(shared, out, args.medquad_fraction)
    print(f"medquad: {docs:,} answers in medquad_corpus.jsonl, {qs:,} questions (short and long)")
    print(f"pubmedqa: {pubmedqa(shared, out)} questions and abstracts")
    print(f"bioasq: use {shared / 'data/eval/bioasq/questions_dev.jsonl'} as it is")


if __name__ == "__main__":
    main()
