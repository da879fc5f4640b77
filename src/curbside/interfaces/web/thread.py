"""Follow-ups as threads: a follow-up is read in its parent's context, titled by the question it was read as, and
shown and listed under its parent.

The answering engine resolves follow-ups that name no condition ("What is the dose?" after an HLH article). A
follow-up that only qualifies the earlier question ("What about in adults with EBV-driven disease?") names a
condition of its own, so the engine would read it as a new question; here it is combined with the parent's question
("What are the treatment options for refractory HLH in adults with EBV-driven disease?"), shown to the asker, who
may edit it, and only then answered."""

from __future__ import annotations

import re
from dataclasses import dataclass

from curbside.answer.models import Article

_LEAD = re.compile(r"^\s*(?:and\s+)?(?:what about|how about|what if|same for|same question for|and|also)\b[\s,]*", re.I)
_QUALIFIER = re.compile(r"^(?:in|for|with|during|among|after|before|without|on|under|over|at)\b", re.I)
_INTERPRETED = re.compile(r"^Interpreted as: (?P<q>.+?\?)(?: \(carried over .*\))?$", re.S)


def topic(article: Article) -> str:
    """The question an article answers, in full: its title when it is a follow-up (the interpreted question), else
    the question as asked."""
    if article.follow_up_of and article.title:
        return article.title
    return article.question


def combine(parent: Article, follow_up: str) -> str:
    """The follow-up read in its parent's context when it only qualifies the parent's question ("What about in
    adults ...?", "And for pregnancy?"): the parent's question with the qualifier; "" when it stands on its own
    (the engine resolves follow-ups that name no condition itself)."""
    m = _LEAD.match(follow_up or "")
    if not m:
        return ""
    rest = " ".join(follow_up[m.end():].split()).rstrip("?.! ").strip()
    if not rest or not _QUALIFIER.match(rest):
        return ""
    base = " ".join(topic(parent).split()).rstrip("?.! ").strip()
    if not base or rest.lower() in base.lower():
        return ""
    return f"{base} {rest}?"


def resolved_question(article: Article) -> str:
    """The self-contained question the engine answered a follow-up as ("" when it read it as a new question)."""
    m = _INTERPRETED.match(article.interpretation or "")
    return m.group("q").strip() if m else ""


def as_follow_up(article: Article, parent: Article | None, asked: str, combined: str = "") -> Article:
    """Title a follow-up by the question it was answered as, and say how it was read: combined here, resolved
    by the engine, or (neither) a new question on the parent's thread."""
    if parent is None:
        return article
    where = f"a follow-up to \u201c{topic(parent)}\u201d"
    if combined:
        article.title = combined
        shown = f"Interpreted as: {combined} (your follow-up \u201c{asked}\u201d, {where})"
        article.interpretation = shown if asked != combined else f"Asked as {where}."
    elif resolved_question(article):
        article.title = resolved_question(article)
    return article


@dataclass
class ThreadRow:
    row: object        # an ArticleSummary
    depth: int         # 0 for a thread's first question, 1 for a follow-up listed under it, ...
    parent_title: str  # for a follow-up whose parent is not in the list: the parent's title, when readable


def threaded(rows: list, parent_title=lambda article_id: "") -> list[ThreadRow]:
    """Rows ordered as threads: each follow-up right under its parent (when the parent is in the list), in the
    list's order otherwise; depth says how far in."""
    by_id = {r.id: r for r in rows}
    children: dict[str, list] = {}
    roots = []
    for r in rows:
        if r.follow_up_of and r.follow_up_of in by_id and r.follow_up_of != r.id:
            children.setdefault(r.follow_up_of, []).append(r)
        else:
            roots.append(r)
    out: list[ThreadRow] = []
    seen: set[str] = set()

    def walk(r, depth: int) -> None:
        if r.id in seen:
            return
        seen.add(r.id)
        title = parent_title(r.follow_up_of) if (depth == 0 and r.follow_up_of) else ""
        out.append(ThreadRow(r, depth, title))
        for c in children.get(r.id, []):
            walk(c, min(depth + 1, 4))

    for r in roots:
        walk(r, 0)
    for r in rows:              # a cycle (never made by the app) still lists every row once
        walk(r, 0)
    return out
