import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    from curbside.review import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", "postgres"])
def review_db(request, tmp_path):
    """Where the review data lives: the SQLite file, or a PostgreSQL database (the same tests run on both)."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else tmp_path / "curbside.sqlite"


@pytest.fixture
def store(review_db):
    from curbside.review.articles import ArticleStore

    s = ArticleStore(review_db)
    yield s
    s.close()


def make_article(question="What treats HLH?", passages=(("pmid:1", "pmid:1#0", "Etoposide is used."),),
                 audience="clinician", state="s1"):
    from curbside.answer.models import Article, Item, Quote, Reference, Section

    refs, items = [], []
    for n, (doc, pid, text) in enumerate(passages, start=1):
        refs.append(Reference(n=n, document_id=doc, title=f"Title {doc}"))
        items.append(Item(text=text, citations=[n], quotes=[Quote(document_id=doc, passage_id=pid, text=text,
                                                                   start=0, end=len(text))]))
    return Article(question=question, generated_at="2025-03-03T10:00:00+00:00", title=question, audience=audience,
                   caution="Educational purpose only \u2022 Exercise caution as content is pending human review",
                   sections=[Section(title="From the Guidelines", kind="guidelines", items=items)],
                   references=refs, corpus_state=state)
