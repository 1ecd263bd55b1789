"""The pytest plugin, run through ``pytester`` on throwaway projects with the fake scanners."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from secgate.testing import add_to_path

pytest_plugins = ["pytester"]

SELECT_MARKER = '[tool.secgate]\nselect = ["fake-marker"]\n'
USER_TESTS = "def test_one():\n    pass\n\ndef test_two():\n    pass\n"


@pytest.fixture
def gate_project(pytester: pytest.Pytester, fake_plugin: Path) -> pytest.Pytester:
    """A project with two passing tests, one high and one low marker, and the fake scanner."""
    pytester.makepyprojecttoml(SELECT_MARKER)
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.makepyfile(app="x = 1  # FAKE-ISSUE(high)\ny = 2  # FAKE-ISSUE(low)\n")
    return pytester


def test_plugin_is_inactive_unless_asked_for(gate_project: pytest.Pytester) -> None:
    result = gate_project.runpytest_subprocess("-v")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    assert "secgate::" not in result.stdout.str()


def test_option_adds_an_item_per_scanner_and_a_verdict_with_stable_ids(
    gate_project: pytest.Pytester,
) -> None:
    gate_project.makepyprojecttoml('[tool.secgate]\nselect = ["fake-marker", "fake-sleep-a"]\n')
    result = gate_project.runpytest_subprocess("--secgate", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids == [
        "test_user.py::test_one",
        "test_user.py::test_two",
        "secgate::fake-marker",
        "secgate::fake-sleep-a",
        "secgate::verdict",
    ]
    result.stdout.fnmatch_lines(["5 tests collected*"])


def test_blocking_finding_fails_its_scanner_item_and_the_verdict_without_traceback(
    gate_project: pytest.Pytester,
) -> None:
    result = gate_project.runpytest_subprocess("--secgate")
    result.assert_outcomes(passed=2, failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*_ secgate::fake-marker _*",
            "secgate: fake-marker: 1 blocking finding",
            "app.py:1  FAKE001  marker of severity high",
            "*_ secgate::verdict _*",
            "secgate verdict: FAIL",
            "  - 1 blocking finding (1 high) at or above the threshold",
            "1 blocking finding:",
            "app.py:1  FAKE001  marker of severity high",
        ]
    )
    out = result.stdout.str()
    assert "app.py:2" not in out  # the low marker is below the threshold
    assert "Traceback" not in out and "GateFailure" not in out and "raise " not in out


def test_ini_setting_enables_the_gate_and_a_passing_gate_passes(
    gate_project: pytest.Pytester,
) -> None:
    gate_project.makepyprojecttoml(
        "[tool.pytest.ini_options]\nsecgate = true\n\n"
        '[tool.secgate]\nselect = ["fake-marker"]\nfail-on = "critical"\n'
    )
    result = gate_project.runpytest_subprocess("-v")
    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "secgate::fake-marker PASSED*",
            "secgate::verdict PASSED*",
            "*= secgate =*",
            "secgate: PASS",
        ]
    )


def test_stage_option_and_ini_key_pick_the_stage_profile(gate_project: pytest.Pytester) -> None:
    gate_project.makepyprojecttoml(
        '[tool.secgate]\nselect = ["fake-marker"]\nfail-on = "critical"\n\n'
        '[tool.secgate.stages.strict]\nfail-on = "low"\n'
    )
    assert gate_project.runpytest_subprocess("--secgate").ret == pytest.ExitCode.OK
    strict = gate_project.runpytest_subprocess("--secgate", "--secgate-stage", "strict")
    strict.assert_outcomes(passed=2, failed=2)
    strict.stdout.fnmatch_lines(["secgate: fake-marker: 2 blocking findings"])

    gate_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\nsecgate = true\nsecgate_stage = "strict"\n\n'
        '[tool.secgate]\nselect = ["fake-marker"]\nfail-on = "critical"\n\n'
        '[tool.secgate.stages.strict]\nfail-on = "low"\n'
    )
    gate_project.runpytest_subprocess().assert_outcomes(passed=2, failed=2)


def test_crashed_scanner_fails_its_item_with_its_error_and_the_gate_errors(
    gate_project: pytest.Pytester,
) -> None:
    result = gate_project.runpytest_subprocess(
        "--secgate", "--secgate-scanner", "fake-crash", "--secgate-scanner", "fake-marker"
    )
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ secgate::fake-crash _*",
            "secgate: fake-crash: error: *boom: the fake tool crashed*",
            "*_ secgate::fake-marker _*",
            "*_ secgate::verdict _*",
            "secgate verdict: ERROR",
            "  - scanner fake-crash failed: *boom*",
        ]
    )


def test_skipped_scanner_gives_a_skipped_item(
    gate_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This test counts the fake scanners' items only: keep secgate's own scanner plugins out.
    builtin_scanners = [
        ep.name
        for ep in importlib.metadata.entry_points(group="secgate")
        if ep.dist is not None
        and ep.dist.name == "secgate-ci"
        and ep.name not in {"scan", "cache", "policy", "reports"}
    ]
    monkeypatch.setenv("SECGATE_DISABLE_PLUGINS", ",".join(builtin_scanners))
    gate_project.makepyprojecttoml(
        '[tool.secgate]\nskip = ["fake-crash", "fake-sleep-a", "fake-sleep-b"]\n'
        'fail-on = "critical"\n'
    )
    result = gate_project.runpytest_subprocess("--secgate", "-rs", "-v")
    result.assert_outcomes(passed=4, skipped=1)
    result.stdout.fnmatch_lines(
        ["secgate::fake-missing SKIPPED*", "SKIPPED*secgate: fake-missing skipped: fake-tool*"]
    )


def test_config_error_fails_the_verdict_item_instead_of_crashing_collection(
    gate_project: pytest.Pytester,
) -> None:
    result = gate_project.runpytest_subprocess("--secgate", "--secgate-stage", "nope")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*_ secgate::verdict _*", "secgate could not run: *unknown stage 'nope'*"]
    )


def test_items_are_deselectable_with_k_and_m(gate_project: pytest.Pytester) -> None:
    by_keyword = gate_project.runpytest_subprocess("--secgate", "-k", "not secgate")
    by_keyword.assert_outcomes(passed=2, deselected=2)
    assert by_keyword.ret == pytest.ExitCode.OK
    by_marker = gate_project.runpytest_subprocess("--secgate", "-m", "not secgate")
    by_marker.assert_outcomes(passed=2, deselected=2)
    only_verdict = gate_project.runpytest_subprocess("--secgate", "-k", "verdict")
    only_verdict.assert_outcomes(failed=1, deselected=3)


def test_path_option_and_ini_key_limit_the_check_to_that_folder(
    gate_project: pytest.Pytester,
) -> None:
    (gate_project.path / "clean").mkdir()
    (gate_project.path / "clean" / "ok.py").write_text("z = 3\n")
    result = gate_project.runpytest_subprocess("--secgate", "--secgate-path", "clean")
    result.assert_outcomes(passed=4)

    gate_project.makepyprojecttoml(
        f'[tool.pytest.ini_options]\nsecgate = true\nsecgate_path = "clean"\n\n{SELECT_MARKER}'
    )
    gate_project.runpytest_subprocess().assert_outcomes(passed=4)
    # The command line wins over the ini key: the whole project has the high marker.
    gate_project.runpytest_subprocess("--secgate-path", ".").assert_outcomes(passed=2, failed=2)


def test_check_runs_once_per_session(gate_project: pytest.Pytester) -> None:
    gate_project.makeconftest(
        """
        import secgate.engine

        calls = []
        real_check = secgate.engine.check

        def counting_check(*args, **kwargs):
            calls.append(args)
            return real_check(*args, **kwargs)

        secgate.engine.check = counting_check

        def pytest_unconfigure(config):
            secgate.engine.check = real_check
            print(f"secgate-check-calls={len(calls)}")
        """
    )
    gate_project.makepyprojecttoml('[tool.secgate]\nselect = ["fake-marker", "fake-sleep-a"]\n')
    result = gate_project.runpytest_subprocess("--secgate", "-s")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["secgate-check-calls=1"])


HEAVY = ("pydantic", "secgate.engine", "secgate.models", "secgate.config", "secgate.plugins")


def test_inactive_plugin_imports_nothing_heavy(gate_project: pytest.Pytester) -> None:
    """pytest loads the plugin in every run; unused, it must not load the engine or pydantic."""
    gate_project.makeconftest(
        f"""
        import sys

        def pytest_unconfigure(config):
            loaded = [m for m in {HEAVY!r} if m in sys.modules]
            plugin = config.pluginmanager.get_plugin("secgate")
            print(f"heavy={{loaded}} plugin={{plugin is not None}}")
        """
    )
    result = gate_project.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "heavy=[] plugin=True" in result.stdout.lines

    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, secgate.pytest_plugin; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_arguments_naming_only_some_tests_leave_the_gate_out(
    gate_project: pytest.Pytester,
) -> None:
    """An IDE's single-test run (a node id, a file) does not run the gate, and says so."""
    one_test = gate_project.runpytest_subprocess("--secgate", "test_user.py::test_one", "-v")
    one_test.assert_outcomes(passed=1)
    assert one_test.ret == pytest.ExitCode.OK
    assert "secgate::" not in one_test.stdout.str()
    one_test.stdout.fnmatch_lines(["secgate: not run: the arguments name only some tests*"])

    one_file = gate_project.runpytest_subprocess("--secgate", "test_user.py")
    one_file.assert_outcomes(passed=2)
    assert one_file.ret == pytest.ExitCode.OK


def test_gate_runs_when_its_items_are_named_or_the_whole_tree_is_given(
    gate_project: pytest.Pytester,
) -> None:
    with_tests = gate_project.runpytest_subprocess(
        "--secgate", "test_user.py::test_one", "secgate", "-v"
    )
    with_tests.assert_outcomes(passed=1, failed=2)
    with_tests.stdout.fnmatch_lines(["secgate::fake-marker FAILED*", "secgate::verdict FAILED*"])

    only_verdict = gate_project.runpytest_subprocess("--secgate", "secgate::verdict", "-v")
    only_verdict.assert_outcomes(failed=1)
    only_verdict.stdout.fnmatch_lines(["secgate::verdict FAILED*", "secgate: FAIL"])
    assert "secgate::fake-marker" not in only_verdict.stdout.str()

    # `pytest .` at the root is the whole project: the checked folder is inside it.
    whole = gate_project.runpytest_subprocess("--secgate", ".")
    whole.assert_outcomes(passed=2, failed=2)

    typo = gate_project.runpytest_subprocess("--secgate", "secgate::verdikt")
    assert typo.ret == pytest.ExitCode.USAGE_ERROR
    typo.stderr.fnmatch_lines(["*secgate: no gate item verdikt (the items are: *secgate::verdict)"])


def test_xdist_runs_the_check_once_and_the_controller_prints_the_summary(
    gate_project: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    calls = gate_project.path / "check-calls.txt"
    gate_project.makeconftest(
        f"""
        import os
        import secgate.engine

        real_check = secgate.engine.check

        def counting_check(*args, **kwargs):
            with open({str(calls)!r}, "a", encoding="utf-8") as log:
                log.write(os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
            return real_check(*args, **kwargs)

        secgate.engine.check = counting_check
        """
    )
    gate_project.makepyprojecttoml(
        '[tool.secgate]\nselect = ["fake-marker", "fake-sleep-a", "fake-sleep-b"]\n\n'
        "[tool.secgate.scanners.fake-sleep-a]\nseconds = 0.2\n\n"
        "[tool.secgate.scanners.fake-sleep-b]\nseconds = 0.2\n"
    )
    result = gate_project.runpytest_subprocess("--secgate", "-n", "2")
    result.assert_outcomes(passed=4, failed=2)
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 1
    result.stdout.fnmatch_lines(
        [
            "*= secgate =*",
            "secgate: FAIL",
            "  - 1 blocking finding (1 high) at or above the threshold",
        ]
    )


def _install_ini_keys_entry_point(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``secgate-ini`` pytest11 entry point, installed as pip installs one.

    secgate's own metadata declares it too once pyproject.toml lists it; the same name is
    then loaded once (pytest skips an entry point whose name is already registered).
    """
    dist_info = site / "secgate_ini_keys-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: secgate-ini-keys\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        "[pytest11]\nsecgate-ini = secgate.pytest_plugin:INI_KEYS\n", encoding="utf-8"
    )
    add_to_path(monkeypatch, site)


def test_disabled_plugin_leaves_its_ini_keys_known_under_strict_config(
    gate_project: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_ini_keys_entry_point(tmp_path / "ini-site", monkeypatch)
    gate_project.makepyprojecttoml(
        "[tool.pytest.ini_options]\nsecgate = true\n"
        'secgate_stage = "strict"\nsecgate_path = "."\n\n'
        f"{SELECT_MARKER}\n[tool.secgate.stages.strict]\n"
    )
    disabled = gate_project.runpytest_subprocess(
        "-p", "no:secgate", "--strict-config", "-W", "error::pytest.PytestConfigWarning", "-v"
    )
    disabled.assert_outcomes(passed=2)
    assert disabled.ret == pytest.ExitCode.OK
    out = disabled.stdout.str() + disabled.stderr.str()
    assert "Unknown config option" not in out and "secgate::" not in out

    enabled = gate_project.runpytest_subprocess("--strict-config", "-W", "error")
    enabled.assert_outcomes(passed=2, failed=2)
