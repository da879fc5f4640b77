"""End to end in a real browser: Debian's chromium driven by Playwright, against uvicorn on 127.0.0.1.

log in -> ask -> read the article -> switch audience -> open a citation's quote -> ask a follow-up -> submit ->
a reviewer requests changes -> a new version -> approved -> shown as published to a reader.
Screenshots go to artifacts/screenshots/ (not committed). Never runs `playwright install`."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CURBSIDE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
SHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (the Python package) is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    return sync_playwright


def _has_engine() -> bool:
    try:
        import curbside.engine  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(params=["real", "fake"])
def live(tmp_path, request):
    """The app on the real Engine (small invented corpus) and, for the page details, on the fake engine."""
    from curbside.interfaces.web.server import ServerThread
    from tests.interfaces.web.conftest import make_web

    if request.param == "real" and not _has_engine():
        pytest.skip("curbside.engine is not importable")
    w = make_web(tmp_path, real=request.param == "real")
    with ServerThread(w.app) as server:
        yield w, server.url, request.param


@pytest.fixture
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(browser, url: str, user: str):
    from tests.interfaces.web.conftest import PASSWORD

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/")
    assert "/login" in page.url
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/")
    return page


def test_review_flow_in_chromium(live, browser):
    w, url, kind = live
    real = kind == "real"
    question = "What is the treatment of invented fever syndrome?" if real else \
        "What are the treatment options for refractory HLH?"
    follow_up = "What is the dose of zentamycin?" if real else "What is the dose of emapalumab?"
    errors: list[str] = []

    # a clinician logs in and asks
    carl = login(browser, url, "carl")
    carl.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    carl.on("pageerror", lambda e: errors.append(str(e)))
    shot(carl, f"{kind}-01-ask")
    carl.fill("#question", question)
    carl.check("input[name=audience][value=clinician]")
    started = time.monotonic()
    carl.click("#ask-form button[type=submit]")
    carl.wait_for_url(url + "/articles/*")
    carl.locator(".article-section .item-text").first.wait_for()
    first_text = time.monotonic() - started
    load = carl.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                         " return [n.responseEnd - n.startTime, n.loadEventEnd - n.startTime]; })()")
    print(f"\n[{kind}] ask to first answer text {first_text * 1000:.0f} ms; article page response "
          f"{load[0]:.0f} ms, load event {load[1]:.0f} ms")
    assert first_text < 30, first_text
    article_url = carl.url.split("?")[0]
    aid = article_url.rsplit("/", 1)[1]
    assert carl.inner_text("h1") == question
    assert "pending human review" in carl.inner_text(".caution")
    assert carl.text_content(".steps [aria-current=step]") == "Submitted" and "Submitted" in carl.inner_text("#article-meta .badge")
    assert carl.locator(".article-section h2").count() >= 2
    shot(carl, f"{kind}-02-article")

    # the answer comes first: the compact status line, then the first section, then the audience switch
    top = carl.evaluate("() => [document.querySelector('#article-meta').getBoundingClientRect().top, "
                        "document.querySelector('.article-section').getBoundingClientRect().top, "
                        "document.querySelector('#audience-form').getBoundingClientRect().top]")
    assert top[0] < top[1] < top[2], top
    # switch audience: choosing a radio button (arrow keys included) changes nothing until Update (WCAG 3.2.2)
    carl.focus("#audience-form input[value=clinician]")
    carl.keyboard.press("ArrowDown")
    carl.check("#audience-form input[value=patient]")
    carl.wait_for_timeout(300)
    assert "audience=" not in carl.url
    carl.click("#audience-update")
    carl.wait_for_url("**audience=patient**")
    assert carl.locator("#audience-form input[value=patient]").is_checked()
    if real:
        assert "not medical advice" in carl.inner_text("article")
    else:
        assert "patient explanation" in carl.inner_text("article")
    shot(carl, f"{kind}-03-audience-patient")
    carl.goto(article_url)

    # open a citation: the exact quote and a PubMed/DOI link appear
    cite = carl.locator("details.cite").first
    quote = cite.locator(".quote-pop")
    assert not quote.is_visible()
    cite.locator("summary").click()
    assert quote.is_visible()
    assert quote.locator(".quoted").first.inner_text().strip()      # the quote, marked inside its source context
    assert quote.locator("a[href^='https://']").count() >= 1
    shot(carl, f"{kind}-04-citation-quote")
    carl.keyboard.press("Escape")

    # ask a follow-up
    carl.fill("#fu-question", follow_up)
    carl.click("#follow-up-form button[type=submit]")
    carl.wait_for_url(lambda u: "/articles/" in u and aid not in u)
    assert "Follow-up to" in carl.inner_text("article")
    shot(carl, f"{kind}-05-follow-up")

    # submit the first article for review
    carl.goto(article_url)
    carl.fill("#submit-note", "Please check the salvage options.")
    carl.click("#submit-for-review")
    carl.wait_for_url("**msg=submitted**")
    assert "in the review queue" in carl.inner_text("#review")

    # a reviewer finds it in the queue and requests changes
    rita = login(browser, url, "rita")
    rita.goto(url + "/review")
    shot(rita, f"{kind}-06-review-queue")
    rita.click(f"a[href='/articles/{aid}']")
    rita.click("#action-start_review")
    rita.wait_for_url("**msg=review**")
    assert rita.inner_text("#workflow-state") == "Under Review"
    assert rita.locator("#action-approve").count() == 1
    rita.fill("#review-note", "Please restrict the question to adults.")
    rita.click("#action-request_changes")
    rita.wait_for_url("**msg=changes**")
    assert rita.inner_text("#workflow-state") == "Changes requested"
    rita.select_option("#comment-target", "0-0")
    rita.fill("#comment-body", "Which trial supports this sentence?")
    rita.click("#comment-form button[type=submit]")
    rita.wait_for_url("**msg=comment**")
    assert "Which trial supports this sentence?" in rita.inner_text(".sentence-comments")
    shot(rita, f"{kind}-07-changes-requested")

    # the author makes a new version (goes Under Review); they cannot approve it themselves
    carl.goto(article_url)
    assert carl.locator("details.revise").get_attribute("open") is not None
    carl.fill("#revise-question", question.rstrip("?") + " in adults?")
    carl.fill("#revise-note", "Restricted to adults as asked.")
    carl.click("#create-version")
    carl.wait_for_url("**msg=version**")
    assert carl.inner_text("#workflow-state") == "Under Review"
    assert carl.locator("#action-approve").count() == 0
    assert "in adults" in carl.inner_text("h1")

    # the reviewer approves version 2
    rita.goto(article_url)
    rita.fill("#review-note", "Checked against the sources.")
    rita.click("#action-approve")
    rita.wait_for_url("**msg=approved**")
    assert rita.text_content(".steps [aria-current=step]") == "Approved" and "Approved" in rita.inner_text("#article-meta .badge")
    shot(rita, f"{kind}-08-approved")

    # a reader sees it published: approved, no caution, no review tools
    rhea = login(browser, url, "rhea")
    assert rhea.locator(f"a[href='/articles/{aid}']").count() == 1     # listed on the home page
    shot(rhea, f"{kind}-09-reader-home")
    rhea.click(f"a[href='/articles/{aid}']")
    assert rhea.text_content(".steps [aria-current=step]") == "Approved" and "Approved" in rhea.inner_text("#article-meta .badge")
    assert rhea.locator(".caution").count() == 0
    assert "by rita" in rhea.inner_text(".approval") and "Approved for clinicians" in rhea.inner_text(".approval")
    assert rhea.locator("#review").count() == 0 and rhea.locator("#follow-up-form").count() == 0
    assert "in adults" in rhea.inner_text("h1")
    shot(rhea, f"{kind}-10-reader-article")
    rhea.goto(url + "/library")
    shot(rhea, f"{kind}-11-library")

    # phone-sized screen and print media still show the article
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=rhea.context.storage_state())
    pp = phone.new_page()
    pp.goto(article_url)
    assert pp.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(pp, f"{kind}-12-phone-article")
    pp.emulate_media(media="print")
    assert not pp.locator("header.site").is_visible() and pp.locator("article h1").is_visible()
    phone.close()

    # an admin page and sign-out
    admin = login(browser, url, "admin")
    admin.goto(url + "/admin")
    assert "Audit log" in admin.inner_text("main")
    shot(admin, f"{kind}-13-admin")
    admin.click("form.logout button")
    admin.wait_for_url("**/login**")

    assert w.ctx.articles.summary(aid).state == "Approved"
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
