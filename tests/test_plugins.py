"""The plugin path: entry points, registries, hook documentation."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import json
from pathlib import Path

import pytest

import secgate
from secgate import hookspecs
from secgate.errors import PluginError
from secgate.plugins import ScanContext, Scanner, ScanOutput, hookimpl, make_plugin_host
from tests.conftest import TESTS, run_cli, run_cli_process, write, write_fake_distribution


def test_entry_point_plugin_findings_decide_the_verdict(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "x = 1  # FAKE-ISSUE(high)\n"})
    failing = secgate.check(project, scanners=["fake-marker"])
    assert failing.status is secgate.VerdictStatus.FAIL
    [finding] = failing.findings
    assert (finding.scanner, finding.rule_id, finding.path, finding.line) == (
        "fake-marker",
        "FAKE001",
        "app.py",
        1,
    )
    assert finding.blocking and finding.decided_by == "fail-on=high"

    write(project, {"app.py": "x = 1  # FAKE-ISSUE(low)\n"})
    passing = secgate.check(project, scanners=["fake-marker"])
    assert passing.passed
    assert passing.findings[0].suppressed_by == "below-threshold"


def test_entry_point_plugin_decides_exit_code_of_the_real_command(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"app.py": "x = 1  # FAKE-ISSUE(critical)\n"})
    result = run_cli_process("check", str(project), "--scanner", "fake-marker")
    assert result.code == 1, result.err
    assert "app.py:1  critical  FAKE001  marker of severity critical" in result.out


def test_scanners_command_lists_name_version_distribution_and_availability(
    fake_plugin: Path,
) -> None:
    result = run_cli("scanners", "--format", "json")
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert rows["fake-marker"]["version"] == "1.2.3"
    assert rows["fake-marker"]["distribution"] == "secgate-fake-plugin 1.2.3"
    assert rows["fake-marker"]["available"] is True
    assert rows["fake-missing"]["available"] is False
    assert "fake-tool not found on PATH" in rows["fake-missing"]["reason"]
    assert "pip install fake-tool" in rows["fake-missing"]["reason"]
    text = run_cli("scanners").out
    assert any(
        line.startswith("fake-missing") and "cannot run: fake-tool not found" in line
        for line in text.splitlines()
    )


def test_builtin_plugins_register_through_the_entry_point_group() -> None:
    eps = {
        ep.name: ep.value
        for ep in importlib.metadata.entry_points(group="secgate")
        if ep.dist is not None and ep.dist.name == "secgate-ci"
    }
    assert {"scan", "policy", "reports"} <= set(eps)
    host = make_plugin_host()
    assert {"text", "json", "sarif"} <= set(host.reporters())


def test_plugin_that_fails_to_import_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    site = tmp_path / "site"
    write_fake_distribution(
        site, name="broken-plugin", entry_points={"broken": "no_such_module_for_secgate"}
    )
    monkeypatch.syspath_prepend(str(site))
    result = run_cli("check", str(project))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "plugin 'broken'" in result.err and "broken-plugin" in result.err
    assert "Traceback" not in result.err


def test_two_scanners_with_one_name_are_rejected(fake_plugin: Path) -> None:
    class Imposter(Scanner):
        name = "fake-marker"

        def scan(self, context: ScanContext) -> ScanOutput:  # pragma: no cover
            return ScanOutput()

    class Plugin:
        @hookimpl
        def secgate_register_scanners(self) -> list[type[Scanner]]:
            return [Imposter]

    host = make_plugin_host([Plugin()])
    with pytest.raises(PluginError, match="'fake-marker' registered twice"):
        host.scanners()


def test_misspelt_hook_in_a_plugin_is_reported() -> None:
    class Typo:
        @hookimpl
        def secgate_register_scaners(self) -> list[type[Scanner]]:  # pragma: no cover
            return []

    with pytest.raises(PluginError, match="secgate_register_scaners"):
        make_plugin_host([Typo()])


def test_disabled_plugin_is_not_loaded(fake_plugin: Path) -> None:
    host = make_plugin_host(environ={"SECGATE_DISABLE_PLUGINS": "fake"})
    assert "fake-marker" not in host.scanners()


def _hooks() -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("secgate_")
    ]


@pytest.mark.parametrize("hook", _hooks())
def test_every_hook_is_documented(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 120, f"{hook} needs a docstring saying when, what it gets and returns"
    assert "return" in doc.lower() or "returns" in doc.lower()


def _implemented_in_tests() -> dict[str, set[str]]:
    """Hook name -> test files (other than this one) whose plugins implement it."""
    found: dict[str, set[str]] = {}
    for path in TESTS.rglob("*.py"):
        if path.name == Path(__file__).name:
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue  # a fixture of broken code, not a test
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("secgate_"):
                decorators = [ast.unparse(d) for d in node.decorator_list]
                if any("hookimpl" in d for d in decorators):
                    found.setdefault(node.name, set()).add(path.name)
    return found


@pytest.mark.parametrize("hook", _hooks())
def test_every_hook_has_a_test(hook: str) -> None:
    """A test elsewhere implements the hook in a plugin (naming it in a string is not enough)."""
    assert _implemented_in_tests().get(hook), f"no test plugin implements {hook}"


def test_builtins_register_without_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source checkout that is not installed still has every built-in plugin."""
    from secgate import plugins  # noqa: PLC0415

    monkeypatch.setattr(plugins, "_entry_points", list)
    host = make_plugin_host()
    assert {"bandit", "pip-audit", "semgrep", "secrets"} <= set(host.scanners())
    assert {name for name, _ in plugins.DEFAULT_PLUGINS} <= {
        host.pm.get_name(p) for p in host.pm.get_plugins()
    }


@pytest.mark.parametrize("name", ["scan", "policy"])
def test_an_essential_plugin_cannot_be_disabled(name: str, project: Path) -> None:
    with pytest.raises(PluginError, match=f"plugin {name!r} is essential"):
        make_plugin_host(disabled=[name])
    write(project, {"app.py": "x = 1\n"})
    result = run_cli_process("check", str(project), env={"SECGATE_DISABLE_PLUGINS": name})
    assert result.code == 2
    assert "is essential" in result.err
    assert "Traceback" not in result.err
