"""Articles that say the same thing: found from their stored passage vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.overlaps import overlaps


def _vec(*xs: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(xs)] = xs
    return v


@pytest.mark.unit
def test_a_reworded_twin_is_found_and_a_different_article_is_not():
    twin = [_vec(1, 0.05), _vec(0, 1, 0.05), _vec(0, 0, 1, 0.05)]
    chunks = [("a.md", "Reset your password", v) for v in (_vec(1), _vec(0, 1), _vec(0, 0, 1), _vec(0, 0, 0, 1))]
    chunks += [("b.html", "Forgot your password?", v) for v in twin]
    chunks += [("c.md", "Refunds", _vec(0, 0, 0, 0, 1)), ("c.md", "Refunds", _vec(0, 0, 0, 0, 0, 1))]
    found = overlaps(chunks, min_cosine=0.9, min_share=0.5)
    assert [(o.doc_a, o.doc_b, o.passages, o.share) for o in found] == [("a.md", "b.html", 3, 1.0)]
    assert found[0].title_a == "Reset your password" and found[0].title_b == "Forgot your password?"
    # The share is of the smaller article (b's three passages all have a twin in a's four).
    assert overlaps(chunks, min_cosine=0.999, min_share=0.5) == []
    assert overlaps(chunks[:1]) == []
    with pytest.raises(ValueError):
        overlaps(chunks, min_cosine=0.0)


@pytest.mark.integration
def test_the_report_names_the_reworded_pair_of_a_real_index(make_services, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from deflectkit.cli import app
    from tests.conftest import write_kb

    kb = write_kb(tmp_path / "kb", {
        "articles/reset.md": """
            # Reset your password

            Click Forgot password on the sign-in page and enter your email. The reset link is valid for 60 minutes.

            ## Didn't get the email?

            Check your spam or junk folder. You can request up to 5 reset emails per hour.
            """,
        "guides/forgot.md": """
            # Forgot your password?

            On the sign-in page, click Forgot password and type your email address. The reset link works for 60 minutes.

            ## No reset email?

            Look in your spam or junk folder. You can ask for up to 5 reset emails an hour.
            """,
        "articles/refunds.md": """
            # Refund a payment

            Open Payments, pick the payment and choose Refund. Refunds reach the card in 5 to 10 business days.
            """,
    })
    svc = make_services()
    svc.ingest([kb])
    found = svc.overlaps()
    assert [(o.doc_a, o.doc_b) for o in found] == [("articles/reset.md", "guides/forgot.md")], found

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(svc.settings.data_dir))
    res = CliRunner().invoke(app, ["report", "overlaps", "--json"])
    assert res.exit_code == 0, res.output
    assert [o["doc_b"] for o in json.loads(res.stdout)] == ["guides/forgot.md"]
    res = CliRunner().invoke(app, ["report", "overlaps", "--min-share", "1.0", "--min-cosine", "0.99"])
    assert res.exit_code == 0 and "No two articles say the same thing." in res.output
