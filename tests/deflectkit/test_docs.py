"""Docs checked by tests: every setting and every command appears in the README."""

import pytest

from deflectkit.docs import README, command_list, render

pytestmark = pytest.mark.unit


def test_every_setting_is_documented():
    from deflectkit.core.config import Settings

    text = README.read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"DEFLECT_{n.upper()}" not in text]
    assert not missing, f"settings missing from README (run `make docs`): {missing}"


def test_every_command_is_documented():
    text = README.read_text(encoding="utf-8")
    missing = [c for c in command_list() if f"`{c}`" not in text]
    assert not missing, f"commands missing from README (run `make docs`): {missing}"


def test_readme_tables_are_current():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README tables are stale: run `make docs`"


def test_readme_starts_with_the_two_commands():
    head = README.read_text(encoding="utf-8")[:3000]
    assert "make run" in head and "make test" in head and "screenshot" in head.lower()
