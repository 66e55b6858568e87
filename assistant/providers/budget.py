"""Tokens and money: the per-request prompt cap, cost per call, and the daily budget ledger (usage.db)."""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from assistant.providers.errors import PromptTooLong
from assistant.providers.store import open_db

# Chat templates wrap each message in a few special tokens; counted on top of the texts so the cap holds.
CHAT_OVERHEAD_TOKENS = 16

_SOURCES = re.compile(r"(<sources>\n?)(.*?)(\n?</sources>)", re.DOTALL)
_SOURCE = re.compile(r"<source\b.*?</source>", re.DOTALL)
_SOURCE_END = "</source>"


def estimate_tokens(text: str) -> int:
    """Rough count (about 4 characters per token in English) for endpoints without a local tokenizer."""
    return math.ceil(len(text) / 4)


def cost_of(tokens_in: int, tokens_out: int, price_in_per_1k: float, price_out_per_1k: float) -> float:
    return tokens_in / 1000 * price_in_per_1k + tokens_out / 1000 * price_out_per_1k


class Fitted(NamedTuple):
    user: str
    prompt_tokens: int
    trimmed: bool
    note: str = ""


def fit_to_budget(
    system: str, user: str, cap: int, count_tokens: Callable[[str], int] = estimate_tokens
) -> Fitted:
    """Trim the user turn's <sources> block until system + user fit `cap` tokens.

    Whole <source> elements go first, from the last (least relevant) one; if even the first alone is
    too long, its text is cut and the element closed again. The ticket and the instructions are never cut:
    if they alone exceed the cap, PromptTooLong is raised. Pure apart from `count_tokens`.
    """

    def total(u: str) -> int:
        return count_tokens(system) + count_tokens(u) + CHAT_OVERHEAD_TOKENS

    before = total(user)
    if before <= cap:
        return Fitted(user, before, False)
    m = _SOURCES.search(user)
    if m is None:
        raise PromptTooLong(
            f"The prompt needs {before} tokens, over the cap of {cap}, and has no <sources> block to trim. "
            "Shorten the ticket or raise DEFLECT_LLM_MAX_PROMPT_TOKENS."
        )
    items = _SOURCE.findall(m.group(2))

    def with_items(kept: list[str]) -> str:
        return user[: m.start(2)] + "\n".join(kept) + user[m.end(2):]

    for k in range(len(items) - 1, 0, -1):
        candidate = with_items(items[:k])
        if (n := total(candidate)) <= cap:
            return Fitted(candidate, n, True, f"prompt {before} > cap {cap} tokens: kept {k} of {len(items)} sources")
    if items:
        cut = _cut_item(items[0], lambda item: total(with_items([item])) <= cap)
        if cut is not None:
            candidate = with_items([cut])
            return Fitted(candidate, total(candidate), True,
                          f"prompt {before} > cap {cap} tokens: kept part of source 1 of {len(items)}")
    raise PromptTooLong(
        f"The prompt needs {before} tokens and even without sources exceeds the cap of {cap}. "
        "Shorten the ticket or raise DEFLECT_LLM_MAX_PROMPT_TOKENS."
    )


def _cut_item(item: str, fits: Callable[[str], bool]) -> str | None:
    """Longest prefix of a <source> element's body that fits, re-closed; None if not even its header does."""
    head_end = item.index(">") + 1
    body = item[head_end: len(item) - len(_SOURCE_END)]

    def make(n: int) -> str:
        return item[:head_end] + body[:n].rstrip() + "\n" + _SOURCE_END

    if not fits(make(0)):
        return None
    lo, hi = 0, len(body)  # invariant: make(lo) fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(make(mid)):
            lo = mid
        else:
            hi = mid - 1
    return make(lo)


def downgrade(chain: list[str], unit_price: dict[str, float], keep_free: bool) -> tuple[list[str], list[str]]:
    """Drop the chain's most expensive price tier: (kept, dropped). Free providers stay when keep_free.

    With every provider in one tier the whole chain goes: the next cheaper option is extractive.
    """
    if not chain:
        return [], []
    top = max(unit_price.get(p, 0.0) for p in chain)
    dropped = [p for p in chain if unit_price.get(p, 0.0) >= top and not (keep_free and unit_price.get(p, 0.0) == 0)]
    return [p for p in chain if p not in dropped], dropped


def m001_create_usage(db: sqlite_utils.Database) -> None:
    db["usage"].create(
        {"id": int, "day": str, "ts": float, "request_id": str, "provider": str, "model": str,
         "tokens_in": int, "tokens_out": int, "cost": float},
        pk="id",
    )
    db["usage"].create_index(["day"])


MIGRATIONS = [m001_create_usage]


class DayUsage(NamedTuple):
    tokens: int
    cost: float


class UsageLedger:
    """Every LLM call's tokens and cost, summed per UTC day for the daily budget."""

    def __init__(self, path: Path | str | None, clock: Callable[[], float] = time.time):
        self._path = path
        self._clock = clock
        self._db: sqlite_utils.Database | None = None
        self._lock = threading.Lock()

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_db(self._path, MIGRATIONS)
        return self._db

    def _day(self) -> str:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC).date().isoformat()

    def record(self, *, request_id: str, provider: str, model: str, tokens_in: int, tokens_out: int,
               cost: float) -> None:
        row = {"day": self._day(), "ts": self._clock(), "request_id": request_id, "provider": provider,
               "model": model, "tokens_in": tokens_in, "tokens_out": tokens_out, "cost": cost}
        with self._lock, self.db.conn:
            self.db["usage"].insert(row)

    def today(self) -> DayUsage:
        with self._lock:
            row = self.db.execute(
                "SELECT COALESCE(SUM(tokens_in + tokens_out), 0), COALESCE(SUM(cost), 0) FROM usage WHERE day = ?",
                [self._day()],
            ).fetchone()
        return DayUsage(int(row[0]), float(row[1]))

    def breach(self, max_tokens: int | None, max_cost: float | None) -> tuple[str, bool] | None:
        """(reason, is_cost) when today's usage has reached a budget, else None."""
        if max_tokens is None and max_cost is None:
            return None
        used = self.today()
        # Tokens first: a token breach also stops free providers once nothing cheaper is left.
        if max_tokens is not None and used.tokens >= max_tokens:
            return f"daily token budget used ({used.tokens} of {max_tokens} tokens)", False
        if max_cost is not None and used.cost >= max_cost:
            return f"daily cost budget used ({used.cost:.4f} of {max_cost:.4f})", True
        return None
