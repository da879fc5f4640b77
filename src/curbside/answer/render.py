"""Render an Article as plain text, Markdown or JSON (HTML: interfaces/web/render.py)."""

from __future__ import annotations

import json
import textwrap

from curbside.answer.models import Article, Reference


def _date(article: Article) -> str:
    return article.generated_at[:10]


def reference_line(r: Reference) -> str:
    authors = ", ".join(r.authors[:3]) + (" et al." if len(r.authors) > 3 else "") if r.authors else ""
    ids = []
    if r.pmid:
        ids.append(f"PMID {r.pmid}")
    if r.doi:
        ids.append(f"doi:{r.doi}")
    if r.url and not r.pmid and not r.doi:
        ids.append(r.url)
    parts = [p for p in (authors, r.title.rstrip(".") + ".", r.journal, str(r.year) if r.year else "") if p]
    line = " ".join(p if p.endswith(".") else p + "." for p in parts)
    if ids:
        line += " " + "; ".join(ids) + "."
    label = r.evidence_label or r.evidence_level
    return f"{line} [{label}]" if label else line


def _cite(ns: list[int]) -> str:
    return " [" + ", ".join(str(n) for n in ns) + "]" if ns else ""


def _status_line(article: Article) -> str:
    return f"Status: {article.status}" + ("" if article.status == "Approved" else " \u2014 pending human review")


def to_text(article: Article, width: int = 100) -> str:
    out = [article.title or article.question, "=" * min(width, len(article.title or article.question)),
           _status_line(article), article.caution, f"Last updated: {_date(article)}"]
    if article.id:
        out.append(f"Article id: {article.id}")
    if article.pubmed_note:
        out.append(article.pubmed_note)
    for section in article.sections:
        out += ["", section.title, "-" * len(section.title)]
        for item in section.items:
            label = f"{item.label}: " if item.label else ""
            body = f"{label}{item.text}{_cite(item.citations)}"
            if item.evidence:
                body += f" (Evidence: {item.evidence})"
            out.append(textwrap.fill(body, width, initial_indent="  \u2022 ", subsequent_indent="    "))
            if item.context:       # where the quote sits ("Second-Line: IL-1 Inhibitors"), as the web page shows it
                out.append(textwrap.fill(f"in: {' '.join(item.context.split())}", width, initial_indent="      ",
                                         subsequent_indent="      "))
    if article.evidence_table:
        out += ["", "Evidence Table", "-" * 14] + _table_lines(article, plain=True)
    if article.follow_ups:
        out += ["", "Suggested follow-up questions", "-" * 29] + [f"  ? {q}" for q in article.follow_ups]
    if article.references:
        out += ["", "References", "-" * 10]
        for r in article.references:
            out.append(textwrap.fill(f"{r.n}. {reference_line(r)}", width, subsequent_indent="   "))
    out += ["", "Disclaimer", "-" * 10, textwrap.fill(article.disclaimer, width)]
    if article.verification.checked:
        v = article.verification
        out.append(f"\nVerified: {v.checked} statements checked against their quoted sources"
                   + ("" if v.passed else f"; {len(v.failures)} FAILED"))
    return "\n".join(out) + "\n"


def to_markdown(article: Article) -> str:
    out = [f"# {article.title or article.question}", "",
           f"**{_status_line(article)}**  ", f"_{article.caution}_  ", f"Last updated: {_date(article)}"]
    if article.id:
        out[-1] += f"  \nArticle id: `{article.id}`"
    if article.pubmed_note:
        out[-1] += f"  \n_{_md_escape(article.pubmed_note)}_"
    for section in article.sections:
        out += ["", f"## {section.title}", ""]
        for item in section.items:
            label = f"**{item.label}**: " if item.label else ""
            ev = f" _(Evidence: {item.evidence})_" if item.evidence else ""
            out.append(f"- {label}{_md_escape(item.text)}{_cite(item.citations)}{ev}")
    if article.evidence_table:
        out += ["", "## Evidence Table", ""] + _table_lines(article, plain=False)
    if article.follow_ups:
        out += ["", "## Suggested follow-up questions", ""] + [f"- {q}" for q in article.follow_ups]
    if article.references:
        out += ["", "## References", ""] + [f"{r.n}. {_md_escape(reference_line(r))}" for r in article.references]
    out += ["", "## Disclaimer", "", article.disclaimer, ""]
    return "\n".join(out)


def table_columns(article: Article) -> list[str]:
    from curbside.answer.evidence_table import COLUMNS

    present = {c for row in article.evidence_table for c in row.cells}
    return [c for c in COLUMNS if c in present]


def _table_lines(article: Article, plain: bool) -> list[str]:
    """Markdown table (also readable as plain text); each cell cites its reference and quote offsets in JSON. A cell
    quoted in several parts (an OCR'd table cell interleaved with other columns) shows its value: the parts joined
    by a space."""
    from curbside.answer.evidence_table import COLUMN_TITLES

    cols = table_columns(article)
    head = ["Intervention", *(COLUMN_TITLES[c] for c in cols), "Source"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sources: list[str] = []
    for r, row in enumerate(article.evidence_table, 1):
        cells = []
        for c in cols:
            cell = row.cells.get(c)
            value = _md_escape(" ".join(cell.value.replace("|", "/").split())) if cell else ""
            if cell and not plain:          # the value links to where it is quoted (listed under the table)
                anchor = f"tq-{r}-{c}"
                value = f"[{value}](#{anchor})"
                where = "; ".join(f"{q.document_id} characters {q.start}-{q.end}: \u201c{_md_escape(' '.join(q.text.split()))}\u201d"
                                  for q in cell.parts())
                if cell.context is not None:
                    where += f" \u2014 in: \u201c{_md_escape(' '.join(cell.context.text.split()))}\u201d"
                sources.append(f'- <a id="{anchor}"></a>{_md_escape(row.intervention)}, '
                               f'{COLUMN_TITLES[c]} [{row.citation}]: {where}')
            cells.append(value)
        lines.append("| " + " | ".join([row.intervention, *cells, f"[{row.citation}]"]) + " |")
    if plain:
        return ["  " + ln for ln in lines]
    if sources:
        lines += ["", "<details><summary>Where each cell is quoted</summary>", "", *sources, "", "</details>"]
    return lines


def _md_escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def to_json(article: Article) -> str:
    return json.dumps(article.model_dump(), ensure_ascii=False, indent=2)


def render(article: Article, fmt: str) -> str:
    if fmt == "json":
        return to_json(article)
    if fmt == "markdown":
        return to_markdown(article)
    if fmt == "html":
        from curbside.interfaces.web.render import render_article_html

        return render_article_html(article)
    return to_text(article)
