"""Brute-force protection: back-off, lockout per account and per client, audited, shared by every process."""

from __future__ import annotations

import pytest

from feedback.errors import LoginThrottled
from feedback.throttle import throttle_keys, wait_s

pytestmark = pytest.mark.integration

RIGHT, WRONG = "correct horse", "wrong horse"


@pytest.fixture
def ana(store):
    store.users.add("ana", "agent", password=RIGHT)
    return store


def fail(store, name="ana", client=None, times=1):
    for _ in range(times):
        assert store.users.authenticate(name, WRONG, client) is None
        store.users._clock.advance(seconds=61)  # past any back-off, well inside the lockout


def test_after_n_wrong_passwords_the_right_one_is_refused_until_the_lockout_expires(ana, clock):
    fail(ana, times=5)
    with pytest.raises(LoginThrottled, match="locked .* for this account: try again in 1[0-4] min") as e:
        ana.users.authenticate("ana", RIGHT)
    assert e.value.locked and e.value.scope == "account" and 0 < e.value.retry_after_s <= 900
    clock.advance(minutes=13)
    with pytest.raises(LoginThrottled):
        ana.users.authenticate("ANA", RIGHT)  # the same account whatever the case
    clock.advance(minutes=1)
    assert ana.users.authenticate("ana", RIGHT).name == "ana"
    assert ana.users.authenticate("ana", WRONG) is None  # the count started afresh: no lockout
    clock.advance(seconds=2)
    assert ana.users.authenticate("ana", RIGHT) is not None


def test_the_lockout_is_audited_once_and_refused_attempts_are_logged(ana):
    fail(ana, times=5)
    for _ in range(3):
        with pytest.raises(LoginThrottled):
            ana.users.authenticate("ana", RIGHT)
    lockouts = ana.audit.entries(action="login_lockout")
    assert [(e.actor, e.target, e.details["failures"]) for e in lockouts] == [("ana", "account:ana", 5)]
    failed = ana.audit.entries(action="login_failed")
    assert len(failed) == 8 and sum(bool(e.details.get("throttled")) for e in failed) == 3
    assert ana.audit.verify().ok


def test_rapid_guesses_are_slowed_by_back_off(ana, clock):
    assert ana.users.authenticate("ana", WRONG) is None
    assert ana.users.authenticate("ana", WRONG) is None  # a first typo costs nothing
    with pytest.raises(LoginThrottled, match="slowed down .* 1 s"):
        ana.users.authenticate("ana", RIGHT)  # within a second of the second failure
    clock.advance(seconds=1)
    assert ana.users.authenticate("ana", WRONG) is None
    with pytest.raises(LoginThrottled, match="2 s"):  # the wait doubles
        ana.users.authenticate("ana", RIGHT)
    clock.advance(seconds=2)
    assert ana.users.authenticate("ana", RIGHT) is not None


def test_one_client_guessing_many_accounts_is_locked_too(store, clock):
    for i in range(20):
        fail(store, name=f"user{i}", client="203.0.113.9")
    with pytest.raises(LoginThrottled, match="from this address") as e:
        store.users.authenticate("someone-else", RIGHT, "203.0.113.9")
    assert e.value.scope == "client"
    assert [x.target for x in store.audit.entries(action="login_lockout")] == ["client:203.0.113.9"]
    store.users.add("bob", "agent", password=RIGHT)
    assert store.users.authenticate("bob", RIGHT, "198.51.100.7") is not None  # other addresses are not locked


def test_a_second_store_on_the_same_file_sees_the_lockout(ana, db_path, clock, fast_hasher):
    from feedback.store import FeedbackStore

    fail(ana, times=5)
    other = FeedbackStore(db_path, clock=clock, hasher=fast_hasher)  # the API process, say
    try:
        with pytest.raises(LoginThrottled):
            other.users.authenticate("ana", RIGHT)
    finally:
        other.close()


def test_limits_come_from_settings(make_settings, clock, fast_hasher):
    from feedback.store import FeedbackStore

    settings = make_settings(login_max_failures=2, login_lockout_s=60, login_backoff_s=0)
    store = FeedbackStore.from_settings(settings, clock=clock, hasher=fast_hasher)
    try:
        store.users.add("ana", "agent", password=RIGHT)
        assert store.users.authenticate("ana", WRONG) is None
        assert store.users.authenticate("ana", WRONG) is None
        with pytest.raises(LoginThrottled, match="60 s"):
            store.users.authenticate("ana", RIGHT)
        clock.advance(seconds=60)
        assert store.users.authenticate("ana", RIGHT) is not None
    finally:
        store.close()


@pytest.mark.unit
def test_wait_rules():
    assert wait_s(0, 0, 0, 3, 2, 100) == (0.0, False)
    assert wait_s(1, 10, 10, 3, 2, 100) == (0.0, False)
    assert wait_s(2, 10, 11, 3, 2, 100) == (1.0, False)
    assert wait_s(1, 10, 11, 1, 2, 100) == (99.0, True)  # a limit of 1 locks at once
    assert wait_s(3, 10, 11, 3, 2, 100) == (99.0, True)
    assert wait_s(3, 10, 110, 3, 2, 100) == (0.0, False)  # forgotten after the lockout
    assert wait_s(40, 0, 1, 99, 2, 100)[0] == 59.0  # back-off capped at a minute
    assert wait_s(2, 10, 10, 3, 0, 100) == (0.0, False)  # no back-off (client addresses)
    assert throttle_keys(" Ana ", None) == ["account:ana"]
    assert throttle_keys("ana", "::1") == ["account:ana", "client:::1"]
