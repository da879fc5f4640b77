"""Living evidence: approved articles are re-asked after the library changes and flagged with a side-by-side."""

from __future__ import annotations

from pathlib import Path

from curbside.review import workflow as W
from curbside.review.living import NEW_EVIDENCE, SOURCE_REMOVED, check_articles, compare, side_by_side
from tests.review.conftest import make_article

OLD = (("pmid:1", "pmid:1#0", "Etoposide is used."),)
NEW = OLD + (("pmid:2", "pmid:2#3", "Emapalumab was effective in a 2024 trial."),)


class Engine:
    def __init__(self, passages, state="s2"):
        self.passages, self.state, self.calls = passages, state, 0

    def corpus_state(self):
        return self.state

    def ask(self, question, *, audience="clinician", follow_up_of=None, save=True, user=None):
        self.calls += 1
        assert save is False
        return make_article(question, self.passages, audience, self.state)


def approved(store, passages=OLD):
    a = store.save_new(make_article(passages=passages), author="carl").id
    store.transition(a, W.Actor("rita", "reviewer"), "start_review")
    store.transition(a, W.Actor("rita", "reviewer"), "approve")
    return a


def test_compare():
    old, new = make_article(passages=OLD), make_article(passages=NEW)
    reason, added, removed = compare(old, new)
    assert reason == NEW_EVIDENCE and [p.passage_id for p in added] == ["pmid:2#3"] and removed == []
    assert compare(old, old)[0] == ""
    reason, added, removed = compare(new, old)
    assert reason == SOURCE_REMOVED and [p.document_id for p in removed] == ["pmid:2"]
    # another passage of an already-cited source is not "new evidence"
    same_doc = make_article(passages=OLD + (("pmid:1", "pmid:1#9", "More etoposide."),))
    assert compare(old, same_doc)[0] == ""


def test_flag_and_side_by_side(store):
    a = approved(store)
    unapproved = store.save_new(make_article(), author="carl").id
    eng = Engine(NEW)
    flags = check_articles(eng, store)
    assert [f.article_id for f in flags] == [a] and eng.calls == 1
    assert store.summary(a).evidence_flag == NEW_EVIDENCE
    assert store.summary(unapproved).evidence_flag == ""
    # checked once per library state
    assert check_articles(eng, store) == [] and eng.calls == 1
    diff = side_by_side(store, a)
    assert [d.change for d in diff.current] == ["same"]
    assert [d.change for d in diff.proposed] == ["same", "added"]
    assert diff.proposed[1].text.startswith("Emapalumab")
    # a new version from the proposal clears the flag; approving it publishes it
    store.add_version(a, make_article(passages=NEW, state="s2"), W.Actor("carl", "clinician"), "new evidence")
    assert store.summary(a).evidence_flag == ""
    store.transition(a, W.Actor("rita", "reviewer"), "approve")
    assert len(store.get(a).sections[0].items) == 2


def test_no_flag_when_nothing_changes(store):
    a = approved(store)
    assert check_articles(Engine(OLD), store) == []
    assert store.summary(a).evidence_flag == ""


def test_one_failing_article_does_not_stop_the_check(store):
    approved(store)
    b = approved(store)

    class Flaky(Engine):
        def ask(self, question, **kw):
            if self.calls == 0:
                self.calls += 1
                raise RuntimeError("boom")
            return super().ask(question, **kw)

    flags = check_articles(Flaky(NEW), store)
    assert len(flags) == 1 and flags[0].article_id in {b} | {r.id for r in store.list()}


def test_answering_change_flags_an_article_whose_text_changes():
    from curbside.answer.models import Article, Item, Quote, Section
    from curbside.review.living import ANSWERING_CHANGED, compare

    def art(fp: str, start: int) -> Article:
        q = Quote(document_id="d1", passage_id="d1#0", text="x", start=start, end=start + 1)
        return Article(question="q", generated_at="2026-01-01T00:00:00+00:00", answer_settings=fp,
                       sections=[Section(title="Bottom Line", kind="bottom_line",
                                         items=[Item(text="x", citations=[1], quotes=[q])])])

    assert compare(art("aaa", 0), art("bbb", 5))[0] == ANSWERING_CHANGED      # new model, other quote
    assert compare(art("aaa", 0), art("bbb", 0))[0] == ""                      # new model, same answer
    assert compare(art("aaa", 0), art("aaa", 5))[0] == ""                      # same model: not this flag


def test_the_answer_fingerprint_covers_the_settings_the_code_version_and_every_learned_weights_file(monkeypatch):
    import curbside
    from curbside.settings import Settings

    base = Settings(home=Path("/nonexistent-home"))
    fp = base.answer_fingerprint()
    assert fp == Settings(home=Path("/elsewhere")).answer_fingerprint()          # not the home
    assert Settings(home=Path("/x"), max_items_per_section=base.max_items_per_section + 1).answer_fingerprint() != fp
    monkeypatch.setattr(curbside, "__version__", "0.0.0-test")
    assert base.answer_fingerprint() != fp
    monkeypatch.undo()
    from importlib import resources

    real = resources.files

    class Files:
        def __init__(self, changed: str):
            self.changed = changed

        def __call__(self, pkg):
            root = real(pkg)
            changed = self.changed

            class Root:
                def joinpath(self, *parts):
                    p = root.joinpath(*parts)
                    if parts[-1] != changed:
                        return p

                    class Changed:
                        def read_bytes(self):
                            return p.read_bytes() + b" "
                    return Changed()
            return Root()

    for name in ("ranker_weights.json", "relevance_weights.json", "verdict_weights.json"):
        monkeypatch.setattr(resources, "files", Files(name))
        assert base.answer_fingerprint() != fp, name
        monkeypatch.undo()
