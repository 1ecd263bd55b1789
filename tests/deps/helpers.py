"""Helpers shared by the dependency-audit tests: OSV records, databases, a fake pip-audit."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "deps"


def osv_record(
    record_id: str,
    package: str,
    *,
    events: list[dict[str, str]] | None = None,
    versions: list[str] | None = None,
    aliases: list[str] | None = None,
    modified: str = "2024-01-01T00:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """A minimal valid OSV record for one PyPI package."""
    affected: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": package}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    record: dict[str, Any] = {
        "id": record_id,
        "modified": modified,
        "aliases": aliases or [],
        "details": f"{record_id} in {package}",
        "affected": [affected],
    }
    record.update(extra)
    return record


FAKE_PIP_AUDIT = """#!{python}
# A stand-in for pip-audit: this machine cannot reach pip-audit's online services, so the
# tests replay output recorded (or composed in pip-audit's JSON format) instead.
import json, os, sys, time
from pathlib import Path

args = sys.argv[1:]
requirements = Path(args[args.index("--requirement") + 1]).read_text()
Path(os.environ["FAKE_PIP_AUDIT_LOG"]).write_text(
    json.dumps({{"argv": args, "requirements": requirements}})
)
time.sleep(float(os.environ.get("FAKE_PIP_AUDIT_SLEEP", "0")))
for name, stream in (("STDOUT", sys.stdout), ("STDERR", sys.stderr)):
    source = os.environ.get("FAKE_PIP_AUDIT_" + name)
    if source:
        stream.write(Path(source).read_text())
sys.exit(int(os.environ.get("FAKE_PIP_AUDIT_EXIT", "0")))
"""


class FakePipAudit:
    """Controls the fake ``pip-audit`` put first on PATH."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.log = folder / "calls.json"
        executable = folder / "pip-audit"
        executable.write_text(FAKE_PIP_AUDIT.format(python=sys.executable), "utf-8")
        executable.chmod(0o755)
        self.executable = executable
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
        monkeypatch.setenv("FAKE_PIP_AUDIT_LOG", str(self.log))

    def replay(
        self,
        stdout: str | Path | None = None,
        stderr: str | Path | None = None,
        exit_code: int = 0,
        sleep: float = 0.0,
    ) -> None:
        """Print *stdout*/*stderr* (text, or a fixture file) and exit with *exit_code*."""
        for name, given in (("STDOUT", stdout), ("STDERR", stderr)):
            if given is None:
                self.monkeypatch.delenv(f"FAKE_PIP_AUDIT_{name}", raising=False)
                continue
            path = given if isinstance(given, Path) else self.folder / f"{name.lower()}.txt"
            if isinstance(given, str):
                path.write_text(given, "utf-8")
            self.monkeypatch.setenv(f"FAKE_PIP_AUDIT_{name}", str(path))
        self.monkeypatch.setenv("FAKE_PIP_AUDIT_EXIT", str(exit_code))
        self.monkeypatch.setenv("FAKE_PIP_AUDIT_SLEEP", str(sleep))

    def last_call(self) -> dict[str, Any]:
        """argv and the requirements file the last run got."""
        return dict(json.loads(self.log.read_text("utf-8")))


def isolate_cache(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point secgate's cache (index, imported databases) under *root*; no SECGATE_VULN_DB."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
    monkeypatch.delenv("SECGATE_VULN_DB", raising=False)
    return root / "xdg-cache" / "secgate"


def write_records(folder: Path, *records: dict[str, Any], fmt: str = "json") -> Path:
    """Write OSV records into *folder* (created), one file each, as JSON or YAML."""
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        if fmt == "json":
            (folder / f"{record['id']}.json").write_text(json.dumps(record), "utf-8")
        else:
            (folder / f"{record['id']}.yaml").write_text(yaml.safe_dump(record), "utf-8")
    return folder
