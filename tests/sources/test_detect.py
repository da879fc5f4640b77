"""Format detection, directory expansion and the checks every file goes through."""

from __future__ import annotations

import gzip

import pytest

from curbside.errors import InputError
from curbside.sources import FORMATS, detect_format, iter_files, read_path

from .conftest import make_pdf


@pytest.mark.parametrize("name, content, fmt", [
    ("a.txt", b"Plain text.", "text"),
    ("a.TXT", b"Plain text.", "text"),
    ("a.md", b"# Title\n\nText", "markdown"),
    ("a.markdown", b"Text", "markdown"),
    ("a.nbib", b"PMID- 1\nTI  - T", "medline"),
    ("export.txt", b"\xef\xbb\xbfPMID- 123\nTI  - T", "medline"),
    ("a.xml", b'<?xml version="1.0"?>\n<PubmedArticleSet>', "pubmed_xml"),
    ("a.jsonl", b'{"text": "x"}\n', "jsonl"),
    ("a.ndjson", b'{"text": "x"}\n', "jsonl"),
    ("records.json", b'{"text": "x"}\n{"text": "y"}\n', "jsonl"),
    ("download", b"%PDF-1.4\n...", "pdf"),
    ("scan.txt", b"%PDF-1.7\n...", "pdf"),
    ("mentions.jsonl", b'{"text": "a file that starts with %PDF-1.4 is a PDF"}\n', "jsonl"),
])
def test_detect_format(tmp_path, name, content, fmt):
    f = tmp_path / name
    f.write_bytes(content)
    assert detect_format(f) == fmt and fmt in FORMATS


def test_detect_gzip(tmp_path):
    f = tmp_path / "records.jsonl.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b'{"text": "x"}\n')
    assert detect_format(f) == "jsonl"


@pytest.mark.parametrize("name, content", [("data.bin", bytes(range(256)) * 10), ("report.docx", b"PK\x03\x04xx"),
                                           ("noext", b"just some words")])
def test_unknown_format(tmp_path, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_path(f)
    assert err.value.where == str(f)
    assert err.value.problem.startswith("unknown format") and "(use --format)" in err.value.problem


def test_unknown_format_name(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("x")
    with pytest.raises(InputError, match="unknown format 'docx'"):
        read_path(f, "docx")


def test_missing_empty_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_path(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_path(tmp_path / "empty.txt")
    (tmp_path / "blank.txt").write_text("  \n\n \n")
    with pytest.raises(InputError, match="white space|empty"):
        list(read_path(tmp_path / "blank.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_path(tmp_path)


def test_size_limit_checked_before_reading(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("x" * 5000)
    with pytest.raises(InputError) as err:
        read_path(f, max_bytes=1024)
    assert "limit" in err.value.problem and "max_file_bytes" in err.value.problem


def test_gzip_bomb_limited_after_decompression(tmp_path):
    f = tmp_path / "notes.txt.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b"a " * 100_000)
    assert f.stat().st_size < 2048
    with pytest.raises(InputError, match="larger than the limit"):
        list(read_path(f, "text", max_bytes=4096))


@pytest.mark.parametrize("content, problem", [
    ("Caf\xe9 au lait spots and neurofibromas.".encode("latin-1"), "not valid UTF-8"),
    ("Caf\xe9 au lait".encode("latin-1") + b"\xff\xfe\x00\x81", "binary"),
    (bytes(range(256)), "binary"),
])
def test_wrong_encoding(tmp_path, content, problem):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(InputError) as err:
        list(read_path(f))
    assert err.value.where == str(f) and problem in err.value.problem


def test_utf16_with_bom(tmp_path):
    f = tmp_path / "u16.txt"
    f.write_bytes("Title\n\nCaf\u00e9 au lait.".encode("utf-16"))
    (doc,) = read_path(f)
    assert doc.sections[0].text == "Caf\u00e9 au lait."


def test_iter_files_and_mixed_directory(tmp_path, fixtures):
    d = tmp_path / "corpus"
    (d / "sub" / "deeper").mkdir(parents=True)
    (d / ".git").mkdir()
    (d / ".git" / "config").write_text("ignored")
    (d / ".hidden.txt").write_text("ignored")
    (d / "b_note.txt").write_text("A note\n\nDoses as written: 10 mg/m2.")
    (d / "a_guide.md").write_bytes((fixtures / "guideline.md").read_bytes())
    (d / "sub" / "records.nbib").write_bytes((fixtures / "records.nbib").read_bytes())
    (d / "sub" / "deeper" / "paper.pdf").write_bytes(make_pdf([["An invented handout", "Take 5 mg daily."]]))
    (d / "sub" / "data.bin").write_bytes(bytes(range(256)) * 4)
    files = list(iter_files([d]))
    assert [f.relative_to(d).as_posix() for f in files] == [
        "a_guide.md", "b_note.txt", "sub/data.bin", "sub/records.nbib", "sub/deeper/paper.pdf"]
    single = d / "b_note.txt"
    assert list(iter_files([single])) == [single]
    docs, errors = [], []
    for f in files:
        try:
            docs.extend(read_path(f, on_error=errors.append))
        except InputError as exc:
            errors.append(exc)
    assert sorted(doc.source_format for doc in docs) == ["markdown", "medline", "medline", "pdf", "text"]
    assert [e.where for e in errors if "data.bin" in e.where] == [str(d / "sub" / "data.bin")]


def test_dangling_links_loops_and_unreadable_folders_are_reported_and_the_walk_goes_on(tmp_path, monkeypatch):
    import os

    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "locked").mkdir()
    (d / "a.txt").write_text("Anakinra is used in HLH.")
    (d / "sub" / "z.txt").write_text("Etoposide is used in HLH.")
    (d / "b_dangling.txt").symlink_to(d / "nowhere.txt")
    (d / "c_loop").symlink_to(d / "c_loop2")
    (d / "c_loop2").symlink_to(d / "c_loop")
    (d / "sub" / "up").symlink_to(d)
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    skipped = []
    files = list(iter_files([d], on_skip=lambda p, why: skipped.append((p.name, why))))
    assert [f.name for f in files] == ["a.txt", "z.txt"]
    why = dict(skipped)
    assert "dangling symbolic link" in why["b_dangling.txt"]
    assert "loop" in why["c_loop"] and "loop" in why["c_loop2"]
    assert "not followed" in why["up"]
    assert "permission denied" in why["locked"]


def test_ingest_counts_skipped_paths(tmp_path, engine):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("Anakinra is used in HLH. It helps most patients.")
    (d / "b.txt").symlink_to(d / "gone.txt")
    s = engine.ingest([d])
    assert (s.added, s.skipped, s.failed) == (1, 1, 0)
    assert "dangling symbolic link" in s.skipped_paths[0]
    s = engine.ingest([d / "b.txt"])
    assert s.failed == 1 and "dangling symbolic link" in s.errors[0]
