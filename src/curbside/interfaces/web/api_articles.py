"""JSON API: ask, articles, versions, review actions, comments, living-evidence changes, search."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from curbside.answer.models import Article
from curbside.interfaces.web import services as S
from curbside.interfaces.web.auth import Principal, api_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import SafeStr, client_ip, json_int
from curbside.review import workflow as W
from curbside.review.articles import ArticleSummary, ReviewEvent, VersionInfo
from curbside.review.comments import Comment
from curbside.review.living import EvidenceFlag, SideBySide, get_flag, side_by_side

router = APIRouter(prefix="/api", tags=["articles"])

ArticleId = Path(..., pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Article id (from POST /api/ask)")
Audience = Literal["clinician", "trainee", "patient"]
Action = Literal["start_review", "request_changes", "approve", "retire"]
ERRORS = {400: {"description": "malformed request body (e.g. not UTF-8)"},
          401: {"description": "no or bad credentials"}, 403: {"description": "not allowed for this role"},
          404: {"description": "no such article (or not visible to you)"},
          413: {"description": "request body too large"}, 422: {"description": "invalid input"}}


PubmedN, VersionN, IndexN = json_int(1, 50), json_int(1, 1_000_000), json_int(0, 10_000)


class AskRequest(BaseModel):
    question: SafeStr = Field(..., min_length=1, max_length=S.MAX_QUESTION_CHARS,
                              examples=["What are the treatment options for refractory HLH?"])
    audience: Audience = "clinician"
    follow_up_of: SafeStr | None = Field(None, max_length=64, description="id of the earlier article: the "
                                         "question is read in its context (one that only qualifies it, 'What about "
                                         "in adults?', is answered as the earlier question with the qualifier); "
                                         "the article's title and interpretation say how it was read")
    pubmed: PubmedN | None = Field(None, description="first fetch up to N new PubMed records for the "
                               "question into the library (roles that may add sources); without network the "
                               "article says so (pubmed_note) and is answered from the library")
    writer: Literal["extractive", "llm"] | None = Field(None, description="extractive: every sentence quoted; llm: "
                                                       "written by the configured language model, every claim "
                                                       "checked against its quotes (default: the server's)")


class NoteRequest(BaseModel):
    note: SafeStr = Field("", max_length=5000)


class TransitionRequest(BaseModel):
    action: Action
    note: SafeStr = Field("", max_length=5000, description="required for request_changes")
    version: VersionN | None = Field(None,
                                description="the version you reviewed: the action applies only while it is still "
                                            "the current version (409 otherwise)")


class NewVersionRequest(BaseModel):
    question: SafeStr | None = Field(None, max_length=S.MAX_QUESTION_CHARS,
                                     description="a reworded question (default: the same question)")
    note: SafeStr = Field("", max_length=5000)
    use_proposed: StrictBool = Field(False, description="take the article proposed by the living-evidence check")


class CommentRequest(BaseModel):
    body: SafeStr = Field(..., min_length=1, max_length=5000)
    section: IndexN | None = Field(None, description="0-based section index (sentence comments)")
    item: IndexN | None = Field(None, description="0-based item index within the section")
    version: VersionN | None = None


class ReviewStatus(BaseModel):
    article: ArticleSummary
    versions: list[VersionInfo]
    events: list[ReviewEvent]
    allowed_actions: list[str]
    can_revise: bool
    evidence_flag: EvidenceFlag | None = None


class SearchHitOut(BaseModel):
    passage_id: str
    document_id: str
    score: float
    title: str
    section: str = ""
    text: str


@router.post("/ask", response_model=Article, status_code=201, responses=ERRORS | {429: {"description": "rate limited"}},
             summary="Ask a question; the article is saved (state Submitted) and returned")
def api_ask(body: AskRequest, request: Request, background: BackgroundTasks, p: Principal = Depends(api_principal),
            ctx: Ctx = Depends(get_ctx)):
    article = S.ask(ctx, p, body.question, body.audience, body.follow_up_of, client_ip(request), pubmed=body.pubmed,
                    writer=body.writer)
    if body.pubmed:
        schedule_evidence_check(background, ctx)    # PubMed records were added: re-check approved articles
    return article


@router.post("/ask/stream", responses=ERRORS | {200: {"content": {"text/event-stream": {}}, "description":
                                                       "progress, token, article and error events"}},
             summary="Ask and follow the answer as it is written (server-sent events; see docs/llm-writer.md)")
def api_ask_stream(body: AskRequest, request: Request, p: Principal = Depends(api_principal),
                   ctx: Ctx = Depends(get_ctx)):
    from curbside.interfaces.web.stream import stream_answer

    p.require("ask", "ask questions")
    S.check_question(body.question)
    S.check_writer(body.writer)
    if body.pubmed:
        raise ApiError(422, "pubmed: not available on the streamed ask; use POST /api/ask")
    ip = client_ip(request)
    return stream_answer(lambda **live: S.ask(ctx, p, body.question, body.audience, body.follow_up_of, ip,
                                              writer=body.writer, **live),
                         url_of=lambda a: f"/articles/{a.id}")


@router.get("/articles", response_model=list[ArticleSummary], responses=ERRORS, summary="List articles you may see")
def api_articles(state: Literal["Submitted", "Under Review", "Changes requested", "Approved", "Retired"] | None = None,
                 mine: bool = False, queue: bool = Query(False, description="the review queue (reviewers)"),
                 flagged: bool | None = Query(None, description="only articles flagged for new evidence"),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000),
                 p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.list_articles(ctx, p, state, mine, queue, flagged, limit, offset)


@router.get("/articles/{article_id}", response_model=Article, responses=ERRORS,
            summary="An article exactly as stored (readers get the published version)",
            description="Readers, and anyone reading an approved version, only ever get reviewed text: asking for "
                        "another `audience` than the approved one returns the approved text with two added fields, "
                        "`requested_audience` and `audience_note`.")
def api_article(article_id: str = ArticleId, version: int | None = Query(None, ge=1, le=1_000_000),
                audience: Audience | None = None, p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    v = S.view(ctx, p, article_id, version, audience)
    if not v.requested_audience:
        return v.article
    # another audience was asked for but only the approved one has reviewed text: the article as stored, plus
    # what was asked for and why it is not shown (fields added, never renamed)
    body = v.article.model_dump(mode="json")
    body.update(requested_audience=v.requested_audience, audience_note=v.audience_note)
    return JSONResponse(body)


@router.get("/articles/{article_id}/review", response_model=ReviewStatus, responses=ERRORS,
            summary="Review state, versions, history and the actions open to you")
def api_review(article_id: str = ArticleId, p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    s, full = S.get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not see the review record")
    flag = get_flag(ctx.articles, article_id)
    return ReviewStatus(article=s, versions=ctx.articles.versions(article_id), events=ctx.articles.events(article_id),
                        allowed_actions=W.allowed_actions(p.actor, s.state, ctx.articles.authors(article_id)),
                        can_revise=W.can_revise(p.actor, s.state, s.author), evidence_flag=flag[0] if flag else None)


@router.get("/articles/{article_id}/versions", response_model=list[VersionInfo], responses=ERRORS,
            summary="Every version with its state, creator and approval")
def api_versions(article_id: str = ArticleId, p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    s, full = S.get_readable(ctx, p, article_id)
    versions = ctx.articles.versions(article_id)
    return versions if full else [v for v in versions if v.version == s.published_version]


@router.post("/articles/{article_id}/versions", response_model=Article, status_code=201,
             responses=ERRORS | {409: {"description": "wrong state"}, 429: {"description": "rate limited"}},
             summary="Make a new version (re-asked); it goes Under Review")
def api_new_version(body: NewVersionRequest, request: Request, article_id: str = ArticleId,
                    p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.new_version(ctx, p, article_id, body.question, body.note, body.use_proposed, client_ip(request))


@router.post("/articles/{article_id}/submit", response_model=ArticleSummary,
             responses=ERRORS | {409: {"description": "wrong state"},
                                 422: {"description": "a non-answer (abstained article): nothing to review"}},
             summary="Submit the article to the review queue")
def api_submit(request: Request, body: NoteRequest | None = None, article_id: str = ArticleId,
               p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.submit(ctx, p, article_id, body.note if body else "", client_ip(request))


@router.post("/articles/{article_id}/transitions", response_model=ArticleSummary,
             responses=ERRORS | {409: {"description": "not allowed from the current state"}},
             summary="Review action: start_review, request_changes (note required), approve, retire")
def api_transition(body: TransitionRequest, request: Request, article_id: str = ArticleId,
                   p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.transition(ctx, p, article_id, body.action, body.note, client_ip(request), body.version)


@router.get("/articles/{article_id}/comments", response_model=list[Comment], responses=ERRORS,
            summary="Review comments (whole article or one sentence)")
def api_comments(article_id: str = ArticleId, version: int | None = Query(None, ge=1, le=1_000_000),
                 p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.list_comments(ctx, p, article_id, version)


@router.post("/articles/{article_id}/comments", response_model=Comment, status_code=201, responses=ERRORS,
             summary="Comment on the article, or on one sentence (section + item)")
def api_add_comment(body: CommentRequest, request: Request, article_id: str = ArticleId,
                    p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    return S.comment(ctx, p, article_id, body.body, body.section, body.item, body.version, client_ip(request))


@router.get("/articles/{article_id}/changes", response_model=SideBySide, responses=ERRORS,
            summary="Living evidence: what would change (current vs proposed), when the article is flagged")
def api_changes(article_id: str = ArticleId, p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    _, full = S.get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not see proposed changes")
    diff = side_by_side(ctx.articles, article_id)
    if diff is None:
        raise ApiError(404, f"{article_id}: not flagged for new evidence")
    return diff


class CheckResult(BaseModel):
    flagged: int


@router.post("/evidence/check", response_model=CheckResult, responses=ERRORS,
             summary="Re-check published articles against the library now (reviewers, admins)")
def api_check(p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    if not (p.can("review") or p.can("manage_sources")):
        raise ApiError(403, f"a {p.user.role} may not run the evidence check")
    return CheckResult(flagged=S.check_evidence(ctx))


@router.get("/search", response_model=list[SearchHitOut], responses=ERRORS, tags=["sources"],
            summary="Ranked passages for a query")
def api_search(q: SafeStr = Query(..., min_length=1, max_length=S.MAX_QUESTION_CHARS),
               top_k: int = Query(10, ge=1, le=100), p: Principal = Depends(api_principal), ctx: Ctx = Depends(get_ctx)):
    p.require("ask", "search the library")
    S.rate_limit_ask(ctx, p)
    hits = ctx.engine.search(S.check_question(q), top_k=top_k)
    return [SearchHitOut(passage_id=h.passage_id, document_id=h.document_id, score=float(h.score), title=h.title,
                         section=h.section or "", text=h.text) for h in hits]


def schedule_evidence_check(background: BackgroundTasks, ctx: Ctx) -> None:
    if ctx.config.evidence_check:
        background.add_task(S.check_evidence, ctx)
