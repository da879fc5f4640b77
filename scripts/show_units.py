"""Print the evidence units (curbside.answer.units) of some passages of a built store, to judge them by eye.

    python scripts/show_units.py --home /tmp/cs/default --passage 'doi:10.1161/cir.0000000000001193#15'
    python scripts/show_units.py --home STORE --document DOC_ID            # every passage of one document
    python scripts/show_units.py --home STORE --kind table --limit 5        # a few table passages
    python scripts/show_units.py --home STORE --sweep                       # all passages: offsets, counts, speed

Reads the store's SQLite file read-only; writes nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections import Counter
from pathlib import Path

from curbside.answer.units import units_for_passage
from curbside.corpus.models import Document, Passage


def _rows(db: sqlite3.Connection, where: str, args: tuple, limit: int | None):
    sql = f"select id, document_id, ordinal, text, start, end, section, kind from passages where {where} order by rowid"
    if limit:
        sql += f" limit {int(limit)}"
    docs: dict[str, Document] = {}
    for pid, did, ordinal, text, start, end, section, kind in db.execute(sql, args):
        if did not in docs:
            dtext, title = db.execute("select text, title from documents where id = ?", (did,)).fetchone()
            docs[did] = Document(id=did, title=title, text=dtext)
        yield docs[did], Passage(id=pid, document_id=did, ordinal=ordinal, text=text, start=start, end=end,
                                 section=section, kind=kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="store directory (holds curbside.sqlite)")
    ap.add_argument("--passage", action="append", default=[], help="passage id (repeatable)")
    ap.add_argument("--document", help="document id: all its passages")
    ap.add_argument("--kind", help="passage kind: text | table | recommendation | ...")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--sweep", action="store_true", help="check every unit's offsets and print counts only")
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{Path(a.home) / 'curbside.sqlite'}?mode=ro", uri=True)
    where, args = "1=1", ()
    if a.passage:
        where, args = f"id in ({','.join('?' * len(a.passage))})", tuple(a.passage)
    elif a.document:
        where, args = "document_id = ?", (a.document,)
    elif a.kind:
        where, args = "kind = ?", (a.kind,)
    kinds: Counter[str] = Counter()
    n = bad = subj = 0
    spent = 0.0
    for doc, p in _rows(db, where, args, a.limit if not a.sweep or a.limit else None):
        t0 = time.perf_counter()
        units = units_for_passage(doc, p)
        spent += time.perf_counter() - t0
        n += 1
        for u in units:
            kinds[u.kind] += 1
            bad += doc.text[u.start:u.end] != u.quote
            subj += bool(u.subject)
        if a.sweep:
            continue
        print(f"=== {p.id} [{p.kind}] section={p.section!r}: {len(units)} units")
        for u in units:
            extra = f"   {{subject: {u.subject}}}" if u.subject else ""
            print(f"  [{u.kind}] {u.display}{extra}")
            if u.context_text:
                print(f"      context: {u.context_text}")
    print(f"{n} passages, {sum(kinds.values())} units {dict(kinds)}, {subj} with a subject, {bad} bad offsets, "
          f"{spent / max(n, 1) * 1000:.2f} ms/passage")


if __name__ == "__main__":
    main()
