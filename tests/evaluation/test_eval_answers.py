"""`curbside eval-answers`: scoring of article JSON, paraphrases, pins, and an end-to-end run on the fixture corpus."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from curbside.evaluation import answers as A
from curbside.evaluation import answers_run as R


def _article(items, table=None, abstained=False, follow_ups=()):
    return {"abstained": abstained, "follow_ups": list(follow_ups),
            "sections": [{"title": "Answer", "kind": "guidelines",
                          "items": [{"text": t, "label": l} for l, t in items]},
                         {"title": "Notice", "kind": "notice", "items": [{"text": "ignored notice"}]}],
            "evidence_table": table or []}


def test_body_items_render_labels_and_table_rows_and_skip_notices():
    art = _article([("Zorbital", "Give 5 mg daily."), ("", "Plain sentence.")],
                   table=[{"intervention": "Zorbital", "cells": {"patients": {"value": "12"}}}])
    assert A.body_items(art) == ["Zorbital: Give 5 mg daily.", "Plain sentence.", "Zorbital: patients=12"]
    assert A.body_items(_article([("", "x")], abstained=True)) == []


def test_clinical_score_matches_one_item_at_a_time():
    q = {"id": "q1", "expect": "answer", "facts": [["5 mg daily"], ["weekly", "monthly"]],
         "lead": ["^Zorbital"], "must_not": ["daily.*Plain"]}
    s = A.score_clinical(q, _article([("Zorbital", "Give 5 mg daily."), ("", "Plain sentence.")]), 0.1, False)
    assert (s.facts, s.n_facts, s.lead, s.must_not, s.abstained) == (1, 2, True, [], False)
    s = A.score_clinical(q, None, 0.1, False)
    assert s.abstained and s.facts == 0 and not s.lead


def test_unsafe_follow_ups():
    q = {"id": "q", "expect": "answer", "must_not": []}
    art = _article([("", "Methotrexate is first-line.")], follow_ups=["What is the dose of methotrexate?",
                                                                     "What is the dose of anakinra?"])
    assert A.unsafe_follow_ups(q, art, A.body_items(art)) == ["What is the dose of anakinra?"]
    assert A.unsafe_follow_ups({"expect": "abstain"}, art, []) == list(art["follow_ups"])


def test_paraphrases_keep_the_question_content():
    ps = A.paraphrases("What is the first-line treatment for gout flares?")
    assert len(ps) == 2 and all("gout flares" in p for p in ps)
    assert not ps[0].lower().startswith("what")


def test_bioasq_scoring_factoid_list_yesno():
    art = _article([("", "Mutations in GENE1 cause the syndrome; GENE2 is rarer.")])
    s = A.score_bioasq({"id": "1", "type": "factoid", "exact_answer": [["gene1", "G1"]]}, art, ["nothing"], 0.1)
    assert (s.in_article, s.in_top3) == (1.0, 0.0)
    s = A.score_bioasq({"id": "2", "type": "list", "exact_answer": [["GENE1"], ["GENE2"], ["GENE3"]]}, art,
                       ["GENE3 here"], 0.1)
    assert round(s.in_article, 2) == 0.67 and round(s.in_top3, 2) == 0.33
    art["bottom_line"] = {"verdict": "yes"}
    s = A.score_bioasq({"id": "3", "type": "yesno", "exact_answer": "yes"}, art, [], 0.1)
    m = A.bioasq_metrics([s])
    assert m["yesno_verdict_rate"] == 1.0 and m["yesno_polarity"] == 1.0
    assert not A.contains_answer(["GENE12 only"], ["GENE1"])     # whole words only


def test_pins_ok_fail_and_better(tmp_path):
    figures = {"all": {"facts_recall": 0.5, "must_not_hits": 0.1, "median_ask_ms": 100.0, "questions": 3}}
    p = tmp_path / "pins.json"
    R.write_pins(p, "clinical", figures, {"file": "x"})
    pins = R.load_pins(p, "clinical")
    assert "median_ask_ms" not in pins["all"]            # timings are never pinned
    assert {r[4] for r in R.check(figures, pins)} == {"OK"}
    worse = {"all": {"facts_recall": 0.4, "must_not_hits": 0.2}}
    assert [r[4] for r in R.check(worse, pins)] == ["FAIL", "FAIL"]
    better = {"all": {"facts_recall": 0.6, "must_not_hits": 0.0}}
    assert [r[4] for r in R.check(better, pins)] == ["BETTER", "BETTER"]


def test_held_out_split_is_stable():
    ids = [f"q{i}" for i in range(200)]
    first = [R.held_out(i) for i in ids]
    assert first == [R.held_out(i) for i in ids] and 30 < sum(first) < 90


def test_cli_end_to_end_on_fixture_corpus(loaded_engine, settings, tmp_path):
    from curbside.interfaces.cli import app
    from curbside.interfaces import cli_eval

    qfile = tmp_path / "q.jsonl"
    qs = [{"id": "a1", "store": "default", "expect": "answer", "question": "What are the treatment options for "
           "refractory HLH?", "facts": [["anakinra|alemtuzumab|etoposide|ruxolitinib"]], "lead": ["."],
           "must_not": []},
          {"id": "x1", "store": "default", "expect": "abstain", "question": "How is alopecia areata treated?",
           "facts": [], "lead": [], "must_not": []}]
    qfile.write_text("\n".join(json.dumps(q) for q in qs) + "\n")
    loaded_engine.close()
    cli_eval.register_answers(app) if "eval-answers" not in {c.name for c in app.registered_commands} else None
    pins = tmp_path / "pins.json"
    res = CliRunner().invoke(app, ["eval-answers", str(qfile), "--home", str(settings.home), "--json",
                                   "--pin", str(pins), "--no-paraphrases"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kind"] == "clinical" and data["figures"]["all"]["questions"] == 2
    res = CliRunner().invoke(app, ["eval-answers", str(qfile), "--home", str(settings.home), "--check", str(pins),
                                   "--no-paraphrases"])
    assert res.exit_code == 0 and "0 FAIL" in res.output


def test_bad_questions_file_is_a_one_line_error(tmp_path):
    from curbside.interfaces.cli import app
    from curbside.interfaces import cli_eval

    cli_eval.register_answers(app) if "eval-answers" not in {c.name for c in app.registered_commands} else None
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    res = CliRunner().invoke(app, ["eval-answers", str(bad), "--home", str(tmp_path / "h")])
    assert res.exit_code == 1 and "line 1" in res.output and "Traceback" not in res.output


def test_paraphrases_never_cut_into_a_word():
    """The terse form drops a leading "Which"/"What is" and an article, never the first letters of a word
    ("Which antiplatelet ..." once became "ntiplatelet ...")."""
    assert A.paraphrases("Which antiplatelet drugs are used after stenting?")[0].startswith("antiplatelet drugs")
    assert A.paraphrases("What dose of heparin is used?")[0].startswith("dose of heparin")
    assert A.paraphrases("What is the dose of heparin?")[0].startswith("the dose of heparin")
