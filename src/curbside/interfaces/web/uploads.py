"""Library uploads: type and size limits, content sniffing, and a private temporary file whose name is made by the
server (the client's file name is never used as a path), then `engine.ingest`."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from curbside.errors import CurbsideError

from curbside.interfaces.web.context import Ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import clean_text

EXTENSIONS = {".pdf": "pdf", ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
              ".xml": "pubmed_xml", ".jsonl": "jsonl", ".ndjson": "jsonl", ".nbib": "medline", ".medline": "medline"}
FORMATS = ("text", "markdown", "pdf", "pubmed_xml", "medline", "jsonl")
FORMAT_EXT = {"pdf": ".pdf", "text": ".txt", "markdown": ".md", "pubmed_xml": ".xml", "jsonl": ".jsonl",
              "medline": ".txt"}
CHUNK = 1024 * 1024
log = logging.getLogger("curbside.web")


def safe_display_name(filename: str | None) -> str:
    """The client's file name for messages only: last path component, printable, at most 120 characters."""
    name = clean_text(filename or "", multiline=False).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:120] or "upload"


def pick_format(filename: str, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ApiError(422, f"format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return fmt
    ext = Path(safe_display_name(filename)).suffix.lower()
    if ext not in EXTENSIONS:
        raise ApiError(415, f"{safe_display_name(filename)}: unsupported file type {ext or '(none)'}; expected "
                            f"PDF, text, Markdown, PubMed XML or JSONL ({', '.join(sorted(EXTENSIONS))})")
    return EXTENSIONS[ext]


def sniff(head: bytes, fmt: str, name: str) -> None:
    if fmt == "pdf":
        if not head.lstrip()[:5] == b"%PDF-":
            raise ApiError(415, f"{name}: not a PDF file (no %PDF- header)")
        return
    if b"\x00" in head:
        raise ApiError(415, f"{name}: binary data in a {fmt} file")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:    # a multi-byte character cut at the end of the sample is fine
            raise ApiError(415, f"{name}: not UTF-8 text") from None
    if fmt == "pubmed_xml" and b"<" not in head[:4096]:
        raise ApiError(415, f"{name}: not an XML file")


def save_upload(ctx: Ctx, upload: UploadFile, fmt: str) -> tuple[Path, str]:
    """Copy the upload to a fresh private directory under a server-made name; returns (path, display name)."""
    name = safe_display_name(upload.filename)
    limit = ctx.config.max_upload_bytes
    tmp = Path(tempfile.mkdtemp(prefix="curbside-upload-"))
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem)[:60].strip("_") or "upload"
    path = tmp / (stem + FORMAT_EXT[fmt])
    total = 0
    try:
        with path.open("wb") as out:
            first = True
            while True:
                chunk = upload.file.read(CHUNK)
                if not chunk:
                    break
                if first:
                    sniff(chunk[:65536], fmt, name)
                    first = False
                total += len(chunk)
                if total > limit:
                    raise ApiError(413, f"{name}: larger than the upload limit of {limit // (1024 * 1024)} MB")
                out.write(chunk)
        if total == 0:
            raise ApiError(422, f"{name}: the file is empty")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path, name


def embeds_in_background(engine) -> bool:
    import inspect

    try:
        return hasattr(engine, "embed_in_background") and "embed" in inspect.signature(engine.ingest).parameters
    except (TypeError, ValueError):
        return False


def ingest_upload(ctx: Ctx, upload: UploadFile, fmt: str | None, tier: str | None = None,
                  title: str | None = None, year: int | None = None) -> dict:
    from curbside.corpus.models import EvidenceLevel

    fmt = pick_format(upload.filename or "", fmt or None)
    metadata: dict = {}
    if tier:
        try:
            metadata["tier"] = EvidenceLevel.parse(tier)
        except ValueError as exc:
            raise ApiError(422, f"tier: {exc}") from None
    if title and title.strip():
        metadata["title"] = clean_text(title, multiline=False).strip()[:500]
    if year is not None:
        if not 1800 <= year <= 2100:
            raise ApiError(422, "year: expected a year between 1800 and 2100")
        metadata["year"] = year
    path, name = save_upload(ctx, upload, fmt)
    # stored (and searchable by BM25) before the request is answered; vectors follow in the background, so a large
    # upload does not hold its request (nor a proxy's timeout) for the minutes embedding takes
    background = embeds_in_background(ctx.engine)
    try:
        summary = ctx.engine.ingest([path], fmt, **({"embed": False} if background else {}), **metadata)
    except CurbsideError as exc:
        raise ApiError(422, str(exc).replace(str(path), name)) from None
    except Exception:   # a reader choking on a malformed file is bad input, not a server fault
        log.exception("ingest of upload %r failed", name)
        raise ApiError(422, f"{name}: could not be read as {fmt}") from None
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if background:
        ctx.engine.embed_in_background()
    errors = [str(e).replace(str(path), name).replace(str(path.parent), "") for e in summary.errors[:50]]
    return {"file": name, "format": fmt, "added": summary.added, "replaced": getattr(summary, "replaced", 0),
            "duplicates": summary.duplicates,
            "failed": summary.failed, "passages": summary.passages, "errors": errors,
            "document_ids": list(getattr(summary, "document_ids", []))[:1000]}
