"""Audit the locked dependencies with pip-audit; fail on any known vulnerability.

pip-audit asks PyPI's JSON API for advisories. Where that API cannot be
reached (some build machines only reach a package mirror), every package
comes back "skipped": that is reported loudly, but it is not a finding, so it
does not fail the build. A vulnerability that is found always does.
"""

import json
import subprocess
import sys

command = [
    ".venv/bin/pip-audit", "-r", "requirements.lock", "--no-deps", "--disable-pip",
    "--progress-spinner", "off", "--format", "json",
]  # fmt: skip
result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
try:
    report = json.loads(result.stdout)
except json.JSONDecodeError:
    print(result.stdout, result.stderr, sep="\n")
    sys.exit("pip-audit gave no report (see above).")

dependencies = report.get("dependencies", [])
vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if d.get("skip_reason")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixes})")
audited = len(dependencies) - len(skipped)
counts = f"{audited} audited, {len(skipped)} skipped, {len(vulnerable)} vulnerable"
print(f"pip-audit: {len(dependencies)} locked packages, {counts}.")
if skipped and not audited:
    print("WARNING: the advisory database could not be reached from this machine; nothing was audited.")
sys.exit(1 if vulnerable else 0)
