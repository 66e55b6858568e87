"""Response cache on a real SQLite file: hits, key parts, TTL, bypass, persistence."""

from __future__ import annotations

import pytest

from assistant.providers.cache import ResponseCache, cache_key, normalise_ticket

pytestmark = pytest.mark.unit

ANSWER = {"request_id": "r1", "draft": "Refunds take 5 to 10 business days [1].", "confidence": 0.82,
          "citations": [{"n": 1, "doc_id": "articles/refund-a-payment.md"}], "cached": False}
TICKET = "Where is my refund? Card ending [CARD]."


@pytest.fixture
def clock():
    now = [1_000_000.0]
    return now


@pytest.fixture
def cache(tmp_path, clock):
    return ResponseCache(tmp_path / "cache.db", ttl_s=60, clock=lambda: clock[0])


def test_hit_returns_the_same_dict(cache):
    assert cache.get(TICKET, 3, "local", "p1") is None
    cache.put(TICKET, 3, "local", "p1", ANSWER)
    assert cache.get(TICKET, 3, "local", "p1") == ANSWER


def test_case_and_whitespace_do_not_matter():
    assert normalise_ticket("  Where IS my\n\nrefund?  ") == normalise_ticket("where is my refund?")
    assert cache_key("Where IS my refund?", 1, "local", "p1") == cache_key("where is my  refund?", 1, "local", "p1")


@pytest.mark.parametrize("part", ["index_version", "provider", "prompt_version", "ticket"])
def test_every_key_part_separates_entries(cache, part):
    cache.put(TICKET, 3, "local", "p1", ANSWER)
    key = {"ticket": TICKET, "index_version": 3, "provider": "local", "prompt_version": "p1"}
    key[part] = {"index_version": 4, "provider": "openai", "prompt_version": "p2", "ticket": "Other question"}[part]
    assert cache.get(**key) is None


def test_entries_expire_after_ttl(cache, clock):
    cache.put(TICKET, 3, "local", "p1", ANSWER)
    clock[0] += 59
    assert cache.get(TICKET, 3, "local", "p1") == ANSWER
    clock[0] += 2
    assert cache.get(TICKET, 3, "local", "p1") is None
    assert cache.db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0, "expired row is deleted"


def test_bypass_misses_and_the_fresh_answer_replaces_the_old(cache):
    cache.put(TICKET, 3, "local", "p1", ANSWER)
    assert cache.get(TICKET, 3, "local", "p1", bypass=True) is None
    cache.put(TICKET, 3, "local", "p1", {**ANSWER, "draft": "new"})
    assert cache.get(TICKET, 3, "local", "p1")["draft"] == "new"


def test_disabled_cache_stores_nothing(tmp_path):
    off = ResponseCache(tmp_path / "off.db", enabled=False)
    off.put(TICKET, 1, "local", "p1", ANSWER)
    assert off.get(TICKET, 1, "local", "p1") is None
    assert not (tmp_path / "off.db").exists(), "a disabled cache never touches the disk"


def test_persists_across_instances_and_purges(tmp_path, clock):
    first = ResponseCache(tmp_path / "cache.db", ttl_s=10, clock=lambda: clock[0])
    first.put(TICKET, 1, "openai", "p1", ANSWER)
    first.put("another ticket", 1, "openai", "p1", ANSWER)
    second = ResponseCache(tmp_path / "cache.db", ttl_s=10, clock=lambda: clock[0])
    assert second.get(TICKET, 1, "openai", "p1") == ANSWER
    clock[0] += 11
    assert second.purge_expired() == 2


def test_from_settings_uses_data_dir(psettings):
    s = psettings(response_cache_ttl_s=5)
    c = ResponseCache.from_settings(s)
    c.put(TICKET, None, "extractive", "p1", ANSWER)
    assert (s.data_dir / "cache.db").exists() and c.ttl_s == 5


def test_bad_ttl_names_the_setting(tmp_path):
    with pytest.raises(ValueError, match="DEFLECT_RESPONSE_CACHE_TTL_S"):
        ResponseCache(tmp_path / "c.db", ttl_s=0)
