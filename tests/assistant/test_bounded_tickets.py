"""The probe's oversized tickets are answered or refused in bounded time and memory, through the real pipeline."""

from __future__ import annotations

import random
import string
import time
import tracemalloc

import pytest

pytestmark = pytest.mark.integration


def _letters(seed: int, n: int, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


TICKETS = {
    # refund + 40,000 random letters took the server from 937 MB to 2.4 GB (typo tolerance, quadratic)
    "long word": lambda seed: "refund " + _letters(seed, 40_000),
    "1 MB ticket": lambda seed: ("My refund failed again, please help. Log follows:\n"
                                 + f"ERROR payment {seed} declined by issuer, retrying\n" * 25_000)[:1_000_000],
    # took 623 s of CPU and came back in the escalation reason
    "1,000,000-character word": lambda seed: _letters(seed, 1_000_000, string.ascii_letters),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(TICKETS))
def test_a_huge_ticket_costs_bounded_time_and_memory(assistant, name):
    assistant.answer("How do I refund a payment?")  # models loaded before measuring
    start = time.perf_counter()
    answer = assistant.answer(TICKETS[name](1))
    seconds = time.perf_counter() - start
    # Memory on a fresh ticket of the same shape (tracemalloc slows Python down too much to time it).
    tracemalloc.start()
    try:
        assistant.answer(TICKETS[name](2))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 20, f"{name}: {seconds:.1f} s"
    assert peak < 200_000_000, f"{name}: tracemalloc peak {peak / 1e6:.0f} MB"
    assert any("DEFLECT_MAX_TICKET_CHARS" in r for r in answer.reasons)
    assert len(answer.ticket) <= assistant.settings.max_ticket_chars
    assert all(len(w) <= 40 for r in answer.reasons for w in r.split())  # no giant token echoed back
