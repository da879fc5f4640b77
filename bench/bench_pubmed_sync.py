"""`curbside pubmed sync` throughput and memory on a generated baseline-sized file; prints a table.

    nice -n 10 python bench/bench_pubmed_sync.py [--records 30000] [--embed-subset 300] [--workdir /tmp/cs-pubmed-bench]

What it does (everything invented; nothing from ../shared):

1. writes ``pubmed99n0001.xml.gz`` with N records shaped like PubMed's baseline (30,000 records a file; about 70 %
   with an abstract of ~1,300 characters in 3-4 labelled parts, the rest title only; authors, journal, year,
   publication types, MeSH), a small update file (1 % of the records revised, 0.5 % new, 0.5 % deleted), and a
   3,000-record file for the memory-flatness comparison, each with its ``.md5``;
2. runs each sync in a fresh child process (fresh store) and reports wall time, records/s and the child's peak
   RSS (``ru_maxrss``): lexical only (``--no-embed``) on 3,000 and on N records, the update file on top of the N,
   a re-run (every file skipped), and with embeddings on a subset (embedding on this CPU is slow: the full file
   would take hours, so the subset's rate is measured and extrapolated, and the table says so);
3. extrapolates, on paper, to the full baseline (~1,200 files, ~36M records) on this machine: time and store size.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SYL = ["ab", "ac", "al", "an", "ar", "ba", "be", "ca", "ce", "ci", "co", "da", "de", "di", "do", "el", "en", "er",
        "fa", "fe", "ga", "ge", "hy", "id", "il", "in", "is", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na",
        "ne", "ni", "no", "ol", "om", "on", "or", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "sa", "se", "si",
        "ta", "te", "ti", "to", "tra", "tri", "ul", "um", "ur", "va", "ve", "vi", "xa", "zo"]
_COMMON = ("the of and in to with was were for a patients study on by as at or from that this is group than "
           "after compared treatment risk mg per day years months trial analysis outcome primary results increased "
           "reduced significant associated higher lower among adults children therapy dose disease clinical").split()
LABELS = ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
TYPES = [["Journal Article"], ["Journal Article", "Randomized Controlled Trial"], ["Journal Article", "Review"],
         ["Case Reports"], ["Journal Article", "Systematic Review", "Meta-Analysis"], ["Practice Guideline"],
         ["Journal Article", "Observational Study"]]


def _vocab(rng: random.Random, n: int = 6000) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _sentence(rng, vocab, n_words) -> str:
    words = [rng.choice(_COMMON) if rng.random() < 0.45 else rng.choice(vocab) for _ in range(n_words)]
    if rng.random() < 0.4:
        words.insert(rng.randint(0, len(words)), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%")
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def record(pmid: int, rng: random.Random, vocab: list[str], revised: bool = False) -> str:
    title = _sentence(rng, vocab, rng.randint(8, 16))
    abstract = ""
    if rng.random() < 0.7:
        parts = []
        for label in LABELS[:rng.choice((3, 4))]:
            text = " ".join(_sentence(rng, vocab, rng.randint(12, 24)) for _ in range(rng.randint(2, 3)))
            if revised:
                text = "Revised. " + text
            parts.append(f'<AbstractText Label="{label}" NlmCategory="{label}">{text}</AbstractText>')
        abstract = f"<Abstract>{''.join(parts)}</Abstract>"
    authors = "".join(f'<Author ValidYN="Y"><LastName>{rng.choice(vocab).title()}</LastName><ForeName>'
                      f'{rng.choice(vocab).title()}</ForeName><Initials>{rng.choice("ABCDEFGHJKLMNPRST")}</Initials>'
                      f'<AffiliationInfo><Affiliation>Department of {rng.choice(vocab).title()}, Invented University, '
                      f'{rng.choice(vocab).title()} City.</Affiliation></AffiliationInfo></Author>'
                      for _ in range(rng.randint(1, 8)))
    pts = "".join(f"<PublicationType>{t}</PublicationType>" for t in rng.choice(TYPES))
    mesh = "".join(f"<MeshHeading><DescriptorName>{rng.choice(vocab).title()}</DescriptorName></MeshHeading>"
                   for _ in range(rng.randint(0, 12)))
    year = rng.randint(1975, 2025)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
            f'<Article PubModel="Print"><Journal><ISSN IssnType="Print">{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}'
            f'</ISSN><JournalIssue CitedMedium="Print"><Volume>{rng.randint(1, 300)}</Volume><PubDate><Year>{year}'
            f'</Year></PubDate></JournalIssue><Title>Invented Journal of {rng.choice(vocab).title()}</Title>'
            f'<ISOAbbreviation>Invent J {rng.choice(vocab).title()[:6]}</ISOAbbreviation></Journal>'
            f'<ArticleTitle>{title}</ArticleTitle>{abstract}<AuthorList CompleteYN="Y">{authors}</AuthorList>'
            f'<Language>eng</Language><PublicationTypeList>{pts}</PublicationTypeList></Article>'
            f'<MeshHeadingList>{mesh}</MeshHeadingList></MedlineCitation><PubmedData><History><PubMedPubDate '
            f'PubStatus="pubmed"><Year>{year}</Year></PubMedPubDate></History><PublicationStatus>ppublish'
            f'</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>'
            f'</PubmedData></PubmedArticle>\n')


def write_file(path: Path, records, deletions=()) -> int:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD '
                 'PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
                 '\n<PubmedArticleSet>\n')
        for r in records:
            fh.write(r)
        if deletions:
            fh.write("<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in deletions)
                     + "</DeleteCitation>\n")
        fh.write("</PubmedArticleSet>\n")
    path.with_name(path.name + ".md5").write_text(f"MD5({path.name})= {hashlib.md5(path.read_bytes()).hexdigest()}\n")
    return path.stat().st_size


def generate(work: Path, n: int, small: int) -> dict:
    rng = random.Random(13)
    vocab = _vocab(rng)
    out = {}
    for name, count in (("small", small), ("full", n)):
        d = work / name
        d.mkdir(parents=True, exist_ok=True)
        base = 50_000_000
        rng = random.Random(17)
        size = write_file(d / "pubmed99n0001.xml.gz", (record(base + i, rng, vocab) for i in range(count)))
        out[name] = {"dir": d, "records": count, "gz_mb": size / 2**20}
    # an update file for the full mirror: 1 % revised, 0.5 % new, 0.5 % deleted
    rng = random.Random(19)
    base = 50_000_000
    revised = rng.sample(range(n), n // 100)
    new = range(n, n + n // 200)
    deleted = [base + i for i in rng.sample(sorted(set(range(n)) - set(revised)), n // 200)]
    upd = work / "update"
    upd.mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "full" / "pubmed99n0001.xml.gz", upd)
    shutil.copy(work / "full" / "pubmed99n0001.xml.gz.md5", upd)
    recs = [record(base + i, rng, vocab, revised=True) for i in revised] + [record(base + i, rng, vocab) for i in new]
    write_file(upd / "pubmed99n0002.xml.gz", recs, deleted)
    out["update"] = {"dir": upd, "records": len(recs), "deleted": len(deleted)}
    return out


# ---------------------------------------------------------------- child: one sync in a fresh process

def child(args) -> None:
    from curbside.engine import Engine
    from curbside.settings import load_settings
    from curbside.sources.pubmed.sync import sync_mirror

    overrides = {"load_default_corpus": False, "embed": args.embed}
    engine = Engine(load_settings(args.home, **overrides))
    if args.embed:
        from curbside.retrieve import embed

        if not embed.available():
            print(json.dumps({"error": "embedding model not available"}))
            return
        engine.retriever.embedder().encode(["warm up"])        # model load is not sync throughput
    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    cpu0 = cpu()
    t0 = time.perf_counter()
    s = sync_mirror(engine, Path(args.dir))
    secs = time.perf_counter() - t0
    passages = engine.store.counts()[1]
    engine.close()
    db = Path(args.home) / "curbside.sqlite"
    size = sum(p.stat().st_size for p in Path(args.home).glob("curbside.sqlite*")) if db.exists() else 0
    print(json.dumps({"seconds": secs, "records": s.total("records"), "added": s.total("added"),
                      "replaced": s.total("replaced"), "deleted": s.total("deleted"), "failed": s.total("failed"),
                      "skipped": sum(f.status == "skipped" for f in s.files), "passages": passages,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "store_mb": size / 2**20,
                      "cpu_s": cpu() - cpu0,
                      "stopped": s.stopped}))


def run_child(home: Path, folder: Path, embed: bool, fresh: bool = True) -> dict:
    if fresh and home.exists():
        shutil.rmtree(home)
    cmd = [sys.executable, __file__, "--child", "--home", str(home), "--dir", str(folder)] + (["--embed"] if embed
                                                                                            else [])
    env = {**os.environ, "CURBSIDE_NO_DEFAULT_CORPUS": "1", "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def subset_dir(work: Path, full: Path, k: int) -> Path:
    """The first k records of the full file, as their own file (same record shapes)."""
    from lxml import etree

    d = work / f"subset{k}"
    d.mkdir(parents=True, exist_ok=True)
    recs = []
    with gzip.open(full / "pubmed99n0001.xml.gz", "rb") as fh:
        for _, el in etree.iterparse(fh, tag="PubmedArticle"):
            recs.append(etree.tostring(el).decode())
            el.clear()
            if len(recs) >= k:
                break
    write_file(d / "pubmed99n0001.xml.gz", recs)
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--small", type=int, default=3_000)
    ap.add_argument("--embed-subset", type=int, default=300)
    ap.add_argument("--workdir", default="/tmp/cs-pubmed-bench")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--home")
    ap.add_argument("--dir")
    ap.add_argument("--embed", action="store_true")
    args = ap.parse_args()
    if args.child:
        return child(args)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files = generate(work, args.records, args.small)
    gen = time.perf_counter() - t0
    print(f"generated {args.records:,} + {args.small:,} records in {gen:.0f} s; baseline-sized file "
          f"{files['full']['gz_mb']:.1f} MB gzipped", flush=True)
    rows = []

    def row(label, res, n, note=""):
        rate = n / res["seconds"] if res["seconds"] else 0
        rows.append((label, n, res["seconds"], rate, res["rss_mb"], res.get("store_mb", 0), note, res))
        print(f"  {label}: {res}", flush=True)

    small = run_child(work / "home-small", files["small"]["dir"], embed=False)
    row(f"lexical, {args.small:,} records", small, small["records"])
    full = run_child(work / "home-full", files["full"]["dir"], embed=False)
    row(f"lexical, {args.records:,} records", full, full["records"])
    again = run_child(work / "home-full", files["full"]["dir"], embed=False, fresh=False)
    row("re-run (file already applied)", again, 0, f"{again['skipped']} skipped")
    shutil.copytree(work / "home-full", work / "home-update", dirs_exist_ok=True)
    upd = run_child(work / "home-update", files["update"]["dir"], embed=False, fresh=False)
    row(f"update file on top ({files['update']['records']:,} rec, {files['update']['deleted']:,} del)", upd,
        upd["records"], f"{upd['added']} added, {upd['replaced']} replaced, {upd['deleted']} deleted")
    emb = None
    if args.embed_subset:
        sub = subset_dir(work, files["full"]["dir"], args.embed_subset)
        emb = run_child(work / "home-embed", sub, embed=True)
        if "error" in emb:
            print("  embeddings:", emb["error"])
            emb = None
        else:
            lex_sub = run_child(work / "home-embed-lex", sub, embed=False)
            row(f"lexical, {args.embed_subset:,}-record subset", lex_sub, lex_sub["records"])
            row(f"with embeddings, {args.embed_subset:,}-record subset", emb, emb["records"],
                f"{emb['passages']:,} passages embedded")
    print()
    print(f"{'run':52} {'records':>8} {'wall s':>7} {'rec/s':>7} {'CPU s':>7} {'rec/CPU-s':>9} {'peak RSS MB':>11} "
          f"{'store MB':>8}  note")
    for label, n, secs, rate, rss, store, note, res in rows:
        cpu_rate = n / res["cpu_s"] if res["cpu_s"] else 0
        print(f"{label:52} {n:>8,} {secs:>7.1f} {rate:>7,.0f} {res['cpu_s']:>7.1f} {cpu_rate:>9,.0f} {rss:>11,.0f} "
              f"{store:>8,.0f}  {note}")
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall-clock rates are "
          "shared-machine figures, records per CPU-second is what one free core would do)")
    print()
    full_rate = full["records"] / full["seconds"]
    cpu_rate = full["records"] / full["cpu_s"]
    per_rec_mb = full["store_mb"] / full["records"]
    n_base = 36_000_000
    print("Full baseline on paper (~1,200 files, ~36M records), this machine, one process:")
    print(f"  lexical only: {n_base / full_rate / 3600:,.1f} h at the measured {full_rate:,.0f} records/s "
          f"({n_base / cpu_rate / 3600:,.1f} h on one free core at {cpu_rate:,.0f} records per CPU-second); store about "
          f"{per_rec_mb * n_base / 1024:,.0f} GB ({per_rec_mb * 1024:.1f} KB a record); peak RSS stays at the "
          f"one-file figure ({full['rss_mb']:,.0f} MB) because files are streamed one record at a time")
    if emb:
        emb_rate = emb["records"] / emb["seconds"]
        emb_cpu = emb["records"] / emb["cpu_s"]
        print(f"  with embeddings (EXTRAPOLATED from the {args.embed_subset:,}-record subset: {emb_rate:,.1f} records/s "
              f"measured, {emb_cpu:,.1f} per CPU-second): one 30,000-record file ~{30_000 / emb_rate / 60:,.0f} min "
              f"measured (~{30_000 / emb_cpu / 60:,.0f} min of CPU); the full baseline ~{n_base / emb_cpu / 86400:,.0f} "
              f"CPU-days -- mirror with --no-embed and run `curbside index` (resumable) only where dense search "
              f"is needed")


if __name__ == "__main__":
    main()
