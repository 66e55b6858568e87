"""`deflect eval --help` lists every dataset the registry knows, so the help cannot drift from the code."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from deflectkit.cli.eval_cmds import app
from evals.datasets import BUILTIN

pytestmark = pytest.mark.unit

runner = CliRunner()


def plain(text: str) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;]*m|[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("args", [["--help"], ["baselines", "--help"]])
def test_dataset_help_lists_every_builtin_and_beir(args, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = plain(result.stdout)
    assert " | ".join([*BUILTIN, "beir:PATH"]) in text


def test_baselines_without_a_dataset_names_the_choices(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["baselines"])
    assert result.exit_code != 0
    assert all(name in plain(result.output) for name in [*BUILTIN, "beir:PATH"])
