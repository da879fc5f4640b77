"""Article HTML: the Jinja filters shared by the web pages, and `render_article_html` for a standalone page
(`curbside ask --format html`): one self-contained file, inline CSS, no script, every text escaped."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from curbside.answer.models import Article, EvidenceRow, Item, Quote, Reference
from curbside.interfaces.web.context import HERE

STATE_CLASS = {"Submitted": "submitted", "Under Review": "review", "Changes requested": "changes",
               "Approved": "approved", "Retired": "retired", "Superseded": "retired"}
VERDICT_LABELS = {"yes": "Yes", "no": "No", "unclear": "Unclear"}
AUDIENCE_LABELS = {"clinician": "Clinician", "trainee": "Trainee / student", "patient": "Patient or family"}


def nice_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        d = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)[:10]
    return f"{d:%B} {d.day}, {d.year}"


def nice_time(value: str | None) -> str:
    if not value:
        return ""
    try:
        d = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{d:%Y-%m-%d %H:%M} UTC"


def safe_url(url: str | None) -> str:
    """Only http(s) links are ever emitted (no javascript: or data: URLs from documents)."""
    u = (url or "").strip()
    return u if u.lower().startswith(("https://", "http://")) and " " not in u and '"' not in u else ""


def ref_links(ref: Reference) -> list[tuple[str, str]]:
    out = []
    if ref.pmid and ref.pmid.strip().isdigit():
        out.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid.strip()}/"))
    if ref.doi:
        out.append(("DOI", "https://doi.org/" + quote(ref.doi.strip(), safe="/:;()._-")))
    url = safe_url(ref.url)
    if url and not out:
        out.append(("Source", url))
    return out


def ref_authors(ref: Reference) -> str:
    if not ref.authors:
        return ""
    return ", ".join(ref.authors[:3]) + (" et al." if len(ref.authors) > 3 else "")


def item_quotes(item: Item, article: Article, n: int) -> list[Quote]:
    """The exact quoted passages behind citation number `n` of this item."""
    docs = {r.n: r.document_id for r in article.references}
    return [q for q in item.quotes if q.document_id == docs.get(n)]


def reference(article: Article, n: int) -> Reference | None:
    for r in article.references:
        if r.n == n:
            return r
    return None


def table_columns(article: Article) -> list[tuple[str, str]]:
    try:
        from curbside.answer.evidence_table import COLUMN_TITLES, COLUMNS
    except ImportError:
        COLUMNS, COLUMN_TITLES = [], {}
    present = {c for row in article.evidence_table for c in row.cells}
    cols = [c for c in COLUMNS if c in present] + sorted(c for c in present if c not in COLUMNS)
    return [(c, COLUMN_TITLES.get(c, c.replace("_", " ").capitalize())) for c in cols]


def table_split(article: Article) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(key columns, other columns) of the Evidence Table on a desk screen: setting, N, the response (overall,
    else complete) and dosing stay in the table; the others open per row."""
    cols = table_columns(article)
    keys = {k for k, _ in cols}
    response = "overall_response" if "overall_response" in keys else "complete_response"
    key = {"setting", "patients", response, "dosing"}
    return [c for c in cols if c[0] in key], [c for c in cols if c[0] not in key]


def row_more(row: EvidenceRow, more: list[tuple[str, str]]) -> list[tuple[str, str, object]]:
    """(key, title, cell) of a row's cells in the columns that open per row."""
    return [(k, t, row.cells[k]) for k, t in more if row.cells.get(k) is not None]


# Text a scan's OCR damaged: a replacement character, control characters, or a '?' standing inside a token or
# right after a unit ("25 mg/m?2", "mg/m? daily") where the source had a character OCR could not read
_DAMAGE = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]|[^\s?]\?[^\s?]|/\w{0,4}\?")


def ocr_damaged(text: str | None) -> bool:
    """Whether quoted text shows OCR damage; it is then marked as such, never shown as if it were clean."""
    return bool(text) and _DAMAGE.search(text) is not None


CELL_MARK = re.compile(r"^\[\[cell (\d{1,4}):([a-z_]{1,40})\]\] (.+)$", re.S)


def plain_note(text: str | None) -> str:
    """A history note as people read it: a reviewer's reading of a damaged cell named by its row and column."""
    m = CELL_MARK.match(text or "")
    if not m:
        return text or ""
    return f"reading of damaged text, Evidence Table row {int(m.group(1)) + 1}, {m.group(2).replace('_', ' ')}: " \
           f"{m.group(3)}"


# the column that best tells two rows of one study apart (an arm, a dose), in order of preference
_DISTINGUISH = ("dosing", "patients", "time_to_response", "overall_response", "complete_response", "survival")


def table_rows(article: Article) -> list[tuple[EvidenceRow, str]]:
    """(row, label) for the Evidence Table: rows of the same study (same intervention and source) get a label that
    tells them apart, "row 2 of 4" and the first cell whose quoted value differs between them ("Dosing: ...")."""
    groups: dict[tuple[str, int], list[EvidenceRow]] = {}
    for row in article.evidence_table:
        groups.setdefault((row.intervention, row.citation), []).append(row)
    titles = dict(table_columns(article))
    out = []
    for row in article.evidence_table:
        group = groups[(row.intervention, row.citation)]
        if len(group) == 1:
            out.append((row, ""))
            continue
        label = f"row {group.index(row) + 1} of {len(group)}"
        keys = [k for k in _DISTINGUISH if k in titles] + [k for k in titles if k not in _DISTINGUISH]
        for k in keys:
            values = [r.cells[k].value if k in r.cells else "" for r in group]
            if len(set(values)) > 1 and row.cells.get(k):
                label += f" \u00b7 {titles[k]}: {_short(row.cells[k].value)}"
                break
        out.append((row, label))
    return out


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def configure(env: Environment) -> None:
    env.filters.update(nice_date=nice_date, nice_time=nice_time, safe_url=safe_url, ref_authors=ref_authors)
    env.tests.update(ocr_damaged=ocr_damaged)
    env.filters.update(plain_note=plain_note)
    env.globals.update(ref_links=ref_links, item_quotes=item_quotes, reference=reference, STATE_CLASS=STATE_CLASS,
                       AUDIENCE_LABELS=AUDIENCE_LABELS, table_columns=table_columns, table_split=table_split,
                       row_more=row_more, VERDICT_LABELS=VERDICT_LABELS,
                       BADGE_STEPS=("Submitted", "Under Review", "Approved"), table_rows=table_rows,
                       threaded=_threaded)


def _threaded(rows):
    from curbside.interfaces.web.thread import threaded

    return threaded(list(rows))


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    configure(env)
    return env


def render_article_html(article: Article) -> str:
    """A complete, self-contained HTML page for one article (inline CSS, no JavaScript)."""
    css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
    return _env().get_template("standalone.html").render(article=article, css=css)
