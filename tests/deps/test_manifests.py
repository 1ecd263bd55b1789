"""Manifests: every declared dependency with its file and line, and clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import packaging
import pytest

from secgate.deps.manifests import (
    INSTALLED_PATH,
    Declaration,
    Kind,
    Manifests,
    TomlLocator,
    installed_declarations,
    logical_lines,
    manifest_format,
    read_manifests,
)
from tests.deps.helpers import FIXTURES


def _read(root: Path) -> Manifests:
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return read_manifests(root, files)


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def _by_name(manifests: Manifests) -> dict[str, Declaration]:
    return {d.key: d for d in manifests.declarations}


def _line_of(path: Path, needle: str, *, whole: bool = False, last: bool = False) -> int:
    """The (first or last) line containing *needle*, or equal to it when *whole*."""
    lines = path.read_text("utf-8").splitlines()
    found = [n for n, line in enumerate(lines, 1) if (line == needle if whole else needle in line)]
    if not found:
        raise AssertionError(f"{needle!r} not in {path}")
    return found[-1] if last else found[0]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# --------------------------------------------------------------------------- which files


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("requirements.txt", "requirements"),
        ("sub/requirements-dev.txt", "requirements"),
        ("requirements/base.txt", "requirements"),
        ("pyproject.toml", "pyproject"),
        ("uv.lock", "uv.lock"),
        ("poetry.lock", "poetry.lock"),
        ("Pipfile.lock", "Pipfile.lock"),
        ("pylock.toml", "pylock.toml"),
        ("pylock.dev.toml", "pylock.toml"),
        ("constraints.txt", None),
        ("README.txt", None),
        ("pylock.a.b.toml", None),
    ],
)
def test_manifest_formats_are_recognised_by_name(path: str, fmt: str | None) -> None:
    assert manifest_format(path) == fmt


def test_extra_patterns_name_more_requirement_files() -> None:
    assert manifest_format("deps/app.in", ["deps/*.in"]) == "requirements"


# --------------------------------------------------------------------------- requirements


def test_requirements_tree_reads_includes_constraints_hashes_extras_and_markers(
    tmp_path: Path,
) -> None:
    root = _copy("requirements-tree", tmp_path)
    found = _read(root)
    top = root / "requirements.txt"
    base = root / "requirements" / "base.txt"
    decls = _by_name(found)
    assert found.problems == []
    assert found.files == ["constraints.txt", "requirements.txt", "requirements/base.txt"]

    jinja = decls["jinja2"]
    assert (jinja.kind, jinja.version, jinja.path, jinja.line) == (
        Kind.PINNED, "2.10", "requirements.txt", _line_of(top, "jinja2==2.10"),
    )  # fmt: skip
    requests = decls["requests"]
    assert (requests.kind, requests.version, requests.line) == (
        Kind.PINNED, "2.19.0", _line_of(top, "requests[security]"),
    )  # fmt: skip
    assert requests.requirement == 'requests[security]==2.19.0 ; python_version >= "3"'
    # A range with no constraint stays unpinned; the constraints file pins werkzeug.
    assert decls["flask"].kind is Kind.UNPINNED
    werkzeug = decls["werkzeug"]
    assert (werkzeug.kind, werkzeug.version, werkzeug.line) == (
        Kind.PINNED, "0.14", _line_of(top, "werkzeug"),
    )  # fmt: skip
    assert werkzeug.via == f"constraints.txt:{_line_of(root / 'constraints.txt', 'werkzeug')}"
    assert "click" not in decls  # a constraint alone installs nothing
    # Included file: its own path and line.
    assert (decls["urllib3"].path, decls["urllib3"].line, decls["urllib3"].version) == (
        "requirements/base.txt", _line_of(base, "urllib3"), "1.24.1",
    )  # fmt: skip
    assert decls["pyyaml"].version == "5.3"


def test_editable_vcs_url_and_direct_references_are_listed_not_dropped(tmp_path: Path) -> None:
    root = _copy("requirements-tree", tmp_path)
    not_auditable = {
        d.name: (d.reason, d.line) for d in _read(root).declarations if d.kind is Kind.NOT_AUDITABLE
    }
    top = root / "requirements.txt"
    assert not_auditable == {
        "./vendor/mylib": ("editable requirement", _line_of(top, "-e ./vendor")),
        "tool": ("VCS requirement", _line_of(top, "git+https")),
        "https://files.example/packages/demo-1.0-py3-none-any.whl": (
            "URL requirement",
            _line_of(top, "demo-1.0"),
        ),
        "django": ("direct URL reference", _line_of(root / "requirements/base.txt", "django @")),
    }


def test_file_both_included_and_top_level_is_reported_once(tmp_path: Path) -> None:
    root = _copy("requirements-tree", tmp_path)
    found = _read(root)
    urllib3 = [d for d in found.declarations if d.key == "urllib3"]
    assert len(urllib3) == 1


def test_continuation_lines_and_comments_follow_pip() -> None:
    text = "a==1 \\\n  --hash=sha256:00\n# comment \\\nb==2  # trailing\nc==3 \\\n"
    assert list(logical_lines(text)) == [(1, "a==1   --hash=sha256:00"), (4, "b==2"), (5, "c==3")]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ok==1\ndjango>>3\n", 2, "invalid requirement 'django>>3'"),
        ("ok==1\n\n--frobnicate\n", 3, "unknown option '--frobnicate'"),
        ("-r missing.txt\n", 1, "included file 'missing.txt' not found"),
        ("-r ../outside.txt\n", 1, "outside the scanned root"),
        ("-r https://example.invalid/r.txt\n", 1, "cannot be read offline"),
        ("ok==1\n-r\n", 2, "option -r needs a value"),
    ],
)
def test_malformed_requirement_lines_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    (tmp_path / "outside.txt").write_text("x==1\n", "utf-8")
    root = tmp_path / "project"
    _write(root, "requirements.txt", text)
    found = _read(root)
    assert len(found.problems) == 1
    problem = found.problems[0]
    assert (problem.path, problem.line) == ("requirements.txt", line)
    assert message in problem.message
    assert str(problem).startswith(f"requirements.txt:{line}: ")


def test_a_bad_line_does_not_hide_the_good_ones(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "jinja2==2.10\nnot a requirement!\nrequests==2.19.0\n")
    found = _read(tmp_path)
    assert sorted(_by_name(found)) == ["jinja2", "requests"]
    assert [(p.line) for p in found.problems] == [2]


def test_include_cycle_is_read_once(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "-r requirements-dev.txt\na==1\n")
    _write(tmp_path, "requirements-dev.txt", "-r requirements.txt\nb==2\n")
    found = _read(tmp_path)
    assert found.problems == []
    assert sorted(d.key for d in found.declarations) == ["a", "b"]


def test_wildcard_and_triple_equals_pins(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "a==1.*\nb===1.0-legacy\nc==2.0,<3\nd~=1.0\n")
    decls = _by_name(_read(tmp_path))
    assert decls["a"].kind is Kind.UNPINNED
    assert (decls["b"].kind, decls["b"].version) == (Kind.PINNED, "1.0-legacy")
    assert (decls["c"].kind, decls["c"].version) == (Kind.PINNED, "2.0")
    assert decls["d"].kind is Kind.UNPINNED


def test_not_utf8_manifest_is_a_problem_with_a_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"a==1\nb==\xff\n")
    found = _read(tmp_path)
    assert [(p.line, p.message) for p in found.problems] == [(2, "not valid UTF-8")]


# --------------------------------------------------------------------------- pyproject.toml


PYPROJECT = """\
[build-system]
requires = ["hatchling"]  # not a runtime dependency

[project]
name = "demo"
dependencies = [
    "jinja2==2.10",
    'requests>=2.19',  # literal string
    "jinja2==2.10; python_version < '3'",
]

[project.optional-dependencies]
yaml = ["pyyaml==5.3"]
web = [
  "flask @ git+https://github.com/pallets/flask@1.0",
]

[dependency-groups]
test = ["pytest==6.0", {include-group = "lint"}]
lint = [
    "jinja2==2.10",
]

[tool.other]
dependencies = ["urllib3==1.0"]
"""


def test_pyproject_dependencies_optional_and_groups_with_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "pyproject.toml", PYPROJECT)
    found = _read(tmp_path)
    assert found.problems == []
    rows = [(d.name, d.version, d.kind, d.line, d.group) for d in found.declarations]
    assert rows == [
        ("jinja2", "2.10", Kind.PINNED, _line_of(path, '"jinja2==2.10",'), None),
        ("requests", None, Kind.UNPINNED, _line_of(path, "'requests"), None),
        ("jinja2", "2.10", Kind.PINNED, _line_of(path, "python_version"), None),
        ("pyyaml", "5.3", Kind.PINNED, _line_of(path, "pyyaml"), "optional-dependencies.yaml"),
        ("flask", None, Kind.NOT_AUDITABLE, _line_of(path, "flask @"), "optional-dependencies.web"),
        ("pytest", "6.0", Kind.PINNED, _line_of(path, "pytest"), "dependency-groups.test"),
        (
            "jinja2",
            "2.10",
            Kind.PINNED,
            _line_of(path, "jinja2==2.10", last=True),
            "dependency-groups.lint",
        ),
    ]
    assert "urllib3" not in _by_name(found)  # [tool.other] is not a dependency table


def test_pyproject_without_project_table_declares_nothing(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", "[tool.secgate]\nfail-on = 'high'\n")
    found = _read(tmp_path)
    assert (found.declarations, found.problems) == ([], [])


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[project]\nname = "x"\ndependencies = [\n  "ok==1",\n  "bad>>1",\n]\n', 5,
         "project.dependencies: invalid requirement 'bad>>1'"),
        ('[project]\nname = "x"\ndependencies = "django"\n', 3,
         "project.dependencies must be an array"),
        ('[project]\nname = "x"\ndependencies = [\n  "ok==1"\n  "missing-comma==2",\n]\n', 5,
         "invalid TOML"),
        ('[dependency-groups]\ntest = [1]\n', 2, "expected a requirement string, got 1"),
    ],
)  # fmt: skip
def test_malformed_pyproject_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    _write(tmp_path, "pyproject.toml", text)
    found = _read(tmp_path)
    assert [(p.path, p.line) for p in found.problems] == [("pyproject.toml", line)]
    assert message in found.problems[0].message


# --------------------------------------------------------------------------- lock files


def test_uv_lock_entries_with_lines_and_the_project_itself_not_auditable(tmp_path: Path) -> None:
    root = _copy("uv-project", tmp_path)
    found = _read(root)
    lock = root / "uv.lock"
    locked = {d.key: d for d in found.declarations if d.origin == "uv.lock"}
    assert found.problems == []
    assert {k: d.version for k, d in locked.items() if d.kind is Kind.PINNED} == {
        "certifi": "2026.10.19.post1",
        "chardet": "3.0.4",
        "idna": "2.7",
        "jinja2": "2.10.3",
        "markupsafe": "3.0.4",
        "pyyaml": "5.3.1",
        "requests": "2.19.0",
        "urllib3": "1.23",
    }
    # Each entry's own `name = ...` line, not the `{ name = "jinja2" }` of a dependent.
    assert locked["jinja2"].line == _line_of(lock, 'name = "jinja2"', whole=True)
    assert locked["urllib3"].line == _line_of(lock, 'name = "urllib3"', whole=True)
    assert (locked["demo"].kind, locked["demo"].reason) == (
        Kind.NOT_AUDITABLE,
        "local project or path",
    )


def test_lock_file_covers_the_manifests_beside_and_below_it(tmp_path: Path) -> None:
    root = _copy("uv-project", tmp_path)
    _write(root, "sub/requirements.txt", "jinja2>=2\nflask>=1\n")
    found = _read(root)
    pyproject_jinja = next(d for d in found.declarations if d.origin == "pyproject")
    assert found.covering_lock(pyproject_jinja) == "uv.lock"
    sub = {d.key: d for d in found.declarations if d.path == "sub/requirements.txt"}
    assert found.covering_lock(sub["jinja2"]) == "uv.lock"
    assert found.covering_lock(sub["flask"]) is None  # not in the lock: still unpinned


def test_pylock_toml_entries_with_lines(tmp_path: Path) -> None:
    root = _copy("pylock-project", tmp_path)
    found = _read(root)
    lock = root / "pylock.toml"
    decls = _by_name(found)
    assert found.problems == []
    assert decls["requests"].version == "2.19.0"
    assert decls["requests"].line == _line_of(lock, 'name = "requests"', whole=True)
    assert all(d.origin == "pylock.toml" and d.kind is Kind.PINNED for d in decls.values())
    assert len(decls) == 8


def test_poetry_lock_entries_with_lines_and_git_source_not_auditable(tmp_path: Path) -> None:
    root = _copy("poetry-project", tmp_path)
    found = _read(root)
    lock = root / "poetry.lock"
    decls = _by_name(found)
    assert found.problems == []
    assert (decls["django"].name, decls["django"].version, decls["django"].line) == (
        "Django", "3.2", _line_of(lock, 'name = "Django"'),
    )  # fmt: skip
    assert decls["sqlparse"].version == "0.4.1"
    assert (decls["mylib"].kind, decls["mylib"].reason) == (
        Kind.NOT_AUDITABLE,
        "VCS dependency (git)",
    )
    # [tool.poetry.dependencies] is Poetry's own format, not PEP 621: the lock is read.
    assert {d.origin for d in found.declarations} == {"poetry.lock"}


def test_pipfile_lock_categories_with_lines(tmp_path: Path) -> None:
    root = _copy("pipenv-project", tmp_path)
    found = _read(root)
    lock = root / "Pipfile.lock"
    decls = _by_name(found)
    assert found.problems == []
    assert (decls["flask"].version, decls["flask"].group, decls["flask"].line) == (
        "0.12", "default", _line_of(lock, '"flask"'),
    )  # fmt: skip
    assert (decls["pyyaml"].version, decls["pyyaml"].group) == ("5.3", "develop")
    assert (decls["mylib"].kind, decls["mylib"].reason) == (
        Kind.NOT_AUDITABLE,
        "local project or path",
    )
    assert decls["requests"].reason == "VCS dependency"
    assert "_meta" not in {d.group for d in found.declarations}


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("uv.lock", 'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0\n', 5, "invalid TOML"),
        ("poetry.lock", '[[package]]\nname = "a"\nversion = "1"\n[[package]]\nversion = "2"\n',
         4, "package entry 2 has no name"),
        ("pylock.toml", 'lock-version = "1.0"\npackages = "x"\n', None, "must be an array"),
        ("Pipfile.lock", '{\n  "default": {\n    "a": {"version": "==1"},\n  }\n}\n', 4,
         "invalid JSON"),
    ],
)  # fmt: skip
def test_malformed_lock_files_name_file_and_line(
    tmp_path: Path, name: str, text: str, line: int | None, message: str
) -> None:
    _write(tmp_path, name, text)
    found = _read(tmp_path)
    assert [(p.path, p.line) for p in found.problems] == [(name, line)]
    assert message in found.problems[0].message


def test_lock_entry_without_a_version_is_not_auditable(tmp_path: Path) -> None:
    _write(tmp_path, "uv.lock", '[[package]]\nname = "a"\nsource = { registry = "x" }\n')
    (decl,) = _read(tmp_path).declarations
    assert (decl.kind, decl.reason, decl.line) == (Kind.NOT_AUDITABLE, "no version in the lock", 2)


# --------------------------------------------------------------------------- TOML lines


def test_toml_locator_skips_comments_and_handles_all_string_forms() -> None:
    text = (
        '# "jinja2==2.10" in a comment\n'
        "[project]\n"
        "dependencies = [\n"
        "  '''jinja2==2.10''',\n"
        '  "a\\u0062c==1",  # "abc==1"\n'
        '  """\n'
        'multi==1""",\n'
        "]\n"
    )
    locator = TomlLocator(text)
    assert locator.find("jinja2==2.10", ["project"]) == 4
    assert locator.find("abc==1", ["project"]) == 5
    assert locator.find("multi==1", ["project"]) == 6
    assert locator.find("jinja2==2.10", ["project"]) is None  # claimed already


def test_toml_locator_prefers_the_declaring_table_for_equal_strings() -> None:
    text = '[tool.x]\nv = ["a==1"]\n\n[project]\ndependencies = ["a==1"]\n'
    assert TomlLocator(text).find("a==1", ["project"]) == 5


def test_toml_locator_headers_inside_arrays_are_not_tables() -> None:
    text = 'x = [\n[1, 2],\n]\n[[package]]\nname = "a"\n[package.source]\ntype = "git"\n[meta]\n'
    locator = TomlLocator(text)
    assert [(line, name) for line, name, _ in locator.headers] == [
        (4, "package"),
        (6, "package.source"),
        (8, "meta"),
    ]
    assert locator.array_blocks("package") == [(4, 8)]


# --------------------------------------------------------------------------- installed


def test_installed_environment_lists_this_interpreter_distributions() -> None:
    decls = {d.key: d for d in installed_declarations()}
    found = decls["packaging"]
    assert (found.kind, found.version, found.path) == (
        Kind.PINNED,
        packaging.__version__,
        INSTALLED_PATH,
    )
    # secgate itself is installed editable here: listed, not audited.
    assert decls["secgate-ci"].kind is Kind.NOT_AUDITABLE
    assert decls["secgate-ci"].reason == "editable install"


def test_pipfile_lock_package_named_like_an_entry_key_gets_its_own_line(tmp_path: Path) -> None:
    text = (
        '{\n    "_meta": {"pipfile-spec": 6},\n    "default": {\n'
        '        "flask": {\n            "hashes": [],\n            "version": "==0.12"\n'
        '        },\n        "hashes": {\n            "version": "==1.0"\n        }\n    }\n}\n'
    )
    _write(tmp_path, "Pipfile.lock", text)
    decls = _by_name(_read(tmp_path))
    assert (decls["flask"].line, decls["hashes"].line) == (4, 8)
