"""Review that covers what readers see: two versions side by side, the reviewer's request-changes note on top,
striking one sentence (a new version without it), and people shown by their display names."""

from __future__ import annotations

from dataclasses import dataclass

from curbside.answer.models import Article
from curbside.interfaces.web import services as S
from curbside.interfaces.web.auth import Principal
from curbside.interfaces.web.context import Ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.security import clean_text
from curbside.review import workflow as W
from curbside.review.living import DiffItem, diff_items


def display_names(ctx: Ctx) -> dict[str, str]:
    """username -> the name people know them by (the display name when one is set)."""
    try:
        return {u.username: (u.display_name or u.username) for u in ctx.accounts.users()}
    except Exception:  # noqa: BLE001 - names are a courtesy: the username is shown when they cannot be read
        return {}


def signatures(ctx: Ctx) -> dict[str, str]:
    """username -> display name and credentials as shown on approvals ("Dr A. Smith, MD, Consultant
    Haematologist"); the name alone when no credentials are set."""
    try:
        return {u.username: ", ".join(x for x in ((u.display_name or u.username), u.credentials) if x)
                for u in ctx.accounts.users()}
    except Exception:  # noqa: BLE001 - as display_names
        return {}


def changes_note(ctx: Ctx, article_id: str, state: str):
    """The reviewer's latest request-changes event while the article waits for those changes, else None."""
    if state != W.CHANGES_REQUESTED:
        return None
    asked = [e for e in ctx.articles.events(article_id) if e.action == "request_changes"]
    return asked[-1] if asked else None


@dataclass
class Comparison:
    article_id: str
    title: str
    a: int
    b: int
    before: list[DiffItem]
    after: list[DiffItem]
    versions: list

    @property
    def unchanged(self) -> bool:
        return all(d.change == "same" for d in self.before + self.after)


def compare(ctx: Ctx, p: Principal, article_id: str, a: int | None, b: int | None) -> Comparison:
    """Two versions of an article item by item (default: the one before the current, and the current)."""
    s, full = S.get_readable(ctx, p, article_id)
    if not full:
        raise ApiError(403, f"a {p.user.role} may not compare versions")
    b = b or s.current_version
    a = a or max(1, b - 1)
    old, new = ctx.articles.get(article_id, a), ctx.articles.get(article_id, b)
    if old is None or new is None:
        raise ApiError(404, f"{article_id}: no version {a if old is None else b}")
    before, after = diff_items(old, new)
    return Comparison(article_id, s.title or s.question, a, b, before, after, ctx.articles.versions(article_id))


def strike(ctx: Ctx, p: Principal, article_id: str, section: int, item: int, reason: str, ip: str = "",
           version: int | None = None) -> Article:
    """A new version of the article without one sentence, the reason recorded as the version's note. Only text is
    taken away: nothing is added, so every remaining sentence is still a verified quote."""
    s, full = S.get_readable(ctx, p, article_id)
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise ApiError(422, "reason: say why the sentence is struck (it is recorded with the new version)")
    if not full or not W.can_revise(p.actor, s.state, s.author):
        raise ApiError(403 if s.state != W.RETIRED else 409,
                       f"a {p.user.role} may not make a new version of this {s.state} article")
    if version is not None and version != s.current_version:
        raise ApiError(409, f"version {version} is no longer the current version (now {s.current_version}); "
                            "reload the article")
    current = ctx.articles.get(article_id)
    assert current is not None
    if not (0 <= section < len(current.sections) and 0 <= item < len(current.sections[section].items)):
        raise ApiError(422, f"target: no sentence §{section + 1}.{item + 1} in this article")
    made = without_item(current, section, item)
    note = f"Struck §{section + 1}.{item + 1} \u201c{_short(current.sections[section].items[item].text)}\u201d: {reason}"
    saved = ctx.articles.add_version(article_id, made, p.actor, note[:5000])
    ctx.audit.record(p.username, "strike", article_id, {"section": section, "item": item, "reason": reason[:300]}, ip)
    return saved


def without_item(article: Article, section: int, item: int) -> Article:
    made = article.model_copy(deep=True)
    gone = made.sections[section].items.pop(item)
    if not made.sections[section].items:
        made.sections.pop(section)
    if made.bottom_line is not None and made.bottom_line.item is not None and made.bottom_line.item.text == gone.text \
            and made.bottom_line.item.quotes == gone.quotes:
        made.bottom_line = None          # the verdict rested on the struck sentence
    cited = {n for s in made.sections for it in s.items for n in it.citations} | \
            {row.citation for row in made.evidence_table}
    made.references = [r for r in made.references if r.n in cited]
    return made


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"
