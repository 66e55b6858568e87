"""normalize_text, html_to_markdown, markdown_title: pure functions over strings."""

from __future__ import annotations

import pytest

from ingest.normalize import html_to_markdown, humanize_stem, markdown_title, normalize_text

pytestmark = pytest.mark.unit


class TestNormalizeText:
    def test_nfc_composes_accents(self):
        decomposed = "Cafe\u0301"
        assert normalize_text(decomposed) == "Caf\u00e9"

    def test_crlf_and_cr_become_lf(self):
        assert normalize_text("a\r\nb\rc") == "a\nb\nc"

    def test_strips_zero_width_and_bom(self):
        assert normalize_text("\ufeffpass\u200bword\u2060 re\u00adset") == "password reset"

    def test_strips_control_chars_but_keeps_newline_and_tab_as_space(self):
        assert normalize_text("a\x07b\x00c\x1bd\te") == "abcd e"

    def test_collapses_inline_whitespace_including_nbsp(self):
        assert normalize_text("one  \t two\u00a0\u00a0three") == "one two three"

    def test_at_most_one_blank_line(self):
        assert normalize_text("a\n\n\n\n\nb\n \n\t\n\nc") == "a\n\nb\n\nc"

    def test_strips_trailing_spaces_and_outer_blank_lines(self):
        assert normalize_text("\n\nline   \nnext\t\n\n") == "line\nnext"

    def test_keeps_markdown_indentation(self):
        # Nested lists and indented code need their leading spaces.
        assert normalize_text("- a\n  - b\n\tcode") == "- a\n  - b\n    code"

    def test_idempotent(self):
        s = "x\r\n\r\n\r\n  y \u200b z\t\n"
        assert normalize_text(normalize_text(s)) == normalize_text(s)


class TestHtmlToMarkdown:
    PAGE = """<html><head><title>Page title</title><style>p{}</style></head>
    <body class="layout-with-sidebar">
      <nav>Home | Docs</nav><header>Acme Help</header>
      <div id="cookie-consent">We use cookies</div>
      <div class="breadcrumbs">Home &gt; Account</div>
      <main>
        <h1>Reset your   password</h1>
        <p>Open <a href="https://example.com/settings">Settings</a> and click
           <strong>Reset</strong>.</p>
        <div hidden>hidden attribute</div>
        <span aria-hidden="true">icon text</span>
        <p style="color: red; display:none">inline hidden</p>
        <p style="visibility: hidden">invisible</p>
        <h2>Steps</h2>
        <ul><li>First   step</li><li>Second <em>step</em></li></ul>
        <h3>Prices</h3>
        <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>$49.00</td></tr></table>
        <p>Line one<br>Line two</p>
        <div class="sidebar-menu">Related articles</div>
        <form><input value="search"></form>
      </main>
      <aside>Ads</aside><footer>Copyright</footer>
      <script>var secret = 1;</script><noscript>Enable JS</noscript>
    </body></html>"""

    def test_title_from_h1(self):
        title, _ = html_to_markdown(self.PAGE)
        assert title == "Reset your password"

    def test_title_falls_back_to_title_tag_then_empty(self):
        assert html_to_markdown("<title>Only title</title><p>x</p>")[0] == "Only title"
        assert html_to_markdown("<p>x</p>")[0] == ""

    def test_headings_lists_tables_and_breaks(self):
        _, md = html_to_markdown(self.PAGE)
        assert md == (
            "# Reset your password\n\n"
            "Open Settings and click Reset.\n\n"
            "## Steps\n\n"
            "- First step\n- Second step\n\n"
            "### Prices\n\n"
            "| Plan | Price |\n| --- | --- |\n| Pro | $49.00 |\n\n"
            "Line one\nLine two"
        )

    @pytest.mark.parametrize(
        "dropped",
        ["Home | Docs", "Acme Help", "cookies", "Home > Account", "hidden attribute", "icon text",
         "inline hidden", "invisible", "Related articles", "Ads", "Copyright", "secret", "Enable JS",
         "search", "example.com"],
    )
    def test_boilerplate_hidden_and_urls_dropped(self, dropped):
        _, md = html_to_markdown(self.PAGE)
        assert dropped not in md

    def test_prefers_article_when_no_main(self):
        html = "<body><div>Outside text</div><article><h2>Inside</h2><p>Body</p></article></body>"
        assert html_to_markdown(html)[1] == "## Inside\n\nBody"

    def test_ordered_lists_are_numbered_and_headerless_tables_have_no_delimiter(self):
        html = '<ol start="3"><li>Open</li><li>Click</li></ol><table><tr><td>a|b</td><td>c</td></tr></table>'
        assert html_to_markdown(html)[1] == "3. Open\n4. Click\n\n| a\\|b | c |"

    def test_whole_body_when_no_main_or_article(self):
        assert html_to_markdown("<body><p>One</p><div>Two</div></body>")[1] == "One\n\nTwo"

    def test_h_levels_up_to_six(self):
        html = "".join(f"<h{i}>H{i}</h{i}>" for i in range(1, 7))
        assert html_to_markdown(html)[1].split("\n\n") == [f"{'#' * i} H{i}" for i in range(1, 7)]

    def test_entities_and_pre_line_breaks(self):
        md = html_to_markdown("<p>A &amp; B&nbsp;C</p><pre>line1\nline2</pre>")[1]
        assert md == "A & B C\n\nline1\nline2"

    def test_empty_and_whitespace_html(self):
        assert html_to_markdown("") == ("", "")
        assert html_to_markdown("<html><body>  \n </body></html>") == ("", "")


class TestMarkdownTitle:
    def test_first_h1(self):
        assert markdown_title("intro\n## Sub\n# Main title #\n# Second", "x") == "Main title"

    def test_ignores_hash_lines_in_code_fences(self):
        assert markdown_title("```bash\n# install\n```\n# Real", "x") == "Real"

    def test_fallback_is_humanised_stem(self):
        assert markdown_title("no headings here", "getting-started_guide") == "Getting started guide"

    def test_humanize_stem_keeps_odd_stems(self):
        assert humanize_stem("faq") == "Faq"
        assert humanize_stem("___") == "___"
