"""`make audit`: findings fail, an unreachable vulnerability service says so and passes, nothing runs in tests."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from deflectkit import depaudit

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
VULN = {"dependencies": [
    {"name": "jinja2", "version": "2.10", "vulns": [{"id": "GHSA-462w-v97r-4m45", "fix_versions": ["2.10.1"]}]},
    {"name": "torch", "version": "2.13.0", "vulns": []},
    {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI and could not be audited"},
], "fixes": []}


def test_classify_tells_findings_clean_and_unchecked_apart():
    vulnerable = depaudit.classify(VULN)
    assert vulnerable.status == "vulnerable" and vulnerable.audited == 2
    assert vulnerable.findings == [("jinja2", "2.10", "GHSA-462w-v97r-4m45", ["2.10.1"])]
    assert depaudit.classify({"dependencies": [VULN["dependencies"][1]]}).status == "clean"
    # What pip-audit prints as "No known vulnerabilities found" when PyPI's JSON API is out of reach:
    all_skipped = {"dependencies": [VULN["dependencies"][2]] * 3, "fixes": []}
    assert depaudit.classify(all_skipped).status == "unchecked"
    assert depaudit.classify(None).status == "unchecked"


def stub(tmp_path: Path, report: dict | None, exit_code: int) -> str:
    """A pip-audit stand-in (the vulnerability service is the system's edge): writes `report` to -o."""
    path = tmp_path / "pip-audit"
    path.write_text(f"""#!{sys.executable}
import sys
args = sys.argv[1:]
report = {json.dumps(json.dumps(report)) if report is not None else None}
if report is None:
    print("requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'", file=sys.stderr)
else:
    open(args[args.index("-o") + 1], "w").write(report)
sys.exit({exit_code})
""")
    path.chmod(0o755)
    return str(path)


def test_findings_exit_1_with_each_pin_and_its_fix(tmp_path, capsys):
    assert depaudit.main([str(REPO / "requirements.lock"), "--pip-audit", stub(tmp_path, VULN, 1)]) == 1
    out = capsys.readouterr().out
    assert "jinja2==2.10  GHSA-462w-v97r-4m45  (fixed in 2.10.1)" in out and "not checked: private-pkg" in out


def test_an_unreachable_service_says_nothing_was_checked_and_exits_0(tmp_path, capsys):
    assert depaudit.main([str(REPO / "requirements.lock"), "--pip-audit", stub(tmp_path, None, 1)]) == 0
    captured = capsys.readouterr()
    assert "Nothing was checked" in captured.out and f"pip-audit=={depaudit.PIP_AUDIT_VERSION}" in captured.out
    assert "ConnectionError" in captured.err


def test_makefile_audit_target_is_pinned_and_kept_out_of_setup_and_test():
    make = (REPO / "Makefile").read_text()
    assert re.search(rf"^PIP_AUDIT_VERSION := {re.escape(depaudit.PIP_AUDIT_VERSION)}$", make, re.M)
    assert re.search(r"^audit:.*## ", make, re.M) and "deflectkit/depaudit.py" in make
    for target in ("setup", "test", "test-fast"):
        recipe = re.search(rf"^{target}:.*?(?=^\S)", make, re.M | re.S).group(0)
        assert "audit" not in recipe, target
    assert "pip-audit" not in (REPO / "pyproject.toml").read_text()
