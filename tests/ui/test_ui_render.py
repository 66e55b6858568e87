"""Untrusted text on screen: Markdown escaped, links only http(s) on allowed domains, passages with tables,
and citation chips that open by click or keyboard."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import make_answer
from ui import render

pytestmark = pytest.mark.unit

EVIL_IMAGE = "![t](https://evil.example/t.png)"
CHECK = lambda url: render.link_ok(url, ["help.example"])  # noqa: E731


def markdown_to_html(text: str) -> str:
    """What a CommonMark renderer makes of `text` (markdown-it, as installed with rich)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(text)


@pytest.mark.parametrize("text", [
    EVIL_IMAGE, "[click](javascript:alert(1))", "<img src=x onerror=alert(1)>", "# Heading", "**bold** _it_",
    "| a | b |", ":red[alarm] :material/warning:", "1. step", "`code`", "price $5 and $6",
])
def test_md_shows_untrusted_text_as_written(text):
    out = render.md(text)
    html = markdown_to_html(out)
    for tag in ("<img", "<a ", "<h1", "<strong", "<em", "<code", "<ol", "<table"):
        assert tag not in html, (text, out, html)
    visible = re.sub(r"<[^>]+>", "", html).strip().replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&").replace("&quot;", '"')
    assert visible == text


def test_link_ok_allows_http_links_to_allowed_domains_only():
    assert CHECK("https://help.example/a") == "https://help.example/a"
    assert CHECK("http://docs.help.example/a?b=1") == "http://docs.help.example/a?b=1"
    for bad in ("https://evil.example/a", "javascript:alert(1)", "data:text/html,x", "https://help.example.evil.io/",
                "https://user:pw@help.example/", "ftp://help.example/a", "//help.example/a", "", None):
        assert CHECK(bad) is None, bad


def test_passage_html_keeps_tables_as_tables_and_escapes_cells():
    text = "Fees by method:\n| Method | Fee |\n| --- | --- |\n| Cards | 2.9% <b>x</b> |\n| ![i](https://evil.example/i) | 0 |"
    out = render.passage_html(text)
    assert out.startswith("Fees by method:<table") and "<th>Method</th><th>Fee</th>" in out
    assert "<td>2.9% &lt;b&gt;x&lt;/b&gt;</td>" in out and "<img" not in out
    assert out.count("<tr>") == 3


def test_draft_chips_are_focusable_and_carry_the_exact_passage():
    a = make_answer("r1", ("billing/refunds.md", "account/password.md"))
    a = a.model_copy(update={"draft": a.draft.replace("Step 2", f"Use <script>x</script> {EVIL_IMAGE}")})
    out = render.draft_html(a, [], CHECK)
    chips = re.findall(r'<span class="dk-cite" tabindex="0" role="button" aria-describedby="([^"]+)"', out)
    assert len(chips) == 2 and len(set(chips)) == 2
    assert f'id="{chips[0]}"' in out  # the chip's card, described to screen readers
    assert "Passage from billing/refunds.md with &lt;b&gt;markup&lt;/b&gt;." in out
    assert '<a class="dk-link" href="https://help.example/billing/refunds.md" target="_blank"' in out
    assert "<script>" not in out and "&lt;script&gt;" in out and "<img" not in out
    assert "[1]" not in out and out.count('<div class="dk-para">') == 3


def test_open_article_link_only_for_allowed_urls():
    a = make_answer("r1")
    bad = a.model_copy(update={"citations": [a.citations[0].model_copy(update={"url": "https://evil.example/x"})]})
    out = render.draft_html(bad, [], CHECK)
    assert "evil.example" not in out and "billing/refunds.md" in out  # the doc id instead of a link


def test_unsupported_sentence_is_struck_and_missing_marker_flagged():
    a = make_answer("r1", ("billing/refunds.md", "account/password.md"), supported=False)
    out = render.draft_html(a, ["Step 1 for you."], CHECK)
    assert '<span class="dk-unsupported" title="Not supported by the cited source' in out
    missing = make_answer("r1").model_copy(update={"draft": "See this [7]."})
    assert "dk-cite-missing" in render.draft_html(missing, [], CHECK)
