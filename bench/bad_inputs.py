"""Bad input, class by class, through the real CLI: the message, the exit code, and what the store kept.

    python bench/bad_inputs.py [--workdir /tmp/cs-bad] [--full-disk-mount]

Every case starts from a store holding one good document (so "kept" shows nothing stored was lost) and runs one
command. Inputs are generated in --workdir (deleted at the end). --full-disk-mount also runs the full-disk case on
a 3 MB tmpfs (needs root; skipped otherwise). Prints: class | exit | first line of stderr | documents before ->
after | traceback?
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

GOOD = "Anakinra was given to adults with secondary HLH. Most patients responded within two weeks.\n"


def cli(home: Path, *args, input_bytes: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "CURBSIDE_NO_DEFAULT_CORPUS": "1", "CURBSIDE_NO_EMBED": "1", "COLUMNS": "300"}
    return subprocess.run([sys.executable, "-m", "curbside.interfaces.cli", *args, "--home", str(home)],
                          capture_output=True, env=env, timeout=600)


def count(home: Path) -> int:
    db = home / "curbside.sqlite"
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        n = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        c.close()
        return n
    except sqlite3.Error:
        return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", default="/tmp/cs-bad")
    ap.add_argument("--full-disk-mount", action="store_true")
    args = ap.parse_args()
    w = Path(args.workdir)
    shutil.rmtree(w, ignore_errors=True)
    w.mkdir(parents=True)
    f = w / "files"
    f.mkdir()
    (f / "good.txt").write_text("A good note\n\n" + GOOD)

    def write(name: str, data: bytes | str) -> Path:
        p = f / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return p

    def jsonl(name: str, rows: list) -> Path:
        return write(name, "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))

    d_links = f / "links"
    d_links.mkdir()
    (d_links / "a.txt").write_text("Note A\n\n" + GOOD.replace("Anakinra", "Etoposide"))
    (d_links / "dangling.txt").symlink_to(d_links / "gone.txt")
    (d_links / "loop1").symlink_to(d_links / "loop2")
    (d_links / "loop2").symlink_to(d_links / "loop1")
    (d_links / "up").symlink_to(d_links)
    os.mkfifo(d_links / "pipe.txt")
    big_line = f / "line1g.jsonl.gz"
    with gzip.open(big_line, "wb", compresslevel=9) as fh:
        fh.write(b'{"id": "s1", "text": "Ruxolitinib helps in HLH."}\n{"id": "huge", "text": "')
        chunk = b"anakinra helps. " * 65536
        for _ in range(2**30 // len(chunk)):
            fh.write(chunk)
        fh.write(b'"}\n{"id": "s2", "text": "Emapalumab helps in HLH."}\n')
    big_text = f / "book.txt"
    with big_text.open("w") as fh:
        fh.write("A long book\n\n")
        para = GOOD * 40 + "\n"
        while fh.tell() < 17 * 2**20:
            fh.write(para)
    gz = gzip.compress(("Note\n\n" + GOOD * 50).encode())
    odd_dir = f / "odd ["
    odd_dir.mkdir()
    (odd_dir / "] name [bold].txt").write_text("Odd [in process citation] title [/]\n\n" + GOOD.replace("Anakinra", "Alemtuzumab"))
    q = b"What is the treatment of HLH \xff\xfe?"

    cases: list[tuple[str, list]] = [
        ("missing file", ["ingest", str(f / "nope.txt")]),
        ("empty file", ["ingest", str(write("empty.txt", b""))]),
        ("only white space", ["ingest", str(write("blank.txt", "  \n\n \t\n"))]),
        ("binary data named .txt", ["ingest", str(write("bin.txt", bytes(range(256)) * 40))]),
        ("not UTF-8 (cp1252)", ["ingest", str(write("cp1252.txt", "Caf\xe9 na\xefve note\n\n".encode("cp1252") + GOOD.encode()))]),
        ("UTF-16 with BOM (valid)", ["ingest", str(write("utf16.txt", ("Note 16\n\n" + GOOD.replace("Anakinra", "Cyclosporine")).encode("utf-16")))]),
        ("unknown extension", ["ingest", str(write("notes.docx", "PK\x03\x04 not really"))]),
        ("unknown --format", ["ingest", str(f / "good.txt"), "--format", "docx"]),
        ("unknown --tier", ["ingest", str(f / "good.txt"), "--tier", "best"]),
        ("truncated gzip", ["ingest", str(write("cut.txt.gz", gz[: len(gz) // 2]))]),
        ("XML that is not PubMed", ["ingest", str(write("other.xml", "<root><a>x</a></root>"))]),
        ("PubMed XML cut mid-record", ["ingest", str(write("cut.xml", "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>T</ArticleTitle>"))]),
        ("PDF that is not a PDF", ["ingest", str(write("fake.pdf", "%PDF-1.4\n garbage garbage"))]),
        ("MEDLINE without records", ["ingest", str(write("x.nbib", "hello\nworld\n"))]),
        ("JSONL: a line not JSON", ["ingest", str(jsonl("badline.jsonl", [{"id": "j1", "text": "Anakinra was used."}, "{not json", {"id": "j3", "text": "Etoposide was used."}]))]),
        ("JSONL: a JSON array", ["ingest", str(write("array.jsonl", '[{"id": 1, "text": "x"}]\n'))]),
        ("JSONL: no text field", ["ingest", str(jsonl("notext.jsonl", [{"id": "n1", "body2": "x"}]))]),
        ("JSONL: --id-field missing in a record", ["ingest", str(jsonl("noid.jsonl", [{"rid": "r1", "text": "Anakinra was used."}, {"text": "Etoposide was used."}])), "--id-field", "rid"]),
        ("JSONL: repeated --id-field id", ["ingest", str(jsonl("dupid.jsonl", [{"rid": "r1", "text": "Anakinra was used."}, {"rid": "r1", "text": "Etoposide was used."}])), "--id-field", "rid"]),
        ("JSONL: rows sharing a URL/DOI", ["ingest", str(jsonl("sameurl.jsonl", [{"rid": f"u{i}", "text": f"Drug {i} was used in HLH.", "url": "https://x.org/same", "doi": "10.1/same"} for i in range(5)])), "--id-field", "rid"]),
        ("JSONL: 1 GiB line in a 2 MB .gz", ["ingest", str(big_line)]),
        ("text file of 17 MiB (one document)", ["ingest", str(big_text)]),
        ("folder: dangling link, link loop, folder link, pipe", ["ingest", str(d_links)]),
        ("named dangling symlink", ["ingest", str(d_links / "dangling.txt")]),
        ("path and title with Rich markup", ["ingest", str(odd_dir)]),
        ("--title with Rich markup", ["ingest", str(write("t.txt", "x\n\n" + GOOD.replace("Anakinra", "Tocilizumab"))), "--title", "[bold]T[/] [in process citation]"]),
        ("empty question", ["ask", ""]),
        ("question of 3,000 characters", ["ask", "why " * 750]),
        ("question with non-UTF-8 bytes (ask)", ["ask", q, "--no-save"]),
        ("query with non-UTF-8 bytes (search --json)", ["search", q, "--json"]),
        ("query with Rich markup", ["search", "anakinra [/] HLH [in process citation]"]),
        ("remove: no such id", ["remove", "nope-1"]),
        ("show: no such article or document", ["show", "nope [/]"]),
    ]
    rows = []
    for i, (name, argv) in enumerate(cases):
        home = w / f"h{i:02}"
        cli(home, "ingest", str(f / "good.txt"))
        before = count(home)
        r = cli(home, *argv)
        rows.append(_row(name, r, before, count(home)))
        shutil.rmtree(home, ignore_errors=True)

    # store-level cases
    home = w / "damaged"
    cli(home, "ingest", str(f / "good.txt"))
    db = home / "curbside.sqlite"
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    data = bytearray(db.read_bytes())
    for p in range(1, len(data) // 4096):
        data[p * 4096 + 8:p * 4096 + 200] = b"\xa5" * 192
    db.write_bytes(bytes(data))
    rows.append(_row("store: corrupt pages (sources)", cli(home, "sources"), 1, "n/a"))
    rows.append(_row("store: corrupt pages (ingest)", cli(home, "ingest", str(f / "good.txt")), 1, "n/a"))
    home2 = w / "notdb"
    home2.mkdir()
    (home2 / "curbside.sqlite").write_text("this is not a database\n" * 100)
    rows.append(_row("store: file is not a database", cli(home2, "sources"), "n/a", "n/a"))
    if args.full_disk_mount and os.geteuid() == 0:
        mnt = w / "full"
        mnt.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)]).returncode == 0:
            try:
                many = f / "many"
                many.mkdir()
                for i in range(60):
                    (many / f"d{i:02}.txt").write_text(f"Note {i}\n\n" + (f"Drug {i} in HLH, dose {i} mg daily. " * 300))
                h = mnt / "h"
                cli(h, "ingest", str(f / "good.txt"))
                r = cli(h, "ingest", str(many))
                c = sqlite3.connect(h / "curbside.sqlite")
                ok = c.execute("PRAGMA integrity_check").fetchone()[0]
                c.close()
                rows.append(_row(f"full disk (3 MB tmpfs; integrity after: {ok})", r, 1, count(h)))
            finally:
                subprocess.run(["umount", str(mnt)])
    head = ("class", "exit", "message (first line of stderr)", "docs before -> after", "traceback")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    for r in [head] + rows:
        print(" | ".join(str(v).ljust(wd) for v, wd in zip(r, widths)))
    shutil.rmtree(w, ignore_errors=True)


def _row(name: str, r: subprocess.CompletedProcess, before, after) -> tuple:
    err = r.stderr.decode("utf-8", "replace").strip().splitlines()
    out = r.stdout.decode("utf-8", "replace").strip().splitlines()
    first = next((ln for ln in err if ln.strip()), "") or (out[-1] if out else "")
    first = " ".join(first.split())
    if len(first) > 150:
        first = first[:147] + "..."
    return (name, r.returncode, first, f"{before} -> {after}", "YES" if "Traceback" in r.stderr.decode("utf-8", "replace") else "no")


if __name__ == "__main__":
    main()
