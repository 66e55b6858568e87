"""`make audit`: requirements.lock against known vulnerabilities, with pip-audit, honest when it cannot look.

pip-audit asks an online vulnerability service (PyPI's JSON API by default, or OSV) about each pin.
Where that service cannot be reached, pip-audit either fails with a connection error or, worse,
reports every package as "not found on PyPI" and still prints "No known vulnerabilities found".
This wrapper tells the three outcomes apart:

    exit 0  checked, nothing known                  (packages it could not check are listed)
    exit 1  known vulnerabilities: each pin, its advisories and the versions that fix them
    exit 0  nothing could be checked: says so, and how to run the same check where the service is reachable

It only uses the standard library, so it runs with the audit venv's own Python (pip-audit is not a
dependency of the app, and `make test` never calls a network service).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

PIP_AUDIT_VERSION = "2.10.1"  # keep equal to the Makefile's pin

HOW_TO = f"""\
Nothing was checked: pip-audit could not reach its vulnerability service from this machine.
Run the same check on a machine with internet access (a laptop, or CI with network):

    python3 -m venv /tmp/pip-audit && /tmp/pip-audit/bin/pip install "pip-audit=={PIP_AUDIT_VERSION}"
    /tmp/pip-audit/bin/pip-audit -r requirements.lock --no-deps --disable-pip   # or: make audit

Add `-s osv` to ask OSV instead of PyPI. On findings, raise the pin (pyproject.toml, then `make lock`)."""


class Finding(NamedTuple):
    name: str
    version: str
    advisory: str
    fixed_in: list[str]


class Outcome(NamedTuple):
    status: str  # "clean" | "vulnerable" | "unchecked"
    findings: list[Finding]
    audited: int
    skipped: list[str]  # "name: reason"


def classify(report: dict | None) -> Outcome:
    """What pip-audit's JSON report (None when it produced none) says, unreachable services included."""
    if not report or not isinstance(report.get("dependencies"), list):
        return Outcome("unchecked", [], 0, [])
    findings, skipped, audited = [], [], 0
    for dep in report["dependencies"]:
        if dep.get("skip_reason"):
            skipped.append(f"{dep.get('name')}: {dep['skip_reason']}")
            continue
        audited += 1
        for v in dep.get("vulns") or []:
            findings.append(Finding(dep["name"], dep.get("version", "?"), v.get("id", "?"), v.get("fix_versions") or []))
    if findings:
        return Outcome("vulnerable", findings, audited, skipped)
    return Outcome("clean" if audited else "unchecked", [], audited, skipped)


def run_pip_audit(pip_audit: str, requirements: Path, service: str) -> dict | None:
    """pip-audit's JSON report, or None when it failed before writing one (e.g. the service is unreachable)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [pip_audit, "-r", str(requirements), "--no-deps", "--disable-pip", "-s", service, "-f", "json",
               "-o", str(out), "--progress-spinner", "off"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            print(f"cannot run {pip_audit}: {e.strerror}", file=sys.stderr)
            return None
        try:
            return json.loads(out.read_text())
        except (OSError, ValueError):
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"pip-audit gave no report (exit {proc.returncode}): {last[:300]}", file=sys.stderr)
            return None


def report(outcome: Outcome) -> int:
    """Print the outcome; the exit code is 1 only for real findings."""
    if outcome.status == "unchecked":
        print(HOW_TO)
        return 0
    for line in outcome.skipped:
        print(f"not checked: {line}")
    if outcome.status == "clean":
        print(f"No known vulnerabilities in the {outcome.audited} pins checked.")
        return 0
    print(f"Known vulnerabilities in requirements.lock ({len(outcome.findings)}):")
    for f in outcome.findings:
        fix = f"fixed in {', '.join(f.fixed_in)}" if f.fixed_in else "no fixed release yet"
        print(f"  {f.name}=={f.version}  {f.advisory}  ({fix})")
    print("Raise these pins (pyproject.toml, then `make lock`) and run `make audit` again.")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--pip-audit", default="pip-audit", help="The pip-audit executable.")
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"], help="Vulnerability service.")
    args = parser.parse_args(argv)
    return report(classify(run_pip_audit(args.pip_audit, args.requirements, args.service)))


if __name__ == "__main__":
    sys.exit(main())
