"""``secgate scanners``: the registered scanners and whether they can run here.

Each scanner's state is one of:

- ``found``: its tool is there (the module imports are installed, or the executable is on
  PATH), but no scan was tried: a semgrep whose ``--version`` answers can still crash on
  every scan. Finding a tool costs nothing; a tiny real scan does not: measured on a
  two-core machine, semgrep takes 2.0-2.2 s with one rule on one file and about 4 s with
  the bundled pack, too slow to pay on every listing (the listing itself takes 0.35 s).
- ``ready``: with ``--check``, the scanner also scanned a one-file temporary tree, with its
  default options, through the same engine as ``secgate check``, and its result was ok.
- ``cannot run: <why>``: not found, or (``--check``) the tiny scan failed, with its error.

``--check`` exits 2 when a found scanner fails its tiny scan (a pre-flight for CI images).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any, TextIO

from secgate.cli.exitcodes import EXIT_ERROR, EXIT_PASS

#: The file the ``--check`` scan looks at: a harmless Python module.
PROBE_FILE = "probe.py"
PROBE_TEXT = '"""secgate scanners --check: a tiny scan of a harmless file."""\n\nVALUE = 1\n'
#: Seconds each scanner gets for the tiny scan.
PROBE_TIMEOUT = 60


def tiny_scan(names: list[str]) -> dict[str, str | None]:
    """Run *names* on a one-file temporary tree: each name's error, or None when it was ok."""
    import secgate  # noqa: PLC0415

    if not names:
        return {}
    with tempfile.TemporaryDirectory(prefix="secgate-scanners-check-") as tmp:
        root = Path(tmp)
        (root / PROBE_FILE).write_text(PROBE_TEXT, encoding="utf-8")
        verdict = secgate.check(
            root,
            scanners=names,
            jobs=1,
            baseline=False,
            overrides={
                "cache": False,
                "scanners": {name: {"timeout": PROBE_TIMEOUT} for name in names},
            },
        )
    results: dict[str, str | None] = {}
    for result in verdict.scanners:
        if result.name in names:
            ok = result.status.value == "ok"
            results[result.name] = None if ok else (result.error or result.status.value)
    return results


def cmd_scanners(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415
    from secgate.selection import probe  # noqa: PLC0415

    host = make_plugin_host()
    rows: list[dict[str, Any]] = []
    for name, info in host.scanners().items():
        scanner = info.cls()
        availability = probe(scanner)
        ok, why = availability.ok, (None if availability.ok else availability.describe())
        try:
            version = scanner.version()
        except Exception:  # noqa: BLE001 - same
            version = None
        dist = (
            f"{info.distribution} {info.distribution_version}"
            if info.distribution
            else f"(plugin {info.plugin})"
        )
        rows.append(
            {
                "name": name,
                "version": version,
                "distribution": dist,
                "available": ok,
                "state": "found" if ok else "cannot run",
                "reason": why,
                "description": info.cls.description,
            }
        )
    code = EXIT_PASS
    if getattr(args, "check", False):
        checked = tiny_scan([r["name"] for r in rows if r["available"]])
        for row in rows:
            if row["name"] not in checked:
                continue
            error = checked[row["name"]]
            if error is None:
                row["state"] = "ready"
            else:
                row.update(available=False, state="cannot run", reason=f"tiny scan: {error}")
                code = EXIT_ERROR
    if args.format == "json":
        stdout.write(json.dumps(rows, indent=2) + "\n")
        return code
    if not rows:
        stdout.write("no scanners registered: pip install 'secgate-ci[all]'\n")
        return code
    width = max(len(r["name"]) for r in rows)
    vwidth = max(len(r["version"] or "-") for r in rows)
    dwidth = max(len(r["distribution"]) for r in rows)
    for row in rows:
        state = row["state"] if row["available"] else f"cannot run: {row['reason']}"
        stdout.write(
            f"{row['name']:<{width}}  {row['version'] or '-':<{vwidth}}  "
            f"{row['distribution']:<{dwidth}}  {state}\n"
        )
    if not getattr(args, "check", False) and any(r["available"] for r in rows):
        stdout.write("(found: installed, not test-run; `secgate scanners --check` tries a scan)\n")
    return code
