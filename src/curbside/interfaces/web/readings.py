"""Reviewers' readings of OCR-damaged Evidence Table cells: the verbatim cell stays as quoted (and marked
"Damaged text"); a reviewer records what it reads as ("25 mg/m2"), kept as a review comment on that version and
shown beside the quote to authors and reviewers. Readers are not shown it: they see only text a source says."""

from __future__ import annotations

from curbside.interfaces.web import services as S
from curbside.interfaces.web.auth import Principal
from curbside.interfaces.web.context import Ctx
from curbside.interfaces.web.errors import ApiError
from curbside.interfaces.web.render import CELL_MARK as _MARK
from curbside.interfaces.web.render import ocr_damaged


def body(row: int, column: str, reading: str) -> str:
    return f"[[cell {row}:{column}]] {reading}"


def parse(text: str) -> tuple[int, str, str] | None:
    m = _MARK.match(text or "")
    return (int(m.group(1)), m.group(2), m.group(3)) if m else None


def split(comments: list) -> tuple[dict[str, object], list]:
    """(readings keyed "ROW-COLUMN": the latest comment for each, the other comments)."""
    readings, rest = {}, []
    for c in comments:
        got = parse(c.body)
        if got is None:
            rest.append(c)
        else:
            readings[f"{got[0]}-{got[1]}"] = c.model_copy(update={"body": got[2]})
    return readings, rest


def record(ctx: Ctx, p: Principal, article_id: str, row: int, column: str, reading: str, version: int | None,
           ip: str = ""):
    """Record a reviewer's reading of one damaged cell of this version's Evidence Table."""
    if not p.can("review"):
        raise ApiError(403, f"a {p.user.role} may not record readings of damaged text (reviewers do)")
    s, _ = S.get_readable(ctx, p, article_id)
    article = ctx.articles.get(article_id, version or s.current_version)
    if article is None:
        raise ApiError(404, f"{article_id}: no version {version}")
    reading = " ".join((reading or "").split())
    if not reading:
        raise ApiError(422, "reading: write what the damaged text reads as")
    if not 0 <= row < len(article.evidence_table) or column not in article.evidence_table[row].cells:
        raise ApiError(422, "cell: no such cell in this version's Evidence Table")
    if not ocr_damaged(article.evidence_table[row].cells[column].value):
        raise ApiError(422, "cell: its text is not marked as damaged; comment on the article instead")
    return S.comment(ctx, p, article_id, body(row, column, reading[:500]), None, None, version or s.current_version,
                     ip)
