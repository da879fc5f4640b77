"""The E-utilities client against the fake server on 127.0.0.1: NCBI's rules (tool/email, API key, request rate),
recovery from 429/5xx/dropped connections/timeouts, history server, POST for long id lists, offline."""

from __future__ import annotations

import json

import pytest

from curbside.sources.pubmed import client as C
from curbside.sources.pubmed.client import EutilsClient, PubMedError, PubMedOffline
from curbside.sources.pubmed.fetch import search_pubmed
from curbside.sources.pubmed.ratelimit import RateLimiter
from tests.sources.pubmed_fake import FIXTURES, FakeEutils, make_record


def _gout_records(n: int, start: int = 92000000) -> list[bytes]:
    return [make_record(start + i, f"Invented gout trial {i}", f"Colchicine or naproxen for gout flare, cohort {i}.",
                        types=("Randomized Controlled Trial",), mesh=("Gout",)) for i in range(n)]


@pytest.fixture
def fake():
    with FakeEutils(max_requests=300, max_seconds=90) as f:
        yield f


def client(fake, **kw) -> EutilsClient:
    kw.setdefault("backoff", 0.05)
    kw.setdefault("timeout", 5.0)
    kw.setdefault("email", "tests@example.org")
    return EutilsClient(fake.url, **kw)


def test_esearch_parses_ncbi_json_and_sends_identity(fake):
    res = client(fake).esearch('"hemophagocytic lymphohistiocytosis"[tiab]', retmax=10)
    assert set(res.ids) == {"90000001", "90000004", "90000005"}
    assert res.count == 3 and res.webenv.startswith("MCID_") and res.query_key == "1"
    (_, method, path, params), = fake.log
    assert method == "GET" and path.endswith("esearch.fcgi")
    assert params["tool"] == "curbside" and params["email"] == "tests@example.org"
    assert params["usehistory"] == "y" and "api_key" not in params


def test_recorded_esearch_fixture_parses(monkeypatch):
    body = (FIXTURES / "esearch_hlh.json").read_bytes()
    c = EutilsClient("http://127.0.0.1:9/", email="t@example.org")
    monkeypatch.setattr(c, "_request", lambda *a, **k: body)
    res = c.esearch("x")
    assert res.ids == ["90000001", "90000005", "90000004", "90000002"] and res.webenv == "MCID_fixture_0001"


def test_esearch_error_is_one_line(fake):
    with pytest.raises(PubMedError) as e:
        client(fake).esearch("((unbalanced")
    assert "unbalanced parentheses" in str(e.value) and "\n" not in str(e.value)


def test_api_key_sent_on_every_request(fake, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "fake-key-123")
    fake.add_records(_gout_records(12))
    s = search_pubmed(client(fake), "gout", 12, batch=4)
    assert s.fetched == 12
    assert all(p.get("api_key") == "fake-key-123" for *_, p in fake.log)
    assert fake.missing_identity == 0


def test_rate_never_above_3_per_second_without_key(fake, monkeypatch):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    fake.add_records(_gout_records(27))
    c = client(fake)
    s = search_pubmed(c, "gout", 27, batch=3)            # 1 ESearch + 9 EFetch
    assert s.fetched == 27 and s.failed == 0
    assert len(fake.log) == 10
    assert fake.max_in_window(1.0) <= 3 and fake.violations == 0     # counted where the server sees them


def test_rate_never_above_10_per_second_with_key(fake):
    fake.add_records(_gout_records(40))
    s = search_pubmed(client(fake, api_key="k"), "gout", 40, batch=2)   # 1 + 20 requests
    assert s.fetched == 40
    assert fake.max_in_window(1.0) <= 10 and fake.violations == 0
    assert EutilsClient(fake.url, api_key="k").limiter.per_second == 10    # the higher limit (speed: see bench)


def test_recovers_from_429_500_and_dropped_connection(fake):
    fake.add_records(_gout_records(10))
    fake.faults = ["429", "500", "drop", "drop"]   # ESearch: 429, 500, dropped; first EFetch: dropped
    seen = []
    c = client(fake, on_retry=lambda why, delay: seen.append(why))
    s = search_pubmed(c, "gout", 10, batch=5)
    assert s.fetched == 10 and s.failed == 0
    assert fake.faults_used == ["429", "500", "drop", "drop"]
    assert s.retries == 4 and len(seen) == 4
    assert "HTTP 429" in seen[0] and "HTTP 500" in seen[1] and "connection dropped" in seen[2]
    assert fake.violations == 0


def test_retry_after_header_is_honoured(fake):
    slept = []
    fake.faults = ["429-retry-after-2", "429"]
    c = client(fake, sleep=slept.append)
    c.esearch("gout")
    assert slept[0] >= 2.0                # NCBI's Retry-After wins over the short back-off
    assert slept[1] < 1.0                 # without it: exponential back-off (0.05 s, 0.1 s ...)


def test_timeouts_are_retried(fake):
    fake.faults = ["hang"]
    c = client(fake, timeout=0.5)
    res = c.esearch("gout")
    assert res.count >= 1 and c.stats.retries == 1 and "timed out" in c.stats.retry_reasons[0]


def test_gives_up_after_max_attempts_with_one_line(fake):
    fake.faults = ["500"] * 3
    with pytest.raises(PubMedError) as e:
        client(fake, max_attempts=3).esearch("gout")
    assert "gave up after 3 attempts (HTTP 500)" in str(e.value)


def test_history_fetch_then_post_for_long_id_lists(fake, monkeypatch):
    monkeypatch.setattr(C, "POST_OVER_IDS", 3)
    fake.add_records(_gout_records(8))
    c = client(fake)
    res = c.esearch("gout", retmax=8)
    xml = c.efetch_history(res.webenv, res.query_key, 0, 4)
    assert xml.count(b"<PubmedArticle>") == 4
    xml = c.efetch_ids(res.ids[4:8])
    assert xml.count(b"<PubmedArticle>") == 4
    methods = [(m, p.get("WebEnv") is not None, "id" in p) for _, m, path, p in fake.requests("efetch.fcgi")]
    assert methods == [("GET", True, False), ("POST", False, True)]
    assert all(p.get("tool") and p.get("email") for *_, p in fake.log)      # POST bodies carry them too


def test_expired_history_falls_back_to_ids(fake):
    fake.add_records(_gout_records(6))
    fake.forget_history = True
    s = search_pubmed(client(fake), "gout", 6, batch=6)
    assert s.fetched == 6 and s.failed == 0
    assert [("WebEnv" in p, "id" in p) for *_, p in fake.requests("efetch.fcgi")] == [(True, False), (False, True)]


def test_bad_record_counts_as_failed_and_names_it(fake):
    fake.search_override["letters"] = ["90000006", "90000003"]    # 90000006 has neither title nor abstract
    s = search_pubmed(client(fake), "letters", 5)
    assert s.failed == 1 and s.fetched == 1
    assert any("90000006" in e for e in s.errors)


def test_offline_is_immediate_and_plain():
    c = EutilsClient("http://pubmed.invalid/entrez/eutils/", email="t@example.org", backoff=0.01)
    with pytest.raises(PubMedOffline) as e:
        c.esearch("gout")
    assert "cannot be reached" in str(e.value) and c.stats.requests == 1


def test_refused_connection_is_retried_then_reported():
    c = EutilsClient("http://127.0.0.1:9/", email="t@example.org", backoff=0.01, max_attempts=2)
    with pytest.raises(PubMedError) as e:
        c.esearch("gout")
    assert "gave up after 2 attempts" in str(e.value)


def test_base_url_must_be_http(monkeypatch):
    from curbside.errors import InputError

    monkeypatch.setenv("CURBSIDE_EUTILS_URL", "ftp://example.org/")
    with pytest.raises(InputError) as e:
        EutilsClient()
    assert "CURBSIDE_EUTILS_URL" in str(e.value)
    monkeypatch.setenv("CURBSIDE_EUTILS_URL", "http://127.0.0.1:1234/eutils")
    assert EutilsClient().base_url == "http://127.0.0.1:1234/eutils/"


def test_shared_rate_file_paces_two_clients(tmp_path):
    t = [100.0]
    waits = []

    def sleep(d):
        waits.append(d)

    a = RateLimiter(3, shared_path=tmp_path / "rate", clock=lambda: t[0], sleep=sleep, margin=0)
    b = RateLimiter(3, shared_path=tmp_path / "rate", clock=lambda: t[0], sleep=sleep, margin=0)
    for lim in (a, b, a, b):
        lim.wait()
    assert [round(w, 3) for w in waits] == [0.333, 0.667, 1.0]


def test_fixture_json_bodies_are_valid():
    for name in ("esearch_hlh.json", "esearch_error.json", "rate_limited.json"):
        json.loads((FIXTURES / name).read_text())


def test_slow_answers_delay_the_next_requests():
    """The 4th request (no key) waits until 1 s after the 1st was answered: however late the 1st reached the
    server, the 4th reaches it more than a second later."""
    t = [0.0]
    lim = RateLimiter(3, clock=lambda: t[0], sleep=lambda d: t.__setitem__(0, t[0] + d))
    starts = []
    for latency in (0.9, 0.1, 0.1, 0.1):
        lim.wait()
        starts.append(t[0])
        t[0] += latency
        lim.done()
    assert starts[3] >= 0.9 + 1.0                      # spacing alone would have allowed ~1.08
    assert all(b - a >= 1 / 3 for a, b in zip(starts, starts[1:]))
