"""Pages: Ask, the article (audience switch, citations, follow-up box, review panel), article lists, review queue,
and the living-evidence side-by-side. Every POST checks the session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request

from curbside.interfaces.web import services as S
from curbside.interfaces.web import readings, review_tools, source_context
from curbside.interfaces.web.auth import Principal, check_csrf, page_principal
from curbside.interfaces.web.context import Ctx, get_ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.form_errors import FormError, attempt
from curbside.interfaces.web.pages_auth import redirect, render
from curbside.interfaces.web.security import client_ip
from curbside.review import workflow as W
from curbside.review.comments import comments as all_comments
from curbside.review.living import get_flag, side_by_side

router = APIRouter(include_in_schema=False)
ID = r"^[A-Za-z0-9_-]{1,64}$"


@router.get("/")
def home(request: Request, p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    return home_page(request, p, ctx)


def home_page(request: Request, p: Principal, ctx: Ctx, error: FormError | None = None):
    mine = S.list_articles(ctx, p, mine=True, limit=10) if p.can("ask") else []
    published = ctx.articles.list(W.APPROVED, limit=20)
    return render(request, "ask.html", p, status_code=error.status if error else 200, active="ask", mine=mine,
                  published=published, question=error.value("question") if error else "",
                  audience=error.value("audience", "clinician") if error else "clinician",
                  llm_writer=S.llm_configured(ctx), error=error, sources=source_context.source_count(ctx.engine))


@router.post("/ask")
def ask(request: Request, background: BackgroundTasks, question: str = Form(""), audience: str = Form("clinician"),
        csrf_token: str = Form(""), pubmed: str = Form(""), writer: str = Form(""),
        p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    n = int(pubmed) if pubmed.strip().isdigit() else None
    article, error = attempt(lambda: S.ask(ctx, p, question, audience, None, client_ip(request), pubmed=n,
                                           writer=writer or None), "ask", question=question, audience=audience)
    if error:
        return home_page(request, p, ctx, error)
    if n and ctx.config.evidence_check:
        background.add_task(S.check_evidence, ctx)   # PubMed records were added: re-check approved articles
    return redirect(f"/articles/{article.id}")


@router.post("/ask/stream")
def ask_stream(request: Request, question: str = Form(""), audience: str = Form("clinician"),
               writer: str = Form(""), csrf_token: str = Form(""), p: Principal = Depends(page_principal),
               ctx: Ctx = Depends(get_ctx)):
    """The Ask form's written answer as server-sent events (static/app.js shows progress, then opens the article)."""
    from curbside.interfaces.web.stream import stream_answer

    check_csrf(p, csrf_token)
    p.require("ask", "ask questions")
    S.check_writer(writer)
    ip = client_ip(request)
    return stream_answer(lambda **live: S.ask(ctx, p, question, audience, None, ip, writer=writer or None, **live),
                         url_of=lambda a: f"/articles/{a.id}")


@router.get("/articles")
def articles(request: Request, state: str | None = Query(None, max_length=40), mine: bool = False,
             p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    state = state or None
    rows = S.list_articles(ctx, p, state, mine=mine, limit=200)
    return render(request, "articles.html", p, active="articles", rows=rows, state=state, mine=mine,
                  states=W.STATES, heading="Articles")


@router.get("/review")
def review_queue(request: Request, p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    if not (p.can("review") or p.can("read_all")):
        raise ApiError(403, f"a {p.user.role} may not see the review queue")
    queue = S.list_articles(ctx, p, queue=True, limit=500)
    submitted = [r for r in ctx.articles.list(W.SUBMITTED, limit=100) if not r.review_requested]
    return render(request, "review.html", p, active="review", queue=queue, submitted=submitted)


@router.get("/articles/{article_id}")
def article_page(request: Request, article_id: str, version: int | None = Query(None, ge=1, le=1_000_000),
                 audience: str | None = Query(None, max_length=20), comment: str | None = Query(None, max_length=20),
                 p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    return article_view(request, p, ctx, article_id, version, audience or None, comment)


def article_view(request: Request, p: Principal, ctx: Ctx, article_id: str, version: int | None = None,
                 audience: str | None = None, comment: str | None = None, error: FormError | None = None):
    """The article page; with `error`, a refused form shown on it (status 4xx), its input kept."""
    v = S.view(ctx, p, article_id, version, audience)
    by_item: dict = {}
    article_comments, versions, events, flag = [], [], [], None
    if v.full_access:
        for c in all_comments(ctx.articles, article_id):
            if c.section is not None and c.item is not None and c.version == v.version:
                by_item.setdefault((c.section, c.item), []).append(c)
            else:
                article_comments.append(c)
        events = ctx.articles.events(article_id)
        got = get_flag(ctx.articles, article_id)
        flag = got[0] if got else None
    readings_by_cell, article_comments = readings.split(article_comments)
    readings_by_cell = {k: c for k, c in readings_by_cell.items() if c.version == v.version}
    versions = ctx.articles.versions(article_id)
    version_info = next((x for x in versions if x.version == v.version), None)
    if not v.full_access:
        versions = [x for x in versions if x.version == v.version]
    targets = [(f"{si}-{ii}", f"§{si + 1}.{ii + 1} " + _short(it.text))
               for si, s in enumerate(v.article.sections) for ii, it in enumerate(s.items)]
    near = S.nearby_sources(ctx, v.article.question) if v.article.abstained else []
    quote_ctx = {} if v.article.abstained else source_context.for_article(ctx.engine, v.article)
    ancestors, replies = _thread(ctx, p, v.article, article_id)
    changes_asked = review_tools.changes_note(ctx, article_id, v.summary.state) if v.full_access else None
    return render(request, "article.html", p, status_code=error.status if error else 200, error=error,
                  active="articles", v=v, article=v.article, comments=by_item,
                  near=near, can_upload=p.can("manage_sources"), quote_ctx=quote_ctx, ancestors=ancestors,
                  replies=replies, changes_asked=changes_asked, readings=readings_by_cell,
                  can_read_cells=v.full_access and p.can("review"), names=review_tools.display_names(ctx),
                  signed=review_tools.signatures(ctx),
                  AUDIENCE_PLURAL=S.AUDIENCE_PLURAL,
                  article_comments=article_comments, versions=versions, events=events, flag=flag,
                  version_info=version_info, targets=targets, comment_target=comment or (error.value("target") if error else ""),
                  action_labels=W.ACTION_LABELS, audience=v.article.audience)


def _thread(ctx: Ctx, p: Principal, article, article_id: str) -> tuple[list[tuple[str, str]], list]:
    """The thread around an article: its earlier questions (first one first, only those the caller may read) as
    (id, title), and the follow-ups asked on it that the caller may see."""
    ancestors: list[tuple[str, str]] = []
    parent, seen = article.follow_up_of, {article_id}
    while parent and parent not in seen and len(ancestors) < 10:
        seen.add(parent)
        try:
            s, _ = S.get_readable(ctx, p, parent)
        except ApiError:
            break
        ancestors.insert(0, (parent, s.title or s.question))
        parent = s.follow_up_of
    replies = [r for r in S.list_articles(ctx, p, limit=500) if r.follow_up_of == article_id]
    return ancestors, replies


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


@router.post("/articles/{article_id}/follow-up")
def follow_up(request: Request, article_id: str, question: str = Form(""), audience: str = Form("clinician"),
              interpreted: str | None = Form(None), as_written: str = Form(""), csrf_token: str = Form(""),
              p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    """A follow-up that only qualifies the article's question is first shown as the question it will be read as
    ("Interpreted as ..."), editable; it is answered when the asker confirms (or asks it as written)."""
    from curbside.interfaces.web import thread

    check_csrf(p, csrf_token)
    p.require("ask", "ask questions")
    if as_written:
        interpreted = ""                        # the asker's own words, as the engine reads them
    elif interpreted is None:
        parent = S.view(ctx, p, article_id).article
        combined, error = attempt(lambda: thread.combine(parent, S.check_question(question)), "follow_up",
                                  question=question)
        if error:
            return article_view(request, p, ctx, article_id, error=error)
        if combined:
            return render(request, "follow_up.html", p, active="articles", parent=parent, question=question,
                          interpreted=combined, audience=S.check_audience(audience))
    article, error = attempt(lambda: S.ask(ctx, p, question, audience, article_id, client_ip(request),
                                           interpreted=interpreted), "follow_up", question=question)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    return redirect(f"/articles/{article.id}")


@router.post("/articles/{article_id}/submit")
def submit(request: Request, article_id: str, note: str = Form(""), csrf_token: str = Form(""),
           p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    _, error = attempt(lambda: S.submit(ctx, p, article_id, note, client_ip(request)), "submit", note=note)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    return redirect(f"/articles/{article_id}", "submitted")


@router.post("/articles/{article_id}/review")
def review_action(request: Request, article_id: str, action: str = Form(""), note: str = Form(""),
                  version: int | None = Form(None, ge=1, le=1_000_000), csrf_token: str = Form(""),
                  p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    _, error = attempt(lambda: S.transition(ctx, p, article_id, action, note, client_ip(request), version), "review",
                       note=note)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    msg = {"approve": "approved", "request_changes": "changes", "start_review": "review", "retire": "retired"}
    return redirect(f"/articles/{article_id}", msg.get(action))


@router.post("/articles/{article_id}/revise")
def revise(request: Request, article_id: str, question: str = Form(""), note: str = Form(""),
           use_proposed: str = Form(""), csrf_token: str = Form(""), p: Principal = Depends(page_principal),
           ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    _, error = attempt(lambda: S.new_version(ctx, p, article_id, question, note, use_proposed == "1",
                                             client_ip(request)), "revise", question=question, note=note)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    return redirect(f"/articles/{article_id}", "version")


@router.post("/articles/{article_id}/comments")
def comment(request: Request, article_id: str, body: str = Form(""), target: str = Form("article"),
            version: int | None = Form(None, ge=1, le=1_000_000), csrf_token: str = Form(""),
            p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    section = item = None
    if target and target != "article":
        try:
            section, item = (int(x) for x in target.split("-", 1))
        except ValueError:
            raise ApiError(422, "target: expected 'article' or 'SECTION-ITEM'") from None
    _, error = attempt(lambda: S.comment(ctx, p, article_id, body, section, item, version, client_ip(request)),
                       "comment", body=body, target=target)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    anchor = f"#s{section}-i{item}" if section is not None else "#comments"
    return redirect(f"/articles/{article_id}?msg=comment{anchor}")


@router.get("/articles/{article_id}/changes")
def changes(request: Request, article_id: str, p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    s, full = S.get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not see proposed changes")
    diff = side_by_side(ctx.articles, article_id)
    if diff is None:
        raise ApiError(404, f"{article_id}: not flagged for new evidence")
    return render(request, "changes.html", p, active="review", summary=s, diff=diff,
                  can_revise=W.can_revise(p.actor, s.state, s.author))


@router.get("/articles/{article_id}/compare")
def compare(request: Request, article_id: str, a: int | None = Query(None, ge=1, le=1_000_000),
            b: int | None = Query(None, ge=1, le=1_000_000), p: Principal = Depends(page_principal),
            ctx: Ctx = Depends(get_ctx)):
    """Two versions side by side: what a new version removed and added."""
    return render(request, "compare.html", p, active="articles", cmp=review_tools.compare(ctx, p, article_id, a, b))


@router.post("/articles/{article_id}/strike")
def strike(request: Request, article_id: str, target: str = Form(""), reason: str = Form(""),
           version: int | None = Form(None, ge=1, le=1_000_000), csrf_token: str = Form(""),
           p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    check_csrf(p, csrf_token)
    def run():
        try:
            section, item = (int(x) for x in target.split("-", 1))
        except ValueError:
            raise ApiError(422, "target: choose the sentence to strike") from None
        return review_tools.strike(ctx, p, article_id, section, item, reason, client_ip(request), version)

    _, error = attempt(run, "strike", reason=reason, target=target)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    return redirect(f"/articles/{article_id}", "struck")


@router.post("/articles/{article_id}/reading")
def reading(request: Request, article_id: str, row: int = Form(-1, ge=-1, le=10_000), column: str = Form(""),
            reading: str = Form(""), version: int | None = Form(None, ge=1, le=1_000_000), csrf_token: str = Form(""),
            p: Principal = Depends(page_principal), ctx: Ctx = Depends(get_ctx)):
    """A reviewer's reading of a damaged Evidence Table cell, recorded beside the verbatim quote."""
    check_csrf(p, csrf_token)
    _, error = attempt(lambda: readings.record(ctx, p, article_id, row, column[:40], reading, version,
                                               client_ip(request)), "reading", reading=reading)
    if error:
        return article_view(request, p, ctx, article_id, error=error)
    return redirect(f"/articles/{article_id}?msg=reading#sec-table")
