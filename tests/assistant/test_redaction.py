"""One Presidio redactor per process, and its loggers pinned so DEBUG logging cannot leak ticket PII."""

from __future__ import annotations

import logging

import pytest

from assistant.redaction import PRESIDIO_LOGGERS, pin_presidio_loggers, shared_redactor

pytestmark = pytest.mark.integration

PII = ("jane.doe@example.com", "415 555 0132", "4111 1111 1111 1111")
TICKET = f"Please refund my last payment. Email me at {PII[0]} or call +1 {PII[1]}; the card was {PII[2]}."


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def debug_root():
    """The root logger at DEBUG with a capturing handler; presidio loggers unset, as in a fresh process."""
    root = logging.getLogger()
    saved = root.level, {n: logging.getLogger(n).level for n in PRESIDIO_LOGGERS}
    for name in PRESIDIO_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    handler = Capture()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


def test_every_assistant_shares_one_redactor(slice_services):
    a, b = slice_services.assistant("extractive"), slice_services.assistant(settings=slice_services.settings)
    assert a is not b and a.redactor is b.redactor is shared_redactor()


def test_debug_root_logger_gets_no_pii_from_a_redaction(slice_services, debug_root):
    answer = slice_services.assistant().answer(TICKET)
    assert "[EMAIL]" in answer.ticket and "[CARD]" in answer.ticket and not any(p in answer.ticket for p in PII)
    assert debug_root.records, "the capture works: DEBUG records from the run reached the root logger"
    leaked = [(r.name, r.getMessage()) for r in debug_root.records
              if any(p in r.getMessage() or p in str(vars(r)) for p in PII)]
    assert leaked == []
    chatty = [r.name for r in debug_root.records if r.name in PRESIDIO_LOGGERS and r.levelno < logging.WARNING]
    assert chatty == []  # presidio's DEBUG output quotes the text around a match ("Context list is: ...")


def test_pinning_keeps_stricter_levels_and_shared_redactor_pins(debug_root):
    logging.getLogger("presidio-anonymizer").setLevel(logging.ERROR)
    pin_presidio_loggers()
    assert logging.getLogger("presidio-anonymizer").level == logging.ERROR
    logging.getLogger("presidio-analyzer").setLevel(logging.NOTSET)
    assert shared_redactor() is shared_redactor()
    assert logging.getLogger("presidio-analyzer").getEffectiveLevel() == logging.WARNING
