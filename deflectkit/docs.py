"""Regenerate the README's settings and command tables from the code (`make docs`).

The docs test checks that README.md matches, so a new setting or command cannot go undocumented.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def settings_table() -> str:
    from deflectkit.core.config import Settings

    rows = ["| env var | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else field.default_factory()
        if hasattr(default, "get_secret_value"):
            default = "(secret)"
        shown = ", ".join(map(str, default)) if isinstance(default, list) else default
        shown = "" if shown is None else str(shown)
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `DEFLECT_{name.upper()}` | `{shown}` | {desc} |".replace("``", "–"))
    return "\n".join(rows)


def command_list() -> list[str]:
    import typer.main

    from deflectkit.cli import app

    click_app = typer.main.get_command(app)
    out: list[str] = []

    def walk(cmd, prefix):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name in sorted(subs):
                walk(subs[name], f"{prefix} {name}")
        else:
            out.append(prefix.strip())

    walk(click_app, "deflect")
    return out


def commands_table() -> str:
    import typer.main

    from deflectkit.cli import app

    click_app = typer.main.get_command(app)
    rows = ["| command | what it does |", "|---|---|"]
    for full in command_list():
        cmd = click_app
        for part in full.split()[1:]:
            cmd = cmd.commands[part]
        helptext = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
        rows.append(f"| `{full}` | {helptext} |")
    return "\n".join(rows)


def render(text: str) -> str:
    for name, body in (("settings", settings_table()), ("commands", commands_table())):
        text = re.sub(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)",
                      lambda m, b=body: m.group(1) + b + "\n" + m.group(2), text, flags=re.S)
    return text


def main() -> None:
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in sys.argv:
        sys.exit(0 if new == text else 1)
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
