"""The self-service widget in Debian chromium: embedded in a page on another origin, it asks the API,
shows the answer with its sources (or the hand-off), and stores the customer's 'did this help?' click."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from tests.api.conftest import free_port, serve
from tests.conftest import TINY_KB, write_kb

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Help</title>
<link rel="stylesheet" href="{api}/static/deflect-widget.css"></head>
<body><main><div id="help"></div></main>
<script src="{api}/static/deflect-widget.js" data-api="{api}" data-key="{key}" data-target="#help"></script>
</body></html>"""


def test_widget_asks_shows_sources_and_records_resolution(tmp_path, embedder, browser):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    site = tmp_path / "site"
    site.mkdir()
    site_port = free_port()
    site_origin = f"http://127.0.0.1:{site_port}"
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", api_cors_origins=[site_origin],
                        selfservice_threshold=0.0, redact_pii=False)
    services = Services(settings, embedder=embedder)
    services.ingest([write_kb(tmp_path / "kb", TINY_KB)], actor="test")
    key = services.feedback.keys.add("web", "selfservice", actor="test").key
    api_url, server, thread = serve(create_app(services))
    (site / "index.html").write_text(PAGE.format(api=api_url, key=key))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        try:
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(f"{site_origin}/index.html")
            page.fill("#dk-question", "How do I refund a payment to a customer?")
            page.click(".dk-ask")
            page.wait_for_selector(".dk-answer", timeout=60_000)
            answer = page.inner_text(".dk-answer")
            sources = page.inner_text(".dk-sources")
            page.click(".dk-yes")
            page.wait_for_selector(".dk-thanks", timeout=30_000)
            # a question the help center does not cover gets the hand-off message
            page.fill("#dk-question", "<img src=x onerror=alert(1)> Please cancel my gym membership")
            page.click(".dk-ask")
            page.wait_for_selector(".dk-handoff, .dk-answer", timeout=60_000)
            handoff = page.locator(".dk-handoff").count()
            injected = page.locator(".dk-widget img").count()
        finally:
            page.close()
    finally:
        httpd.shutdown()
        server.should_exit = True
        thread.join(10)
    assert "Refund" in answer or "refund" in answer
    assert "Refund a payment" in sources
    assert handoff == 1 and injected == 0
    asks = services.feedback.selfservice.deflection()
    assert sum(r.asked for r in asks) == 2 and sum(r.resolved for r in asks) == 1
    assert all(u.startswith((site_origin, api_url)) for u in requests), requests  # no CDN, nothing else fetched
