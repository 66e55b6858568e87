"""Real-browser flows: sign in, draft a reply for a demo ticket, open a citation by keyboard, copy the
draft with "Use draft", reload (F5) and keep the session and the draft, give a 👎 with a reason, and
find those rows in SQLite; a new ticket resets the escalation form; escalate -> the escalation queue ->
claim -> resolve; an SSO header from outside the proxy is refused. Also takes a screenshot: under the
test's tmp dir, or at $SCREENSHOT_PATH (`make docs` refreshes docs/screenshot.png that way).

Drives Debian's chromium (never a Playwright browser download) against `streamlit run ui/app.py`
on a free 127.0.0.1 port, with the demo help center ingested into a fresh data dir.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import CHROMIUM
from tests.ui.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WARM_UP_TICKET = "How do I reset my password?"
TICKET = (
    "Refund still not on the card",
    "Hi, I refunded an order yesterday. How long do card refunds take to "
    "reach my customer? They keep asking me.\n\nThanks, Sam",
)


PROXY = "10.9.9.9"


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
    # As `make run` serves the demo: with the demo help center's own calibrated base rate. SSO is on, with
    # a proxy address that is not this machine: a header sent from here must not sign anyone in.
    env = child_env(None, {**os.environ, "DEFLECT_DATA_DIR": str(settings.data_dir),
                           "DEFLECT_CALIBRATION_PROFILE": "tickets",
                           "DEFLECT_TRUSTED_USER_HEADER": "X-Forwarded-User", "DEFLECT_TRUSTED_PROXIES": PROXY},
                    sso=True)
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


def sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill("ana")
    page.get_by_role("textbox", name="Password").fill("agent-pass-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Agent desk")).to_be_visible()


def ticket_in_url(page) -> str | None:
    return page.evaluate("new URL(location.href).searchParams.get('ticket')")


def draft(page, body: str, timeout: int = 60_000) -> str:
    """Draft a reply and wait until this ticket (a new id in the URL) is on screen; returns its id."""
    before = ticket_in_url(page)
    page.get_by_label("Customer message").fill(body)
    page.get_by_role("button", name="Draft reply").click()
    page.wait_for_function(f"new URL(location.href).searchParams.get('ticket') && "
                           f"new URL(location.href).searchParams.get('ticket') !== {json.dumps(before)}",
                           timeout=timeout)
    idle(page)  # the URL changes mid-run: wait for the run to finish, or a stale widget may be clicked
    expect(page.locator(".st-key-dk-draft")).to_be_visible()
    return ticket_in_url(page)


def idle(page) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning")


def new_page(browser, **context):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, **context)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return page


def test_agent_drafts_a_cited_reply_and_gives_a_thumbs_down(app_url, browser, tmp_path):
    shot = Path(os.environ.get("SCREENSHOT_PATH") or tmp_path / "screenshot.png")
    url, feedback_db = app_url
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, url)

    # A first ticket: a fresh server may still be loading the embedding model and the PII redactor.
    page.get_by_label("Customer message").fill(WARM_UP_TICKET)
    page.get_by_role("button", name="Draft reply").click()
    expect(page.locator(".st-key-dk-draft")).to_be_visible(timeout=180_000)

    page.get_by_label("Subject").fill(TICKET[0])
    page.get_by_label("Customer message").fill(TICKET[1])
    page.get_by_role("button", name="Draft reply").click()
    expect(page.locator(".dk-draft")).to_contain_text("business days", timeout=60_000)
    expect(page.get_by_text("confidence", exact=False).first).to_be_visible()
    chip = page.locator(".dk-cite").first
    assert "Refund" in (chip.get_attribute("aria-label") or "")
    expect(page.get_by_role("button", name="Use draft")).to_be_visible()
    page.wait_for_timeout(500)  # let the status box collapse before the picture
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1360, "height": 660})

    # A citation opens by keyboard: Tab from the "Draft reply" button reaches the first chip, which shows
    # its exact passage.
    card = chip.locator(".dk-card")
    expect(card).to_be_hidden()
    page.get_by_role("button", name="Draft reply").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('dk-cite')"):
            break
    expect(chip).to_be_focused()
    expect(card).to_be_visible()
    assert "refund" in card.inner_text().lower()
    page.keyboard.press("Tab")  # on to the next chip (or out of the draft): the first card closes
    expect(card).to_be_hidden()

    # "Use draft" copies the reply (no [n] markers) and records the send.
    page.get_by_role("button", name="Use draft").click()
    expect(page.get_by_text("recorded as sent as-is", exact=False)).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "business days" in copied and "[1]" not in copied

    # F5: still signed in, the same ticket and its done state on screen.
    page.reload()
    expect(page.get_by_role("heading", name="Agent desk")).to_be_visible()
    expect(page.locator(".dk-draft")).to_contain_text("business days", timeout=60_000)
    expect(page.get_by_role("button", name="✓ Sent · copy again")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)

    page.get_by_role("radio", name="Thumbs down").click()
    page.get_by_role("combobox", name="What was wrong?").click()
    page.get_by_role("option", name="Outdated source").click()
    page.get_by_label("Comment (optional)").fill("policy changed last month")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("feedback recorded", exact=False)).to_be_visible()
    page.context.close()

    with sqlite3.connect(feedback_db) as db:
        rows = db.execute(
            "SELECT f.user, f.thumbs, f.reason, f.comment, i.decision, i.ticket FROM feedback f "
            "JOIN interactions i USING (request_id)"
        ).fetchall()
        interactions = db.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]
        sent = db.execute("SELECT user, edited FROM sent").fetchall()
    assert interactions == 2  # every draft is recorded, with or without feedback
    assert [r[:5] for r in rows] == [
        ("ana", "down", "outdated_source", "policy changed last month", "answer")
    ]
    assert "card refunds" in rows[0][5]
    assert sent == [("ana", 0)]  # one click, one send
    assert shot.stat().st_size < 300_000


def test_escalation_form_resets_and_the_queue_takes_it_to_resolved(app_url, browser):
    url, feedback_db = app_url
    page = new_page(browser)
    sign_in(page, url)
    first = draft(page, WARM_UP_TICKET, timeout=180_000)

    def open_escalate():
        page.get_by_role("button", name="Escalate", exact=True).click()
        return page.get_by_label("Note for the team")

    open_escalate().fill("payout for INV-0042 never arrived")
    page.keyboard.press("Escape")
    second = draft(page, "Please delete my company account and every invoice in it.")
    assert second != first
    note = open_escalate()
    expect(note).to_have_value("")  # the previous ticket's note is gone
    note.fill("wants the account closed")
    page.get_by_role("button", name="Escalate ticket").click()
    expect(page.get_by_role("button", name="Escalated")).to_be_disabled()

    page.get_by_role("link", name="Escalations").click()
    expect(page.get_by_role("heading", name="Escalations")).to_be_visible()
    item = page.get_by_text("Please delete my company account", exact=False).first
    expect(item).to_be_visible()
    expect(page.get_by_text("wants the account closed")).to_be_visible()
    page.get_by_role("button", name="Claim").click()
    reply = page.get_by_label("Reply sent to the customer")
    reply.fill("We closed the account and sent the invoices as a ZIP first.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Resolved. The reply the customer got")).to_be_visible()
    page.context.close()

    with sqlite3.connect(feedback_db) as db:
        rows = db.execute("SELECT note, status, claimed_by, resolved_by, resolution FROM escalations").fetchall()
    assert rows == [("wants the account closed", "resolved", "ana", "ana",
                     "We closed the account and sent the invoices as a ZIP first.")]


def run_script(url: str, headers: dict[str, str], timeout: float = 60) -> bytes:
    """Open the app's websocket as a script would (no browser), run the page once, return the raw replies.
    Protobuf keeps strings as UTF-8 bytes, so what the page shows can be searched in them."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    out = b""
    with connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                 additional_headers=headers, origin=None, open_timeout=10) as ws:
        ws.send(BackMsg(rerun_script=ClientState(query_string="", page_script_hash="")).SerializeToString())
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                data = ws.recv(timeout=left)
            except TimeoutError:
                break
            out += data if isinstance(data, bytes) else data.encode()
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if msg.WhichOneof("type") == "script_finished":
                break
    return out


@pytest.mark.server
def test_a_websocket_without_origin_gets_no_app(app_url):
    url, _ = app_url
    bare = run_script(url, {})
    assert b"sent no Origin header" in bare and b"Sign in" not in bare
    browser_like = run_script(url, {"Origin": url})
    assert b"Sign in" in browser_like and b"sent no Origin header" not in browser_like


@pytest.mark.server
def test_an_sso_header_from_outside_the_proxy_signs_no_one_in(app_url):
    url, feedback_db = app_url
    # The reproduction: a header from whoever reaches the app, with a role claim, and an X-Forwarded-For
    # naming the proxy; the connection itself comes from this machine, which is not the proxy.
    reply = run_script(url, {"Origin": url, "X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin",
                             "X-Forwarded-For": PROXY})
    assert b"Sign in" in reply and b"no trusted X-Forwarded-User header" in reply
    assert b"Agent desk" not in reply and b"Admin" not in reply
    with sqlite3.connect(feedback_db) as db:
        refused = db.execute("SELECT actor, details FROM audit WHERE action = 'login_refused'").fetchall()
        logins = db.execute("SELECT COUNT(*) FROM audit WHERE action = 'login' AND actor = 'mallory'").fetchone()
    assert [r[0] for r in refused] == ["mallory"] and logins == (0,)
    assert PROXY not in json.loads(refused[0][1])["peer"]  # X-Forwarded-For did not make this the proxy
