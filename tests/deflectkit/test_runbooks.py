"""The runbooks in docs/ name only real commands and options: each `deflect ...` they quote resolves in the
typer app, its --help runs, and every --option it uses exists on that command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from deflectkit.cli import app

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[2] / "docs"
RUNBOOKS = ("runbook-incident.md", "runbook-rollback.md", "agent-playbook.md")
_INLINE = re.compile(r"`(deflect [^`]+)`")


def quoted_commands(text: str) -> list[str]:
    """Every `deflect ...` in inline code, and every line of a fenced block that starts with deflect."""
    found = _INLINE.findall(text)
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S):
        found += [line.strip() for line in block.splitlines() if line.strip().startswith("deflect ")]
    return found


def is_group(cmd) -> bool:
    return bool(getattr(cmd, "commands", None))  # typer vendors click: no isinstance against click.Group


def resolve(command: str):
    """(the command path, its click command, the options written after it); raises on an unknown word."""
    cmd = typer.main.get_command(app)
    path, words = [], command.split()[1:]
    while words and is_group(cmd) and not words[0].startswith("-"):
        name = words.pop(0)
        if name not in cmd.commands:
            raise AssertionError(f"{command!r}: {' '.join(['deflect', *path])} has no command {name!r}; "
                                 f"it has {', '.join(sorted(cmd.commands))}")
        path.append(name)
        cmd = cmd.commands[name]
    options = [w.split("=")[0] for w in words if w.startswith("--")]
    return path, cmd, options


def test_the_runbooks_exist_and_quote_commands():
    for name in RUNBOOKS:
        assert quoted_commands((DOCS / name).read_text(encoding="utf-8")), f"{name} quotes no deflect command"


@pytest.mark.parametrize("name", RUNBOOKS)
def test_every_quoted_command_exists_with_its_options(name):
    runner = CliRunner()
    for command in quoted_commands((DOCS / name).read_text(encoding="utf-8")):
        path, cmd, options = resolve(command)
        assert path and not is_group(cmd), f"{command!r} in {name} names a group, not a command"
        known = {o for p in cmd.params for o in getattr(p, "opts", [])}
        unknown = [o for o in options if o not in known]
        assert not unknown, f"{command!r} in {name}: no option {unknown} (has {sorted(known)})"
        res = runner.invoke(app, [*path, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output, (command, res.output)


def test_resolve_catches_typos():
    with pytest.raises(AssertionError, match="has no command 'rollbak'"):
        resolve("deflect index rollbak")
    assert resolve("deflect retention apply --days 1 --mode=redact")[::2] == (["retention", "apply"],
                                                                            ["--days", "--mode"])
