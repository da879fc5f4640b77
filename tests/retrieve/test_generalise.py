"""Issue 14: graded relevance in evaluation, the focus of long questions, style-robust ranker features and
graded pairwise training. Questions and judgements here are invented."""

from __future__ import annotations

import json
import math
import numpy as np
import pytest
from typer.testing import CliRunner

from curbside.evaluation.metrics import mrr_at, ndcg_at, recall_at
from curbside.evaluation.runner import evaluate, load_questions
from curbside.retrieve.query import focus_view, fts_query, is_long, parse_question
from curbside.retrieve.ranker import FEATURES, CandidateInfo, feature_matrix, train_pairwise
from curbside.retrieve.search import question_text

LONG = ("Hello doctor, my father was told last month that he has Paget disease of bone and we are all very worried. "
        "He also has gout and takes allopurinol for it. What is the treatment for Paget disease of bone? "
        "Thank you so much for any help.")


# ---------------------------------------------------------------------------------------------- metrics

def test_graded_ndcg_uses_exponential_gain_and_ideal_order():
    grades = {"a": 2, "b": 1, "c": 1}
    assert ndcg_at(["a", "b", "c"], grades, 10) == pytest.approx(1.0)
    swapped = ndcg_at(["b", "a", "c"], grades, 10)
    ideal = 3 + 1 / math.log2(3) + 1 / 2
    assert swapped == pytest.approx((1 + 3 / math.log2(3) + 1 / 2) / ideal)
    assert ndcg_at(["x", "a"], grades, 1) == 0.0
    # a set is binary relevance: the same numbers as before
    assert ndcg_at(["x", "a"], {"a", "b"}, 10) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at(["x", "a"], {"a": 1, "b": 1}, 10) == ndcg_at(["x", "a"], {"a", "b"}, 10)
    # grade 0 is not relevant; recall and MRR count every grade above 0
    assert recall_at(["b", "z"], {"a": 2, "b": 1, "z": 0}, 10) == 0.5
    assert mrr_at(["z", "b"], {"a": 2, "b": 1, "z": 0}, 10) == 0.5
    assert ndcg_at(["a"], {}, 10) == 0.0


def test_questions_file_with_grades_and_groups(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [
        {"id": "q1", "question": "What is Paget disease?", "relevant": {"d1": 2, "d2": 1, "d3": 0}, "group": "paget"},
        {"id": "q2", "question": "How is gout treated?", "relevant_ids": ["d4"]},
        {"id": "q3", "question": "Who gets gout?", "relevant": ["d4", "d5"]},
    ]) + "\n")
    q1, q2, q3 = load_questions(f)
    assert q1.grades == {"d1": 2.0, "d2": 1.0} and q1.relevant == {"d1", "d2"} and q1.split_key == "paget"
    assert q2.grades is None and q2.relevant == {"d4"} and q2.split_key == "q2"
    assert q3.relevant == {"d4", "d5"} and q3.grades is None
    ranked = {"What is Paget disease?": ["d2", "d1"], "How is gout treated?": ["d4"], "Who gets gout?": ["d5"]}
    res = evaluate([q1, q2, q3], {"d1", "d2", "d4"}, "x", lambda q: ranked[q])
    assert res.n == 3 and res.graded
    assert res.per_question[0]["ndcg@10"] == pytest.approx((1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3)))
    assert res.per_question[2]["recall@10"] == 0.0          # d5 is not in the store: q3 judged on d4 only
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "x", "relevant": {"d1": "high"}}) + "\n")
    with pytest.raises(Exception, match="grades must be numbers"):
        list(load_questions(bad))


def test_cli_eval_reports_graded_ndcg(loaded_engine, tmp_path):
    import typer

    from curbside.interfaces import cli_eval

    app = typer.Typer()
    cli_eval.register(app)

    docs = {d.title: d.id for d in loaded_engine.sources()}
    salvage = next(i for t, i in docs.items() if t.startswith("Salvage"))
    others = [i for i in docs.values() if i != salvage]
    f = tmp_path / "graded.jsonl"
    f.write_text(json.dumps({"id": "g1", "question": "What are salvage therapies for refractory HLH?",
                             "relevant": {salvage: 3, others[0]: 1}}) + "\n")
    home = loaded_engine.settings.home
    loaded_engine.close()
    r = CliRunner().invoke(app, ["eval", str(f), "--home", str(home), "-r", "bm25", "--json"])
    assert r.exit_code == 0, r.output
    (res,) = json.loads(r.output)
    assert res["graded"] is True and res["questions"] == 1 and 0 < res["ndcg@10"] <= 1
    r = CliRunner().invoke(app, ["eval", str(f), "--home", str(home), "-r", "bm25"])
    assert r.exit_code == 0 and "graded nDCG" in r.output


# ---------------------------------------------------------------------------------------------- focus

def test_long_message_focus_keeps_what_is_asked():
    parsed = parse_question(LONG)
    assert is_long(LONG)
    focus = focus_view(parsed)
    texts = [c.text.lower() for c in focus.concepts]
    assert any("paget disease" in t for t in texts)
    assert not any(t in ("gout", "allopurinol", "doctor", "father", "worried", "hello") for t in texts)
    match = fts_query(focus)
    assert "paget" in match and "allopurinol" not in match and "worried" not in match
    # the whole message still names the distractors (the dense channel embeds all of it)
    assert "allopurinol" in fts_query(parsed)


def test_focus_borrows_the_condition_when_the_question_only_says_it():
    q = ("I am 45 and was diagnosed with hidradenitis suppurativa two years ago after many painful boils. "
         "My skin doctor says the antibiotics have stopped working. What else can I try?")
    focus = focus_view(parse_question(q))
    assert any("hidradenitis" in c.text.lower() for c in focus.concepts)
    assert "hidradenitis" in fts_query(focus)


def test_focus_takes_the_topic_not_the_askers_other_conditions():
    q = ("Hello doctor, my father was told last month that he has Paget disease of bone and we are worried. "
         "He also takes allopurinol for his gout. What is the treatment for it? Thanks")
    match = fts_query(focus_view(parse_question(q)))
    assert "paget" in match and "gout" not in match and "allopurinol" not in match


def test_focus_keeps_a_topic_it_does_not_know_as_a_condition():
    """A name question understanding does not know as a condition, repeated where it is asked about, is the
    topic: the asker's other condition and medicine are not borrowed."""
    q = ("Hi, my sister was told last month that she has achondrogenesis. She also has asthma and uses an "
         "albuterol inhaler. What causes achondrogenesis? Thank you.")
    focus = focus_view(parse_question(q))
    match = fts_query(focus)
    assert "achondrogenesis" in match
    assert not any(w in match for w in ("asthma", "albuterol", "ventolin", "sister"))
    # what is asked is kept ('causes'), the topic still borrowed when the asking sentence only says 'it'
    assert "cause" in match
    q2 = "Hi, my sister was told last month that she has asthma. She is 30. What causes it? Thank you."
    assert "asthma" in fts_query(focus_view(parse_question(q2)))


def test_dense_views_of_a_long_question(loaded_engine):
    """The dense query of a long message can be its focus (the asking sentence, plus the condition it refers to
    as 'it'), the other view being the whole message; a short question has one view."""
    ret = loaded_engine.retriever
    q = ("Hello doctor, my father was told last month that he has Paget disease of bone and we are worried. "
         "He also takes allopurinol for his gout. What is the treatment for it? Thanks")
    parsed = parse_question(q)
    focus_q, whole = ret.dense_texts(parsed, "focus")
    assert whole.startswith(q)
    low = focus_q.lower()
    assert "paget disease" in low and "treatment" in low
    assert not any(w in low for w in ("allopurinol", "gout", "hello", "father", "thanks"))
    assert ret.dense_texts(parsed, "whole") == (whole, focus_q)
    short = parse_question("What is the treatment for Paget disease of bone?")
    assert ret.dense_texts(short, "focus") == (question_text(short), None)


@pytest.mark.parametrize("q", ["What is the first-line treatment for a gout flare?",
                               "68M on apixaban, eGFR 28, weight 58 kg — dose?",
                               "Is anakinra effective in macrophage activation syndrome?"])
def test_short_questions_are_left_alone(q):
    parsed = parse_question(q)
    assert not is_long(q) and focus_view(parsed) is parsed


# ---------------------------------------------------------------------------------------------- features

def col(X, name):
    return X[:, FEATURES.index(name)]


def test_scale_free_and_long_question_features():
    cands = [CandidateInfo(bm25=9.0, bm25_rank=1, cosine=0.40, dense_rank=2, coverage=1.0),
             CandidateInfo(bm25=3.0, bm25_rank=2, cosine=0.44, dense_rank=1, coverage=0.5),
             CandidateInfo(bm25=None, cosine=0.36, dense_rank=3),
             CandidateInfo(bm25=6.0, bm25_rank=3, cosine=None)]
    short, long_ = feature_matrix(cands), feature_matrix(cands, long=True)
    z = col(short, "cos_z")
    assert z[1] > z[0] > z[2] and z[3] == -3.0
    assert abs(z[:3].mean()) < 1e-9
    assert col(short, "bm25_z")[0] > col(short, "bm25_z")[3] > col(short, "bm25_z")[1] and col(short, "bm25_z")[2] == 0
    for name in ("long_bm25_rr", "long_dense_rr", "long_coverage"):
        assert not col(short, name).any()
    assert list(col(long_, "long_bm25_rr")) == list(col(long_, "bm25_rr"))
    assert list(col(long_, "long_coverage")) == list(col(long_, "coverage"))
    # cosines shifted and squeezed (a long question) give the same standardised feature
    squeezed = [CandidateInfo(cosine=None if c.cosine is None else 0.1 + 0.5 * c.cosine) for c in cands]
    assert np.allclose(col(feature_matrix(squeezed), "cos_z")[:3], z[:3])


def test_graded_training_orders_grades():
    rng = np.random.default_rng(3)
    groups = []
    for _ in range(40):
        X = rng.random((25, len(FEATURES)))
        c = X[:, FEATURES.index("cosine")]
        y = np.where(c > 0.85, 2.0, np.where(c > 0.6, 1.0, 0.0))
        groups.append((X, y))
    r = train_pairwise(groups, epochs=200, group_weights=[1.0] * 20 + [0.5] * 20)
    X, y = groups[0]
    s = r.score(X)
    assert s[y == 2].min() > s[y == 1].mean() > s[y == 0].mean()


def test_train_ranker_never_fits_an_evaluation_only_style():
    """BioASQ's terms allow evaluation only: scripts/train_ranker.py may score its non-held-out questions to
    choose among configurations, never fit on them (also when --l2 skips the selection)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "train_ranker.py"
    spec = importlib.util.spec_from_file_location("train_ranker_script", path)
    tr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tr)
    assert "bioasq" in tr.EVAL_ONLY
    for report_only in (False, True):
        for l2_given in (False, True):
            assert tr.role("bioasq", True, report_only, l2_given) != "train"
    assert tr.role("bioasq", True, False, False) == "validate"
    assert tr.role("bioasq", True, False, True) is None
    assert tr.role("medquad_long", True, False, True) == "train"
    assert tr.role("medquad_long", True, True, True) is None


def test_train_ranker_drops_the_priors_and_named_features():
    """`--without-priors` and `--drop` choose the features the shipped weights are fitted without."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "train_ranker.py"
    spec = importlib.util.spec_from_file_location("train_ranker_script", path)
    tr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tr)
    assert tr.dropped("all features") == ()
    assert tr.dropped("without priors") == tr.PRIORS
    assert tr.dropped("without priors", "rare_hit,lead,rare_hit") == (*tr.PRIORS, "rare_hit")
    with pytest.raises(ValueError, match="unknown feature"):
        tr.dropped("all features", "no_such_feature")
