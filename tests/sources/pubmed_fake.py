"""A fake NCBI E-utilities server on 127.0.0.1 for tests and benches (no network; invented records only).

It serves ``esearch.fcgi`` (JSON, history server: WebEnv/query_key) and ``efetch.fcgi`` (GET or POST, by history
range or by id list) from the invented records of ``tests/fixtures/pubmed/efetch_records.xml`` plus any records
added with :meth:`FakeEutils.add_records`, and it checks what NCBI checks:

- every request is logged (arrival time, method, params); ``max_in_window()`` is the most requests that arrived
  in any 1-second window, and ``violations`` counts requests over NCBI's limit (3/s, 10/s with ``api_key``) --
  such requests get NCBI's own 429 answer, as the real service does;
- ``missing_identity`` counts requests without ``tool`` and ``email``;
- scripted faults, one per request, in order ("ok" answers normally): ``"429"`` (``"429-retry-after-N"`` with that header), ``"500"``, ``"drop"`` (headers promise the full body,
  half of it is sent, the connection is closed), ``"hang"`` (no answer before the client's timeout);
- bounded: it refuses to start more than ``max_requests`` answers and shuts itself down after ``max_seconds``.

Search semantics are a toy: a record matches when every AND-ed group of the term has one quoted phrase (or bare
word) found in its text, and, when the term has ``[pt]`` clauses, one of those publication types.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pubmed"
XML_HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
            b'2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')


def fixture_records() -> dict[str, bytes]:
    root = etree.parse(str(FIXTURES / "efetch_records.xml")).getroot()
    return {el.findtext("MedlineCitation/PMID"): etree.tostring(el) for el in root.iter("PubmedArticle")}


def make_record(pmid: int | str, title: str, abstract: str, *, year: int = 2021, types=("Journal Article",),
                mesh=(), journal: str = "Invent J Med") -> bytes:
    """One invented PubmedArticle (XML-escaped)."""
    from xml.sax.saxutils import escape as x

    pts = "".join(f"<PublicationType>{x(t)}</PublicationType>" for t in types)
    mh = "".join(f"<MeshHeading><DescriptorName>{x(m)}</DescriptorName></MeshHeading>" for m in mesh)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
            f'<Article PubModel="Print"><Journal><ISOAbbreviation>{x(journal)}</ISOAbbreviation><JournalIssue>'
            f'<PubDate><Year>{year}</Year></PubDate></JournalIssue></Journal><ArticleTitle>{x(title)}</ArticleTitle>'
            f'<Abstract><AbstractText>{x(abstract)}</AbstractText></Abstract><AuthorList><Author ValidYN="Y">'
            f'<LastName>Fake</LastName><Initials>F</Initials></Author></AuthorList><PublicationTypeList>{pts}'
            f'</PublicationTypeList></Article><MeshHeadingList>{mh}</MeshHeadingList></MedlineCitation>'
            f'<PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList></PubmedData>'
            f'</PubmedArticle>\n').encode("utf-8")


_PT = re.compile(r'"([^"]+)"\[pt\]', re.I)
_PHRASE = re.compile(r'"([^"]+)"(?:\[(?:tiab|mh)\])?|([A-Za-z0-9\-]+)(?:\[(?:tiab|mh)\])?')


class FakeEutils:
    def __init__(self, *, max_requests: int = 2000, max_seconds: float = 120.0, delay: float = 0.0):
        self.records: dict[str, bytes] = fixture_records()
        self.text: dict[str, str] = {}
        self.types: dict[str, set[str]] = {}
        self._index()
        self.log: list[tuple[float, str, str, dict]] = []     # (arrival, method, endpoint, params)
        self.faults: list[str] = []
        self.faults_used: list[str] = []
        self.violations = 0
        self.missing_identity = 0
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.delay = delay                 # seconds added to every answer (a slow network)
        self.webenvs: dict[str, list[str]] = {}
        self.forget_history = False        # answer history fetches as if the WebEnv expired
        self.search_override: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # ---- records ----
    def add_records(self, records: dict[str, bytes] | list[bytes]) -> None:
        if isinstance(records, list):
            records = {etree.fromstring(r).findtext("MedlineCitation/PMID"): r for r in records}
        self.records.update(records)
        self._index()

    def _index(self) -> None:
        for pmid, raw in self.records.items():
            el = etree.fromstring(raw)
            self.text[pmid] = " ".join(el.itertext()).lower()
            self.types[pmid] = {t.lower() for t in el.xpath(".//PublicationType/text()")}

    def search(self, term: str) -> list[str]:
        if term in self.search_override:
            return list(self.search_override[term])
        types = {t.lower() for t in _PT.findall(term)}
        body = _PT.sub("", term)
        groups = []
        for part in re.split(r"\)?\s+AND\s+\(?", body):
            words = [(m.group(1) or m.group(2) or "").lower() for m in _PHRASE.finditer(part)]
            words = [w for w in words if w and w not in ("or", "and", "not")]
            if words:
                groups.append(words)
        hits = []
        for pmid in sorted(self.records, key=int, reverse=True):
            if types and not (self.types[pmid] & types):
                continue
            if all(any(w in self.text[pmid] for w in g) for g in groups):
                hits.append(pmid)
        return hits

    # ---- server ----
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/entrez/eutils/"

    def start(self) -> "FakeEutils":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                fake._handle(self, "GET", parts.path, urllib.parse.parse_qs(parts.query))

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("ascii", "replace")
                fake._handle(self, "POST", urllib.parse.urlsplit(self.path).path, urllib.parse.parse_qs(body))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):   # a client that gave up (timeout): not an error
                import sys

                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._timer = threading.Timer(self.max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeEutils":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- measurements ----
    def times(self) -> list[float]:
        return [t for t, *_ in self.log]

    def max_in_window(self, window: float = 1.0) -> int:
        ts = sorted(self.times())
        best, j = 0, 0
        for i, t in enumerate(ts):
            while ts[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    def requests(self, endpoint: str | None = None) -> list[tuple[float, str, str, dict]]:
        return [r for r in self.log if endpoint is None or r[2].endswith(endpoint)]

    # ---- answers ----
    def _handle(self, h: BaseHTTPRequestHandler, method: str, path: str, q: dict) -> None:
        params = {k: v[0] for k, v in q.items()}
        now = time.monotonic()
        with self._lock:
            if len(self.log) >= self.max_requests:
                return self._send(h, 503, b"fake server request budget used up", "text/plain")
            limit = 10 if params.get("api_key") else 3
            recent = sum(1 for t, *_ in self.log if t > now - 1.0 and bool(_[2].get("api_key")) ==
                         bool(params.get("api_key")))
            self.log.append((now, method, path, params))
            if not params.get("tool") or not params.get("email"):
                self.missing_identity += 1
            over = recent >= limit
            if over:
                self.violations += 1
            fault = self.faults.pop(0) if self.faults else None
            if fault:
                self.faults_used.append(fault)
        if self.delay:
            time.sleep(self.delay)
        if over:
            return self._send(h, 429, (FIXTURES / "rate_limited.json").read_bytes(), "application/json",
                              {"Retry-After": "1"})
        if fault and fault.startswith("429"):
            after = fault.rsplit("-", 1)[1] if fault.startswith("429-retry-after-") else None
            return self._send(h, 429, (FIXTURES / "rate_limited.json").read_bytes(), "application/json",
                              {"Retry-After": after} if after else None)
        if fault == "500":
            return self._send(h, 500, b"<html>Internal Server Error</html>", "text/html")
        if fault == "hang":
            time.sleep(3.0)
            return self._send(h, 502, b"too late", "text/plain")
        if path.endswith("esearch.fcgi"):
            body, ctype = self._esearch(params), "application/json"
        elif path.endswith("efetch.fcgi"):
            body, ctype = self._efetch(params), "text/xml"
        else:
            return self._send(h, 404, b"not found", "text/plain")
        if fault == "drop":
            h.send_response(200)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[:len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            try:
                import socket
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(h, 200, body, ctype)

    def _send(self, h, code: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _esearch(self, p: dict) -> bytes:
        term = p.get("term", "")
        if term.count("(") != term.count(")"):
            return (FIXTURES / "esearch_error.json").read_bytes()
        ids = self.search(term)
        retstart, retmax = int(p.get("retstart", 0)), int(p.get("retmax", 20))
        out = {"count": str(len(ids)), "retmax": str(min(retmax, len(ids))), "retstart": str(retstart),
               "idlist": ids[retstart:retstart + retmax], "translationset": [], "querytranslation": term}
        if p.get("usehistory") == "y":
            env = f"MCID_fake_{len(self.webenvs) + 1:04d}"
            self.webenvs[env] = ids
            out |= {"webenv": env, "querykey": "1"}
        return json.dumps({"header": {"type": "esearch", "version": "0.3"}, "esearchresult": out}).encode()

    def _efetch(self, p: dict) -> bytes:
        if "WebEnv" in p:
            if self.forget_history or p["WebEnv"] not in self.webenvs:
                return (FIXTURES / "efetch_error.xml").read_bytes()
            ids = self.webenvs[p["WebEnv"]]
            start, n = int(p.get("retstart", 0)), int(p.get("retmax", 20))
            ids = ids[start:start + n]
        else:
            ids = [i for i in p.get("id", "").split(",") if i]
        return XML_HEAD + b"".join(self.records[i] for i in ids if i in self.records) + b"</PubmedArticleSet>\n"


def kill_when_stored(proc, db, at_least: int, timeout: float = 60.0) -> tuple[bool, int]:
    """Watch a running `curbside` process's store (read-only) until it holds `at_least` documents, then kill -9
    it. Returns (killed while still running, documents stored when it was killed or finished)."""
    import os
    import signal
    import sqlite3
    import time

    stored, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                stored = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= at_least:
            break
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    return running, stored
