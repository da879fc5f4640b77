"""BM25 lexical candidates on PostgreSQL: an inverted index in a table.

Each passage's weighted `tsvector` (PostgreSQL's English stemming; text A, title B, section C) is unrolled into
`postings(lexeme, seq, ntok, in_text, in_title, in_section)`, one row per lexeme per passage, whose primary key
(lexeme, seq) covers the other columns: a query reads only the postings of its own lexemes with an index-only scan
and computes each candidate's BM25 (k1 1.2, b 0.75, FTS5's column weights) in one aggregate; a lexeme's document
frequency is the count of its postings. Rows are added and removed with their passages, in the same transaction;
`corpus_stats` keeps the passage and token totals.

Why not a GIN index on the tsvector: an any-term query for a typical question matches 10-20% of the passages, and
scoring them means reading each one's row (measured on 93k passages: 0.9-1.5 s a query, against 0.08-0.13 s from
the postings; docs/postgres.md).
"""

from __future__ import annotations

import math
import re

MIGRATION = """
DROP INDEX IF EXISTS passages_tsv;
CREATE TABLE postings (
    lexeme TEXT NOT NULL, seq BIGINT NOT NULL, ntok INTEGER NOT NULL,
    in_text SMALLINT NOT NULL, in_title SMALLINT NOT NULL, in_section SMALLINT NOT NULL,
    PRIMARY KEY (lexeme, seq) INCLUDE (ntok, in_text, in_title, in_section)
);
INSERT INTO postings SELECT u.lexeme, p.seq, p.ntok, cardinality(array_positions(u.weights, 'A')),
    cardinality(array_positions(u.weights, 'B')), cardinality(array_positions(u.weights, 'C'))
    FROM passages p CROSS JOIN LATERAL unnest(p.tsv) AS u;
CREATE TABLE corpus_stats (id INTEGER PRIMARY KEY CHECK (id = 1), passages BIGINT NOT NULL, tokens BIGINT NOT NULL);
INSERT INTO corpus_stats SELECT 1, COUNT(*), COALESCE(SUM(ntok), 0) FROM passages;
"""

_ADD = ("INSERT INTO postings SELECT u.lexeme, p.seq, p.ntok, cardinality(array_positions(u.weights, 'A')), "
        "cardinality(array_positions(u.weights, 'B')), cardinality(array_positions(u.weights, 'C')) "
        "FROM passages p CROSS JOIN LATERAL unnest(p.tsv) AS u WHERE p.document_id = %s")
_REMOVE = ("DELETE FROM postings WHERE (lexeme, seq) IN (SELECT u.lexeme, p.seq FROM passages p "
           "CROSS JOIN LATERAL unnest(p.tsv) AS u WHERE p.document_id = %s)")
_STATS = ("INSERT INTO corpus_stats SELECT 1, {sign}COUNT(*), {sign}COALESCE(SUM(ntok), 0) FROM passages "
          "WHERE document_id = %s ON CONFLICT (id) DO UPDATE SET passages = corpus_stats.passages + "
          "excluded.passages, tokens = corpus_stats.tokens + excluded.tokens")
_PHRASE = re.compile(r'"((?:[^"]|"")*)"')
_WORDS = re.compile(r"\w+")


def after_insert(conn, document_id: str) -> None:
    """The document's passages are in: their postings, and the corpus counters."""
    conn.execute(_ADD, (document_id,))
    conn.execute(_STATS.format(sign=""), (document_id,))


def before_delete(conn, document_id: str) -> None:
    """The document's passages are about to go: their postings and their share of the counters first."""
    conn.execute(_REMOVE, (document_id,))
    conn.execute(_STATS.format(sign="-"), (document_id,))


def search(conn, match: str, limit: int, weights: tuple[float, float, float]) -> list[tuple[str, float]]:
    """(passage id, BM25) best first for query.fts_query's output (quoted phrases joined by OR). A phrase is one
    term: a passage has it when it has all its words, as often as its rarest one there; its document frequency
    is the least of its words' (word order is not checked)."""
    phrases = [p.replace('""', '"') for p in _PHRASE.findall(match or "")] or _WORDS.findall(match or "")
    phrases = [p for p in dict.fromkeys(phrases) if p.strip()][:64]
    if not phrases:
        return []
    rows = conn.execute(
        "SELECT i, array(SELECT lexeme FROM unnest(to_tsvector('english', p))) AS lex "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t(p, i)", (phrases,)).fetchall()
    terms = [list(r["lex"]) for r in rows if r["lex"]]
    if not terms:
        return []
    lexemes = sorted({w for words in terms for w in words})
    stats = conn.execute("SELECT passages, tokens FROM corpus_stats WHERE id = 1").fetchone()
    n, avgdl = (int(stats["passages"]), max(stats["tokens"] / max(stats["passages"], 1), 1.0)) if stats else (0, 1.0)
    df = {r["lexeme"]: r["df"] for r in conn.execute(
        "SELECT lexeme, COUNT(*) AS df FROM postings WHERE lexeme = ANY(%s) GROUP BY lexeme", (lexemes,))}
    lex, ph, idf, nlex = [], [], [], []
    for j, words in enumerate(terms):
        d = min(df.get(w, 0) for w in words)
        if not d:
            continue
        for w in words:
            lex.append(w)
            ph.append(j)
            idf.append(max(math.log((n - d + 0.5) / (d + 0.5)), 1e-6))
            nlex.append(len(set(words)))
    if not lex:
        return []
    wa, wc, wb = weights                   # text, section, title
    rows = conn.execute(
        "WITH t(lex, ph, idf, nlex) AS (SELECT * FROM unnest(%s::text[], %s::int[], %s::float8[], %s::int[])), "
        "h AS (SELECT p.seq, p.ntok, t.ph, MAX(t.idf) AS idf, MAX(t.nlex) AS nlex, COUNT(*) AS hits, "
        "  MIN(p.in_text * %s + p.in_title * %s + p.in_section * %s) AS tf "
        "  FROM postings p JOIN t ON t.lex = p.lexeme WHERE p.lexeme = ANY(%s) GROUP BY p.seq, p.ntok, t.ph), "
        "top AS (SELECT seq, SUM(idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * ntok / %s))) AS s FROM h "
        "  WHERE hits = nlex GROUP BY seq ORDER BY s DESC, seq LIMIT %s) "
        "SELECT ps.id, top.s FROM top JOIN passages ps ON ps.seq = top.seq ORDER BY top.s DESC, top.seq",
        (lex, ph, idf, nlex, wa, wb, wc, lexemes, avgdl, int(limit))).fetchall()
    return [(r["id"], float(r["s"])) for r in rows]
