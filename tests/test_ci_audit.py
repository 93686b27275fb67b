"""CI's dependency audit fails on a known vulnerability, and only then."""

import json
import runpy
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit.py"


def run_with(monkeypatch, dependencies) -> int:
    fake = subprocess.CompletedProcess([], 0, stdout=json.dumps({"dependencies": dependencies}), stderr="")
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: fake)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    return exit_.value.code


def test_a_vulnerable_package_fails_the_build(monkeypatch, capsys):
    vulnerable = {"name": "django", "version": "6.1.0", "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["6.1.1"]}]}
    assert run_with(monkeypatch, [vulnerable, {"name": "pillow", "version": "13.0.0", "vulns": []}]) == 1
    assert "VULNERABLE django 6.1.0: PYSEC-0000-1 (fixed in: 6.1.1)" in capsys.readouterr().out


def test_clean_and_unreachable_reports_pass(monkeypatch, capsys):
    assert run_with(monkeypatch, [{"name": "pillow", "version": "13.0.0", "vulns": []}]) == 0
    assert run_with(monkeypatch, [{"name": "pillow", "version": "13.0.0", "skip_reason": "not found"}]) == 0
    assert "nothing was audited" in capsys.readouterr().out
