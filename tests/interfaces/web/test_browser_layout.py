"""Layout in a real browser at a desk (1366x900), a tablet column (768x1024) and a phone (390x844) (issue 12): the
answer on the first screen, the Evidence Table (scroll cue and sticky first column, cards on a phone), citations in
context, the Library on a phone, and axe-core's accessibility rules on every page at both widths.

Debian's chromium driven by Playwright, against uvicorn on 127.0.0.1; never runs `playwright install`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.interfaces.web.test_e2e_browser import ARGS, CHROMIUM, _playwright, shot


def wait_true(page, js: str, timeout: float = 30.0) -> None:
    """Poll a page expression until it is true. Playwright's wait_for_function polls by evaluating a string inside
    the page, which the app's CSP (script-src 'self', no 'unsafe-eval') refuses whenever the first check is not
    already true; page.evaluate runs through the debugger protocol and is allowed."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(js):
        assert time.monotonic() < deadline, f"not true within {timeout:.0f} s: {js}"
        page.wait_for_timeout(50)

pytestmark = pytest.mark.browser

DESK, TABLET, PHONE = {"width": 1366, "height": 900}, {"width": 768, "height": 1024}, {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
COLUMNS = ("patients", "complete_response", "partial_response", "no_response", "overall_response", "survival",
           "time_to_response", "dosing", "adverse_events")


def _table_article(web) -> str:
    """An article as the engine writes one for a treatment question: a Bottom Line, sections, and a wide Evidence
    Table with two rows of one study and an OCR-damaged dose (invented values)."""
    from curbside.answer.models import BottomLine, EvidenceRow, Quote, Section, TableCell
    from curbside.corpus.models import Document, EvidenceLevel

    text = ("# Salvage therapy\n\nPatients with refractory disease were studied.\n\nATG 5 mg/kg/day: 12 patients, "
            "complete response 6/12. ATG 10 mg/kg/day: 12 patients, complete response 8/12. Etoposide 150 mg/m?2 "
            "weekly was given to 9 patients.\n\nToxicity was manageable.")
    web.engine.docs["pmid:333"] = Document(id="pmid:333", title="ATG and etoposide in refractory HLH", text=text,
                                           year=2018, pmid="333", evidence_level=EvidenceLevel.COHORT,
                                           publication_types=["Multicenter Study"])
    art = web.engine.ask("What are the treatment options for refractory HLH?", save=False)
    lead = art.sections[1].items[0].model_copy(deep=True)
    art.sections.insert(0, Section(title="Bottom Line", kind="bottom_line", items=[lead]))
    art.bottom_line = BottomLine(item=lead)
    n = next(r.n for r in art.references if r.document_id == "pmid:333")

    def cell(value: str) -> TableCell:
        at = text.index(value) if value in text else 0
        return TableCell(value=value, quote=Quote(document_id="pmid:333", passage_id="pmid:333#0", text=value,
                                                  start=at, end=at + len(value)))

    full = {k: cell(v) for k, v in zip(COLUMNS, ("12", "6/12", "2/12", "4/12", "8/12 (67%)", "10/12 alive at 1 year",
                                                 "14 days", "5 mg/kg/day", "fever and serum sickness in 5"))}
    art.evidence_table = [
        EvidenceRow(intervention="ATG (Mahlaoui et al.)", citation=n, cells={"setting": cell("refractory")} | full),
        EvidenceRow(intervention="ATG (Mahlaoui et al.)", citation=n, cells=full | {"dosing": cell("10 mg/kg/day"),
                                                                                     "complete_response": cell("8/12")}),
        EvidenceRow(intervention="Etoposide", citation=n, cells={"patients": cell("9"),
                                                                 "dosing": cell("150 mg/m?2 weekly")}),
    ]
    return web.engine.articles().save_new(art, author="carl").id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One server (fake engine) for the whole module, with an answered, a not-answered and a table article."""
    from curbside.interfaces.web.server import ServerThread
    from tests.interfaces.web.conftest import make_web
    from tests.interfaces.web.test_article_page import _abstained

    sync_playwright = _playwright()
    w = make_web(tmp_path_factory.mktemp("layout"))
    ids = {"table": _table_article(w), "abstained": _abstained(w), "plain": w.ask("carl")["id"]}
    with ServerThread(w.app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield w, server.url, browser, ids
        finally:
            browser.close()
    w.engine.close()


_STATES: dict = {}


def page_as(site, user: str, viewport: dict, **kw):
    """A new page signed in as `user` at this viewport (one login per user, its cookies reused)."""
    from tests.interfaces.web.conftest import PASSWORD

    _, url, browser, _ = site
    if user not in _STATES:
        ctx = browser.new_context(viewport=DESK)
        page = ctx.new_page()
        page.goto(url + "/login")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(url + "/")
        _STATES[user] = ctx.storage_state()
        ctx.close()
    ctx = browser.new_context(viewport=viewport, storage_state=_STATES[user], **kw)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_the_answer_is_on_the_first_screen(site, viewport):
    _, url, _, ids = site
    page = page_as(site, "carl", viewport)
    page.goto(f"{url}/articles/{ids['table']}")
    y = page.evaluate("document.querySelector('.kind-bottom_line h2').getBoundingClientRect().top")
    text_bottom = page.evaluate("document.querySelector('.kind-bottom_line .item-text').getBoundingClientRect().bottom")
    print(f"first answer heading y={y:.0f}, bottom-line text ends y={text_bottom:.0f} at {viewport['width']}px")
    assert y < (300 if viewport is DESK else 340), y
    assert text_bottom < viewport["height"], text_bottom      # the bottom line itself is readable without scrolling
    assert no_sideways_scroll(page)
    shot(page, f"layout-first-screen-{viewport['width']}")
    page.context.close()


def test_evidence_table_at_tablet_width_has_a_cue_and_a_sticky_first_column(site):
    _, url, _, ids = site
    page = page_as(site, "carl", TABLET)
    page.goto(f"{url}/articles/{ids['table']}")
    assert no_sideways_scroll(page)                   # the page itself never scrolls sideways
    wrap = page.locator(".evidence-table .table-wrap")
    assert wrap.is_visible() and not page.locator(".evidence-cards").is_visible()
    wide = page.evaluate("(() => { const w = document.querySelector('.evidence-table .table-wrap');"
                         " return [w.scrollWidth, w.clientWidth]; })()")
    assert wide[0] > wide[1], wide                    # wider than its column...
    assert page.locator("#table-cue").is_visible()    # ...and the reader is told so
    assert "scroll it sideways" in page.inner_text("#table-cue")
    # scrolled to the end, the intervention column is still in view, beside the Source column
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    first = page.locator(".evidence-table tbody th[scope=row]").first.bounding_box()
    box = wrap.bounding_box()
    assert abs(first["x"] - box["x"]) < 3, (first, box)
    src = page.locator(".evidence-table tbody tr td:last-child").first.bounding_box()
    assert src["x"] + src["width"] <= box["x"] + box["width"] + 2
    assert "row 2 of 2 · Dosing: 10 mg/kg/day" in page.inner_text(".evidence-table tbody")
    assert page.locator(".evidence-table td.ocr-damaged .ocr-flag").count() == 1
    shot(page, "layout-table-768")
    page.context.close()


def test_evidence_table_on_a_desk_keeps_key_columns_and_opens_the_others_per_row(site):
    _, url, _, ids = site
    page = page_as(site, "carl", DESK)
    page.goto(f"{url}/articles/{ids['table']}")
    heads = page.locator(".evidence-table thead th").all_inner_texts()
    assert heads == ["Intervention", "Setting", "N", "Overall response", "Dosing", "More", "Source"], heads
    wrap = page.locator(".evidence-table .table-wrap")
    fits = page.evaluate("(() => { const w = document.querySelector('.evidence-table .table-wrap');"
                         " return w.scrollWidth <= w.clientWidth + 1; })()")
    assert fits and not page.locator("#table-cue").is_visible()     # every key column in view, no cue needed
    first = page.locator(".evidence-table tbody tr").first
    assert first.locator("td").first.inner_text().strip() == "refractory"          # the row's setting, verbatim
    assert page.locator(".evidence-table tbody tr").nth(2).locator("td").first.inner_text().strip() == ""  # unsaid
    more = first.locator("details.row-more")
    assert not more.locator("dl").is_visible()
    more.locator("summary").click()
    dl = more.locator("dl")
    assert dl.is_visible()
    text = " ".join(dl.inner_text().split())
    for label, value in (("CR", "6/12"), ("PR", "2/12"), ("Survival", "10/12 alive at 1 year"),
                         ("Adverse events", "fever and serum sickness in 5")):
        assert f"{label} {value}" in text, text
    box, w = dl.bounding_box(), wrap.bounding_box()
    assert box["x"] + box["width"] <= w["x"] + w["width"] + 1, (box, w)
    assert no_sideways_scroll(page) and not serious_violations(page)
    shot(page, "layout-table-more-1366")
    page.context.close()


def test_evidence_table_on_a_phone_is_cards(site):
    _, url, _, ids = site
    page = page_as(site, "carl", PHONE)
    page.goto(f"{url}/articles/{ids['table']}")
    assert no_sideways_scroll(page)
    assert not page.locator(".evidence-table .table-wrap").is_visible()
    cards = page.locator(".evidence-cards .ev-card")
    assert cards.count() == 3 and cards.first.is_visible()
    first = cards.first.inner_text()
    for label in ("Setting", "N", "CR", "Dosing", "Adverse events", "Source"):   # every column of the row is on its card
        assert label in first, label
    assert "Damaged text" in cards.nth(2).inner_text()
    assert page.evaluate("document.querySelector('.evidence-cards').scrollWidth <= "
                         "document.querySelector('.evidence-cards').clientWidth + 1")
    shot(page, "layout-table-cards-390")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_citation_in_context_and_view_in_source(site, viewport):
    """'View in source' opens the stored document at the quote in a modal panel: beside the article on a desk, a
    bottom sheet on a phone; focus moves into it, Escape (or Close) closes it and focus goes back to the link."""
    _, url, _, ids = site
    page = page_as(site, "carl", viewport)
    page.goto(f"{url}/articles/{ids['table']}")
    article_url = page.url
    cite = page.locator("details.cite[id^='cite-0-0-']").first
    cite.locator("summary").click()
    pop = cite.locator(".quote-pop")
    assert pop.is_visible() and pop.locator("mark.quoted").is_visible()
    box = pop.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, box    # never off-screen
    quoted = pop.locator("mark.quoted").first.inner_text().strip()
    pop.locator("a.view-source").click()
    panel = page.locator("dialog#source-panel")
    panel.locator(".source-text mark").wait_for()
    assert page.url == article_url                                   # no navigation: the article stays behind
    assert page.evaluate("document.getElementById('source-panel').matches(':modal')")
    assert panel.get_attribute("aria-labelledby") == "sp-title"
    title = panel.locator("#sp-title").inner_text()
    assert title and title != "Source" and title in pop.inner_text(), title        # the cited document's title
    assert page.evaluate("document.getElementById('source-panel').contains(document.activeElement)")
    mark = panel.locator(".source-text mark")
    assert mark.inner_text().strip() == quoted, (mark.inner_text(), quoted)          # the exact cited span
    m, p = mark.bounding_box(), panel.bounding_box()
    assert p["y"] <= m["y"] and m["y"] + m["height"] <= p["y"] + p["height"] + 1, (m, p)   # scrolled into view
    if viewport is DESK:          # a side panel on the right, the full height, the article still visible beside it
        assert abs(p["x"] + p["width"] - viewport["width"]) <= 1 and p["x"] >= viewport["width"] / 3, p
        assert p["height"] >= viewport["height"] - 1, p
    else:                         # a bottom sheet: the full width, at the bottom, not the whole screen
        assert p["width"] >= viewport["width"] - 1 and abs(p["y"] + p["height"] - viewport["height"]) <= 1, p
        assert p["y"] > 0, p
    assert panel.locator("a.sp-page").get_attribute("href").startswith("/library/source?")
    assert no_sideways_scroll(page) and not serious_violations(page)
    shot(page, f"layout-source-panel-{viewport['width']}")
    page.keyboard.press("Escape")
    wait_true(page, "!document.getElementById('source-panel').open")
    assert page.evaluate("document.activeElement.classList.contains('view-source')")     # focus back on the link
    assert cite.evaluate("d => d.open")                              # the citation it came from is still open
    page.keyboard.press("Enter")                                     # open again from the keyboard, close with Close
    panel.locator(".source-text mark").wait_for()
    panel.locator("button.sp-close").click()
    wait_true(page, "!document.getElementById('source-panel').open")
    assert page.evaluate("document.activeElement.classList.contains('view-source')")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_view_in_source_without_javascript_opens_the_source_page(site, viewport):
    _, url, _, ids = site
    page = page_as(site, "carl", viewport, java_script_enabled=False)
    page.goto(f"{url}/articles/{ids['table']}")
    cite = page.locator("details.cite[id^='cite-0-0-']").first
    cite.locator("summary").click()
    with page.expect_navigation():
        cite.locator(".quote-pop a.view-source").click()
    assert "/library/source" in page.url and page.url.endswith("#quote")
    mark = page.locator("mark#quote")
    assert mark.is_visible() and mark.inner_text().strip()
    top = mark.bounding_box()["y"]
    assert 0 <= top < viewport["height"], top          # scrolled to the quote
    assert page.locator("a", has_text="Back to the article").count() == 1
    assert no_sideways_scroll(page)
    page.context.close()


def test_library_on_a_phone(site):
    w, url, _, _ = site
    from curbside.corpus.models import Document, EvidenceLevel

    for i in range(12):
        did = f"doi:10.1000/a-very-long-identifier-of-a-source-{i}-with-no-spaces-in-it"
        w.engine.docs[did] = Document(id=did, title=f"Invented source {i} on a long topic name", text="x", year=2020,
                                      evidence_level=EvidenceLevel.CASE_SERIES)
    page = page_as(site, "admin", PHONE)
    page.goto(url + "/library")
    assert no_sideways_scroll(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"library page height at 390px with {len(w.engine.docs)} sources: {height}px")
    assert height < 14 * 400, height          # ids no longer break one character a line
    ident = page.locator(".library-list .doc-id").first
    assert ident.is_visible()
    assert ident.bounding_box()["height"] < 70       # at most a few lines
    shot(page, "layout-library-390")
    page.context.close()


PAGES = [("carl", "/"), ("carl", "/articles/{table}"), ("carl", "/articles/{abstained}"), ("carl", "/articles"),
         ("carl", "/library"), ("carl", "/library/source?id=pmid:333&start=0&end=17"), ("rita", "/review"),
         ("rita", "/articles/{plain}"), ("rita", "/articles/{plain}/compare"), ("admin", "/admin"), ("carl", "/account"), ("carl", "/no-such-page"),
         (None, "/login")]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_follow_up_thread_in_the_browser(site, viewport):
    """A qualifying follow-up shows its interpretation, editable, is answered as edited, and sits in the thread."""
    w, url, _, ids = site
    page = page_as(site, "carl", viewport)
    page.goto(f"{url}/articles/{ids['table']}")
    page.fill("#fu-question", "What about in adults with EBV-driven disease?")
    page.click("#follow-up-form button[type=submit]")
    page.wait_for_selector("#interpret-form")
    got = page.input_value("#interpreted")
    assert got == "What are the treatment options for refractory HLH in adults with EBV-driven disease?", got
    assert no_sideways_scroll(page) and not serious_violations(page)
    page.fill("#interpreted", got.replace("adults", "adults over 40"))
    page.click("#ask-interpreted")
    page.wait_for_selector("nav.thread")
    assert "adults over 40 with EBV-driven disease" in page.inner_text("h1")
    assert "Follow-up to What are the treatment options for refractory HLH?" in page.inner_text("nav.thread")
    page.click("nav.thread a")
    page.wait_for_selector("#thread-replies")
    assert "adults over 40" in page.inner_text("#thread-replies")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_approver_credentials_on_the_published_article(site, viewport):
    """A reader sees who approved the article with their credentials on its compact first line."""
    from tests.interfaces.web.conftest import PASSWORD

    w, url, _, ids = site
    if w.ctx.accounts.user("ann") is None:
        w.ctx.accounts.add_user("ann", PASSWORD, "reviewer", "Dr A. Smith", "MD, Consultant Haematologist")
        w.tokens["ann"] = w.ctx.accounts.create_token(w.ctx.accounts.user("ann"), "test")[0]
        ids["approved"] = w.ask("carl")["id"]
        assert w.act("ann", ids["approved"], "start_review").status_code == 200
        assert w.act("ann", ids["approved"], "approve").status_code == 200
    page = page_as(site, "rhea", viewport)
    page.goto(f"{url}/articles/{ids['approved']}")
    line = page.locator(".approval")
    assert line.is_visible()
    assert "Approved for clinicians by Dr A. Smith, MD, Consultant Haematologist on" in " ".join(line.inner_text().split())
    assert line.bounding_box()["y"] + line.bounding_box()["height"] < viewport["height"] / 2    # on the first screen
    assert no_sideways_scroll(page) and not serious_violations(page)
    page.context.close()


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_axe_finds_no_serious_or_critical_violation(site, viewport):
    _, url, browser, ids = site
    axe = AXE.read_text(encoding="utf-8")
    found, counts = [], {}
    for user, path in PAGES:
        path = path.format(**ids)
        if user is None:
            ctx = browser.new_context(viewport=viewport)
            page = ctx.new_page()
        else:
            page = page_as(site, user, viewport)
        page.goto(url + path)
        page.evaluate(axe)                 # evaluated by the browser, not injected into the page (its CSP holds)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        counts[path] = (len(result["violations"]), len(bad), [v["id"] for v in result["violations"]])
        found += [f"{path}: {v['id']} ({v['impact']}): {v['help']} -- "
                  + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                              for n in v["nodes"][:3]) for v in bad]
        page.context.close()
    print(f"axe at {viewport['width']}px, (violations, serious or critical) per page: {counts}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_inline_error_and_announced_progress(site, viewport):
    _, url, _, _ = site
    page = page_as(site, "carl", viewport)
    page.goto(url + "/")
    page.fill("#question", "   ")              # passes the browser's `required`, refused by the server
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-error")
    assert page.url.endswith("/ask")
    assert page.locator("#error-summary").is_visible() and "is empty" in page.inner_text("#ask-error")
    assert page.locator("header.site nav a[href='/library']").is_visible() and no_sideways_scroll(page)
    assert not serious_violations(page)
    # while a question is answered the live region says so and the button is disabled (navigation held back here)
    page.evaluate("document.getElementById('ask-form').addEventListener('submit', e => e.preventDefault())")
    page.fill("#question", "What treats refractory HLH?")
    page.click("#ask-form button[type=submit]")
    wait_true(page, "document.getElementById('ask-progress').textContent.length > 0")
    text = page.inner_text("#ask-progress")
    assert text.startswith("Searching ") and "sources" in text and page.locator("#ask-progress").is_visible()
    wait_true(page, "document.querySelector('#ask-form button[type=submit]').disabled")
    page.context.close()
