"""A small NCBI E-utilities client (ESearch with the history server, EFetch by history range or by id list).

NCBI's rules, all kept here: ``tool`` and ``email`` on every request, ``api_key`` when one is given
(``NCBI_API_KEY`` or ``--api-key``), at most 3 requests/s without a key and 10/s with one (see
:mod:`.ratelimit`), POST for long id lists. Transient failures (HTTP 429 and 5xx, timeouts, refused or dropped
connections, a body cut short) are retried with exponential back-off (``Retry-After`` is honoured); anything else
is one :class:`PubMedError` line. When the network itself is missing (no DNS, no route) the client raises
:class:`PubMedOffline` at once, so that callers can say so and go on offline.

The base URL is ``$CURBSIDE_EUTILS_URL`` when set (a mirror, or the fake server of the tests), else NCBI's.
Only the standard library is used for HTTP.
"""

from __future__ import annotations

import errno
import getpass
import http.client
import json
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree

from curbside import __version__
from curbside.errors import CurbsideError, InputError
from curbside.sources.pubmed.ratelimit import NO_KEY_PER_SECOND, WITH_KEY_PER_SECOND, RateLimiter

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL = "curbside"
POST_OVER_IDS = 200            # NCBI: use HTTP POST for more than about 200 UIDs
MAX_RETMAX = 10_000            # ESearch returns at most 10,000 ids per request


class PubMedError(CurbsideError):
    """E-utilities answered with an error, or kept failing after every retry."""


class PubMedOffline(PubMedError):
    """The network is not reachable at all (no DNS, no route to the host)."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class SearchResult:
    term: str
    count: int
    ids: list[str]
    webenv: str = ""
    query_key: str = ""
    translation: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ClientStats:
    requests: int = 0             # HTTP requests sent (retries included)
    retries: int = 0
    retry_reasons: list[str] = field(default_factory=list)


def default_email() -> str:
    """NCBI asks for a contact address on every request: $NCBI_EMAIL, else user@host of this machine."""
    env = os.environ.get("NCBI_EMAIL", "").strip()
    if env:
        return env
    try:
        user = getpass.getuser()
    except Exception:  # no user name in containers without a passwd entry
        user = "curbside"
    return f"{user}@{socket.gethostname() or 'localhost'}"


def base_url_from_env(given: str | None = None) -> str:
    url = (given or os.environ.get("CURBSIDE_EUTILS_URL") or NCBI_EUTILS).strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        where = "--eutils-url" if given else "CURBSIDE_EUTILS_URL"
        raise InputError(where, f"{url!r} is not an http(s) URL; expected e.g. {NCBI_EUTILS}")
    return url.rstrip("/") + "/"


class EutilsClient:
    def __init__(self, base_url: str | None = None, *, api_key: str | None = None, email: str | None = None,
                 tool: str = TOOL, timeout: float = 30.0, max_attempts: int = 6, backoff: float = 1.0,
                 max_backoff: float = 30.0, deadline: float | None = None, limiter: RateLimiter | None = None,
                 rate_file: Path | None = None, on_retry: Callable[[str, float], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url_from_env(base_url)
        key = api_key if api_key is not None else os.environ.get("NCBI_API_KEY", "")
        self.api_key = (key or "").strip() or None
        self.email = (email or "").strip() or default_email()
        self.tool = tool
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.deadline = deadline         # seconds for one call, retries included (None: only max_attempts)
        per_second = WITH_KEY_PER_SECOND if self.api_key else NO_KEY_PER_SECOND
        self.limiter = limiter or RateLimiter(per_second, shared_path=rate_file)
        self.on_retry = on_retry
        self._sleep = sleep
        self.stats = ClientStats()

    # ---- E-utilities ----
    def esearch(self, term: str, *, retmax: int = 20, retstart: int = 0, mindate: str | None = None,
                maxdate: str | None = None, datetype: str = "pdat", sort: str | None = None,
                usehistory: bool = True) -> SearchResult:
        params = {"db": "pubmed", "term": term, "retmode": "json", "retmax": str(max(0, min(retmax, MAX_RETMAX))),
                  "retstart": str(max(0, retstart))}
        if usehistory:
            params["usehistory"] = "y"
        if mindate or maxdate:
            params |= {"datetype": datetype, "mindate": mindate or "1800", "maxdate": maxdate or "3000"}
        if sort:
            params["sort"] = sort
        body = self._request("esearch.fcgi", params, check=_json_check)
        data = json.loads(body)
        res = data.get("esearchresult")
        if not isinstance(res, dict):
            raise PubMedError(f"ESearch {term!r}: unexpected answer (no esearchresult): {_snippet(body)}")
        if res.get("ERROR"):
            raise PubMedError(f"ESearch {term!r}: PubMed said: {res['ERROR']}")
        warnings = []
        for group in ("errorlist", "warninglist"):
            for k, v in (res.get(group) or {}).items():
                if v:
                    warnings.append(f"{k}: {', '.join(map(str, v))}")
        try:
            count = int(res.get("count", 0))
        except (TypeError, ValueError):
            raise PubMedError(f"ESearch {term!r}: count {res.get('count')!r} is not a number") from None
        ids = [str(i) for i in res.get("idlist") or [] if str(i).isdigit()]
        return SearchResult(term=term, count=count, ids=ids, webenv=str(res.get("webenv") or ""),
                            query_key=str(res.get("querykey") or ""),
                            translation=str(res.get("querytranslation") or ""), warnings=warnings)

    def efetch_history(self, webenv: str, query_key: str, retstart: int, retmax: int) -> bytes:
        """PubMed XML of the records at positions retstart..retstart+retmax of a history-server result."""
        return self._request("efetch.fcgi", {"db": "pubmed", "WebEnv": webenv, "query_key": query_key,
                                             "retstart": str(retstart), "retmax": str(retmax), "retmode": "xml"},
                             check=_xml_check)

    def efetch_ids(self, pmids: list[str]) -> bytes:
        """PubMed XML of these PMIDs (HTTP POST when the list is long)."""
        return self._request("efetch.fcgi", {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"},
                             post=len(pmids) > POST_OVER_IDS, check=_xml_check)

    # ---- HTTP ----
    def _request(self, endpoint: str, params: dict[str, str], *, post: bool = False,
                 check: Callable[[bytes], None] | None = None) -> bytes:
        params = dict(params) | {"tool": self.tool, "email": self.email}
        if self.api_key:
            params["api_key"] = self.api_key
        url = self.base_url + endpoint
        encoded = urllib.parse.urlencode(params)
        headers = {"User-Agent": f"curbside/{__version__} ({self.email})"}
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if post:
                req = urllib.request.Request(url, data=encoded.encode("ascii"), method="POST",
                                             headers=headers | {"Content-Type": "application/x-www-form-urlencoded"})
            else:
                req = urllib.request.Request(f"{url}?{encoded}", headers=headers)
            self.limiter.wait()
            self.stats.requests += 1
            try:
                try:
                    body = self._send(req)
                finally:
                    self.limiter.done()
                if check is not None:
                    check(body)
                return body
            except _Transient as exc:
                last = exc
            elapsed = time.monotonic() - started
            if attempt >= self.max_attempts or (self.deadline is not None and elapsed >= self.deadline):
                raise PubMedError(f"{endpoint}: gave up after {attempt} attempt{'s' if attempt > 1 else ''} "
                                  f"({last.reason}); try again later") from None
            delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * (1 + 0.1 * random.random())
            if last.retry_after is not None:
                delay = max(delay, min(last.retry_after, self.max_backoff))
            if self.deadline is not None:
                delay = max(0.0, min(delay, self.deadline - elapsed))
            self.stats.retries += 1
            self.stats.retry_reasons.append(last.reason)
            if self.on_retry:
                self.on_retry(f"{endpoint}: {last.reason}", delay)
            self._sleep(delay)

    def _send(self, req: urllib.request.Request) -> bytes:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            body = _read_quietly(exc)
            if exc.code == 429 or 500 <= exc.code < 600:
                raise _Transient(f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After"))) from None
            raise PubMedError(f"{req.full_url.split('?')[0]}: HTTP {exc.code} {exc.reason}: {_snippet(body)}") \
                from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.gaierror) or (isinstance(reason, OSError) and reason.errno in (
                    errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN)):
                host = urllib.parse.urlsplit(req.full_url).netloc
                why = "its name could not be looked up" if isinstance(reason, socket.gaierror) else \
                    "no route to the network"
                raise PubMedOffline(f"PubMed ({host}) cannot be reached from this machine ({why}: no network?)") \
                    from None
            raise _Transient(_reason(reason)) from None
        except (TimeoutError, socket.timeout):
            raise _Transient("timed out") from None
        except http.client.IncompleteRead as exc:
            raise _Transient(f"connection dropped after {len(exc.partial):,} bytes") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise _Transient(_reason(exc)) from None


def _reason(exc: object) -> str:
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed by the server"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    text = str(exc) or exc.__class__.__name__
    return text[:160]


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _read_quietly(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except Exception:  # the error body is only for the message
        return b""


def _snippet(body: bytes) -> str:
    return " ".join(body[:200].decode("utf-8", "replace").split()) or "(empty)"


def _json_check(body: bytes) -> None:
    try:
        json.loads(body)
    except ValueError:
        raise _Transient(f"answer was not complete JSON ({len(body):,} bytes)") from None


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _xml_check(body: bytes) -> None:
    """A cut-short EFetch answer is retried; an eFetchResult ERROR is PubMed's own error (e.g. expired WebEnv)."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        raise _Transient(f"answer was not complete XML ({len(body):,} bytes)") from None
    if root.tag == "eFetchResult" or root.find("ERROR") is not None:
        msg = " ".join("".join(root.itertext()).split())[:200]
        raise PubMedError(f"EFetch: PubMed said: {msg or 'error'}")
