"""Library page: upload sources (admins), list and filter them by evidence level, delete (admins)."""

from __future__ import annotations

import re

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile

from curbside.interfaces.web.api_articles import schedule_evidence_check
from curbside.interfaces.web.api_sources import list_sources
from curbside.interfaces.web.auth import Principal, check_csrf, page_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.form_errors import attempt
from curbside.interfaces.web.pages_auth import redirect, render
from curbside.interfaces.web.security import client_ip
from curbside.interfaces.web.uploads import EXTENSIONS, FORMATS, ingest_upload

router = APIRouter(include_in_schema=False)


def _levels():
    from curbside.corpus.models import EvidenceLevel

    return [(lvl.value, lvl.label) for lvl in EvidenceLevel]


@router.get("/library")
def library(request: Request, level: str | None = Query(None, max_length=64), q: str | None = Query(None, max_length=200),
            p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    docs = list_sources(ctx, level or None, q or None)
    counts: dict[str, int] = {}
    for d in docs:
        key = getattr(d.evidence_level, "value", str(d.evidence_level))
        counts[key] = counts.get(key, 0) + 1
    return render(request, "library.html", p, active="library", docs=docs[:1000], total=len(docs), level=level or "",
                  q=q or "", levels=_levels(), counts=counts, formats=FORMATS, extensions=sorted(EXTENSIONS),
                  max_mb=ctx.config.max_upload_bytes // (1024 * 1024), result=None)


@router.post("/library/upload")
def upload(request: Request, background: BackgroundTasks, file: UploadFile | None = File(None),
           format: str = Form(""), tier: str = Form(""), title: str = Form(""), csrf_token: str = Form(""),
           p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    p.require("manage_sources", "add sources")

    def run():
        if file is None or not file.filename:
            raise ApiError(422, "choose a file to upload")
        return ingest_upload(ctx, file, format or None, tier or None, title or None)

    result, error = attempt(run, "upload", format=format, tier=tier, title=title)
    if error:       # the Library again, the message beside the upload form, the choices kept
        docs = list_sources(ctx, None)
        return render(request, "library.html", p, status_code=error.status, active="library", docs=docs[:1000],
                      total=len(docs), level="", q="", levels=_levels(), counts={}, formats=FORMATS,
                      extensions=sorted(EXTENSIONS), max_mb=ctx.config.max_upload_bytes // (1024 * 1024), result=None,
                      error=error)
    ctx.audit.record(p.username, "upload", result["file"], {k: result[k] for k in ("added", "duplicates", "failed")},
                     client_ip(request))
    if result["added"] or result.get("replaced"):   # a new version is new evidence too
        schedule_evidence_check(background, ctx)
    docs = list_sources(ctx, None)
    return render(request, "library.html", p, active="library", docs=docs[:1000], total=len(docs), level="", q="",
                  levels=_levels(), counts={}, formats=FORMATS, extensions=sorted(EXTENSIONS),
                  max_mb=ctx.config.max_upload_bytes // (1024 * 1024), result=result, background=background)


@router.post("/library/delete")
def delete(request: Request, background: BackgroundTasks, document_id: str = Form(""), csrf_token: str = Form(""),
           p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    p.require("manage_sources", "remove sources")
    if not document_id or not ctx.engine.remove(document_id[:300]):
        raise ApiError(404, f"{document_id[:300]}: no such document")
    ctx.audit.record(p.username, "remove_source", document_id[:300], "", client_ip(request))
    schedule_evidence_check(background, ctx)
    response = redirect("/library", "deleted")
    response.background = background
    return response


@router.get("/library/source")
def source_page(request: Request, id: str = Query(..., min_length=1, max_length=300),
                start: int | None = Query(None, ge=0, le=1 << 40), end: int | None = Query(None, ge=0, le=1 << 40),
                back: str | None = Query(None, max_length=80), p: Principal = Depends(page_principal),
                ctx: Ctx = Depends(get_ctx)):
    """A stored document's text with the cited span marked (a citation's "View in source")."""
    from curbside.interfaces.web.source_context import get_document, source_view

    doc = get_document(ctx.engine, id)
    if doc is None:
        raise ApiError(404, f"{id}: no such document in the library")
    back = back if back and re.fullmatch(r"/articles/[A-Za-z0-9_-]{1,64}", back) else ""
    return render(request, "source.html", p, active="library", view=source_view(doc, start, end), back=back)
