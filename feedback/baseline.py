"""A pre-pilot baseline for the ROI readout: a CSV of tickets from the help desk, read as TicketRecords.

Columns (header row required, order free, extra columns ignored):

| column | required | meaning |
|---|---|---|
| ticket_id | yes | the help desk's ticket id |
| opened_at | yes | when the ticket was opened: ISO 8601 date or date-time (no zone = UTC) |
| handle_time_s | no | seconds from open to the first reply (or hand-off); blank = not known |
| first_contact_resolution | no | 1 if the first reply resolved it, 0 if not; blank = not known |
| escalated | yes | 1 if it was handed to another team, else 0 |
| deflected | no | 1 if self-service resolved it before the pilot; default 0 |
| agent | no | who handled it |

Booleans accept 1/0, true/false, yes/no. A bad row stops the import with its line number.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from feedback.errors import ReportError
from feedback.models import TicketRecord
from feedback.queries import as_utc

REQUIRED = ("ticket_id", "opened_at", "escalated")
OPTIONAL = ("handle_time_s", "first_contact_resolution", "deflected", "agent")
_TRUE, _FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}


def _bool(value: str, column: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in _TRUE or v in _FALSE:
        return v in _TRUE
    raise ValueError(f"{column} must be 1/0, true/false or yes/no, got {value!r}")


def _when(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"opened_at must be an ISO 8601 date or date-time, got {value!r}") from None
    return as_utc(at)


def _row(row: dict[str, str]) -> TicketRecord:
    get = {k: (row.get(k) or "") for k in (*REQUIRED, *OPTIONAL)}
    if not get["ticket_id"].strip():
        raise ValueError("ticket_id is empty")
    escalated = _bool(get["escalated"], "escalated")
    if escalated is None:
        raise ValueError("escalated is empty; write 1 or 0")
    handle = get["handle_time_s"].strip()
    try:
        handle_time = float(handle) if handle else None
    except ValueError:
        raise ValueError(f"handle_time_s must be a number of seconds, got {handle!r}") from None
    return TicketRecord(ticket_id=get["ticket_id"].strip(), created_at=_when(get["opened_at"]),
                        agent=get["agent"].strip() or None, handle_time_s=handle_time,
                        first_contact_resolution=_bool(get["first_contact_resolution"], "first_contact_resolution"),
                        escalated=escalated, deflected=bool(_bool(get["deflected"], "deflected")))


def read_baseline_csv(path: Path | str) -> list[TicketRecord]:
    """The baseline tickets in file order; ReportError names the file, line and column of a bad value."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:  # -sig: spreadsheets write a BOM
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ReportError(f"{path}: the baseline CSV lacks column(s) {', '.join(missing)}; it needs "
                                  f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}).")
            reader.fieldnames = header
            records = []
            for row in reader:
                try:
                    records.append(_row(row))
                except (ValueError, ValidationError) as e:
                    msg = e.errors()[0]["msg"] if isinstance(e, ValidationError) else str(e)
                    raise ReportError(f"{path}, line {reader.line_num}: {msg}. Fix the row or drop it.") from None
    except OSError as e:
        raise ReportError(f"Cannot read the baseline CSV {path}: {e.strerror or e}.") from e
    except UnicodeDecodeError as e:
        raise ReportError(f"{path} is not UTF-8 text; export the CSV as UTF-8.") from e
    if not records:
        raise ReportError(f"{path} has a header but no tickets; a baseline needs at least one row.")
    return records
