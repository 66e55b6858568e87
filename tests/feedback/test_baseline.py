"""The pre-pilot baseline CSV: documented columns read as TicketRecords, bad rows named by line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.baseline import read_baseline_csv
from feedback.errors import ReportError

pytestmark = pytest.mark.unit


def write(tmp_path, text: str, encoding: str = "utf-8"):
    p = tmp_path / "baseline.csv"
    p.write_text(text, encoding=encoding)
    return p


def test_columns_are_read_with_blanks_as_unknown(tmp_path):
    p = write(tmp_path, "ticket_id,opened_at,handle_time_s,first_contact_resolution,escalated,deflected,agent,extra\n"
                        "T-1,2025-01-06,600,1,0,,ana,x\n"
                        "T-2,2025-01-07T10:30:00+01:00,,no,yes,0,,\n"
                        "T-3,2025-01-08 08:00,90.5,,0,1,bo,\n", encoding="utf-8-sig")  # spreadsheet BOM
    r1, r2, r3 = read_baseline_csv(p)
    assert (r1.ticket_id, r1.created_at, r1.handle_time_s, r1.first_contact_resolution, r1.escalated,
            r1.deflected, r1.agent) == ("T-1", datetime(2025, 1, 6, tzinfo=UTC), 600.0, True, False, False, "ana")
    assert r2.created_at == datetime(2025, 1, 7, 9, 30, tzinfo=UTC)
    assert (r2.handle_time_s, r2.first_contact_resolution, r2.escalated, r2.agent) == (None, False, True, None)
    assert (r3.handle_time_s, r3.first_contact_resolution, r3.deflected) == (90.5, None, True)
    assert r1.drafted is None and r1.used is None and r1.thumbs is None  # nothing the pilot measures


def test_only_the_required_columns_are_needed(tmp_path):
    (r,) = read_baseline_csv(write(tmp_path, "escalated,ticket_id,opened_at\n0,A,2025-02-01\n"))
    assert r.ticket_id == "A" and r.handle_time_s is None and not r.deflected


@pytest.mark.parametrize(("text", "says"), [
    ("ticket_id,opened_at\nA,2025-01-01\n", r"lacks column\(s\) escalated"),
    ("ticket_id,opened_at,escalated\nA,yesterday,0\n", "line 2: opened_at must be an ISO 8601"),
    ("ticket_id,opened_at,escalated\nA,2025-01-01,0\nB,2025-01-01,maybe\n", "line 3: escalated must be 1/0"),
    ("ticket_id,opened_at,escalated,handle_time_s\nA,2025-01-01,0,5m\n", "handle_time_s must be a number"),
    ("ticket_id,opened_at,escalated,handle_time_s\nA,2025-01-01,0,-3\n", "line 2: Input should be greater"),
    ("ticket_id,opened_at,escalated\nA,2025-01-01,\n", "escalated is empty"),
    ("ticket_id,opened_at,escalated\n", "no tickets"),
])
def test_bad_files_are_named_with_line_and_fix(tmp_path, text, says):
    with pytest.raises(ReportError, match=says):
        read_baseline_csv(write(tmp_path, text))


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ReportError, match="Cannot read the baseline CSV"):
        read_baseline_csv(tmp_path / "nope.csv")
    p = tmp_path / "b.csv"
    p.write_bytes(b"ticket_id,opened_at,escalated\n\xff\xfe,1,0\n")
    with pytest.raises(ReportError, match="not UTF-8"):
        read_baseline_csv(p)
