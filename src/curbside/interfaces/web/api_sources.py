"""JSON API: the library of sources (list, upload, delete)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel

from curbside.interfaces.web.api_articles import ERRORS, schedule_evidence_check
from curbside.interfaces.web.auth import Principal, api_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import client_ip
from curbside.interfaces.web.uploads import FORMATS, ingest_upload

router = APIRouter(prefix="/api", tags=["sources"])


def _levels() -> list[str]:
    from curbside.corpus.models import EvidenceLevel

    return [lvl.value for lvl in EvidenceLevel]


LEVELS = _levels()


class SourceOut(BaseModel):
    id: str
    title: str
    authors: list[str] = []
    journal: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    evidence_level: str
    evidence_label: str
    source_name: str = ""
    added_at: str = ""


class UploadResult(BaseModel):
    file: str
    format: str
    added: int
    replaced: int = 0      # same id, changed text: stored as a new version
    duplicates: int
    failed: int
    passages: int
    errors: list[str]
    document_ids: list[str]


def source_out(d) -> SourceOut:
    lvl = d.evidence_level
    return SourceOut(id=d.id, title=d.title, authors=list(d.authors), journal=d.journal or "", year=d.year,
                     pmid=d.pmid or "", doi=d.doi or "", url=d.url or "", evidence_level=getattr(lvl, "value", str(lvl)),
                     evidence_label=getattr(lvl, "label", str(lvl)), source_name=d.source_name or "",
                     added_at=d.added_at or "")


def list_sources(ctx: Ctx, level: str | None, q: str | None = None) -> list:
    if level:
        from curbside.corpus.models import EvidenceLevel

        try:
            level = EvidenceLevel.parse(level).value
        except ValueError as exc:
            raise ApiError(422, f"evidence_level: {exc}") from None
    docs = ctx.engine.sources(level) if level else ctx.engine.sources()
    if q:
        needle = q.lower()
        docs = [d for d in docs if needle in d.title.lower() or needle in (d.journal or "").lower()]
    return docs


@router.get("/sources", response_model=list[SourceOut], responses=ERRORS, summary="Documents in the library")
def api_sources(evidence_level: str | None = Query(None, max_length=64, json_schema_extra={"enum": LEVELS},
                                                  description="an evidence level (short names such as rct are "
                                                              "accepted too)"),
                q: str | None = Query(None, max_length=200, description="filter by words in the title or journal"),
                limit: int = Query(500, ge=1, le=10_000), offset: int = Query(0, ge=0, le=10_000_000),
                p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return [source_out(d) for d in list_sources(ctx, evidence_level, q)[offset:offset + limit]]


@router.post("/sources", response_model=UploadResult, status_code=201,
             responses=ERRORS | {413: {"description": "file too large"}, 415: {"description": "unsupported type"}},
             summary="Upload a PDF, text, Markdown, PubMed XML or JSONL file into the library (admins)")
def api_upload(request: Request, background: BackgroundTasks, file: UploadFile = File(...),
               format: str | None = Form(None, json_schema_extra={"enum": list(FORMATS)},
                                         description="default: from the file type"),
               tier: str | None = Form(None, json_schema_extra={"enum": LEVELS},
                                       description="evidence level (short names such as rct are accepted too)"),
               title: str | None = Form(None, max_length=500), year: int | None = Form(None, ge=1800, le=2100),
               p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("manage_sources", "add sources")
    result = ingest_upload(ctx, file, format, tier, title, year)
    ctx.audit.record(p.username, "upload", result["file"], {k: result[k] for k in ("added", "duplicates", "failed")},
                     client_ip(request))
    if result["added"] or result.get("replaced"):   # a new version is new evidence too
        schedule_evidence_check(background, ctx)
    return result


@router.delete("/sources/{document_id:path}", status_code=204, responses=ERRORS, summary="Remove a document (admins)")
def api_delete_source(request: Request, background: BackgroundTasks,
                      document_id: str = Path(..., max_length=300), p: Principal = Depends(api_principal),
                      ctx: Ctx = Depends(get_ctx)):
    p.require("manage_sources", "remove sources")
    if not ctx.engine.remove(document_id):
        raise ApiError(404, f"{document_id}: no such document")
    ctx.audit.record(p.username, "remove_source", document_id, "", client_ip(request))
    schedule_evidence_check(background, ctx)
