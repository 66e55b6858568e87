"""The prompt cap (sources trimmed, never the ticket) and the price-tier downgrade."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.providers.budget import CHAT_OVERHEAD_TOKENS, downgrade, estimate_tokens, fit_to_budget
from assistant.providers.errors import PromptTooLong

pytestmark = pytest.mark.unit

SYSTEM = "Answer only from the sources."
TICKET = "<ticket>\nMy refund has not arrived after two weeks.\n</ticket>\n\nWrite the reply now."


def user_with(sources: list[str]) -> str:
    blocks = "\n".join(f'<source n="{i}" title="Doc {i}">\n{text}\n</source>' for i, text in enumerate(sources, 1))
    return f"<sources>\n{blocks}\n</sources>\n\n{TICKET}"


def tokens(user: str) -> int:
    return estimate_tokens(SYSTEM) + estimate_tokens(user) + CHAT_OVERHEAD_TOKENS


def test_under_the_cap_is_untouched():
    user = user_with(["Refunds take 5 to 10 business days."])
    fitted = fit_to_budget(SYSTEM, user, cap=1000)
    assert fitted.user == user and not fitted.trimmed and fitted.prompt_tokens == tokens(user)


def test_drops_whole_sources_from_the_end_first():
    user = user_with(["alpha " * 50, "beta " * 50, "gamma " * 50])
    cap = tokens(user_with(["alpha " * 50, "beta " * 50]))
    fitted = fit_to_budget(SYSTEM, user, cap)
    assert fitted.trimmed and fitted.prompt_tokens <= cap
    assert 'n="2"' in fitted.user and 'n="3"' not in fitted.user and "gamma" not in fitted.user
    assert fitted.user.endswith(TICKET)
    assert fitted.note.endswith("kept 2 of 3 sources")


def test_cuts_inside_the_first_source_when_it_alone_is_too_long():
    user = user_with(["refund " * 400, "other " * 10])
    cap = tokens(user_with(["refund " * 40]))
    fitted = fit_to_budget(SYSTEM, user, cap)
    assert fitted.prompt_tokens <= cap
    assert fitted.user.count("<source ") == 1 and fitted.user.count("</source>") == 1
    assert "refund refund" in fitted.user and TICKET in fitted.user


def test_never_cuts_the_ticket():
    with pytest.raises(PromptTooLong, match="DEFLECT_LLM_MAX_PROMPT_TOKENS"):
        fit_to_budget(SYSTEM, user_with(["a source"]), cap=10)
    with pytest.raises(PromptTooLong, match="no <sources> block"):
        fit_to_budget(SYSTEM, "ticket " * 500, cap=100)


@settings(max_examples=60, deadline=None)
@given(
    sources=st.lists(st.text(min_size=0, max_size=400), min_size=0, max_size=6),
    cap=st.integers(min_value=1, max_value=800),
)
def test_result_never_exceeds_the_cap(sources, cap):
    user = user_with(sources)
    try:
        fitted = fit_to_budget(SYSTEM, user, cap)
    except PromptTooLong:
        assert tokens(user_with([])) > cap or tokens(user) > cap
        return
    assert fitted.prompt_tokens <= cap
    assert fitted.prompt_tokens == tokens(fitted.user)
    assert fitted.user.endswith(TICKET)


def test_downgrade_drops_the_most_expensive_tier():
    prices = {"openai": 2.0, "local": 0.0}
    assert downgrade(["openai", "local"], prices, keep_free=False) == (["local"], ["openai"])
    assert downgrade(["local"], prices, keep_free=False) == ([], ["local"])
    assert downgrade(["local"], prices, keep_free=True) == (["local"], [])
    assert downgrade([], prices, keep_free=True) == ([], [])
