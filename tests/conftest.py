"""Shared fixtures: real embedding model (loaded once per session), fresh data dirs, tiny real corpora."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "helpcenter"


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


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (never a Playwright browser download), one per test module."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: install Debian's chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_offline(browser, path: Path, read=lambda page: None):
    """Open a self-contained HTML file: ([alt, complete, width, height] per image, every URL it
    requested, read(page))."""
    page = browser.new_page()
    try:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.alt, e.complete, e.naturalWidth, e.naturalHeight])")
        return images, requests, read(page)
    finally:
        page.close()


@pytest.fixture(scope="session")
def embedder():
    from retrieval.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def make_settings(tmp_path):
    from deflectkit.core.config import Settings

    def make(**overrides):
        overrides.setdefault("data_dir", tmp_path / "data")
        return Settings(_env_file=None, **overrides)

    return make


@pytest.fixture
def make_services(make_settings, embedder):
    from deflectkit.app import Services

    def make(**overrides):
        return Services(make_settings(**overrides), embedder=embedder)  # the session's model, loaded once

    return make


TINY_KB = {
    "billing/refunds.md": """
        # Refund a payment

        Open Payments, pick the payment and choose **Refund**. Refunds reach the customer's card in 5 to 10 business days.

        ## Partial refunds

        Enter an amount lower than the payment total. You can issue up to 3 partial refunds per payment.
        """,
    "billing/currencies.md": """
        # Multi-currency invoices

        Ledgerly supports 34 currencies. Set the invoice currency before you send it; exchange rates update hourly.
        """,
    "account/password.md": """
        # Reset your password

        Click *Forgot password* on the sign-in page. The reset link expires after 30 minutes.
        """,
    "account/two-factor.md": """
        # Two-factor authentication

        Turn on 2FA under Settings > Security. Authenticator apps and SMS codes are supported; recovery codes are shown once.
        """,
}


def write_kb(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(body).strip() + "\n", encoding="utf-8")
    return root


@pytest.fixture
def tiny_kb(tmp_path) -> Path:
    return write_kb(tmp_path / "kb", TINY_KB)
