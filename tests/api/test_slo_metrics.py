"""SLOs on /metrics, and the opt-in kill switch a fast burn trips."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import serve
from tests.feedback.conftest import make_answer

pytestmark = [pytest.mark.server]


def served(tmp_path, embedder, **overrides):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data", slo_fast_burn=5.0, **overrides),
                        embedder=embedder)
    key = services.feedback.keys.add("ops", "admin", actor="test").key
    for i in range(12):  # a burst of thumbs-down in the last hour: the precision SLO burns fast
        services.feedback.record_interaction(make_answer(f"r{i}"), "ana")
        services.feedback.record_feedback(f"r{i}", "ana", "down", reason="wrong")
    url, server, thread = serve(create_app(services))
    return services, key, url, server, thread


@pytest.mark.parametrize("trip", [True, False])
def test_fast_burn_shows_on_metrics_and_trips_the_kill_switch_only_when_opted_in(tmp_path, embedder, trip):
    services, key, url, server, thread = served(tmp_path, embedder, slo_trip_kill_switch=trip)
    try:
        assert httpx.get(f"{url}/healthz").status_code == 200  # one served request for the availability SLO
        text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {key}"}).text
    finally:
        server.should_exit = True
        thread.join(10)
    burn = re.search(r'deflect_slo_burn_rate\{slo="answer_precision",window="1h"\} (\S+)', text)
    assert burn and float(burn.group(1)) == pytest.approx(10.0)  # all bad / allowed 10% bad
    assert 'deflect_slo_error_budget_left{slo="answer_precision"}' in text
    assert 'deflect_slo_error_budget_left{slo="availability"} 1.0' in text
    flags = services.feedback.flags.get_all()
    assert flags["generation_enabled"] is (not trip)
    tripped = [e for e in services.feedback.audit.entries(action="flag_set") if e.actor.startswith("slo:")]
    assert len(tripped) == int(trip)
