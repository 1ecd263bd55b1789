"""Run `semgrep --test` on secgate's rule pack and fail on anything but a clean pass.

`semgrep --test` exits 0 even when a rule file does not load (semgrep 1.185 then leaves
that rule's tests out of the count), so this script reads its JSON report instead of
trusting the exit code: every config must load, every config must have a test file, and
every check must pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PACK = Path(__file__).resolve().parents[1] / "rules" / "semgrep"


def main() -> int:
    """Run the pack's tests; print a summary; return the exit code."""
    proc = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [  # noqa: S607 - the semgrep of the CI virtualenv, found on its PATH
            "semgrep",
            "--test",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            str(PACK),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(f"semgrep --test wrote no JSON (exit {proc.returncode}):\n")
        sys.stderr.write(proc.stderr[-4000:] + "\n")
        return 1
    problems: list[str] = []
    for config in report.get("config_with_errors") or []:
        problems.append(f"rule file does not load: {json.dumps(config)[:600]}")
    for config in report.get("config_missing_tests") or []:
        problems.append(f"rule file has no test file: {config}")
    checks = 0
    for config, result in (report.get("results") or {}).items():
        for rule_id, check in (result.get("checks") or {}).items():
            checks += 1
            if not check.get("passed"):
                problems.append(f"{config}: {rule_id}: {json.dumps(check)[:600]}")
    if not checks:
        problems.append("semgrep --test ran no check at all")
    if proc.returncode != 0:
        problems.append(f"semgrep --test exited with code {proc.returncode}")
    for problem in problems:
        sys.stderr.write(f"FAIL {problem}\n")
    print(
        f"semgrep --test {PACK.relative_to(PACK.parents[1])}: {checks} rule checks, "
        f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
