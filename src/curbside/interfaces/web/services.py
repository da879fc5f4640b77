"""Article operations shared by the pages and the JSON API: access rules, rate limits and audit in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from curbside.answer.models import Article
from curbside.errors import InputError
from curbside.interfaces.web.auth import Principal
from curbside.interfaces.web.context import Ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import clean_text
from curbside.review import workflow as W
from curbside.review.articles import ArticleSummary
from curbside.review.comments import Comment, add_comment, comments

log = logging.getLogger("curbside.web")

AUDIENCES = ("clinician", "trainee", "patient")
MAX_QUESTION_CHARS = 2000


@dataclass
class ArticleView:
    article: Article
    summary: ArticleSummary
    version: int
    full_access: bool                    # reviewer/admin/author: sees every version and the workflow
    actions: list[str] = field(default_factory=list)
    can_revise: bool = False
    can_submit: bool = False
    can_comment: bool = False
    can_ask: bool = False
    note: str = ""                       # e.g. "a newer version is under review"
    requested_audience: str = ""         # an audience asked for but not served (no reviewed text for it)
    audience_note: str = ""              # why the approved audience's text is shown instead


def check_audience(audience: str | None) -> str:
    audience = (audience or "clinician").strip().lower()
    if audience not in AUDIENCES:
        raise ApiError(422, f"audience: unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
    return audience


def check_question(question: str | None) -> str:
    q = " ".join(clean_text(question).split())
    if not q:
        raise ApiError(422, "question: is empty; expected a clinical question in words")
    if len(q) > MAX_QUESTION_CHARS:
        raise ApiError(422, f"question: is {len(q):,} characters; the limit is {MAX_QUESTION_CHARS:,}")
    return q


WRITERS = ("extractive", "llm")


def check_writer(writer: str | None) -> dict:
    """{"writer": name} for engine.ask when one was chosen, {} for the engine's default (settings.writer)."""
    w = (writer or "").strip().lower()
    if not w:
        return {}
    if w not in WRITERS:
        raise ApiError(422, f"writer: unknown writer {w!r}; expected one of {', '.join(WRITERS)}")
    return {"writer": w}


def same_writer(article: Article, engine=None) -> dict:
    """A written article's other audiences and new versions are written too (the engine's default otherwise)."""
    if getattr(article, "writer", "") != "llm" or (engine is not None and not _takes(engine, "writer")):
        return {}
    return {"writer": "llm"}


def _takes(engine, name: str) -> bool:
    """Whether engine.ask accepts the keyword `name` (an engine without live progress still answers)."""
    import inspect

    try:
        return name in inspect.signature(engine.ask).parameters
    except (TypeError, ValueError):
        return False


def llm_configured(ctx: Ctx) -> bool:
    s = getattr(ctx.engine, "settings", None)
    return bool(s is not None and (getattr(s, "llm_url", "") or getattr(s, "llm_gguf", "")))


def rate_limit_ask(ctx: Ctx, p: Principal) -> None:
    wait = ctx.ask_limiter.take("user:" + p.username)
    if wait > 0:
        raise ApiError(429, f"too many questions; try again in {wait:.0f} s",
                       headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def ask(ctx: Ctx, p: Principal, question: str, audience: str = "clinician", follow_up_of: str | None = None,
        ip: str = "", pubmed: int | None = None, writer: str | None = None, progress=None,
        on_token=None, interpreted: str | None = None) -> Article:
    """Answer and save a question. A follow-up (follow_up_of) is read in its parent's context (see thread.py):
    `interpreted` is the question it was read as, confirmed or edited by the asker ("" for its own words as
    written); None reads it here."""
    from curbside.interfaces.web import thread

    p.require("ask", "ask questions")
    if pubmed:
        p.require("manage_sources", "add PubMed records to the library")
    question, audience = check_question(question), check_audience(audience)
    parent, combined = None, ""
    if follow_up_of:
        follow_up_of = follow_up_of.strip()
        parent = view(ctx, p, follow_up_of).article   # 404 unless the caller may read the earlier article
        if interpreted is None:
            combined = thread.combine(parent, question)
        elif interpreted.strip():       # "" asks the follow-up as written
            combined = check_question(interpreted)
    writing = check_writer(writer)      # only passed on when asked for: the default writer is the engine's
    if not writing and follow_up_of:    # a follow-up of a written article is written too
        earlier = ctx.articles.get(follow_up_of)
        writing = same_writer(earlier, ctx.engine) if earlier is not None else {}
    if writing and not _takes(ctx.engine, "writer"):    # an engine without writers answers as it always does
        writing = {}
    rate_limit_ask(ctx, p)
    if pubmed:
        article = ask_with_pubmed(ctx, p, combined or question, audience, follow_up_of, pubmed, ip)
    else:
        live = {k: v for k, v in (("progress", progress), ("on_token", on_token)) if v and _takes(ctx.engine, k)}
        article = ctx.engine.ask(combined or question, audience=audience, follow_up_of=follow_up_of or None,
                                 save=False, user=p.username, **writing, **live)
        article = ctx.articles.save_new(thread.as_follow_up(article, parent, question, combined), author=p.username)
    ctx.audit.record(p.username, "ask", article.id, {"question": question[:300], "audience": audience,
                                                     "follow_up_of": follow_up_of or "",
                                                     "interpreted": combined[:300]}, ip)
    return article


def ask_with_pubmed(ctx: Ctx, p: Principal, question: str, audience: str, follow_up_of: str | None, n: int,
                    ip: str) -> Article:
    """Ask with fresh evidence: up to n new PubMed records ingested first (see sources/pubmed); offline, the
    article says so and is answered from the library."""
    from curbside.sources.pubmed.fetch import ask_with_pubmed as run

    if not 1 <= n <= 50:
        raise ApiError(422, f"pubmed: {n} records; expected 1 to 50")
    article, fetched = run(ctx.engine, question, n, audience=audience, follow_up_of=follow_up_of or None, save=True,
                           user=p.username)
    ctx.audit.record(p.username, "pubmed_fetch", article.id, {"added": fetched.added + fetched.replaced,
                                                              "already_present": fetched.already_present,
                                                              "failed": fetched.failed, "offline": fetched.offline,
                                                              "requests": fetched.requests}, ip)
    return article


def get_readable(ctx: Ctx, p: Principal, article_id: str) -> tuple[ArticleSummary, bool]:
    """(summary, full_access); 404 when the article does not exist or the caller may not see it."""
    s = ctx.articles.summary(article_id)
    if s is None:
        raise ApiError(404, f"{article_id}: no such article")
    full = p.can("read_all") or (p.user.role != "reader" and s.author == p.username)
    published = s.published_version is not None and s.state != W.RETIRED
    if not full and not published:
        raise ApiError(404, f"{article_id}: no such article")
    return s, full


def view(ctx: Ctx, p: Principal, article_id: str, version: int | None = None, audience: str | None = None) -> ArticleView:
    s, full = get_readable(ctx, p, article_id)
    if full:
        v = s.current_version if version is None else version
    else:
        if version is not None and version != s.published_version:
            raise ApiError(404, f"{article_id}: version {version} is not published")
        v = s.published_version  # type: ignore[assignment]
    article = ctx.articles.get(article_id, v)
    if article is None:
        raise ApiError(404, f"{article_id}: no version {v}")
    note, requested, audience_note = "", "", ""
    if audience:
        audience = check_audience(audience)
        if audience != article.audience:
            if reviewed_only(s, full, v, article):
                # readers only ever see text a reviewer approved: never a variant written after (or beside) the
                # approval, stored or new; they get the approved audience's text and a note saying so
                requested, audience_note = audience, unreviewed_audience_note(article.audience, audience)
                note = audience_note
            else:
                article, note = variant(ctx, p, article, v, audience)
    if full and s.published_version and s.current_version != s.published_version and v == s.current_version:
        note = (note + " " if note else "") + f"Version {s.published_version} is the published version; this newer " \
                                              f"version is {s.state.lower()}."
    authors = ctx.articles.authors(article_id)
    current = v == s.current_version
    return ArticleView(article=article, summary=s, version=v, full_access=full,
                       actions=W.allowed_actions(p.actor, s.state, authors) if (full and current) else [],
                       can_revise=full and current and W.can_revise(p.actor, s.state, s.author),
                       can_submit=full and current and p.can("submit") and s.state in (W.SUBMITTED,)
                       and not s.review_requested and not article.abstained,   # nothing to review in a non-answer
                       can_comment=full and p.can("comment"), can_ask=p.can("ask"), note=note,
                       requested_audience=requested, audience_note=audience_note)


AUDIENCE_PLURAL = {"clinician": "clinicians", "trainee": "trainees and students", "patient": "patients and families"}


def reviewed_only(s: ArticleSummary, full: bool, version: int, article: Article) -> bool:
    """Whether only reviewed text may be shown: to readers (anyone without full access), and to everyone on an
    approved or published version; only authors, reviewers and admins looking at a draft get unreviewed variants."""
    return not full or article.status == W.APPROVED or version == s.published_version


def unreviewed_audience_note(approved: str, requested: str) -> str:
    return (f"This article was approved for {AUDIENCE_PLURAL.get(approved, approved)}; a {requested} version has "
            f"not been reviewed.")


def nearby_sources(ctx: Ctx, question: str, n: int = 5) -> list[dict]:
    """What the library holds nearest a question it could not answer: up to n document titles (a lexical search,
    cheap; nothing when it fails). They are shown as "near this topic", never as an answer."""
    try:
        kw = {"mode": "bm25"} if _takes(ctx.engine, "mode") else {}
        hits = ctx.engine.search(question, top_k=4 * n, **kw)
    except Exception:  # noqa: BLE001 - a hint on a not-answered page must never break the page
        log.debug("nearby sources for %r failed", question, exc_info=True)
        return []
    seen, out = set(), []
    for h in hits:
        doc = getattr(h, "document", None)
        did = getattr(h, "document_id", "")
        if did in seen:
            continue
        seen.add(did)
        out.append({"title": getattr(h, "title", "") or did, "year": getattr(doc, "year", None)})
        if len(out) >= n:
            break
    return out


def variant(ctx: Ctx, p: Principal, article: Article, version: int, audience: str) -> tuple[Article, str]:
    """The same version written for another audience: made once from the same question, then stored."""
    stored = ctx.articles.get_variant(article.id, version, audience)
    if stored is None:
        rate_limit_ask(ctx, p)
        made = ctx.engine.ask(article.question, audience=audience, follow_up_of=article.follow_up_of or None,
                              save=False, **same_writer(article, ctx.engine))
        ctx.articles.save_variant(article.id, version, made)
        stored = ctx.articles.get_variant(article.id, version, audience) or made
    note = ""
    if stored.corpus_state and article.corpus_state and stored.corpus_state != article.corpus_state:
        note = ("This view for another audience was written from the library as it is now, which has changed "
                "since this version was made.")
    return stored, note


def list_articles(ctx: Ctx, p: Principal, state: str | None = None, mine: bool = False, queue: bool = False,
                  flagged: bool | None = None, limit: int = 50, offset: int = 0) -> list[ArticleSummary]:
    if state is not None and state not in W.STATES:
        raise ApiError(422, f"state: unknown state {state!r}; expected one of {', '.join(W.STATES)}")
    limit = max(1, min(int(limit), 500))
    if queue:
        p.require("review", "see the review queue") if not p.can("read_all") else None
        rows = ctx.articles.list(state=state, limit=1000, review_requested=None, flagged=flagged)
        rows = [r for r in rows if r.state != W.RETIRED and (r.evidence_flag or
                (r.review_requested and r.state in (W.SUBMITTED, W.UNDER_REVIEW, W.CHANGES_REQUESTED)))]
        return rows[offset:offset + limit]
    if mine:
        return ctx.articles.list(state=state, limit=limit, offset=offset, author=p.username, flagged=flagged)
    if p.can("read_all"):
        return ctx.articles.list(state=state, limit=limit, offset=offset, flagged=flagged)
    if p.user.role == "reader":
        return ctx.articles.list(state=state, limit=limit, offset=offset, published_only=True, flagged=flagged)
    return ctx.articles.list(state=state, limit=limit, offset=offset, author=p.username, published_only=True,
                             flagged=flagged)


NOT_ANSWERED_SUBMIT = ("this question was not answered from the library, so there is nothing to review; add sources "
                       "that cover it and ask again")


def submit(ctx: Ctx, p: Principal, article_id: str, note: str = "", ip: str = "") -> ArticleSummary:
    get_readable(ctx, p, article_id)
    current = ctx.articles.get(article_id)
    if current is not None and current.abstained:    # a non-answer never goes to the review queue
        raise ApiError(422, f"{article_id}: {NOT_ANSWERED_SUBMIT}")
    s = ctx.articles.request_review(article_id, p.actor, clean_text(note)[:2000])
    ctx.audit.record(p.username, "submit", article_id, {"note": note[:300]}, ip)
    return s


def transition(ctx: Ctx, p: Principal, article_id: str, action: str, note: str = "", ip: str = "",
               version: int | None = None) -> ArticleSummary:
    _, full = get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not review articles")
    s = ctx.articles.transition(article_id, p.actor, action, clean_text(note)[:5000], expected_version=version)
    ctx.audit.record(p.username, action, article_id, {"state": s.state, "version": s.current_version,
                                                      "note": note[:300]}, ip)
    return s


def new_version(ctx: Ctx, p: Principal, article_id: str, question: str | None = None, note: str = "",
                use_proposed: bool = False, ip: str = "") -> Article:
    from curbside.review.living import get_flag

    s, full = get_readable(ctx, p, article_id)
    if not full or not W.can_revise(p.actor, s.state, s.author):
        raise ApiError(403 if s.state != W.RETIRED else 409,
                       f"a {p.user.role} may not make a new version of this {s.state} article")
    current = ctx.articles.get(article_id)
    assert current is not None
    flag = get_flag(ctx.articles, article_id) if use_proposed else None
    if flag is not None:
        article = flag[1]
    else:
        q = check_question(question) if question and question.strip() else current.question
        rate_limit_ask(ctx, p)
        article = ctx.engine.ask(q, audience=current.audience or "clinician",
                                 follow_up_of=current.follow_up_of or None, save=False, user=p.username,
                                 **same_writer(current, ctx.engine))
    if flag is None and current.follow_up_of:     # a follow-up keeps the title it is listed by in its thread
        from curbside.interfaces.web import thread

        article = thread.as_follow_up(article, ctx.articles.get(current.follow_up_of), q)
    made = ctx.articles.add_version(article_id, article, p.actor, clean_text(note)[:5000])
    ctx.audit.record(p.username, "new_version", article_id, {"version": ctx.articles.summary(article_id).current_version,
                                                             "note": note[:300]}, ip)
    return made


def comment(ctx: Ctx, p: Principal, article_id: str, body: str, section: int | None = None, item: int | None = None,
            version: int | None = None, ip: str = "") -> Comment:
    _, full = get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not comment on articles")
    c = add_comment(ctx.articles, article_id, p.actor, clean_text(body), section, item, version)
    ctx.audit.record(p.username, "comment", article_id, {"comment": c.id, "section": section, "item": item}, ip)
    return c


def list_comments(ctx: Ctx, p: Principal, article_id: str, version: int | None = None) -> list[Comment]:
    _, full = get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not see review comments")
    return comments(ctx.articles, article_id, version)


def check_evidence(ctx: Ctx) -> int:
    """Re-check published articles against the library as it is now (after an ingest or a removal)."""
    from curbside.review.living import check_articles

    if not ctx.config.evidence_check:
        return 0
    background = getattr(ctx.engine, "background", None)
    if background is not None:      # an upload is embedded after its request: judge new evidence with its vectors
        background.wait(timeout=3600)
    try:
        flags = check_articles(ctx.engine, ctx.articles)
    except Exception:
        log.exception("living-evidence check failed")
        return 0
    for f in flags:
        ctx.audit.record(None, "evidence_flag", f.article_id, {"reason": f.reason, "added": len(f.added),
                                                               "removed": len(f.removed)})
    return len(flags)


def engine_input_error(exc: InputError) -> ApiError:
    return ApiError(422, str(exc))
