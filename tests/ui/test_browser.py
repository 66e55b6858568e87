"""One real-browser flow: sign in, draft a reply for a demo ticket, see citations and the confidence badge,
give a 👎 with a reason, and find that feedback row in SQLite. Also takes a screenshot: under the
test's tmp dir, or at $SCREENSHOT_PATH (`make docs` refreshes docs/screenshot.png that way).

Drives Debian's chromium (never a Playwright browser download) against `streamlit run ui/app.py`
on a free 127.0.0.1 port, with the demo help center ingested into a fresh data dir.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
WARM_UP_TICKET = "How do I reset my password?"
TICKET = (
    "Refund still not on the card",
    "Hi, I refunded an order yesterday. How long do card refunds take to "
    "reach my customer? They keep asking me.\n\nThanks, Sam",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: install Debian's chromium (make browser-deps)")
    from deflectkit.app import Services
    from deflectkit.cli.ui_cmds import child_env, streamlit_command
    from ui.services import make_settings

    root = tmp_path_factory.mktemp("browser")
    settings = make_settings(_env_file=None, data_dir=root / "data")
    services = Services(settings)
    report = services.ingest([REPO / "demo" / "helpcenter"], actor="test")
    assert report.new_version and not report.errors, report.errors
    services.feedback.users.add("ana", "agent", password="agent-pass-1", actor="test")
    services.feedback.close()

    port = free_port()
    # As `make run` serves the demo: with the demo help center's own calibrated base rate.
    env = child_env(None, {**os.environ, "DEFLECT_DATA_DIR": str(settings.data_dir),
                           "DEFLECT_CALIBRATION_PROFILE": "tickets"})
    log = (root / "streamlit.log").open("w")
    proc = subprocess.Popen(
        streamlit_command(port, "127.0.0.1"), env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited: {(root / 'streamlit.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not become healthy within 90 s")
        yield url, settings.feedback_db_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_agent_drafts_a_cited_reply_and_gives_a_thumbs_down(app_url, tmp_path):
    shot = Path(os.environ.get("SCREENSHOT_PATH") or tmp_path / "screenshot.png")
    from playwright.sync_api import expect, sync_playwright

    url, feedback_db = app_url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(url)
            page.get_by_role("textbox", name="User name").fill("ana")
            page.get_by_role("textbox", name="Password").fill("agent-pass-1")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Agent desk")).to_be_visible()

            # A first ticket: a fresh server may still be loading the embedding model and the PII redactor.
            page.get_by_label("Customer message").fill(WARM_UP_TICKET)
            page.get_by_role("button", name="Draft reply").click()
            expect(page.locator(".st-key-dk-draft")).to_be_visible(timeout=180_000)

            page.get_by_label("Subject").fill(TICKET[0])
            page.get_by_label("Customer message").fill(TICKET[1])
            page.get_by_role("button", name="Draft reply").click()
            chip = page.locator(".dk-chip").first
            expect(page.get_by_text("business days").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("confidence", exact=False).first).to_be_visible()
            assert "business days" in page.locator(".st-key-dk-draft").inner_text()
            assert "Refund" in (chip.get_attribute("title") or "")
            expect(page.get_by_role("button", name="Use draft")).to_be_visible()
            page.wait_for_timeout(500)  # let the status box collapse before the picture
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1360, "height": 660})

            page.get_by_role("radio", name="Thumbs down").click()
            page.get_by_role("combobox", name="What was wrong?").click()
            page.get_by_role("option", name="Outdated source").click()
            page.get_by_label("Comment (optional)").fill("policy changed last month")
            page.get_by_role("button", name="Send feedback").click()
            expect(page.get_by_text("feedback recorded", exact=False)).to_be_visible()
        finally:
            browser.close()

    with sqlite3.connect(feedback_db) as db:
        rows = db.execute(
            "SELECT f.user, f.thumbs, f.reason, f.comment, i.decision, i.ticket FROM feedback f "
            "JOIN interactions i USING (request_id)"
        ).fetchall()
        interactions = db.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]
    assert interactions == 2  # every draft is recorded, with or without feedback
    assert [r[:5] for r in rows] == [
        ("ana", "down", "outdated_source", "policy changed last month", "answer")
    ]
    assert "card refunds" in rows[0][5]
    assert shot.stat().st_size < 300_000
